// saxpy through a __shared__ tile, then a tree reduction of each block's
// results with __syncthreads(): out[i] = a*x[i] + y[i], sums[block] = sum.
#include <cuda.h>

#define BLOCK 64

__global__ void saxpy_reduce(int n, float a, const float *__restrict__ x,
                             const float *__restrict__ y, float *out, float *sums) {
    __shared__ float tile[BLOCK];
    unsigned int tid = threadIdx.x;
    unsigned int i = blockIdx.x * blockDim.x + threadIdx.x;
    float v = 0.0f;
    if (i < n) {
        v = a * x[i] + y[i];
        out[i] = v;
    }
    tile[tid] = v;
    __syncthreads();
    for (unsigned int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (tid < s) tile[tid] += tile[tid + s];
        __syncthreads();
    }
    if (tid == 0) sums[blockIdx.x] = tile[0];
}

int main() {
    float *x, *y, *out, *sums;
    cudaMalloc(&x, 1024 * sizeof(float));
    saxpy_reduce<<<16, BLOCK>>>(1024, 2.0f, x, y, out, sums);
    return 0;
}
