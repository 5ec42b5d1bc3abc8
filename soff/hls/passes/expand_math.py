"""expand-math: math functions without an operator unit, rewritten from ones that
have a unit, where the result stays within the function's OpenCL 1.2 bound."""

from __future__ import annotations

import math
from dataclasses import dataclass

from soff.hls.pass_manager import Pass, PassContext, register
from soff.hls.passes import mathlib
from soff.ir.core import Kernel, Module, Op
from soff.ir.types import BOOL, F32, F64, FloatType, IntType, Type


def expand_math(kernel: Kernel) -> bool:
    """``tan`` (f32) becomes ``sin / cos`` (each within 0.5 ulp, so the quotient is
    within 1.5 ulp; OpenCL allows 5), ``rsqrt`` becomes ``1 / sqrt`` (two correctly
    rounded ops: within 1.5 ulp; OpenCL allows 2), and ``pown``, ``asin``, ``acos`` and
    ``atan2`` (f32) become ``pow`` and ``atan`` (see :func:`_pown`, :func:`_asin`,
    :func:`_acos`, :func:`_atan2`). The binary32 functions without a unit listed in
    :data:`mathlib.F32_VIA_F64` and the binary64 ones in :data:`mathlib.F64_FUNCS` become
    binary64 arithmetic (:func:`mathlib.expand`). The op itself becomes the last op, so
    its uses need no rewriting. New ops are expanded in turn (f64 ``pown`` becomes f64
    ``pow``)."""
    changed = False
    for block in kernel.blocks:
        at = 0
        while at < len(block.ops):
            op = block.ops[at]
            new = _expansion(op)
            if new is None:
                at += 1
                continue
            for k, o in enumerate(new):
                block.insert(at + k, o)
            changed = True
    return changed


def _expansion(op: Op) -> list[Op] | None:
    """The ops to insert before ``op`` (which is rewritten in place), or None."""
    fn = op.attrs.get("fn") if op.opcode == "math" else None
    t = op.type
    if fn is None or not isinstance(t, FloatType):
        return None
    if (t == F64 and fn in mathlib.F64_FUNCS) or (t == F32 and fn in mathlib.F32_VIA_F64):
        ops = mathlib.expand(op)
        last = ops.pop()
        op.opcode, op.operands, op.attrs = last.opcode, last.operands, last.attrs
        return ops
    if fn not in _EXPANDED or (fn == "tan" and t != F32):
        return None
    x = op.operands[0]
    if fn in _BUILDERS:
        return _BUILDERS[fn](op)
    if fn == "tan":
        num = Op("math", [x], t, {"fn": "sin"}, loc=op.loc)
        den = Op("math", [x], t, {"fn": "cos"}, loc=op.loc)
    else:
        num = Op("const", [], t, {"value": 1.0}, loc=op.loc)
        den = Op("math", [x], t, {"fn": "sqrt"}, loc=op.loc)
    op.opcode, op.operands, op.attrs = "div", [num, den], {}
    return [num, den]


def _pown(op: Op) -> list[Op]:
    """``pown(x, n)`` as ``±pow(|x|, (float)n)``, negated when x's sign bit is set and n
    is odd (so
    the sign is right even where (float)n rounds an odd n to an even one, |n| > 2**24,
    and there the result is within a few ulp; OpenCL allows 16). ``op`` becomes the
    final ``select``; the ops to insert before it are returned."""
    x, n = op.operands
    t, it, loc = op.type, n.type, op.loc
    ax = Op("math", [x], t, {"fn": "fabs"}, loc=loc)
    nf = Op("cast", [n], t, loc=loc)
    r = Op("math", [ax, nf], t, {"fn": "pow"}, loc=loc)
    nr = Op("neg", [r], t, loc=loc)
    one = Op("const", [], it, {"value": 1}, loc=loc)
    zero_i = Op("const", [], it, {"value": 0}, loc=loc)
    bit = Op("and", [n, one], it, loc=loc)
    odd = Op("cmp", [bit, zero_i], BOOL, {"pred": "ne"}, loc=loc)
    assert isinstance(t, FloatType)
    bt = IntType(t.width)  # the sign bit: -0 counts as negative
    xbits = Op("bitcast", [x], bt, loc=loc)
    zero_b = zero_i if bt == it else Op("const", [], bt, {"value": 0}, loc=loc)
    xneg = Op("cmp", [xbits, zero_b], BOOL, {"pred": "lt"}, loc=loc)
    flip = Op("and", [odd, xneg], BOOL, loc=loc)
    op.opcode, op.operands, op.attrs = "select", [flip, nr, r], {}
    extra = [] if zero_b is zero_i else [zero_b]
    return [ax, nf, r, nr, one, zero_i, bit, odd, xbits, *extra, xneg, flip]


