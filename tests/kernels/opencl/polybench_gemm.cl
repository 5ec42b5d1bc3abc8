/* PolyBench/GPU-style gemm, C = alpha*A*B + beta*C, with the sizes as -D
   macros and index macros, the way the suite writes it. */
#ifndef NI
#define NI 12
#endif
#ifndef NJ
#define NJ 10
#endif
#ifndef NK
#define NK 9
#endif
#define DATA_TYPE float
#define A_(i, k) a[(i) * NK + (k)]
#define B_(k, j) b[(k) * NJ + (j)]
#define C_(i, j) c[(i) * NJ + (j)]

__kernel void gemm(__global DATA_TYPE *a, __global DATA_TYPE *b, __global DATA_TYPE *c,
                   DATA_TYPE alpha, DATA_TYPE beta) {
    int j = get_global_id(0);
    int i = get_global_id(1);
    if ((i < NI) && (j < NJ)) {
        C_(i, j) *= beta;
        for (int k = 0; k < NK; k++) {
            C_(i, j) += alpha * A_(i, k) * B_(k, j);
        }
    }
}
