// expect: :2:5: error: variadic function 'f' is not supported
int f(int x, ...) { return x; }
__kernel void k(__global int *a) {
  a[0] = f(1, 2);
}
