// expect: :5:5: error: a 64-bit global memory access needs a memory bus of at least that width; target 'ice40-up5k' has a 32-bit bus
// args: --target ice40-up5k
__kernel void k(__global const int *x, __global long *y) {
    int i = get_global_id(0);
    y[i] = (long)x[i] * 3;
}
