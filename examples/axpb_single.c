/* The same loop as axpb_single.cl as a plain C function: `soff
   examples/axpb_single.c -k axpb` makes it a single-work-item kernel whose
   pointer parameters are global buffers. */
void axpb(const int *restrict x, int *restrict y, int a, int b, int n) {
    for (int i = 0; i < n; i++)
        y[i] = a * x[i] + b;
}
