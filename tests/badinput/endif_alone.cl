// expect: :2:1: error: Misplaced #endif
#endif
__kernel void k(__global int *a) { a[0] = 1; }
