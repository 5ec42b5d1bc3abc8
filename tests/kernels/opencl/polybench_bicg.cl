/* PolyBench/GPU-style bicg: s = A^T r and q = A p, in one file with two
   kernels and a macro-defined element type and index. */
#ifndef NX
#define NX 15
#endif
#ifndef NY
#define NY 13
#endif
#define DATA_TYPE float
#define IDX(i, j) ((i) * NY + (j))

__kernel void bicgKernel1(__global DATA_TYPE *A, __global DATA_TYPE *p, __global DATA_TYPE *q) {
    int i = get_global_id(0);
    if (i < NX) {
        q[i] = 0.0f;
        for (int j = 0; j < NY; j++)
            q[i] += A[IDX(i, j)] * p[j];
    }
}

__kernel void bicgKernel2(__global DATA_TYPE *A, __global DATA_TYPE *r, __global DATA_TYPE *s) {
    int j = get_global_id(0);
    if (j < NY) {
        s[j] = 0.0f;
        for (int i = 0; i < NX; i++)
            s[j] += r[i] * A[IDX(i, j)];
    }
}
