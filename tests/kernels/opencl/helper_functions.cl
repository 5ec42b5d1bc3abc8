/* Non-kernel helper functions (inlined), a helper calling a helper, an inline
   function returning early, and a kernel that calls another kernel's helper. */
inline int clamp_idx(int i, int n) { return i < 0 ? 0 : (i >= n ? n - 1 : i); }

int smooth3(__global const int *v, int i, int n) {
    return v[clamp_idx(i - 1, n)] + 2 * v[i] + v[clamp_idx(i + 1, n)];
}

int sign_of(int x) {
    if (x > 0)
        return 1;
    if (x < 0)
        return -1;
    return 0;
}

__kernel void helper_functions(__global const int *v, __global int *out, int n) {
    int i = get_global_id(0);
    if (i < n)
        out[i] = smooth3(v, i, n) * sign_of(v[i] - 10);
}
