// expect: :3:21: error: invalid operands to binary '+' (ptr.global<i32> and ptr.global<i32>)
__kernel void k(__global int *a, __global int *b) {
  __global int *c = a + b;
  c[0] = 1;
}
