// expect: :3:15: error: redefinition of 'k'
__kernel void k(__global int *a) { a[0] = 1; }
__kernel void k(__global int *a) { a[0] = 2; }
