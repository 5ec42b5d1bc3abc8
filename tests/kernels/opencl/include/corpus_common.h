/* Shared definitions for include_vectors.cl (Rodinia style: sizes from -D,
   the rest from an #include'd header found with -I). */
#ifndef CORPUS_COMMON_H
#define CORPUS_COMMON_H
#ifndef BLOCK
#error "BLOCK must be given with -D"
#endif
#define SQR(x) ((x) * (x))
typedef float8 vec8;
inline float hsum8(vec8 v) {
    float4 s = v.lo + v.hi;
    return (s.x + s.y) + (s.z + s.w);
}
#endif
