/* fir_single with restrict pointers: y is written only through y and x is
   never written, so the iterations over i are independent and soff issues one
   per cycle (the loop's report line says "iterations pipelined"); the inner
   loop over the taps carries acc and circulates them. */
#define TAPS 5
__constant int H[TAPS] = {1, -3, 5, -3, 1};

__kernel void fir_single_restrict(__global const int *restrict x, __global int *restrict y,
                                  int n) {
    for (int i = 0; i < n; i++) {
        int acc = 0;
        for (int t = 0; t < TAPS; t++)
            if (i - t >= 0)
                acc += H[t] * x[i - t];
        y[i] = acc;
    }
}
