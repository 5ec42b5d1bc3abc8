"""Half-precision loads and stores and vector shuffles (OpenCL C 1.2 §6.12.7, §6.12.12).

``half`` is a storage format here. ``vload_half[N]``/``vloada_half[N]`` load the
halves' bits as ``u16`` (through a ``bitcast`` pointer) and widen them to ``f32``
with integer ops (:func:`half_bits_to_float`); ``vstore_half[N]``/
``vstorea_half[N]`` of ``float`` data round to the half's bits with integer ops
(:func:`float_to_half_bits`: ``_rte``, the default, and ``_rtz``/``_rtp``/
``_rtn``) and store ``u16``. No ``f16`` value appears, so the hardware back end
runs them with its integer datapath. ``double`` data is rounded once by a
``cast`` to ``f16`` (:func:`to_half`; the interpreters only: the hardware float
conversion unit has binary32/64). ``vloada_half3``/``vstorea_half3`` step by 4 halfs.

``shuffle(x, mask)`` and ``shuffle2(x, y, mask)`` pick lanes by the low bits of
each mask lane: a constant lane picks at compile time, a variable one becomes a
chain of ``select`` ops over the candidate lanes (the front end scalarises vectors).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from soff.diagnostics import CompileError, UnsupportedError
from soff.frontend.vectors import VecPtr, VecValue, cl_name, is_vec, lanes_of, make
from soff.ir.types import BOOL, F16, F32, F64, I64, U16, U32, IntType, PtrType, Type, VectorType

if TYPE_CHECKING:
    from soff.diagnostics import SourceLoc
    from soff.frontend.lower import _FunctionLowerer
    from soff.ir.core import Value

_HALF = re.compile(r"^v(load|store)(a?)_half(2|3|4|8|16)?(_rte|_rtz|_rtp|_rtn)?$")


def is_half_builtin(name: str) -> bool:
    return bool(_HALF.match(name)) or name in ("shuffle", "shuffle2")


def lower(fn: _FunctionLowerer, name: str, nodes: list[Any], loc: SourceLoc) -> Value:
    if name in ("shuffle", "shuffle2"):
        return _shuffle(fn, name, nodes, loc)
    m = _HALF.match(name)
    assert m is not None
    kind, aligned, n_text, mode = m.groups()
    if kind == "load" and mode:
        raise CompileError(f"implicit declaration of function '{name}'", loc)
    if aligned and not n_text and kind == "load":
        raise CompileError(f"implicit declaration of function '{name}'", loc)
    n = int(n_text or 1)
    want = 2 if kind == "load" else 3
    if len(nodes) != want:
        word = "too many" if len(nodes) > want else "too few"
        raise CompileError(
            f"{word} arguments to function call '{name}', expected {want}, have {len(nodes)}", loc
        )
    args = [fn.lower_expr(a) for a in nodes]
    p, offset = args[-1], args[-2]
    if not isinstance(p.type, PtrType) or isinstance(p, VecPtr) or p.type.pointee != F16:
        raise CompileError(f"the last argument of '{name}' must be a pointer to half", loc)
    if not isinstance(offset.type, IntType) or is_vec(offset):
        raise CompileError(f"the offset of '{name}' must be an integer", loc)
    step = 4 if aligned and n == 3 else n
    scaled = fn.b.op("mul", [fn.cast(offset, I64, loc), fn.const(step, I64, loc)], I64, loc=loc)
    base = fn.b.op("ptradd", [p, scaled], p.type, loc=loc)
    ptrs = [base] + [
        fn.b.op("ptradd", [base, fn.const(i, I64, loc)], p.type, loc=loc) for i in range(1, n)
    ]
    if kind == "load":
        return make([half_bits_to_float(fn, fn.load(_as_u16(fn, q, loc), loc), loc) for q in ptrs])
    data = args[0]
    lanes = lanes_of(data)
    elem = lanes[0].type
    if len(lanes) != n or elem not in (F32, F64):
        want_t = "float" if n == 1 else f"float{n}"
        raise CompileError(
            f"the data of '{name}' must be {want_t} (or double), not {cl_name(data.type)}", loc
        )
    for q, x in zip(ptrs, lanes, strict=True):
        if x.type == F32:  # integer ops only: no f16 values, so hardware runs it too
            fn.store(_as_u16(fn, q, loc), float_to_half_bits(fn, x, mode or "_rte", loc), loc)
        else:  # double data: one rounding, by a cast (the interpreters only)
            fn.store(q, to_half(fn, x, mode or "_rte", loc), loc, half=True)
    from soff.frontend.lower import _VOID_VALUE

    return _VOID_VALUE


def _as_u16(fn: _FunctionLowerer, p: Value, loc: SourceLoc) -> Value:
    assert isinstance(p.type, PtrType)
    return fn.b.op("bitcast", [p], PtrType(U16, p.type.space), loc=loc)


class _Ops:
    """Short names for building integer IR (u32 unless told)."""

    def __init__(self, fn: _FunctionLowerer, loc: SourceLoc) -> None:
        self.fn, self.loc = fn, loc

    def c(self, v: int | float, t: Type = U32) -> Value:
        return self.fn.const(v, t, self.loc)

    def op(self, code: str, a: Value, b: Value | int, t: Type = U32) -> Value:
        if isinstance(b, int):
            b = self.c(b, a.type)
        return self.fn.b.op(code, [a, b], t, loc=self.loc)

    def cmp(self, a: Value, b: Value | int, pred: str) -> Value:
        if isinstance(b, int):
            b = self.c(b, a.type)
        return self.fn.b.op("cmp", [a, b], BOOL, {"pred": pred}, loc=self.loc)

    def sel(self, c: Value, a: Value | int, b: Value | int) -> Value:
        a = self.c(a) if isinstance(a, int) else a
        b = self.c(b) if isinstance(b, int) else b
        return self.fn.b.op("select", [c, a, b], a.type, loc=self.loc)


def half_bits_to_float(fn: _FunctionLowerer, h: Value, loc: SourceLoc) -> Value:
    """The f32 value of the binary16 bits ``h`` (u16), exactly, in integer ops (the
    subnormals as ``m * 2**-24`` in f32, exact); NaN payloads are kept."""
    o = _Ops(fn, loc)
    h32 = fn.cast(h, U32, loc)
    sign = o.op("shl", o.op("and", h32, 0x8000), 16)
    e = o.op("and", o.op("shr", h32, 10), 0x1F)
    m = o.op("and", h32, 0x3FF)
    m13 = o.op("shl", m, 13)
    normal = o.op("or", sign, o.op("or", o.op("shl", o.op("add", e, 112), 23), m13))
    special = o.op("or", sign, o.op("or", o.c(0x7F800000), m13))
    tiny = fn.b.op("mul", [fn.cast(m, F32, loc), o.c(2.0**-24, F32)], F32, loc=loc)
    tiny_bits = o.op("or", sign, fn.b.op("bitcast", [tiny], U32, loc=loc))
    bits = o.sel(o.cmp(e, 31, "eq"), special, normal)
    bits = o.sel(o.cmp(e, 0, "eq"), tiny_bits, bits)
    return fn.b.op("bitcast", [bits], F32, loc=loc)


def float_to_half_bits(fn: _FunctionLowerer, x: Value, mode: str, loc: SourceLoc) -> Value:
    """The binary16 bits (u16) of the f32 ``x`` rounded by ``mode``, in integer ops:
    the significand shifted to the half's precision (subnormals included) and
    rounded by the bits shifted out; overflow to inf or the largest finite half
    as the mode says; NaN stays NaN (quieted, the payload's top bits kept)."""
    o = _Ops(fn, loc)
    xb = fn.b.op("bitcast", [x], U32, loc=loc)
    sign = o.op("shr", xb, 31)
    ax = o.op("and", xb, 0x7FFFFFFF)
    e = o.op("shr", ax, 23)
    m = o.op("and", ax, 0x7FFFFF)
    full = o.sel(o.cmp(e, 0, "ne"), o.op("or", m, 0x800000), m)
    normal = o.cmp(e, 113, "ge")
    e1 = o.sel(o.cmp(e, 1, "lt"), 1, e)
    s_sub = o.op("sub", o.c(126), e1)
    s = o.sel(normal, 13, o.sel(o.cmp(s_sub, 31, "gt"), 31, s_sub))
    base = o.op("add", o.sel(normal, o.op("shl", o.op("sub", e, 113), 10), 0), o.op("shr", full, s))
    rem = o.op("and", full, o.op("sub", o.op("shl", o.c(1), s), 1))
    exact = o.cmp(rem, 0, "eq")
    neg = o.cmp(sign, 1, "eq")
    up: Value
    if mode == "_rte":
        half = o.op("shl", o.c(1), o.op("sub", s, 1))
        odd = o.cmp(o.op("and", base, 1), 1, "eq")
        tie_up = fn.b.op("and", [o.cmp(rem, half, "eq"), odd], BOOL, loc=loc)
        up = fn.b.op("or", [o.cmp(rem, half, "gt"), tie_up], BOOL, loc=loc)
        overflow: Value = o.c(0x7C00)
    elif mode == "_rtz":
        up = o.cmp(o.c(0), 1, "eq")  # never
        overflow = o.c(0x7BFF)
    elif mode == "_rtp":
        up = fn.b.op("and", [o.cmp(exact, o.c(0, BOOL), "eq"), o.cmp(sign, 0, "eq")], BOOL, loc=loc)
        overflow = o.sel(neg, 0x7BFF, 0x7C00)
    else:  # _rtn
        up = fn.b.op("and", [o.cmp(exact, o.c(0, BOOL), "eq"), neg], BOOL, loc=loc)
        overflow = o.sel(neg, 0x7C00, 0x7BFF)
    h = o.op("add", base, fn.cast(up, U32, loc))
    h = o.sel(o.cmp(e, 142, "gt"), overflow, h)
    nan = o.op("or", o.c(0x7E00), o.op("shr", m, 13))
    h = o.sel(o.cmp(e, 255, "eq"), o.sel(o.cmp(m, 0, "eq"), 0x7C00, nan), h)
    return fn.cast(o.op("or", h, o.op("shl", sign, 15)), U16, loc)


def to_half(fn: _FunctionLowerer, x: Value, mode: str, loc: SourceLoc) -> Value:
    """``x`` (f32 or f64) rounded to ``f16`` by ``mode`` (``_rte`` ``_rtz`` ``_rtp`` ``_rtn``)."""
    h = fn.b.op("cast", [x], F16, loc=loc)
    if mode == "_rte":
        return h
    back = fn.b.op("cast", [h], x.type, loc=loc)
    bits = fn.b.op("bitcast", [h], U16, loc=loc)

    def cmp(a: Value, b: Value, pred: str) -> Value:
        return fn.b.op("cmp", [a, b], BOOL, {"pred": pred}, loc=loc)

    one = fn.const(1, U16, loc)
    up = fn.b.op("add", [bits, one], U16, loc=loc)  # one ulp more magnitude
    down = fn.b.op("sub", [bits, one], U16, loc=loc)  # one ulp less magnitude
    negative = cmp(bits, fn.const(0x8000, U16, loc), "ge")
    if mode == "_rtz":  # rounded away from zero: back one step
        abs_back = fn.b.op("math", [back], x.type, {"fn": "fabs"}, loc=loc)
        abs_x = fn.b.op("math", [x], x.type, {"fn": "fabs"}, loc=loc)
        fixed = fn.b.op("select", [cmp(abs_back, abs_x, "gt"), down, bits], U16, loc=loc)
    elif mode == "_rtp":  # rounded down: towards +inf
        step = fn.b.op("select", [negative, down, up], U16, loc=loc)
        fixed = fn.b.op("select", [cmp(back, x, "lt"), step, bits], U16, loc=loc)
    else:  # _rtn, rounded up: towards -inf
        step = fn.b.op("select", [negative, up, down], U16, loc=loc)
        fixed = fn.b.op("select", [cmp(back, x, "gt"), step, bits], U16, loc=loc)
    return fn.b.op("bitcast", [fixed], F16, loc=loc)


def _const_int(v: Value) -> int | None:
    """The value of a constant integer lane (through integer casts), or None."""
    while getattr(v, "opcode", None) == "cast" and isinstance(v.type, IntType):
        v = v.operands[0]  # type: ignore[attr-defined]
    if getattr(v, "opcode", None) == "const" and isinstance(v.type, IntType):
        return int(v.attrs["value"])  # type: ignore[attr-defined]
    return None


def _shuffle(fn: _FunctionLowerer, name: str, nodes: list[Any], loc: SourceLoc) -> Value:
    want = 2 if name == "shuffle" else 3
    if len(nodes) != want:
        word = "too many" if len(nodes) > want else "too few"
        raise CompileError(
            f"{word} arguments to function call '{name}', expected {want}, have {len(nodes)}", loc
        )
    args = [fn.lower_expr(a) for a in nodes]
    sources, mask = args[:-1], args[-1]
    for v in args:
        if not isinstance(v, VecValue) or len(v.lanes) not in (2, 4, 8, 16):
            raise CompileError(
                f"the arguments of '{name}' must be vectors of 2, 4, 8 or 16 lanes, "
                f"not {cl_name(v.type)}",
                loc,
            )
    assert isinstance(mask, VecValue)
    if not isinstance(mask.lanes[0].type, IntType):
        raise CompileError(f"the mask of '{name}' must be an integer vector", loc)
    if len(sources) == 2 and sources[0].type != sources[1].type:
        raise CompileError(
            f"the vectors of '{name}' must have one type, not {cl_name(sources[0].type)} and "
            f"{cl_name(sources[1].type)}",
            loc,
        )
    pool = [x for v in sources for x in lanes_of(v)]
    bits = len(pool) - 1  # a power of two minus one: the mask bits that count
    out: list[Value] = []
    for m in mask.lanes:
        c = _const_int(m)
        if c is not None:
            out.append(pool[c & bits])
            continue
        mt = m.type
        assert isinstance(mt, IntType)
        idx = fn.b.op("and", [m, fn.const(bits, mt, loc)], mt, loc=loc)
        acc = pool[0]
        for j in range(1, len(pool)):
            hit = fn.b.op("cmp", [idx, fn.const(j, mt, loc)], BOOL, {"pred": "eq"}, loc=loc)
            acc = fn.b.op("select", [hit, pool[j], acc], pool[0].type, loc=loc)
        out.append(acc)
    result = VecValue(out)
    if isinstance(result.type, VectorType) and result.type.count not in (2, 4, 8, 16):
        raise UnsupportedError(f"'{name}' to {len(out)} lanes", loc)
    return result


__all__ = ["is_half_builtin", "lower", "to_half"]
