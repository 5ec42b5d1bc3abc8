/* STREAM triad through restrict pointers: a[i] = b[i] + s * c[i]. */
__kernel void restrict_triad(__global float *restrict a, __global const float *restrict b,
                             __global const float *restrict c, float s, int n) {
    int i = get_global_id(0);
    if (i < n)
        a[i] = b[i] + s * c[i];
}
