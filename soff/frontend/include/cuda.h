/* soff's cuda.h (see cuda_runtime.h). */
#ifndef SOFF_CUDA_H
#define SOFF_CUDA_H
#include <cuda_runtime.h>
#endif
