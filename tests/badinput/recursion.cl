// expect: :2:27: error: recursive call: f -> f
int f(int x) { return x ? f(x - 1) : 0; }
__kernel void k(__global int *a) {
  a[0] = f(a[1]);
}
