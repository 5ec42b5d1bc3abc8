/* A __local pointer argument (scratch sized at launch) used to reverse each
   work-group's slice; reqd_work_group_size fixes the local size. */
__kernel __attribute__((reqd_work_group_size(16, 1, 1)))
void local_arg_reverse(__global const int *in, __global int *out, __local int *scratch, int n) {
    int l = get_local_id(0), g = get_global_id(0);
    int size = get_local_size(0);
    scratch[l] = g < n ? in[g] : 0;
    barrier(CLK_LOCAL_MEM_FENCE);
    if (g < n)
        out[g] = scratch[size - 1 - l];
}
