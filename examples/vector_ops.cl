// Several element-wise integer operations in one pass, with a branch:
// shifts, bitwise logic, signed division, comparisons and a ternary.
#define CLAMP_MAX 1000

__kernel void vector_ops(__global const int *a,
                         __global const int *b,
                         __global int *sum_or_diff,
                         __global int *mixed,
                         __global uchar *flags,
                         const int n)
{
    int i = get_global_id(0);
    if (i >= n)
        return;
    int x = a[i];
    int y = b[i];
    if (x > y)
        sum_or_diff[i] = x - y;
    else
        sum_or_diff[i] = x + y;
    int q = y != 0 ? x / y : 0;
    int m = ((x << 3) ^ (y >> 2)) & 0xffff;
    mixed[i] = m + q > CLAMP_MAX ? CLAMP_MAX : m + q;
    flags[i] = (uchar)((x & 1) | ((y < 0) << 1));
}
