// expect: :3:10: error: 'as_int' needs an argument of the same size (4 bytes), not short (2 bytes)
__kernel void k(__global int *a) {
  a[0] = as_int((short)1);
}
