/* Collatz steps: a data-dependent while loop with break (step limit) and
   continue (the even case), one start value per work-item. */
__kernel void collatz(__global const uint *start, __global int *steps, int n, int limit) {
    int i = get_global_id(0);
    if (i >= n)
        return;
    uint x = start[i];
    int s = 0;
    while (x != 1) {
        if (s >= limit) {
            s = -1;
            break;
        }
        s++;
        if ((x & 1) == 0) {
            x >>= 1;
            continue;
        }
        x = 3 * x + 1;
    }
    steps[i] = s;
}
