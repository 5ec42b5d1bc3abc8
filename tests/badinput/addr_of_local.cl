// expect: :3:24: error: taking the address of a variable is not supported yet
__kernel void k(__global int *a) {
  int x = 1; int *p = &x;
  a[0] = *p;
}
