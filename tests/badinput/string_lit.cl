// expect: :3:10: error: string literals are not supported yet
__kernel void k(__global int *a) {
  a[0] = "abc"[0];
}
