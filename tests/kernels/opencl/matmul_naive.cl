/* Naive matrix multiply C = A * B (M x K times K x N, row-major float32):
   one work-item per output element, a loop over k, guarded for uneven edges. */
__kernel void matmul_naive(__global const float *A, __global const float *B,
                           __global float *C, int M, int N, int K) {
    int col = get_global_id(0);
    int row = get_global_id(1);
    if (row < M && col < N) {
        float acc = 0.0f;
        for (int k = 0; k < K; k++)
            acc += A[row * K + k] * B[k * N + col];
        C[row * N + col] = acc;
    }
}
