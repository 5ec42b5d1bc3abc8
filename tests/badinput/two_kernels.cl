// expect: soff: error: the input has several kernels (a, b); choose one with -k/--kernel
__kernel void a(__global int *x) { x[0] = 1; }
__kernel void b(__global int *x) { x[0] = 2; }
