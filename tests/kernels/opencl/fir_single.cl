/* Single-work-item FIR filter (launched with one work-item): a loop over the
   samples with an inner loop over TAPS coefficients from a __constant table. */
#define TAPS 5
__constant int H[TAPS] = {1, -3, 5, -3, 1};

__kernel void fir_single(__global const int *x, __global int *y, int n) {
    for (int i = 0; i < n; i++) {
        int acc = 0;
        for (int t = 0; t < TAPS; t++)
            if (i - t >= 0)
                acc += H[t] * x[i - t];
        y[i] = acc;
    }
}
