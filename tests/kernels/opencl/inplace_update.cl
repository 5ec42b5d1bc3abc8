/* In-place update: loads and stores of one buffer alias. Each work-item
   updates x[i], reads it back, and then reads and writes x[n + i] (the second
   half), so the order of its own accesses matters. */
__kernel void inplace_update(__global int *x, int n) {
    int i = get_global_id(0);
    if (i < n) {
        x[i] = x[i] * 3 + 1;
        int y = x[i];
        x[n + i] = y - x[n + i];
    }
}
