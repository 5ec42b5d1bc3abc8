/* Mixed signed/unsigned arithmetic with C promotion rules: comparisons of
   int with uint, shifts of negatives, char/ushort promotion, long products,
   division and remainder of negatives. */
__kernel void mixed_signedness(__global const int *a, __global const uint *b, __global const char *c,
                               __global const ushort *d, __global int *out, __global long *lout, int n) {
    int i = get_global_id(0);
    if (i >= n)
        return;
    int x = a[i];
    uint y = b[i];
    char ch = c[i];
    ushort us = d[i];
    out[6 * i + 0] = x < y;                 /* x converted to uint */
    out[6 * i + 1] = x >> 3;                /* arithmetic shift */
    out[6 * i + 2] = (int)((uint)x >> 3);   /* logical shift */
    out[6 * i + 3] = ch * us;               /* both promoted to int */
    out[6 * i + 4] = x / 7 + x % 7;
    out[6 * i + 5] = (int)(y / 3u) - (int)(y % 5u);
    lout[2 * i + 0] = (long)x * (long)y;
    lout[2 * i + 1] = (long)(x + (int)y) << 20;
}
