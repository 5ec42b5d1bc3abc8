/* soff's stdio.h for CUDA C: printf in device code is a built-in; the rest is host code. */
