/* Inclusive prefix sum within each work-group (Hillis-Steele, double-buffered
   __local arrays, a barrier per step); each group also writes its total to
   block_sums. Local size -D WG=n (a power of two). */
#ifndef WG
#define WG 16
#endif
__kernel void scan(__global const int *in, __global int *out, __global int *block_sums, int n) {
    __local int a[WG];
    __local int b[WG];
    int l = get_local_id(0);
    int i = get_global_id(0);
    a[l] = i < n ? in[i] : 0;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int off = 1; off < WG; off *= 2) {
        int v = a[l];
        if (l >= off)
            v += a[l - off];
        b[l] = v;
        barrier(CLK_LOCAL_MEM_FENCE);
        a[l] = b[l];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (i < n)
        out[i] = a[l];
    if (l == WG - 1)
        block_sums[get_group_id(0)] = a[l];
}
