/* Built-ins the front end may not have yet, collected so the rest of the
   corpus runs: isnan, isinf, isfinite, signbit, step, sign, convert_int_rte,
   get_work_dim and get_global_offset; printf (ignored
   in hardware with a warning) and pointer comparison
   and subtraction. */
__kernel void relational_gaps(__global const float *x, __global int *out, __global float *fout, int n) {
    int i = get_global_id(0);
    if (i >= n)
        return;
    float v = x[i];
    out[2 * i + 0] = isnan(v) + 2 * isinf(v) + 4 * isfinite(v) + 8 * signbit(v);
    out[2 * i + 1] = convert_int_rte(isfinite(v) ? v * 4.0f : 0.0f) + 1000 * get_work_dim()
                   + 10000 * (int)get_global_offset(0);
    fout[i] = step(0.5f, v) + 2.0f * sign(v);
    if (x + i < x + n && (x + n) - (x + i) == n && i == 0)
        printf("relational_gaps: n = %d\n", n);
}
