// expect: :3:10: error: subscripted value is not a pointer
__kernel void k(__global int *a) {
  a[0] = 3[4];
}
