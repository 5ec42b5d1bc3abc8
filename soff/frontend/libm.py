"""Built-ins written in OpenCL C: binary64 ``fmod`` and ``remainder``.

They need a loop (one step per 11 bits of exponent difference, up to 191 for
the widest operands), which no fixed-latency unit holds, so they are inlined
like a helper function the kernel defined itself: the loop becomes ordinary
blocks whose work-items circulate (docs/architecture.md, "Loops"). Every step
is exact integer arithmetic, so the result is exact (C99 fmod; IEEE 754
remainder, ties to the even quotient), as in the binary32 units
(soff.rtl_gen.units.fmod).

fmod(x, y): with ``mx·2^ex`` and ``my·2^ey`` the operands' magnitudes (integer
significands, subnormals included), the remainder is
``(mx·2^(ex-ey) mod my)·2^ey``; the shift is applied 11 bits at a time to
``r = mx mod my`` (``r < 2^53``, so ``r << 11`` fits 64 bits), and the result
is normalised back with ``clz``. remainder(x, y) reduces ``|x|`` modulo ``2|y|``
first, which gives the quotient's parity, then rounds the quotient to nearest
(every subtraction there is exact by Sterbenz's lemma).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from pycparser import c_ast

from soff.diagnostics import SourceLoc
from soff.ir.core import Value

if TYPE_CHECKING:
    from soff.frontend.lower import _FunctionLowerer

#: the file name the helpers' source comments and messages use
LIB_FILE = "<soff-libm>"

_SOURCE = r"""
double __soff_fmod_f64(double x, double y) {
    const ulong sign = 0x8000000000000000UL, inf = 0x7ff0000000000000UL;
    const ulong frac = 0x000fffffffffffffUL, one = 0x0010000000000000UL;
    ulong ux = as_ulong(x);
    ulong sx = ux & sign;
    ulong ax = ux ^ sx, ay = as_ulong(y) & ~sign;
    if (ax >= inf || ay > inf || ay == 0UL)
        return as_double(0x7ff8000000000000UL); /* x inf or NaN, y NaN or zero */
    if (ax < ay)
        return x; /* |x| < |y|, y = inf included */
    int ex = (int)(ax >> 52), ey = (int)(ay >> 52);
    ulong mx = (ax & frac) | (ex != 0 ? one : 0UL);
    ulong my = (ay & frac) | (ey != 0 ? one : 0UL);
    ex = max(ex, 1);
    ey = max(ey, 1);
    int d = ex - ey;
    ulong r = mx % my;
    while (d > 0) {
        int s = min(d, 11);
        r = (r << s) % my;
        d -= s;
    }
    if (r == 0UL)
        return as_double(sx);
    int lz = (int)clz(r) - 11;
    int e = ey - lz;
    ulong bits = e >= 1 ? ((ulong)e << 52) | ((r << lz) & frac) : r << (ey - 1);
    return as_double(sx | bits);
}

double __soff_remainder_f64(double x, double y) {
    const ulong sign = 0x8000000000000000UL, inf = 0x7ff0000000000000UL;
    ulong ux = as_ulong(x);
    ulong sx = ux & sign;
    ulong ax = ux ^ sx, ay = as_ulong(y) & ~sign;
    if (ax >= inf || ay > inf || ay == 0UL)
        return as_double(0x7ff8000000000000UL);
    if (ay == inf)
        return x;
    double b = as_double(ay);
    double r = as_double(ax);
    if (ay < 0x7fe0000000000000UL) /* 2|y| is finite; otherwise |x| < 2|y| already */
        r = __soff_fmod_f64(r, 2.0 * b);
    int odd = 0;
    if (r >= b) {
        r = r - b;
        odd = 1;
    }
    double rest = b - r;
    if (r > rest || (r == rest && odd))
        r = r - b;
    return as_double(as_ulong(r) ^ sx);
}
"""

#: built-in name -> helper function, for binary64 operands
F64_HELPERS = {"fmod": "__soff_fmod_f64", "remainder": "__soff_remainder_f64"}


@cache
def _functions() -> dict[str, c_ast.FuncDef]:
    from soff.frontend.opencl import parse
    from soff.frontend.preprocess import preprocess

    parsed = parse(preprocess(_SOURCE.lstrip("\n"), LIB_FILE, {}, []), LIB_FILE)
    return {
        ext.decl.name: ext
        for ext in parsed.ast.ext
        if isinstance(ext, c_ast.FuncDef) and ext.decl.name.startswith("__soff_")
    }


def call(fn: _FunctionLowerer, name: str, args: list[Value], loc: SourceLoc) -> Value:
    """Inline the helper ``name`` (a value of :data:`F64_HELPERS`) on ``args``."""
    for helper, fdef in _functions().items():
        fn.ctx.functions.setdefault(helper, fdef)
    return fn.inline_call(name, [None] * len(args), loc, values=args)
