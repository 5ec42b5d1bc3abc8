/* soff's cuda_runtime.h: what device code needs from the CUDA runtime headers.
 * soff compiles __global__ functions and what they use; host code (cudaMalloc,
 * launches, ...) is dropped before parsing, so nothing host-side is declared. */
#ifndef SOFF_CUDA_RUNTIME_H
#define SOFF_CUDA_RUNTIME_H
#include <math_constants.h>
#include <float.h>
#include <limits.h>
#endif
