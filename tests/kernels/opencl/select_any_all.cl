/* Relational built-ins: scalar and vector select, any, all on vector
   comparisons (NaN compares false), and vector select as a conditional negate. */
__kernel void select_any_all(__global const float *x, __global int *out, __global float *fout, int n) {
    int i = get_global_id(0);
    if (i >= n)
        return;
    float4 v = vload4(i, x);
    int4 pos = v > 0.0f;
    out[4 * i + 0] = any(pos) + 2 * all(pos) + 4 * any(v != v) + 8 * all(v >= -1.0f);
    out[4 * i + 1] = select(7, -7, v.x > v.y);
    out[4 * i + 2] = select(3, 5, (int)(v.z < v.w)) + 2 * (v.w == 0.0f);
    out[4 * i + 3] = all(v.xy < v.zw);
    float4 s = select(v, -v, pos);     /* -|v| for v > 0 */
    vstore4(s, i, fout);
}
