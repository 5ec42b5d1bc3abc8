// expect: :3:7: error: pointers used as truth values are not supported yet
__kernel void k(__global int *a) {
  if (a) a[0] = 1;
}
