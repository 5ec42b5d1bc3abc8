// expect: :2:7: error: structs, unions and enums are not supported yet
union U { int i; float f; };
__kernel void k(__global int *a) {
  union U u; u.f = 1.0f;
  a[0] = u.i;
}
