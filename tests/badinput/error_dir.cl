// expect: :2:1: error: #error stop here
#error stop here
__kernel void k(__global int *a) { a[0] = 1; }
