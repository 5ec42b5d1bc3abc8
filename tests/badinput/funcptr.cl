// expect: :4:8: error: function pointers are not supported yet
int f(int x) { return x; }
__kernel void k(__global int *a) {
  int (*p)(int) = f;
  a[0] = p(1);
}
