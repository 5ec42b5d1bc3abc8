/* A 3-D NDRange: every work-item function in all three dimensions (global,
   local and group ids, sizes, group counts) packed into two words. */
__kernel void ndrange_3d(__global int *out) {
    int gx = get_global_id(0), gy = get_global_id(1), gz = get_global_id(2);
    int W = get_global_size(0), H = get_global_size(1);
    int idx = (gz * H + gy) * W + gx;
    out[2 * idx] = get_local_id(0) + 10 * get_local_id(1) + 100 * get_local_id(2)
                 + 1000 * (get_group_id(0) + 10 * get_group_id(1) + 100 * get_group_id(2));
    out[2 * idx + 1] = get_local_size(0) * get_local_size(1) * get_local_size(2)
                     + 1000 * get_num_groups(0) * get_num_groups(1) * get_num_groups(2);
}
