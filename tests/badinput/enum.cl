// expect: :2:1: error: enums are not supported yet
enum E { A, B };
__kernel void k(__global int *a) {
  a[0] = B;
}
