// expect: :3:10: error: the built-in function 'lgamma' is not supported yet
__kernel void k(__global float *a) {
  a[0] = lgamma(a[1]);
}
