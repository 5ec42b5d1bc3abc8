/* Transcendental float built-ins (OpenCL ULP bounds): exp, exp2, log, log2,
   pow, sin, cos, tan, atan2, tanh, rsqrt, cbrt, hypot. */
__kernel void math_transcendental(__global const float *x, __global const float *y,
                                  __global float *out, int n) {
    int i = get_global_id(0);
    if (i >= n)
        return;
    float a = x[i], b = y[i];          /* a in (0.1, 4), b in (-2, 2) */
    out[12 * i + 0] = exp(b);
    out[12 * i + 1] = exp2(b) + log2(a);
    out[12 * i + 2] = log(a);
    out[12 * i + 3] = pow(a, b);
    out[12 * i + 4] = sin(b);
    out[12 * i + 5] = cos(b);
    out[12 * i + 6] = tan(b * 0.5f);
    out[12 * i + 7] = atan2(b, a);
    out[12 * i + 8] = tanh(b);
    out[12 * i + 9] = rsqrt(a);
    out[12 * i + 10] = cbrt(b);
    out[12 * i + 11] = hypot(a, b);
}
