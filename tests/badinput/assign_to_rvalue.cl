// expect: :3:3: error: expression is not assignable
__kernel void k(__global int *a) {
  a[0] + 1 = 2;
}
