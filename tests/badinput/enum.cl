// expect: :2:1: error: structs, unions and enums are not supported yet
enum E { A, B };
__kernel void k(__global int *a) {
  a[0] = B;
}
