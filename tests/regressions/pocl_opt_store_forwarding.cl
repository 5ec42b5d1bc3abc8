/* Not a soff bug: PoCL 3.1 (LLVM 15) miscompiles this kernel when optimising.
   Found by soff fuzz (seeds 10778, 10999, reduced by hand). When v >= 0 both
   read-modify-writes hit out[gid * 2 + 1], so that element must end up xor-ed
   with 7 and with the shifted value; optimised PoCL loses the first one (its
   second load does not see the first store), PoCL with -cl-opt-disable, the
   interpreter and the hardware agree. soff fuzz notes such kernels as
   "pocl-miscompile" instead of failing them (soff/testing/fuzz.py). */
__kernel void fuzz(__global short *out) {
    size_t gid = get_global_id(0);
    short v = out[gid * 2 + 0];
    out[gid * 2 + (v >= 0)] ^= (short)7;
    out[gid * 2 + 1] ^= (short)(16u << (v & 31));
}
