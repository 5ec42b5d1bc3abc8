/* soff's math.h for CUDA C: the math functions are built-ins. */
#ifndef SOFF_MATH_H
#define SOFF_MATH_H
#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#ifndef INFINITY
#define INFINITY __int_as_float(0x7f800000)
#endif
#ifndef NAN
#define NAN __int_as_float(0x7fffffff)
#endif
#endif
