// expect: :2:16: error: __constant variable 'g' needs an initializer
__constant int g[2];
__kernel void k(__global int *a) {
  a[0] = g[a[1]&1];
}
