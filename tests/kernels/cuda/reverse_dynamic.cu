// Reverses each block's slice through dynamic shared memory (extern __shared__,
// sized at launch: kernel<<<grid, block, block * sizeof(int)>>>).
#include <cuda_runtime.h>

extern __shared__ int scratch[];

__global__ void reverse_blocks(const int *in, int *out) {
    extern __shared__ int buf[];  // the same memory as scratch
    int t = threadIdx.x;
    int base = blockIdx.x * blockDim.x;
    buf[t] = in[base + t];
    __syncthreads();
    out[base + t] = scratch[blockDim.x - 1 - t];
}

int main() {
    int *in, *out;
    reverse_blocks<<<8, 32, 32 * sizeof(int)>>>(in, out);
    return 0;
}
