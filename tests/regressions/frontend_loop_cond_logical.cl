/* Reduced from soff fuzz seeds 2, 9, 11, 17, ... (about a third of all generated kernels).
   A loop whose condition contains a short-circuit operator (&&, ||) or ?: makes the
   front end emit invalid SSA: a value read after the loop (here the kernel argument
   'out', or 'c') refers to a variable that is not defined in the kernel
   (VerifyError "... is not defined in this kernel"). */
__kernel void fuzz(__global int *out, int n) {
    int c = 0;
    while (c < 6 && n) {
        c++;
    }
    out[get_global_id(0)] = c;
}
