/* Nested structs with an array member in a global buffer, a struct kernel
   argument passed by value, a struct returned by a helper, designated
   initialisers. */
typedef struct { int lo, hi; } Range;
typedef struct { Range r; short hist[4]; float weight; } Bin;
typedef struct { float scale; int bias; } Config;

static Range widen(Range r, int by) {
    Range w = { .hi = r.hi + by, .lo = r.lo - by };
    return w;
}

__kernel void struct_bins(__global Bin *bins, __global const int *data, Config cfg, int n) {
    int i = get_global_id(0);
    if (i >= n)
        return;
    Bin b = bins[i];
    b.r = widen(b.r, cfg.bias);
    for (int k = 0; k < 4; k++) {
        int v = data[4 * i + k];
        if (v >= b.r.lo && v <= b.r.hi)
            b.hist[k] += 1;
    }
    b.weight = b.weight * cfg.scale + (float)(b.r.hi - b.r.lo);
    bins[i] = b;
}
