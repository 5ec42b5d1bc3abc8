// Integer SAXPY: y[i] = alpha * x[i] + y[i], with 32-bit wrap-around.
__kernel void saxpy_int(const int alpha,
                        __global const int *x,
                        __global int *y,
                        const uint n)
{
    size_t i = get_global_id(0);
    if (i < n)
        y[i] = alpha * x[i] + y[i];
}
