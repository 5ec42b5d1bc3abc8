// expect: :3:21: error: incompatible conversion from i32 to ptr.global<i32>
__kernel void k(__global int *a) {
  __global int *p = 5;
  p[0] = 1;
}
