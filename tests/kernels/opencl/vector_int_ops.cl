/* int4/uint2/short8 vectors: comparisons giving -1/0, element-wise select and
   bit operations, .lo/.hi/.even/.odd swizzles, as_T reinterpretation. */
__kernel void vector_int_ops(__global const int *a, __global const int *b, __global int *out, int n) {
    int i = get_global_id(0);
    if (i >= n)
        return;
    int4 x = vload4(i, a), y = vload4(i, b);
    int4 lt = x < y;                 /* -1 where true */
    int4 m = select(y, x, lt);       /* element-wise min */
    int4 bits = (x & 0xff) ^ (y | 3);
    int2 e = x.even + y.odd;
    int2 h = m.hi - m.lo;
    uint4 u = as_uint4(x) >> 28;
    out[8 * i + 0] = lt.x + lt.y + lt.z + lt.w;
    out[8 * i + 1] = m.x + m.y + m.z + m.w;
    out[8 * i + 2] = bits.x ^ bits.w;
    out[8 * i + 3] = e.x * 3 + e.y;
    out[8 * i + 4] = h.x - h.y;
    out[8 * i + 5] = (int)(u.x + u.y + u.z + u.w);
    out[8 * i + 6] = any(x > 100) + 2 * all(y < 100);
    out[8 * i + 7] = x.s2 * y.s1;
}
