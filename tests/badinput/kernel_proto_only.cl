// expect: :1:1: error: no __kernel function in the input
__kernel void k(__global int *a);
