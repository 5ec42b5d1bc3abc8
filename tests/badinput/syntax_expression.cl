// expect: :3:15: error: Invalid expression
__kernel void k(__global int *a) {
  a[0] = (1 + ;
}
