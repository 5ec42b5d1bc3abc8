// expect: :3:14: error: 'static' variables are not supported yet
__kernel void k(__global int *a) {
  static int x = 0;
  a[0] = x;
}
