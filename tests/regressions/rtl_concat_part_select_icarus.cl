/* Found by soff fuzz (seed 1002) when simulated with Icarus: a cast of a 64-bit
   work-item size to a narrower type is emitted as a part-select of a
   concatenation, e.g.
       assign v_2_k0s1 = {32'd0, arg_local_size_0}[31:0];
   which is not Verilog-2005 (part-selects apply to identifiers). Verilator accepts
   it; Icarus 11 rejects it ("syntax error in continuous assignment"), and so may
   vendor tools. */
__kernel void fuzz(__global int *out) {
    size_t gid = get_global_id(0);
    out[gid] = (int)get_local_size(0);
}
