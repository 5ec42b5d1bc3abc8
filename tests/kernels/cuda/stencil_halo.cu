// A 1-D stencil whose block loads its slice plus a halo into dynamic shared
// memory (blockDim.x + 2 * RADIUS ints, given at launch).
#include <cuda_runtime.h>

#define RADIUS 2

__global__ void stencil(const int *in, int *out, int n) {
    extern __shared__ int temp[];
    int g = blockIdx.x * blockDim.x + threadIdx.x;
    int l = threadIdx.x + RADIUS;
    temp[l] = g < n ? in[g] : 0;
    if (threadIdx.x < RADIUS) {
        int left = g - RADIUS, right = g + static_cast<int>(blockDim.x);
        temp[l - RADIUS] = left >= 0 ? in[left] : 0;
        temp[l + blockDim.x] = right < n ? in[right] : 0;
    }
    __syncthreads();
    int sum = 0;
    for (int k = -RADIUS; k <= RADIUS; k++) sum += temp[l + k];
    if (g < n) out[g] = sum;
}

int main() {
    int *in, *out;
    stencil<<<4, 16, (16 + 2 * RADIUS) * sizeof(int)>>>(in, out, 60);
}
