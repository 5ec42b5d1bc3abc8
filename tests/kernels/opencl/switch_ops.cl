/* switch with fall-through, default and break: a tiny instruction decoder. */
__kernel void switch_ops(__global const int *op, __global const int *a, __global const int *b,
                         __global int *out, int n) {
    int i = get_global_id(0);
    if (i >= n)
        return;
    int x = a[i], y = b[i], r;
    switch (op[i] & 7) {
    case 0: r = x + y; break;
    case 1: r = x - y; break;
    case 2: r = x * y; break;
    case 3:                      /* falls through into 4 */
        x = -x;
    case 4: r = x ^ y; break;
    case 5: r = x > y ? x : y; break;
    default: r = 42;
    }
    out[i] = r;
}
