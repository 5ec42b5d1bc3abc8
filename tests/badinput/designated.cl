// expect: :3:7: error: designated initializers are not supported yet
__kernel void k(__global int *a) {
  int t[2] = {[1] = 3};
  a[0] = t[1];
}
