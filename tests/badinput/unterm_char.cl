// expect: :3:10: error: missing terminating ' character
__kernel void k(__global int *a) {
  a[0] = 'a;
}
