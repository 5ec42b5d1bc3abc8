// expect: :3:16: error: invalid operands to binary '*' (ptr.global<i32> and i32)
__kernel void k(__global int *a) {
  a[0] = (int)(a * 2);
}
