// double precision: a grid-stride daxpy with fma and sqrt.
#include <cuda_runtime.h>
#include <math.h>

__global__ void daxpy(int n, double a, const double *x, double *y, double *norm) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) {
        y[i] = fma(a, x[i], y[i]);
        norm[i] = sqrt(x[i] * x[i] + 1.0);
    }
}
