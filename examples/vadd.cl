// Vector addition: c[i] = a[i] + b[i] for the first n elements.
// The global size may be rounded up to a multiple of the work-group size,
// so the kernel guards with i < n.
__kernel void vadd(__global const int *a,
                   __global const int *b,
                   __global int *c,
                   const int n)
{
    int i = get_global_id(0);
    if (i < n) {
        c[i] = a[i] + b[i];
    }
}
