// A dot product: each block reduces its products in shared memory, then one
// atomicAdd per block on the float result; a __device__ counter (a buffer the
// host passes) counts the finished blocks with atomicInc.
#include <cuda_runtime.h>

#define THREADS 16

__device__ unsigned int blocks_done;

__global__ void dot(const float *a, const float *b, float *result, int n) {
    __shared__ float cache[THREADS];
    float sum = 0.0f;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x)
        sum += a[i] * b[i];
    cache[threadIdx.x] = sum;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s /= 2) {
        if (threadIdx.x < s) cache[threadIdx.x] += cache[threadIdx.x + s];
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        atomicAdd(result, cache[0]);
        atomicInc(&blocks_done, 1000u);
    }
}
