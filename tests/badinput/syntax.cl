// expect: :2:45: error: syntax error before '}'
__kernel void k(__global int *a) { a[0] = 1 }
