// expect: :3:10: error: too few arguments to function call 'min', expected 2, have 1
__kernel void k(__global int *a) {
  a[0] = min(a[1]);
}
