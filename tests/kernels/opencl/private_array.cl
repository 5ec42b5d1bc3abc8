/* Private arrays: a per-work-item window copied into an 8-element array,
   insertion-sorted, and its median read through a pointer into the array;
   plus a 2-D private array with an initialiser. */
#define W 8
__kernel void private_array(__global const int *in, __global int *median, __global int *trace, int n) {
    int i = get_global_id(0);
    if (i >= n)
        return;
    int w[W];
    for (int k = 0; k < W; k++)
        w[k] = in[i + k];
    for (int k = 1; k < W; k++) {
        int v = w[k], j = k - 1;
        while (j >= 0 && w[j] > v) {
            w[j + 1] = w[j];
            j--;
        }
        w[j + 1] = v;
    }
    int *q = w + W / 2;              /* a pointer into the private array */
    median[i] = (q[-1] + *q) / 2;
    int m[2][2] = {{in[i], 1}, {2, in[i + 1]}};
    trace[i] = m[0][0] + m[1][1] - m[0][1] * m[1][0];
}
