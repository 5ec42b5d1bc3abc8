// expect: :4:3: error: void value not ignored as it ought to be
void f() {}
__kernel void k(__global int *a) {
  a[0] = f();
}
