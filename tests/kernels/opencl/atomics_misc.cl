/* The other atomics: atomic_min/max/sub/and/or/xor/xchg/cmpxchg on global
   ints, the atom_add spelling, and atomic_max on a __local value merged into
   the global result; every final value is order-independent. */
#pragma OPENCL EXTENSION cl_khr_global_int32_base_atomics : enable
__kernel void atomics_misc(__global const int *d, __global int *acc, __global int *claim,
                           __global int *slot, int n) {
    __local int lmax;
    int i = get_global_id(0);
    if (get_local_id(0) == 0)
        lmax = -2147483647 - 1;
    barrier(CLK_LOCAL_MEM_FENCE);
    if (i < n) {
        int x = d[i];
        atomic_min(&acc[0], x);
        atomic_max(&acc[1], x);
        atomic_sub(&acc[2], x);
        atomic_and(&acc[3], x | 0x10);
        atomic_or(&acc[4], x & 0x70f);
        atomic_xor(&acc[5], x);
        atom_add(&acc[6], 1);
        atomic_xchg(&slot[i], x * 2);
        if (atomic_cmpxchg(&claim[i & 3], 0, 1) == 0)
            atomic_inc(&acc[7]);         /* exactly four winners */
        atomic_max(&lmax, x);
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    if (get_local_id(0) == 0)
        atomic_add(&acc[8], lmax == -2147483647 - 1 ? 0 : lmax);
}
