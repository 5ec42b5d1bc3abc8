// expect: :4:3: error: Macro A requires 2 arguments but was passed 1
#define A(x, y) x
__kernel void k(__global int *a) {
  a[0] = A(1);
}
