// Vector addition as CUDA samples write it: the kernel plus the host program
// that soff skips (main, cudaMalloc, the <<<>>> launch, C++ and templates).
#include <cuda_runtime.h>
#include <stdio.h>
#include <iostream>
#include <vector>

template <typename T>
static T checked(T value, const char *what) {
    if (!value) std::cerr << what << std::endl;
    return value;
}

class Timer {
  public:
    Timer() : start_(0) {}
    double elapsed() const { return 1.0; }
  private:
    double start_;
};

__global__ void vectorAdd(const float *A, const float *B, float *C, int numElements) {
    int i = blockDim.x * blockIdx.x + threadIdx.x;
    if (i < numElements) {
        C[i] = A[i] + B[i] + 0.0f;
    }
}

int main(void) {
    int numElements = 50000;
    size_t size = numElements * sizeof(float);
    std::vector<float> h_A(numElements), h_B(numElements), h_C(numElements);
    float *d_A = NULL, *d_B = NULL, *d_C = NULL;
    cudaMalloc((void **)&d_A, size);
    cudaMalloc((void **)&d_B, size);
    cudaMalloc((void **)&d_C, size);
    cudaMemcpy(d_A, h_A.data(), size, cudaMemcpyHostToDevice);
    int threadsPerBlock = 256;
    int blocksPerGrid = (numElements + threadsPerBlock - 1) / threadsPerBlock;
    vectorAdd<<<blocksPerGrid, threadsPerBlock>>>(d_A, d_B, d_C, numElements);
    cudaError_t err = cudaGetLastError();
    if (err != cudaSuccess) {
        fprintf(stderr, "failed (%s)\n", cudaGetErrorString(err));
        exit(EXIT_FAILURE);
    }
    Timer t;
    printf("%f\n", checked(t.elapsed(), "timer"));
    cudaFree(d_A);
    return 0;
}
