// expect: :3:7: error: array size must be positive, not -1
__kernel void k(__global int *a) {
  int t[-1];
  a[0] = 1;
}