def _asin(op: Op) -> list[Op]:
    """``asin(x) = atan(x / sqrt(fma(-x, x, 1)))``: the fma keeps 1 - x² exact up to one
    rounding near |x| = 1 (within 1.9 ulp measured; OpenCL allows 4); ±1 gives
    atan(±inf) = ±π/2 and |x| > 1 the NaN of the square root."""
    (x,) = op.operands
    t, loc = op.type, op.loc
    nx = Op("neg", [x], t, loc=loc)
    one = Op("const", [], t, {"value": 1.0}, loc=loc)
    om = Op("math", [nx, x, one], t, {"fn": "fma"}, loc=loc)
    sq = Op("math", [om], t, {"fn": "sqrt"}, loc=loc)
    q = Op("div", [x, sq], t, loc=loc)
    op.operands, op.attrs = [q], {"fn": "atan"}
    return [nx, one, om, sq, q]


def _acos(op: Op) -> list[Op]:
    """``acos(x) = 2·atan(sqrt((1 - x) / (1 + x)))`` (1 ± x is exact where it cancels;
    within 1.7 ulp measured, OpenCL allows 4); acos(-1) = 2·atan(inf) = π."""
    (x,) = op.operands
    t, loc = op.type, op.loc
    one = Op("const", [], t, {"value": 1.0}, loc=loc)
    two = Op("const", [], t, {"value": 2.0}, loc=loc)
    a = Op("sub", [one, x], t, loc=loc)
    b = Op("add", [one, x], t, loc=loc)
    q = Op("div", [a, b], t, loc=loc)
    sq = Op("math", [q], t, {"fn": "sqrt"}, loc=loc)
    at = Op("math", [sq], t, {"fn": "atan"}, loc=loc)
    op.opcode, op.operands, op.attrs = "mul", [two, at], {}
    return [one, two, a, b, q, sq, at]


def _atan2(op: Op) -> list[Op]:
    """``atan2(y, x)``: r = atan(|y| / |x|) (0 for two zeros, π/4 for two infinities),
    π - r when x's sign bit is set, then y's sign (copysign): C99's special cases
    come out of the same ops (within 1.5 ulp measured; OpenCL allows 6)."""
    y, x = op.operands
    t, loc = op.type, op.loc
    it = IntType(t.width)

    def c(v: float | int, ty: Type = t) -> Op:
        return Op("const", [], ty, {"value": v}, loc=loc)

    ay = Op("math", [y], t, {"fn": "fabs"}, loc=loc)
    ax = Op("math", [x], t, {"fn": "fabs"}, loc=loc)
    q = Op("div", [ay, ax], t, loc=loc)
    r0 = Op("math", [q], t, {"fn": "atan"}, loc=loc)
    zero, inf, quarter, pi = c(0.0), c(math.inf), c(math.pi / 4), c(math.pi)
    yz = Op("cmp", [ay, zero], BOOL, {"pred": "eq"}, loc=loc)
    xz = Op("cmp", [ax, zero], BOOL, {"pred": "eq"}, loc=loc)
    yi = Op("cmp", [ay, inf], BOOL, {"pred": "eq"}, loc=loc)
    xi = Op("cmp", [ax, inf], BOOL, {"pred": "eq"}, loc=loc)
    both0 = Op("and", [yz, xz], BOOL, loc=loc)
    both_inf = Op("and", [yi, xi], BOOL, loc=loc)
    r1 = Op("select", [both_inf, quarter, r0], t, loc=loc)
    r2 = Op("select", [both0, zero, r1], t, loc=loc)
    back = Op("sub", [pi, r2], t, loc=loc)
    xbits = Op("bitcast", [x], it, loc=loc)
    izero = c(0, it)
    xneg = Op("cmp", [xbits, izero], BOOL, {"pred": "lt"}, loc=loc)
    r3 = Op("select", [xneg, back, r2], t, loc=loc)
    op.operands, op.attrs = [r3, y], {"fn": "copysign"}
    ops = [ay, ax, q, r0, zero, inf, quarter, pi, yz, xz, yi, xi, both0, both_inf, r1, r2]
    return [*ops, back, xbits, izero, xneg, r3]


_BUILDERS = {"pown": _pown, "asin": _asin, "acos": _acos, "atan2": _atan2}
_EXPANDED = ("tan", "rsqrt", *_BUILDERS)


@register
@dataclass
class ExpandMath(Pass):
    """Expects verified IR; leaves no f32 ``tan``, ``pown``, ``asin``, ``acos``, ``atan2``
    and no ``rsqrt`` (see :func:`expand_math`). The results change within the OpenCL error
    bounds, so the interpreter's are not reproduced bit for bit."""

    name = "expand-math"

    def run(self, module: Module, ctx: PassContext) -> bool:
        return any([expand_math(k) for k in module.kernels])
