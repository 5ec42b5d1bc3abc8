// expect: :3:3: error: the built-in function 'printf' is not supported yet
__kernel void k(__global int *a) {
  printf("%d", a[0]);
}
