// expect: :2:31: error: pointers to pointers are not supported yet
__kernel void k(__global int **a) {
  a[0][0] = 1;
}
