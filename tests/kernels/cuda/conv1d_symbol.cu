// A 1-D convolution with its filter in __constant__ memory that the host fills
// with cudaMemcpyToSymbol: in soff the filter is an extra buffer argument.
#include <cuda_runtime.h>

#define TAPS 5
#define RADIUS (TAPS / 2)

__constant__ float d_filter[TAPS];

__global__ void conv1d(const float *in, float *out, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float acc = 0.0f;
#pragma unroll
    for (int k = -RADIUS; k <= RADIUS; k++) {
        int j = i + k;
        if (j >= 0 && j < n) acc += d_filter[k + RADIUS] * in[j];
    }
    out[i] = acc;
}

int main() {
    float h_filter[TAPS] = {1, 2, 3, 2, 1};
    cudaMemcpyToSymbol(d_filter, h_filter, sizeof(h_filter));
    float *in, *out;
    conv1d<<<4, 64>>>(in, out, 256);
    return 0;
}
