// expect: :3:11: error: compound literals and initializer lists are not supported yet
__kernel void k(__global int *a) {
  a[0] = ((int[]){1,2})[0];
}
