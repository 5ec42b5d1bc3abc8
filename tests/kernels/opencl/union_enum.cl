/* A union reinterpreting float bits, an enum for modes, and typedefs. */
typedef enum { MODE_BITS = 0, MODE_NEG = 1, MODE_ABS = 2 } Mode;
typedef union {
    float f;
    uint u;
} FloatBits;
typedef unsigned int u32;

__kernel void union_enum(__global const float *x, __global const int *mode, __global u32 *out, int n) {
    int i = get_global_id(0);
    if (i >= n)
        return;
    FloatBits fb;
    fb.f = x[i];
    Mode m = (Mode)mode[i];
    if (m == MODE_NEG)
        fb.u ^= 0x80000000u;
    else if (m == MODE_ABS)
        fb.u &= 0x7fffffffu;
    out[i] = fb.u;
}
