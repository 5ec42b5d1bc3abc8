// expect: :2:1: error: 'nope.h' file not found
#include "nope.h"
__kernel void k(__global int *a) { a[0] = 1; }
