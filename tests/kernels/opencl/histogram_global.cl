/* Histogram with global atomics: atomic_inc on the bin of each value. */
#define BINS 16
__kernel void histogram_global(__global const uint *data, __global uint *hist, int n) {
    int i = get_global_id(0);
    if (i < n)
        atomic_inc(&hist[data[i] % BINS]);
}
