// expect: :1:1: error: no __kernel function in the input
int f(int x) { return x; }
