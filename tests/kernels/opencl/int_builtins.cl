/* Integer built-ins: mul24, mad24, mul_hi, rotate, popcount, clz, add_sat,
   sub_sat, hadd, rhadd, clamp, abs, abs_diff, min, max, upsample. */
__kernel void int_builtins(__global const int *a, __global const int *b, __global const uint *u,
                           __global int *out, __global uint *uout, int n) {
    int i = get_global_id(0);
    if (i >= n)
        return;
    int x = a[i], y = b[i];
    uint v = u[i];
    out[8 * i + 0] = mul24(x & 0x7fff, y & 0x7fff);
    out[8 * i + 1] = mad24(x >> 18, y >> 18, x);
    out[8 * i + 2] = mul_hi(x, y);
    out[8 * i + 3] = add_sat(x, y);
    out[8 * i + 4] = sub_sat(x, y);
    out[8 * i + 5] = hadd(x, y) + rhadd(x, y);
    out[8 * i + 6] = clamp(x, -1000, 1000) + abs(y) / 4;
    out[8 * i + 7] = min(x, y) - max(x, y);
    uout[4 * i + 0] = rotate(v, (uint)(i & 31));
    uout[4 * i + 1] = popcount(v) + 100 * clz(v);
    uout[4 * i + 2] = mul_hi(v, 0x9e3779b9u);
    uout[4 * i + 3] = abs_diff(x, y);
}
