// expect: :4:23: error: recursive call: f -> g -> f
int g(int x);
int f(int x) { return x ? g(x - 1) : 0; }
int g(int x) { return f(x); }
__kernel void k(__global int *a) {
  a[0] = f(a[1]);
}
