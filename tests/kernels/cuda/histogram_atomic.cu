// A histogram with atomicAdd on a __shared__ histogram and then on the global one.
#include <cuda_runtime.h>

#define BINS 16

__global__ void histogram(const unsigned int *data, unsigned int *hist, int n) {
    __shared__ unsigned int local[BINS];
    int t = threadIdx.x;
    if (t < BINS) local[t] = 0;
    __syncthreads();
    int i = blockIdx.x * blockDim.x + t;
    if (i < n) atomicAdd(&local[data[i] % BINS], 1u);
    __syncthreads();
    if (t < BINS) atomicAdd(&hist[t], local[t]);
}
