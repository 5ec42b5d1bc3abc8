// expect: :2:8: error: structs, unions and enums are not supported yet
struct S { int x; };
__kernel void k(__global struct S *a) {
  a[0].x = 1;
}
