/* Reproducer: a 1-bit value (the comparison `first`) is the only value live
   across the barrier; the generated edge FIFO's out_data is declared as a
   scalar `wire` but read as `e0_out_data[0:0]`, which Verilator rejects
   ("Illegal bit or array select; type does not have a bit range"). */
__kernel void one_bit_edge(__global int *out) {
    __local int t;
    int first = get_local_id(0) == 0;
    if (first)
        t = 5;
    barrier(CLK_LOCAL_MEM_FENCE);
    if (first)
        atomic_add(out, t);
}
