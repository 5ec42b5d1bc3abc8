// expect: :3:10: error: invalid operands to binary '%' (f32 and f32): it needs integer operands
__kernel void k(__global float *a) {
  a[0] = a[1] % 2.0f;
}
