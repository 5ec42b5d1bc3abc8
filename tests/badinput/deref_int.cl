// expect: :3:11: error: indirection requires a pointer operand
__kernel void k(__global int *a) {
  a[0] = *a[1];
}
