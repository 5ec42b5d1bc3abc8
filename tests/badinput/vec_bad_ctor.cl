// expect: :3:12: error: a int4 literal needs 4 components, not 3
__kernel void k(__global int *a) {
  int4 v = (int4)(1,2,3);
  a[0] = v.x;
}
