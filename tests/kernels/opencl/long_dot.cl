/* 64-bit integers: each work-item computes a strided dot product of int
   vectors in a long accumulator and a ulong hash (FNV-1a style, wraparound). */
__kernel void long_dot(__global const int *a, __global const int *b, __global long *dot,
                       __global ulong *hash, int n, int stride) {
    int i = get_global_id(0);
    if (i >= stride)
        return;
    long acc = 0;
    ulong h = 14695981039346656037UL;
    for (int k = i; k < n; k += stride) {
        acc += (long)a[k] * b[k];
        h = (h ^ (ulong)(uint)a[k]) * 1099511628211UL;
    }
    dot[i] = acc;
    hash[i] = h;
}
