"""OpenCL C built-in functions lowered to IR ops.

Integer built-ins become ordinary ops (compare, select, shifts, a multiply in
a wider type) so that the back end needs nothing new; ``popcount`` and ``clz``
have their own ops. Float math built-ins become ``math`` ops (see docs/ir.md).
Vector arguments are applied lane by lane (see :mod:`soff.frontend.vectors`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pycparser import c_ast

from soff.diagnostics import CompileError, SourceLoc, UnsupportedError
from soff.frontend import libm, vectors
from soff.ir.core import MATH_FUNCTIONS, MATH_INT_OPERAND, MATH_INT_RESULT, Value
from soff.ir.semantics import ILOGB0, ILOGBNAN
from soff.ir.types import BOOL, F32, F64, I32, U32, FloatType, IntType, PtrType, Type, VectorType

if TYPE_CHECKING:
    from soff.frontend.lower import _FunctionLowerer

#: built-in name -> number of arguments
INTEGER_BUILTINS = {
    "abs": 1, "abs_diff": 2, "add_sat": 2, "sub_sat": 2, "hadd": 2, "rhadd": 2,
    "mul_hi": 2, "mad_hi": 3, "mul24": 2, "mad24": 3, "rotate": 2, "popcount": 1, "clz": 1,
    "upsample": 2,
}  # fmt: skip
COMMON_BUILTINS = {"min": 2, "max": 2, "clamp": 3, "select": 3}
#: ``native_*`` and ``half_*`` math built-ins: soff gives them the full-precision
#: result (OpenCL allows any accuracy for these)
_FAST_MATH = "cos divide exp exp2 exp10 log log2 log10 powr recip rsqrt sin sqrt tan".split()
ALIASES = {f"{p}_{fn}": fn for p in ("native", "half") for fn in _FAST_MATH}
#: built-ins with a pointer out-parameter (the last argument): frexp's ``int *``
#: exponent, modf's integral part, sincos's cosine
OUT_PARAM_BUILTINS = {"frexp": 2, "modf": 2, "sincos": 2}
#: float math built-ins: every IR math function under its own name, and the few made
#: of other ops (mad is a multiply and an add, each rounded; mix; divide and recip)
FLOAT_BUILTINS = {
    **MATH_FUNCTIONS, "mad": 3, "mix": 3, "divide": 2, "recip": 1, **OUT_PARAM_BUILTINS,
}  # fmt: skip
BUILTINS = {
    **INTEGER_BUILTINS,
    **COMMON_BUILTINS,
    **FLOAT_BUILTINS,
    **{a: FLOAT_BUILTINS[fn] for a, fn in ALIASES.items()},
}


class _Lowering:
    def __init__(self, fn: _FunctionLowerer, name: str, loc: SourceLoc) -> None:
        self.fn, self.name, self.loc = fn, name, loc

    def op(self, opcode: str, operands: list[Value], t: Type, **attrs: Any) -> Value:
        return self.fn.b.op(opcode, operands, t, attrs or None, loc=self.loc)

    def const(self, value: int | float, t: Type) -> Value:
        return self.fn.const(value, t, self.loc)

    def cast(self, v: Value, t: Type) -> Value:
        return self.fn.cast(v, t, self.loc)

    def cmp(self, pred: str, a: Value, b: Value) -> Value:
        return self.op("cmp", [a, b], BOOL, pred=pred)

    def select(self, c: Value, a: Value, b: Value) -> Value:
        return self.op("select", [c, a, b], a.type)

    def gentype(self, args: list[Value], ints_only: bool = False) -> Type:
        """The overload's argument type: the type all arguments share, else the usual
        arithmetic conversions of them."""
        for v in args:
            ok = isinstance(v.type, IntType) or (
                not ints_only and isinstance(v.type, FloatType) and v.type.width != 16
            )
            if not ok:
                want = "an integer" if ints_only else "a number"
                raise CompileError(
                    f"argument of '{self.name}' must be {want}, not {v.type}", self.loc
                )
        t = args[0].type
        for v in args[1:]:
            if v.type != t:
                t = self.fn.common_type(t, v.type, self.loc)
        return t

    def clamp_to(self, v: Value, t: IntType) -> Value:
        """Saturate a value of a wider signed type into ``t``'s range."""
        w = v.type
        lo, hi = self.const(t.min, w), self.const(t.max, w)
        v = self.select(self.cmp("lt", v, lo), lo, v)
        v = self.select(self.cmp("gt", v, hi), hi, v)
        return self.cast(v, t)


