// float4 through make_float4, .x/.y/.z/.w and element-wise operators
// (helper_math.h-style operator overloads are not needed: soff's vectors have them).
#include <cuda_runtime.h>

inline __host__ __device__ float4 operator+(float4 a, float4 b) {
    return make_float4(a.x + b.x, a.y + b.y, a.z + b.z, a.w + b.w);
}

__device__ __forceinline__ float4 scale(float4 v, float s) {
    return make_float4(v.x * s, v.y * s, v.z * s, v.w * s);
}

__global__ void __launch_bounds__(128) axpy4(const float4 *x, float4 *y, float a, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        float4 v = x[i];
        float4 r = scale(v, a) + y[i];
        r.w = v.x + v.w;
        y[i] = r;
    }
}
