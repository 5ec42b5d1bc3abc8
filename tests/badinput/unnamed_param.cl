// expect: :2:17: error: kernel parameters must be named
__kernel void k(__global int *) {
}
