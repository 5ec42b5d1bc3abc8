// expect: :3:10: error: integer constant '99999999999999999999999999999' is too large
__kernel void k(__global int *a) {
  a[0] = 99999999999999999999999999999;
}
