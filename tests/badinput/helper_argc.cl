// expect: :4:10: error: too many arguments to function call 'f', expected 1, have 2
int f(int x) { return x; }
__kernel void k(__global int *a) {
  a[0] = f(1, 2);
}