def lower_builtin(fn: _FunctionLowerer, name: str, arg_nodes: list[Any], loc: SourceLoc) -> Value:
    """Lower a call of the built-in ``name`` (a key of :data:`BUILTINS`)."""
    want = BUILTINS[name]
    if len(arg_nodes) != want:
        word = "too many" if len(arg_nodes) > want else "too few"
        raise CompileError(
            f"{word} arguments to function call '{name}', expected {want}, have {len(arg_nodes)}",
            loc,
        )
    name = ALIASES.get(name, name)
    if name in OUT_PARAM_BUILTINS:
        return _lower_out_param(fn, name, arg_nodes, loc)
    args = [fn.lower_expr(a) for a in arg_nodes]
    if any(isinstance(a.type, VectorType) for a in args):
        if name == "select":
            return vectors.select_lanes(fn, args[2], args[1], args[0], loc)
        k = MATH_INT_OPERAND.get(name)
        if k is not None and not isinstance(args[k].type, VectorType):
            lanes = args[0].type.count if isinstance(args[0].type, VectorType) else 1
            args[k] = vectors.VecValue([args[k]] * lanes)  # an int for every lane
        return vectors.per_lane(
            fn, name, args, lambda lane: builtin_values(fn, name, lane, loc), loc
        )
    return builtin_values(fn, name, args, loc)


def builtin_values(fn: _FunctionLowerer, name: str, args: list[Value], loc: SourceLoc) -> Value:
    """A built-in on scalar arguments already lowered."""
    L = _Lowering(fn, name, loc)
    if name == "select":
        return _select(L, args)
    if name == "upsample":
        return _upsample(L, args)
    if name == "rotate":
        t = L.gentype(args[:1], ints_only=True)
        return _rotate(L, L.cast(args[0], t), args[1])
    if name in FLOAT_BUILTINS:
        return _float_builtin(L, args)
    t = L.gentype(args, ints_only=name in INTEGER_BUILTINS)
    args = [L.cast(a, t) for a in args]
    if name in ("min", "max"):
        a, b = args
        # OpenCL: min returns y if y < x, else x; max returns y if x < y, else x
        return L.select(L.cmp("lt", b, a) if name == "min" else L.cmp("lt", a, b), b, a)
    if name == "clamp":
        x, lo, hi = args
        x = L.select(L.cmp("lt", x, lo), lo, x)
        return L.select(L.cmp("lt", hi, x), hi, x)
    assert isinstance(t, IntType)
    if name in ("popcount", "clz"):
        return L.op(name, args, t)
    u = IntType(t.width, False)
    if name == "abs":
        (x,) = args
        if not t.signed:
            return x
        neg = L.op("neg", [x], t)
        return L.cast(L.select(L.cmp("lt", x, L.const(0, t)), neg, x), u)
    if name == "abs_diff":
        x, y = args
        ux, uy = L.cast(x, u), L.cast(y, u)
        return L.select(L.cmp("gt", x, y), L.op("sub", [ux, uy], u), L.op("sub", [uy, ux], u))
    if name in ("add_sat", "sub_sat", "hadd", "rhadd"):
        wide = IntType(t.width + 2, True)  # holds every sum and difference exactly
        x, y = (L.cast(a, wide) for a in args)
        r = L.op("sub" if name == "sub_sat" else "add", [x, y], wide)
        if name in ("add_sat", "sub_sat"):
            return L.clamp_to(r, t)
        if name == "rhadd":
            r = L.op("add", [r, L.const(1, wide)], wide)
        return L.cast(L.op("shr", [r, L.const(1, wide)], wide), t)
    if name in ("mul_hi", "mad_hi"):
        wide = IntType(2 * t.width, t.signed)
        p = L.op("mul", [L.cast(args[0], wide), L.cast(args[1], wide)], wide)
        hi = L.cast(L.op("shr", [p, L.const(t.width, wide)], wide), t)
        return hi if name == "mul_hi" else L.op("add", [hi, args[2]], t)
    if name in ("mul24", "mad24"):
        if t not in (I32, U32):
            raise CompileError(f"'{name}' takes int or uint arguments, not {t}", loc)
        # defined for 24-bit operands; soff gives the full 32-bit product for others
        p = L.op("mul", args[:2], t)
        return p if name == "mul24" else L.op("add", [p, args[2]], t)
    raise AssertionError(name)  # pragma: no cover


def _float_type(L: _Lowering, args: list[Value]) -> Type:
    t = L.gentype(args)
    return F32 if isinstance(t, IntType) else t  # OpenCL: ambiguous; C would pick double


def _float_builtin(L: _Lowering, args: list[Value]) -> Value:
    """A float math built-in (``L.name`` without its native_/half_ prefix)."""
    name = L.name
    k = MATH_INT_OPERAND.get(name)
    t = _float_type(L, [a for i, a in enumerate(args) if i != k])
    args = [L.cast(a, I32 if i == k else t) for i, a in enumerate(args)]
    if name == "mad":
        return L.op("add", [L.op("mul", args[:2], t), args[2]], t)
    if name == "mix":  # x + (y - x) * a
        x, y, a = args
        return L.op("add", [x, L.op("mul", [L.op("sub", [y, x], t), a], t)], t)
    if name == "divide":
        return L.op("div", args, t)
    if name == "recip":
        return L.op("div", [L.const(1.0, t), args[0]], t)
    if name in libm.F64_HELPERS and t == F64:
        return libm.call(L.fn, libm.F64_HELPERS[name], args, L.loc)
    return L.op("math", args, I32 if name in MATH_INT_RESULT else t, fn=name)


