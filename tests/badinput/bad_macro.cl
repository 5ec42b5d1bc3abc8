// expect: :2:1: error: Missing ')' in macro arguments
#define F(x
__kernel void k(__global int *a) { a[0] = 1; }
