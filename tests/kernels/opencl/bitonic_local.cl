/* Bitonic sort of each work-group's slice in __local memory: barriers inside
   two nested loops; -D WG=n (a power of two) elements per group, ascending. */
#ifndef WG
#define WG 16
#endif
__kernel void bitonic_local(__global int *data) {
    __local int s[WG];
    int l = get_local_id(0);
    int base = get_group_id(0) * WG;
    s[l] = data[base + l];
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int k = 2; k <= WG; k <<= 1) {
        for (int j = k >> 1; j > 0; j >>= 1) {
            int p = l ^ j;
            int a = s[l], b = s[p];
            barrier(CLK_LOCAL_MEM_FENCE);
            if (p > l) {
                int up = (l & k) == 0;
                if ((a > b) == up) {
                    s[l] = b;
                    s[p] = a;
                }
            }
            barrier(CLK_LOCAL_MEM_FENCE);
        }
    }
    data[base + l] = s[l];
}
