/* Conversions: convert_uchar4_sat (saturating image brightness), convert_int
   with _rtz/_rte rounding, and char/short narrowing with wraparound. */
__kernel void convert_sat(__global const uchar *img, __global uchar *outimg,
                          __global const float *f, __global int *conv, float gain, int n) {
    int i = get_global_id(0);
    if (i >= n)
        return;
    uchar4 p = vload4(i, img);
    float4 q = convert_float4(p) * gain - 20.0f;
    vstore4(convert_uchar4_sat(q), i, outimg);
    float v = f[i];
    conv[4 * i + 0] = convert_int_rtz(v);
    conv[4 * i + 1] = convert_int_sat(v * 1.0e8f);
    conv[4 * i + 2] = (char)(int)(v * 10.0f);
    conv[4 * i + 3] = convert_short_sat(v * 1000.0f);
}
