// expect: :3:10: error: Invalid octal constant
__kernel void k(__global int *a) {
  a[0] = 09;
}
