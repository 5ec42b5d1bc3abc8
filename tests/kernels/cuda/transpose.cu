// Matrix transpose through a padded __shared__ tile (no bank conflicts on a GPU);
// the tile size is a file-scope const, as C++ allows.
#include <cuda_runtime.h>

const int TILE = 4;

__global__ void transpose(float *odata, const float *idata, int width, int height) {
    __shared__ float tile[TILE][TILE + 1];
    int x = blockIdx.x * TILE + threadIdx.x;
    int y = blockIdx.y * TILE + threadIdx.y;
    if (x < width && y < height) tile[threadIdx.y][threadIdx.x] = idata[y * width + x];
    __syncthreads();
    x = blockIdx.y * TILE + threadIdx.x;
    y = blockIdx.x * TILE + threadIdx.y;
    if (x < height && y < width) odata[y * height + x] = tile[threadIdx.x][threadIdx.y];
}

int main() {
    dim3 grid(3, 2), block(TILE, TILE);
    transpose<<<grid, block>>>(nullptr, nullptr, 12, 8);
}
