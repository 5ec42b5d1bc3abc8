// soff sim examples/vadd.cu --grid 4 --block 256 --arg a=@a.npy --arg b=@b.npy \
//     --arg c=zeros:float32:1000 --arg n=1000 --out c=c.npy
// soff compiles the __global__ kernel; the host program below is skipped.
#include <cuda_runtime.h>
#include <stdio.h>

__global__ void vadd(const float *__restrict__ a, const float *__restrict__ b, float *c, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) c[i] = a[i] + b[i];
}

int main(void) {
    const int n = 1000;
    float *a, *b, *c;
    cudaMallocManaged(&a, n * sizeof(float));
    cudaMallocManaged(&b, n * sizeof(float));
    cudaMallocManaged(&c, n * sizeof(float));
    for (int i = 0; i < n; i++) { a[i] = i; b[i] = 2 * i; }
    vadd<<<(n + 255) / 256, 256>>>(a, b, c, n);
    cudaDeviceSynchronize();
    printf("c[10] = %f\n", c[10]);
    return 0;
}
