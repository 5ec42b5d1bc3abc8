// expect: :3:10: error: use of undeclared identifier 'zz'
__kernel void k(__global int *a) {
  a[0] = zz;
}
