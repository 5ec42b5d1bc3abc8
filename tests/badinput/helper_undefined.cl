// expect: :4:10: error: function 'f' is declared but never defined
int f(int);
__kernel void k(__global int *a) {
  a[0] = f(1);
}
