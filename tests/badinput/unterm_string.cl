// expect: :3:13: error: missing terminating '"' character
__kernel void k(__global int *a) {
  char *s = "abc;
}
