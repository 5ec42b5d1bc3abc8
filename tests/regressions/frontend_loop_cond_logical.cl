/* Reduced from soff fuzz seeds 2, 9, 11, 17, ... (about a third of all generated kernels).
   A loop whose condition contains a short-circuit operator (&&, ||) or ?: makes the
   front end emit invalid SSA: a value read after the loop (here the kernel argument
   'out', or 'c') refers to a variable that is not defined in the kernel
   (VerifyError "... is not defined in this kernel").
   Cause (soff/frontend/lower.py, Braun et al. SSA construction): reading 'out' in
   while.end recurses into land.end (2 preds) -> phi P1, whose operands both come from
   the sealed header -> phi P2 = phi(out, P1). P1 = phi(P2, P2) is trivial and is
   replaced by P2; that makes P2 = phi(out, P2) trivial too and the recursive
   try_remove_trivial_phi removes it, but the outer call still returns P2 (the
   removed phi) as P1's replacement, so while.end uses a deleted phi. The fix is to
   return the final replacement (follow replaced phis) from try_remove_trivial_phi. */
__kernel void fuzz(__global int *out, int n) {
    int c = 0;
    while (c < 6 && n) {
        c++;
    }
    out[get_global_id(0)] = c;
}
