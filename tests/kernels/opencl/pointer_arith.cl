/* Pointer arithmetic on global pointers: a row pointer advanced by a stride,
   *p++ walks, a pointer chosen by a condition, a pointer to an output pair,
   and a helper taking a pointer and a length. */
static int sum_run(__global const int *p, int len) {
    int s = 0;
    for (int k = 0; k < len; k++)
        s += *p++;
    return s;
}

__kernel void pointer_arith(__global const int *m, __global const int *alt, __global int *out,
                            int rows, int cols) {
    int r = get_global_id(0);
    if (r >= rows)
        return;
    __global const int *row = m + r * cols;
    __global const int *src = (r & 1) ? alt + r : row;
    __global int *dst = out + 2 * r;
    dst[0] = sum_run(row, cols) - *src;
    *(dst + 1) = (cols - 1) + *(row + cols / 2);
}
