/* __constant tables at file scope with initialisers: a CRC-4 style nibble
   table and polynomial coefficients evaluated by Horner's rule. */
__constant uint NIBBLE[16] = {0x0, 0x3, 0x6, 0x5, 0xc, 0xf, 0xa, 0x9,
                              0xb, 0x8, 0xd, 0xe, 0x7, 0x4, 0x1, 0x2};
__constant int COEF[5] = {3, -2, 0, 7, -1};

__kernel void constant_table(__global const uint *in, __global uint *crc, __global int *poly, int n) {
    int i = get_global_id(0);
    if (i >= n)
        return;
    uint x = in[i], c = 0;
    for (int k = 0; k < 8; k++) {
        c = NIBBLE[(c ^ (x >> (4 * k))) & 0xf];
    }
    crc[i] = c;
    int t = (int)(x & 0xff) - 128;
    int acc = 0;
    for (int k = 0; k < 5; k++)
        acc = acc * t + COEF[k];
    poly[i] = acc;
}
