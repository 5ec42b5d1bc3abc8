/* Histogram with local atomics: each work-group counts into __local bins with
   atomic_inc, then merges its bins into the global histogram with atomic_add. */
#define BINS 16
__kernel void histogram_local(__global const uint *data, __global uint *hist, int n) {
    __local uint bins[BINS];
    int l = get_local_id(0);
    int i = get_global_id(0);
    if (l < BINS)
        bins[l] = 0;
    barrier(CLK_LOCAL_MEM_FENCE);
    if (i < n)
        atomic_inc(&bins[(data[i] >> 2) % BINS]);
    barrier(CLK_LOCAL_MEM_FENCE);
    if (l < BINS && bins[l] != 0)
        atomic_add(&hist[l], bins[l]);
}
