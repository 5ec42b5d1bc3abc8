// expect: :2:1: error: Unterminated #if 1
#if 1
__kernel void k(__global int *a) { a[0] = 1; }
