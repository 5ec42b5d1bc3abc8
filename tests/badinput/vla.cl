// expect: :3:7: error: arrays whose size is not an integer constant are not supported
__kernel void k(__global int *a, int n) {
  int t[n];
  t[0] = 1;
  a[0] = t[0];
}
