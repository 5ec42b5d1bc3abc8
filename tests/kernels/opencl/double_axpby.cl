/* Double precision: z = a*x + b*y and a running sum in double. */
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
__kernel void double_axpby(__global const double *x, __global const double *y, __global double *z,
                           __global double *partial, double a, double b, int n) {
    int i = get_global_id(0);
    if (i >= n)
        return;
    z[i] = a * x[i] + b * y[i];
    double s = 0.0;
    for (int k = 0; k <= i % 4; k++)
        s += x[i - k < 0 ? 0 : i - k];
    partial[i] = s;
}
