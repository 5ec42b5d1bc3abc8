/* Basic float math built-ins with exact results: sqrt, fabs, fmin, fmax,
   floor, ceil, trunc, round, fma, mad, copysign, fdim. */
__kernel void math_basic(__global const float *x, __global const float *y, __global float *out, int n) {
    int i = get_global_id(0);
    if (i >= n)
        return;
    float a = x[i], b = y[i];
    out[8 * i + 0] = sqrt(fabs(a));
    out[8 * i + 1] = fmin(a, b) + fmax(a, b) * 2.0f;
    out[8 * i + 2] = floor(a) - ceil(b);
    out[8 * i + 3] = trunc(a * 3.0f) + round(b);
    out[8 * i + 4] = fma(a, b, 1.0f);
    out[8 * i + 5] = copysign(a, b);
    out[8 * i + 6] = fdim(a, b);
    out[8 * i + 7] = a / (fabs(b) + 1.0f);
}
