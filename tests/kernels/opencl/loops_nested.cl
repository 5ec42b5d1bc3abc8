/* Loop forms: do-while, nested for loops with a data-dependent trip count,
   break out of the inner loop, continue in the outer one, early return. */
__kernel void loops_nested(__global const int *in, __global int *out, int n) {
    int i = get_global_id(0);
    if (i >= n)
        return;
    int v = in[i];
    if (v == 0) {
        out[i] = -1;
        return;
    }
    int digits = 0;
    uint u = (uint)abs(v);
    do {
        digits++;
        u /= 10;
    } while (u != 0);
    int acc = 0;
    for (int a = 0; a < digits + 2; a++) {
        if (a == 1)
            continue;
        for (int b = 0; b < 6; b++) {
            if (a * b > v % 17)
                break;
            acc += a + b;
        }
    }
    out[i] = acc * 10 + digits;
}
