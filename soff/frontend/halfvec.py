"""Half-precision loads and stores and vector shuffles (OpenCL C 1.2 §6.12.7, §6.12.12).

``half`` is a storage format here: ``vload_half[N]``/``vloada_half[N]`` load
``half`` values and ``cast`` them to ``float``; ``vstore_half[N]``/
``vstorea_half[N]`` ``cast`` ``float`` (or ``double``) values to ``f16`` and
store them. The default rounding (and ``_rte``) is the cast's round to nearest
even; ``_rtz``/``_rtp``/``_rtn`` correct it by one unit in the last place when
it went the wrong way (compare the value with the half widened back, then step
the half's bits). ``vloada_half3``/``vstorea_half3`` step by 4 halfs.

``shuffle(x, mask)`` and ``shuffle2(x, y, mask)`` pick lanes by the low bits of
each mask lane: a constant lane picks at compile time, a variable one becomes a
chain of ``select`` ops over the candidate lanes (the front end scalarises vectors).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from soff.diagnostics import CompileError, UnsupportedError
from soff.frontend.vectors import VecPtr, VecValue, cl_name, is_vec, lanes_of, make
from soff.ir.types import BOOL, F16, F32, F64, I64, U16, IntType, PtrType, VectorType

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
        return make([fn.cast(fn.load(q, loc, half=True), F32, loc) for q in ptrs])
    data = args[0]
    lanes = lanes_of(data)
    elem = lanes[0].type
    if len(lanes) != n or elem not in (F32, F64):
        want_t = "float" if n == 1 else f"float{n}"
        raise CompileError(
            f"the data of '{name}' must be {want_t} (or double), not {cl_name(data.type)}", loc
        )
    for q, x in zip(ptrs, lanes, strict=True):
        fn.store(q, to_half(fn, x, mode or "_rte", loc), loc, half=True)
    from soff.frontend.lower import _VOID_VALUE

    return _VOID_VALUE


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
