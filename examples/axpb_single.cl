/* y[i] = a*x[i] + b as a single-work-item kernel: launch it with one
   work-item. The pointers are restrict, so no iteration reads what another
   writes and soff issues one iteration per cycle (the report's loop line:
   "II 1 (iterations pipelined ...)"). -DRESTRICT= drops restrict: the store
   may then alias the load and the one work-item runs an iteration at a time. */
#ifndef RESTRICT
#define RESTRICT restrict
#endif

__kernel void axpb(__global const int *RESTRICT x, __global int *RESTRICT y,
                   int a, int b, int n) {
    for (int i = 0; i < n; i++)
        y[i] = a * x[i] + b;
}