def _lower_out_param(
    fn: _FunctionLowerer, name: str, arg_nodes: list[Any], loc: SourceLoc
) -> Value:
    """frexp, modf and sincos: the second result goes where the pointer argument points
    (``&v`` of a scalar variable writes the variable); the first is returned."""
    L = _Lowering(fn, name, loc)
    x = fn.lower_expr(arg_nodes[0])
    if isinstance(x.type, VectorType):
        raise UnsupportedError(f"'{name}' on vectors is not supported yet", loc)
    t = _float_type(L, [x])
    x = L.cast(x, t)
    node = arg_nodes[1]
    if isinstance(node, c_ast.UnaryOp) and node.op == "&":
        lv = fn.lower_lvalue(node.expr)
    else:
        ptr = fn.lower_expr(node)
        if not isinstance(ptr.type, PtrType):
            raise CompileError(
                f"the second argument of '{name}' must be a pointer, not "
                f"{vectors.cl_name(ptr.type)}",
                loc,
            )
        lv = fn.lower_lvalue(c_ast.UnaryOp("*", node, node.coord))
    want = I32 if name == "frexp" else t
    if lv.type != want:
        raise CompileError(
            f"the second argument of '{name}' must point to {vectors.cl_name(want)}, "
            f"not {vectors.cl_name(lv.type)}",
            loc,
        )
    if name == "sincos":
        lv.write(L.op("math", [x], t, fn="cos"), loc)
        return L.op("math", [x], t, fn="sin")
    if name == "modf":  # integral part trunc(x); fraction x - trunc(x) with x's sign, 0 for inf
        whole = L.op("math", [x], t, fn="trunc")
        lv.write(whole, loc)
        inf = L.cmp("eq", L.op("math", [x], t, fn="fabs"), L.const(float("inf"), t))
        frac = L.select(inf, L.const(0.0, t), L.op("sub", [x, whole], t))
        return L.op("math", [frac, x], t, fn="copysign")
    # frexp: exponent ilogb(x) + 1 (0 for zero, inf and NaN), mantissa ldexp(x, -exponent)
    il = L.op("math", [x], I32, fn="ilogb")
    zero = L.cmp("eq", il, L.const(ILOGB0, I32))
    special = L.op("or", [zero, L.cmp("eq", il, L.const(ILOGBNAN, I32))], BOOL)
    e = L.select(special, L.const(0, I32), L.op("add", [il, L.const(1, I32)], I32))
    lv.write(e, loc)
    return L.op("math", [x, L.op("neg", [e], I32)], t, fn="ldexp")


def _rotate(L: _Lowering, v: Value, amount: Value) -> Value:
    t = v.type
    assert isinstance(t, IntType)
    u = IntType(t.width, False)
    x = L.cast(v, u)
    s = L.op("and", [L.cast(amount, u), L.const(t.width - 1, u)], u)
    back = L.op("sub", [L.const(t.width, u), s], u)  # shifts are modulo the width
    left = L.op("shl", [x, s], u)
    right = L.op("shr", [x, back], u)
    return L.cast(L.op("or", [left, right], u), t)


def _select(L: _Lowering, args: list[Value]) -> Value:
    a, b, c = args
    if not isinstance(c.type, IntType):
        raise CompileError(f"the condition of 'select' must be an integer, not {c.type}", L.loc)
    t = L.gentype([a, b])
    cond = L.cmp("ne", c, L.const(0, c.type)) if c.type != BOOL else c
    return L.select(cond, L.cast(b, t), L.cast(a, t))  # scalar: c ? b : a


def _upsample(L: _Lowering, args: list[Value]) -> Value:
    hi, lo = args
    ht, lt = hi.type, lo.type
    if not (isinstance(ht, IntType) and isinstance(lt, IntType)) or ht.width not in (8, 16, 32):
        raise CompileError(
            f"'upsample' takes char, short or int arguments, not {ht} and {lt}", L.loc
        )
    if lt.width != ht.width or lt.signed:
        raise CompileError(
            f"the second argument of 'upsample' must be {IntType(ht.width, False)}, not {lt}",
            L.loc,
        )
    w = IntType(2 * ht.width, ht.signed)
    high = L.op("shl", [L.cast(hi, w), L.const(ht.width, w)], w)
    low = L.cast(L.cast(lo, IntType(2 * ht.width, False)), w)
    return L.op("or", [high, low], w)


__all__ = ["BUILTINS", "MATH_FUNCTIONS", "lower_builtin"]
