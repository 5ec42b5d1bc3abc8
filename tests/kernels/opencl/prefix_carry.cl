/* A single-work-item running sum (a loop-carried dependence through acc and
   a recurrence max): out[i] = sum of in[0..i], peak = max prefix. */
__kernel void prefix_carry(__global const int *in, __global int *out, __global int *peak, int n) {
    int acc = 0, best = -2147483647 - 1;
    for (int i = 0; i < n; i++) {
        acc += in[i];
        out[i] = acc;
        best = max(best, acc);
    }
    peak[0] = best;
}
