/* Sum reduction: each work-group reduces its values in __local memory with a
   barrier tree (local size a power of two, -D WG=n), then work-item 0 adds the
   partial sum to the result with atomic_add. Out-of-range items add 0. */
#ifndef WG
#define WG 32
#endif
__kernel void reduce_atomic(__global const int *in, __global int *sum, int n) {
    __local int part[WG];
    int l = get_local_id(0);
    int i = get_global_id(0);
    part[l] = i < n ? in[i] : 0;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = WG / 2; s > 0; s >>= 1) {
        if (l < s)
            part[l] += part[l + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (l == 0)
        atomic_add(sum, part[0]);
}
