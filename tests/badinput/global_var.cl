// expect: :2:5: error: program-scope variables other than __constant ones are not supported yet
int g = 3;
__kernel void k(__global int *a) {
  a[0] = g;
}
