// expect: :3:1: error: unterminated comment
__kernel void k(__global int *a) { a[0] = 1; }
/* never ends
