// expect: :3:19: error: excess elements in array initializer
__kernel void k(__global int *a) {
  int t[2] = {1,2,3};
  a[0] = t[a[1]&1];
}
