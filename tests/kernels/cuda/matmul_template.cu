// Tiled matrix multiply in the style of the CUDA samples' matrixMul: the tile
// size is a template parameter, instantiated by the launches in the host code
// (matmul<4> here; several instances become matmul_4, matmul_8, ...).
#include <cuda_runtime.h>
#include <cstdio>

template <int BLOCK_SIZE>
__global__ void matmul(float *C, const float *A, const float *B, int wA, int wB) {
    int bx = blockIdx.x, by = blockIdx.y;
    int tx = threadIdx.x, ty = threadIdx.y;
    int aBegin = wA * BLOCK_SIZE * by;
    int aEnd = aBegin + wA - 1;
    int aStep = BLOCK_SIZE;
    int bBegin = BLOCK_SIZE * bx;
    int bStep = BLOCK_SIZE * wB;
    float Csub = 0;
    for (int a = aBegin, b = bBegin; a <= aEnd; a += aStep, b += bStep) {
        __shared__ float As[BLOCK_SIZE][BLOCK_SIZE];
        __shared__ float Bs[BLOCK_SIZE][BLOCK_SIZE];
        As[ty][tx] = A[a + wA * ty + tx];
        Bs[ty][tx] = B[b + wB * ty + tx];
        __syncthreads();
#pragma unroll
        for (int k = 0; k < BLOCK_SIZE; ++k) {
            Csub += As[ty][k] * Bs[k][tx];
        }
        __syncthreads();
    }
    int c = wB * BLOCK_SIZE * by + BLOCK_SIZE * bx;
    C[c + wB * ty + tx] = Csub;
}

void run(float *d_C, float *d_A, float *d_B, int n, cudaStream_t stream) {
    const int block_size = 4;
    dim3 threads(block_size, block_size);
    dim3 grid(n / threads.x, n / threads.y);
    matmul<4><<<grid, threads, 0, stream>>>(d_C, d_A, d_B, n, n);
    cudaStreamSynchronize(stream);
}

int main(int argc, char **argv) {
    printf("[Matrix Multiply Using CUDA] - Starting...\n");
    return 0;
}
