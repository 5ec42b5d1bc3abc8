// Nearest centroid of every point, reading the points through a 1-D texture
// bound to linear memory (cudaBindTexture) and the centroids from __constant__
// memory: in soff both are extra buffer arguments named after them.
#include <cuda_runtime.h>

#define MAX_CENTROIDS 8
#define DIMS 3

texture<float, 1, cudaReadModeElementType> t_points;  // dim-major: [d * npoints + p]
__constant__ float c_centroids[MAX_CENTROIDS * DIMS];

__global__ void nearest(int *label, float *best, int npoints, int ncentroids) {
    int p = blockIdx.x * blockDim.x + threadIdx.x;
    if (p >= npoints) return;
    int index = -1;
    float min_dist = 3.0e38f;
    for (int c = 0; c < ncentroids; c++) {
        float dist = 0.0f;
        for (int d = 0; d < DIMS; d++) {
            float diff = tex1Dfetch(t_points, d * npoints + p) - c_centroids[c * DIMS + d];
            dist += diff * diff;
        }
        if (dist < min_dist) {
            min_dist = dist;
            index = c;
        }
    }
    label[p] = index;
    best[p] = min_dist;
}

int main() {
    float *d_points;
    int *d_label;
    float *d_best;
    float h_centroids[MAX_CENTROIDS * DIMS] = {0};
    cudaMalloc((void **)&d_points, 100 * DIMS * sizeof(float));
    cudaBindTexture(NULL, t_points, d_points, 100 * DIMS * sizeof(float));
    cudaMemcpyToSymbol(c_centroids, h_centroids, sizeof(h_centroids));
    nearest<<<2, 64>>>(d_label, d_best, 100, 5);
    cudaUnbindTexture(t_points);
    return 0;
}
