/* An #include'd header (-I include, -D BLOCK) and wide vectors: float8 via a
   typedef, int16 with .s0-.sF swizzles, float3, vload8/vload16, size_t and
   ptrdiff_t indices, mem_fence, and the
   work_group_size_hint / vec_type_hint attributes. */
#include "corpus_common.h"

__kernel __attribute__((work_group_size_hint(BLOCK, 1, 1))) __attribute__((vec_type_hint(float8)))
void include_vectors(__global const float *x, __global const int *k, __global float *out,
                     __global int *iout, int n) {
    size_t i = get_global_id(0);
    if (i >= (size_t)n)
        return;
    vec8 v = vload8(i, x);
    out[2 * i] = hsum8(SQR(v));
    float3 t = (float3)(v.s0, v.s1, v.s2) * v.s7;
    out[2 * i + 1] = t.x - t.y + t.z;
    int16 w = vload16(i, k);
    int8 e = w.even - w.odd;
    ptrdiff_t d = (ptrdiff_t)w.sF - (ptrdiff_t)w.s0;
    iout[i] = e.s0 + e.s7 * 3 + w.sA * w.s5 + (int)d;
    mem_fence(CLK_GLOBAL_MEM_FENCE);
}
