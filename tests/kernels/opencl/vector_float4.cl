/* float4 arithmetic, swizzles, vload4/vstore4, vector literals and
   convert_int4: one float4 element per work-item. */
__kernel void vector_float4(__global const float *x, __global float *y, __global int *r, int n) {
    int i = get_global_id(0);
    if (i >= n)
        return;
    float4 v = vload4(i, x);
    float4 w = v * (float4)(2.0f, 0.5f, -1.0f, 4.0f) + v.wzyx;
    w.xy = w.yx - v.zz;
    w.w += v.x * v.y;
    vstore4(w, i, y);
    int4 k = convert_int4(v) + (int4)(i);
    vstore4(k.s3210, i, r);
}
