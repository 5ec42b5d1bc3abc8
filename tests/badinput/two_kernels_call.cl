// expect: soff: error: the input has several kernels (j, k); choose one with -k/--kernel
__kernel void j(__global int *a) { a[0] = 1; }
__kernel void k(__global int *a) { j(a); }
