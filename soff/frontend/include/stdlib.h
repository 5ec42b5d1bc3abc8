/* soff's stdlib.h for CUDA C: host code only (dropped before parsing). */
