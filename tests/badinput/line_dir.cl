// expect: :2:1: error: #line directives are not supported yet
#line 5
__kernel void k(__global int *a) { a[0] = 1; }
