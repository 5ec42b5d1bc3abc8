// expect: :3:10: error: invalid application of 'sizeof' to a void type
__kernel void k(__global int *a) {
  a[0] = sizeof(void);
}
