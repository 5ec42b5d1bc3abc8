// expect: :3:3: error: the format of printf must be a string literal
__kernel void k(__global int *a, __constant char *f) {
  printf(f, a[0]);
}
