/* One Jacobi-2D sweep (PolyBench jacobi-2d): interior points get the average
   of the 5-point cross, boundary points are copied; the grid is n x n and the
   NDRange is rounded up, so out-of-range work-items return early. */
__kernel void jacobi2d(__global const float *A, __global float *B, int n) {
    int j = get_global_id(0);
    int i = get_global_id(1);
    if (i >= n || j >= n)
        return;
    if (i == 0 || j == 0 || i == n - 1 || j == n - 1) {
        B[i * n + j] = A[i * n + j];
    } else {
        B[i * n + j] = 0.2f * (A[i * n + j] + A[i * n + j - 1] + A[i * n + j + 1]
                               + A[(i + 1) * n + j] + A[(i - 1) * n + j]);
    }
}
