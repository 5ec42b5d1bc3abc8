"""OpenCL vector types, lowered to scalars.

The IR has no vector values: the lowering represents a vector value as a
:class:`VecValue`, a list of scalar IR values (one per lane), and a vector
variable as one SSA variable per lane. A pointer to vectors (``__global
float4 *``) is a :class:`VecPtr`: in the IR a pointer to the element type,
stepped by the vector's stride in elements (4 for 3-lane vectors, as
``sizeof(float3) == 16``). Neither pseudo-value ever becomes an op operand.

This module holds the vector-only parts: swizzles, element-wise operators,
literals, ``convert_T``, ``as_T``, ``vloadN``/``vstoreN``, relational
(``select``, ``any``, ``all``) and geometric built-ins, and the per-lane
application of scalar built-ins.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from soff.diagnostics import CompileError, SourceLoc, UnsupportedError
from soff.ir.core import Value
from soff.ir.types import BOOL, I32, I64, FloatType, IntType, PtrType, StructType, Type, VectorType

if TYPE_CHECKING:
    from soff.frontend.lower import _FunctionLowerer

VECTOR_SIZES = (2, 3, 4, 8, 16)
_SCALAR_NAMES = {
    IntType(8): "char", IntType(8, False): "uchar", IntType(16): "short",
    IntType(16, False): "ushort", IntType(32): "int", IntType(32, False): "uint",
    IntType(64): "long", IntType(64, False): "ulong", FloatType(32): "float",
    FloatType(64): "double", FloatType(16): "half", BOOL: "bool",
}  # fmt: skip


def cl_name(t: Type) -> str:
    """The OpenCL spelling of a type, for messages."""
    if isinstance(t, VectorType):
        return f"{cl_name(t.elem)}{t.count}"
    if isinstance(t, PtrType):
        return f"__{t.space} {cl_name(t.pointee)} *"
    if isinstance(t, StructType):
        return f"{'union' if t.union else 'struct'} {t.name}"
    return _SCALAR_NAMES.get(t, str(t))  # type: ignore[call-overload]


class VecValue(Value):
    """A vector value of the lowering: one scalar IR value per lane."""

    def __init__(self, lanes: list[Value]) -> None:
        assert lanes and all(not isinstance(v.type, VectorType) for v in lanes)
        super().__init__(VectorType(lanes[0].type, len(lanes)))
        self.lanes = lanes


class VecPtr(Value):
    """A pointer to vectors; ``base`` is the IR pointer to their element type."""

    def __init__(self, base: Value, vtype: VectorType) -> None:
        assert isinstance(base.type, PtrType) and base.type.pointee == vtype.elem
        super().__init__(PtrType(vtype, base.type.space))
        self.base = base
        self.vtype = vtype


def stride(t: VectorType) -> int:
    """Elements from one vector to the next in memory."""
    return 4 if t.count == 3 else t.count


def ir_type(t: Type) -> Type:
    """The IR type that holds a value of front-end type ``t`` (vector pointers
    become element pointers; vectors themselves never reach the IR)."""
    if isinstance(t, PtrType) and isinstance(t.pointee, VectorType):
        return PtrType(t.pointee.elem, t.space)
    assert not isinstance(t, VectorType)
    return t


def is_vec(v: Value) -> bool:
    return isinstance(v.type, VectorType)


def make(lanes: list[Value]) -> Value:
    """A vector of ``lanes``, or the scalar itself for one lane."""
    return lanes[0] if len(lanes) == 1 else VecValue(lanes)


def lanes_of(v: Value) -> list[Value]:
    return list(v.lanes) if isinstance(v, VecValue) else [v]


def mask_type(elem: Type) -> IntType:
    """The signed integer type of a comparison result lane (OpenCL: same width)."""
    return IntType(elem.bits, True)


# -- swizzles -----------------------------------------------------------------

_XYZW = "xyzw"


def swizzle_indices(field: str, vt: VectorType, loc: SourceLoc) -> list[int]:
    """The lanes a component selector picks. For 3-lane vectors ``.hi``/``.odd``
    name a fourth, undefined lane (index 3)."""
    n = vt.count
    if field in ("lo", "hi", "even", "odd"):
        m = 4 if n == 3 else n
        half = m // 2
        sel = {
            "lo": range(half),
            "hi": range(half, m),
            "even": range(0, m, 2),
            "odd": range(1, m, 2),
        }
        return list(sel[field])
    if (
        len(field) > 1
        and field[0] in "sS"
        and all(c in "0123456789abcdefABCDEF" for c in field[1:])
    ):
        idx = [int(c, 16) for c in field[1:]]
    elif field and all(c in _XYZW for c in field):
        idx = [_XYZW.index(c) for c in field]
    else:
        raise CompileError(f"illegal vector component name '{field}'", loc)
    for i in idx:
        if i >= n:
            raise CompileError(
                f"vector component access exceeds type '{cl_name(vt)}' ('.{field}')", loc
            )
    if len(idx) not in (1, *VECTOR_SIZES):
        raise CompileError(f"a vector of {len(idx)} components does not exist ('.{field}')", loc)
    return idx


def pick(fn: _FunctionLowerer, v: VecValue, idx: list[int], loc: SourceLoc) -> Value:
    elem = v.type.elem  # type: ignore[attr-defined]
    lanes = [v.lanes[i] if i < len(v.lanes) else fn.const(0, elem, loc) for i in idx]
    return make(lanes)


# -- conversions and operators -------------------------------------------------


def splat(fn: _FunctionLowerer, v: Value, vt: VectorType, loc: SourceLoc) -> VecValue:
    """A scalar widened to every lane (converted to the element type first)."""
    if not isinstance(v.type, (IntType, FloatType)):
        raise CompileError(f"cannot convert {cl_name(v.type)} to {cl_name(vt)}", loc)
    x = fn.convert(v, vt.elem, loc)
    return VecValue([x] * vt.count)


def literal(fn: _FunctionLowerer, vt: VectorType, items: list[Value], loc: SourceLoc) -> VecValue:
    """``(float4)(a, v2, b)``: the lanes of the items in order, each converted."""
    if len(items) == 1 and not is_vec(items[0]):
        return splat(fn, items[0], vt, loc)
    lanes: list[Value] = []
    for v in items:
        if not isinstance(v.type, (IntType, FloatType, VectorType)):
            raise CompileError(
                f"invalid element of type {cl_name(v.type)} in a vector literal", loc
            )
        lanes += [fn.cast(x, vt.elem, loc) for x in lanes_of(v)]
    if len(lanes) != vt.count:
        raise CompileError(
            f"a {cl_name(vt)} literal needs {vt.count} components, not {len(lanes)}", loc
        )
    return VecValue(lanes)


def operands(
    fn: _FunctionLowerer, op: str, a: Value, b: Value, loc: SourceLoc
) -> tuple[VectorType, list[Value], list[Value]]:
    """Both operands of a binary vector operator as lanes of one vector type."""
    for v in (a, b):
        if isinstance(v.type, PtrType):
            raise CompileError(
                f"invalid operands to binary '{op}' ({cl_name(a.type)} and {cl_name(b.type)})", loc
            )
    if is_vec(a) and is_vec(b) and a.type != b.type:
        raise CompileError(
            f"invalid operands to binary '{op}' ({cl_name(a.type)} and {cl_name(b.type)}): "
            "vector operands must have the same type",
            loc,
        )
    vt = a.type if is_vec(a) else b.type
    assert isinstance(vt, VectorType)

    def widen(v: Value) -> list[Value]:
        if is_vec(v):
            return lanes_of(v)
        if isinstance(vt.elem, IntType) and isinstance(v.type, FloatType):
            raise CompileError(
                f"cannot convert {cl_name(v.type)} to the element type of {cl_name(vt)}", loc
            )
        return splat(fn, v, vt, loc).lanes

    return vt, widen(a), widen(b)


def to_mask(fn: _FunctionLowerer, c: Value, mt: IntType, loc: SourceLoc) -> Value:
    """A u1 lane as OpenCL's vector truth value: -1 or 0."""
    return fn.b.op("select", [c, fn.const(-1, mt, loc), fn.const(0, mt, loc)], mt, loc=loc)


def msb(fn: _FunctionLowerer, v: Value, loc: SourceLoc) -> Value:
    """Whether the most significant bit of an integer lane is set (u1)."""
    t = v.type
    if not isinstance(t, IntType):
        raise CompileError(f"expected an integer vector, not {cl_name(t)}", loc)
    s = IntType(t.width, True)
    return fn.b.op("cmp", [fn.cast(v, s, loc), fn.const(0, s, loc)], BOOL, {"pred": "lt"}, loc=loc)


_BINARY = {
    "+": "add", "-": "sub", "*": "mul", "/": "div", "%": "rem",
    "&": "and", "|": "or", "^": "xor", "<<": "shl", ">>": "shr",
}  # fmt: skip
_CMP = {"==": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}


def binary(fn: _FunctionLowerer, op: str, a: Value, b: Value, loc: SourceLoc) -> Value:
    """An element-wise binary operator with at least one vector operand (no
    integer promotion: ``char4 + char4`` wraps at 8 bits, as in OpenCL)."""
    vt, la, lb = operands(fn, op, a, b, loc)
    elem = vt.elem
    if op in _CMP:
        mt = mask_type(elem)
        return VecValue(
            [
                to_mask(fn, fn.b.op("cmp", [x, y], BOOL, {"pred": _CMP[op]}, loc=loc), mt, loc)
                for x, y in zip(la, lb, strict=True)
            ]
        )
    if op in ("&&", "||"):
        mt = mask_type(elem)
        out = []
        for x, y in zip(la, lb, strict=True):
            bx, by = fn.to_bool(x, loc), fn.to_bool(y, loc)
            c = fn.b.op("and" if op == "&&" else "or", [bx, by], BOOL, loc=loc)
            out.append(to_mask(fn, c, mt, loc))
        return VecValue(out)
    if op not in _BINARY:
        raise UnsupportedError(f"operator '{op}' is not supported on vectors yet", loc)
    if op in ("%", "&", "|", "^", "<<", ">>") and isinstance(elem, FloatType):
        raise CompileError(
            f"invalid operands to binary '{op}' ({cl_name(a.type)} and {cl_name(b.type)}): "
            "it needs integer operands",
            loc,
        )
    opc = _BINARY[op]
    return VecValue([fn.b.op(opc, [x, y], elem, loc=loc) for x, y in zip(la, lb, strict=True)])


def unary(fn: _FunctionLowerer, op: str, v: VecValue, loc: SourceLoc) -> Value:
    elem = v.type.elem  # type: ignore[attr-defined]
    if op == "+":
        return v
    if op == "-":
        return VecValue([fn.b.op("neg", [x], elem, loc=loc) for x in v.lanes])
    if op == "~":
        if isinstance(elem, FloatType):
            raise CompileError(f"invalid argument type {cl_name(v.type)} to unary '~'", loc)
        return VecValue([fn.b.op("not", [x], elem, loc=loc) for x in v.lanes])
    if op == "!":
        mt = mask_type(elem)
        return VecValue(
            [
                to_mask(
                    fn,
                    fn.b.op("cmp", [x, fn.const(0, elem, loc)], BOOL, {"pred": "eq"}, loc=loc),
                    mt,
                    loc,
                )
                for x in v.lanes
            ]
        )
    raise UnsupportedError(f"operator '{op}' is not supported on vectors yet", loc)


def select_lanes(fn: _FunctionLowerer, c: Value, t: Value, f: Value, loc: SourceLoc) -> Value:
    """Per lane: ``msb(c) ? t : f`` (vector ``?:`` and ``select``)."""
    if not isinstance(c.type, VectorType) or not isinstance(c.type.elem, IntType):
        raise CompileError(f"the condition must be an integer vector, not {cl_name(c.type)}", loc)
    n = c.type.count
    vt = t.type if is_vec(t) else f.type
    if not isinstance(vt, VectorType):
        vt = VectorType(fn.common_type(t.type, f.type, loc), n)
        t, f = splat(fn, t, vt, loc), splat(fn, f, vt, loc)
    _, lt, lf = operands(fn, "?:", t, f, loc)
    if vt.count != n or vt.elem.bits != c.type.elem.bits:
        raise CompileError(
            f"the condition ({cl_name(c.type)}) and the operands ({cl_name(vt)}) of a vector "
            "select must have the same number of lanes of the same size",
            loc,
        )
    return VecValue(
        [
            fn.b.op("select", [msb(fn, ci, loc), x, y], vt.elem, loc=loc)
            for ci, x, y in zip(lanes_of(c), lt, lf, strict=True)
        ]
    )


# -- built-ins ------------------------------------------------------------------

_CONVERT = re.compile(r"^convert_([a-z]+)(2|3|4|8|16)?(_sat)?(_rte|_rtz|_rtp|_rtn)?$")
_AS = re.compile(r"^as_([a-z]+)(2|3|4|8|16)?$")
_VLOAD = re.compile(r"^v(load|store)(2|3|4|8|16)$")
GEOMETRIC = {"dot": 2, "length": 1, "distance": 2, "normalize": 1, "cross": 2}
VECTOR_BUILTINS = {"any": 1, "all": 1, "vec_step": 1, **GEOMETRIC}


def is_vector_builtin(name: str) -> bool:
    return bool(
        name in VECTOR_BUILTINS or _CONVERT.match(name) or _AS.match(name) or _VLOAD.match(name)
    )


def _check_count(name: str, args: list[Any], want: int, loc: SourceLoc) -> None:
    if len(args) != want:
        word = "too many" if len(args) > want else "too few"
        raise CompileError(
            f"{word} arguments to function call '{name}', expected {want}, have {len(args)}", loc
        )


def _named_type(fn: _FunctionLowerer, base: str, n: str | None, name: str, loc: SourceLoc) -> Type:
    if base not in (
        "char",
        "uchar",
        "short",
        "ushort",
        "int",
        "uint",
        "long",
        "ulong",
        "float",
        "double",
    ):
        if base == "half":
            raise UnsupportedError(f"'{name}': half values are not supported yet", loc)
        raise CompileError(f"implicit declaration of function '{name}'", loc)
    return fn.ctx.base_type([f"{base}{n or ''}"], loc)


def lower_vector_builtin(
    fn: _FunctionLowerer, name: str, nodes: list[Any], loc: SourceLoc
) -> Value:
    if name == "vec_step":
        _check_count(name, nodes, 1, loc)
        v = fn.lower_expr(nodes[0])
        n = v.type.count if isinstance(v.type, VectorType) else 1
        return fn.const(4 if n == 3 else n, I32, loc)
    m = _VLOAD.match(name)
    if m:
        return _vload_store(fn, m.group(1), int(m.group(2)), name, nodes, loc)
    m = _CONVERT.match(name)
    if m:
        _check_count(name, nodes, 1, loc)
        t = _named_type(fn, m.group(1), m.group(2), name, loc)
        return convert_builtin(
            fn, fn.lower_expr(nodes[0]), t, bool(m.group(3)), m.group(4), name, loc
        )
    m = _AS.match(name)
    if m:
        _check_count(name, nodes, 1, loc)
        t = _named_type(fn, m.group(1), m.group(2), name, loc)
        return as_type(fn, fn.lower_expr(nodes[0]), t, name, loc)
    _check_count(name, nodes, VECTOR_BUILTINS[name], loc)
    args = [fn.lower_expr(a) for a in nodes]
    if name in ("any", "all"):
        (x,) = args
        if not isinstance(x.type, (IntType, VectorType)) or (
            isinstance(x.type, VectorType) and not isinstance(x.type.elem, IntType)
        ):
            raise CompileError(f"argument of '{name}' must be an integer or integer vector", loc)
        bits = [msb(fn, lane, loc) for lane in lanes_of(x)]
        acc = bits[0]
        for bit in bits[1:]:
            acc = fn.b.op("or" if name == "any" else "and", [acc, bit], BOOL, loc=loc)
        return fn.cast(acc, I32, loc)
    return _geometric(fn, name, args, loc)


def _vload_store(
    fn: _FunctionLowerer, kind: str, n: int, name: str, nodes: list[Any], loc: SourceLoc
) -> Value:
    _check_count(name, nodes, 2 if kind == "load" else 3, loc)
    args = [fn.lower_expr(a) for a in nodes]
    p = args[-1]
    if not isinstance(p.type, PtrType) or isinstance(p, VecPtr) or is_vec(p):
        raise CompileError(f"the last argument of '{name}' must be a pointer to scalars", loc)
    elem = p.type.pointee
    if not isinstance(elem, (IntType, FloatType)) or elem in (BOOL, FloatType(16)):
        raise UnsupportedError(f"'{name}' of {cl_name(elem)} is not supported", loc)
    offset = args[-2]
    if not isinstance(offset.type, IntType):
        raise CompileError(f"the offset of '{name}' must be an integer", loc)
    scaled = fn.b.op("mul", [fn.cast(offset, I64, loc), fn.const(n, I64, loc)], I64, loc=loc)
    base = fn.b.op("ptradd", [p, scaled], p.type, loc=loc)
    ptrs = [base] + [
        fn.b.op("ptradd", [base, fn.const(i, I64, loc)], p.type, loc=loc) for i in range(1, n)
    ]
    if kind == "load":
        return VecValue([fn.load(q, loc) for q in ptrs])
    data = args[0]
    vt = VectorType(elem, n)
    if data.type != vt:
        raise CompileError(
            f"the data of '{name}' through {cl_name(p.type)} must be {cl_name(vt)}, "
            f"not {cl_name(data.type)}",
            loc,
        )
    for q, x in zip(ptrs, lanes_of(data), strict=True):
        fn.store(q, x, loc)
    from soff.frontend.lower import _VOID_VALUE

    return _VOID_VALUE


def _convert_lane(fn: _FunctionLowerer, x: Value, t: Type, sat: bool, loc: SourceLoc) -> Value:
    st = x.type
    if not sat or not isinstance(t, IntType) or st == t:
        return fn.cast(x, t, loc)
    if isinstance(st, IntType):
        if st.min >= t.min and st.max <= t.max:
            return fn.cast(x, t, loc)
        wide = IntType(max(st.width, t.width) + 1, True)
        w = fn.cast(x, wide, loc)
        lo, hi = fn.const(t.min, wide, loc), fn.const(t.max, wide, loc)
        w = fn.b.op(
            "select", [fn.b.op("cmp", [w, lo], BOOL, {"pred": "lt"}, loc=loc), lo, w], wide, loc=loc
        )
        w = fn.b.op(
            "select", [fn.b.op("cmp", [w, hi], BOOL, {"pred": "gt"}, loc=loc), hi, w], wide, loc=loc
        )
        return fn.cast(w, t, loc)
    assert isinstance(st, FloatType)
    # float to integer, saturating: NaN gives 0 (the cast's own rule); the bounds
    # t.min and t.max + 1 are powers of two (or 0), exact in any float type
    lo_f, hi_f = fn.const(float(t.min), st, loc), fn.const(float(t.max + 1), st, loc)
    below = fn.b.op("cmp", [x, lo_f], BOOL, {"pred": "lt"}, loc=loc)
    above = fn.b.op("cmp", [x, hi_f], BOOL, {"pred": "ge"}, loc=loc)
    r = fn.cast(x, t, loc)
    r = fn.b.op("select", [below, fn.const(t.min, t, loc), r], t, loc=loc)
    return fn.b.op("select", [above, fn.const(t.max, t, loc), r], t, loc=loc)


def convert_builtin(
    fn: _FunctionLowerer, v: Value, t: Type, sat: bool, mode: str | None, name: str, loc: SourceLoc
) -> Value:
    """``convert_T[_sat][_rXX]``: an explicit per-lane conversion."""
    dst = t.elem if isinstance(t, VectorType) else t
    n = t.count if isinstance(t, VectorType) else 1
    src = v.type.elem if isinstance(v.type, VectorType) else v.type
    sn = v.type.count if isinstance(v.type, VectorType) else 1
    if not isinstance(src, (IntType, FloatType)) or src == FloatType(16):
        raise CompileError(f"'{name}' cannot convert {cl_name(v.type)}", loc)
    if sn != n:
        raise CompileError(
            f"'{name}' needs an argument with {n} lane{'s' if n > 1 else ''}, not {cl_name(v.type)}",
            loc,
        )
    if sat and isinstance(dst, FloatType):
        raise CompileError(f"'{name}': saturation applies to integer destinations only", loc)
    rounding = {"_rte": "rint", "_rtp": "ceil", "_rtn": "floor"}.get(mode or "")
    if rounding is not None and isinstance(dst, IntType) and isinstance(src, FloatType):
        # float to integer in another mode: round to an integral float first (exact),
        # then the usual conversion (toward zero, with _sat's clamping) cannot round
        lanes = [
            fn.b.op("math", [x], x.type, {"fn": rounding}, loc=loc) for x in lanes_of(v)
        ]
        return make([_convert_lane(fn, x, dst, sat, loc) for x in lanes])
    if mode is not None:
        # the default modes: round to nearest even into floats, toward zero into
        # integers (others above); integer to integer is exact
        if isinstance(dst, IntType) and isinstance(src, FloatType):
            ok = mode == "_rtz"
        elif isinstance(dst, FloatType) and _inexact_to_float(src, dst):
            if mode != "_rte":
                if dst.width not in (32, 64):
                    raise UnsupportedError(
                        f"the rounding mode of '{name}' is not supported yet", loc
                    )
                return make([_round_to_float(fn, x, dst, mode, loc) for x in lanes_of(v)])
            ok = True
        else:
            ok = True  # exact conversions: the mode does not matter
        if not ok:
            raise UnsupportedError(f"the rounding mode of '{name}' is not supported yet", loc)
    return make([_convert_lane(fn, x, dst, sat, loc) for x in lanes_of(v)])


def _inexact_to_float(src: Type, dst: FloatType) -> bool:
    """Whether converting ``src`` values to ``dst`` can round (so the mode matters)."""
    if isinstance(src, FloatType):
        return src.width > dst.width
    assert isinstance(src, IntType)
    significand = {16: 11, 32: 24, 64: 53}[dst.width]
    return src.width - (1 if src.signed else 0) > significand


def _round_to_float(
    fn: _FunctionLowerer, x: Value, dst: FloatType, mode: str, loc: SourceLoc
) -> Value:
    """``x`` (an integer, or a wider float) rounded to ``dst`` toward zero (``_rtz``),
    +inf (``_rtp``) or -inf (``_rtn``): the round-to-nearest-even conversion, then one
    step of the result's bit pattern back toward where the mode wants it when that
    conversion went the wrong way (found by comparing the result with ``x`` exactly)."""
    src = x.type
    y = fn.cast(x, dst, loc)
    ubits = IntType(dst.width, False)
    bits = fn.b.op("bitcast", [y], ubits, loc=loc)

    def cmp(a: Value, b: Value, pred: str) -> Value:
        return fn.b.op("cmp", [a, b], BOOL, {"pred": pred}, loc=loc)

    def sel(c: Value, a: Value, b: Value) -> Value:
        return fn.b.op("select", [c, a, b], a.type, loc=loc)

    if isinstance(src, FloatType):  # the result widens back exactly: compare as floats
        back = fn.cast(y, src, loc)
        gt, lt = cmp(back, x, "gt"), cmp(back, x, "lt")
    elif src.width <= 32:  # the result is an integer below 2^32: compare in 64 bits
        back, wide = fn.cast(y, I64, loc), fn.cast(x, I64, loc)
        gt, lt = cmp(back, wide, "gt"), cmp(back, wide, "lt")
    else:  # 64-bit integers: the result may be 2^63 (2^64), one past the type's range
        limit = fn.const(float(src.max + 1), dst, loc)
        over = cmp(y, limit, "ge")
        back = fn.cast(sel(over, fn.const(0.0, dst, loc), y), src, loc)
        true, false = fn.const(1, BOOL, loc), fn.const(0, BOOL, loc)
        gt = sel(over, true, cmp(back, x, "gt"))
        lt = sel(over, false, cmp(back, x, "lt"))
    one = fn.const(1, ubits, loc)
    up = fn.b.op("add", [bits, one], ubits, loc=loc)  # one ulp more magnitude
    down = fn.b.op("sub", [bits, one], ubits, loc=loc)  # one ulp less magnitude
    negative = cmp(bits, fn.const(1 << (dst.width - 1), ubits, loc), "ge")
    if mode == "_rtz":  # rounded away from zero: back one step
        fixed = sel(sel(negative, lt, gt), down, bits)
    elif mode == "_rtp":  # rounded down: one step toward +inf
        fixed = sel(lt, sel(negative, down, up), bits)
    else:  # _rtn, rounded up: one step toward -inf
        fixed = sel(gt, sel(negative, up, down), bits)
    return fn.b.op("bitcast", [fixed], dst, loc=loc)


def as_type(fn: _FunctionLowerer, v: Value, t: Type, name: str, loc: SourceLoc) -> Value:
    """``as_T``: reinterpret the bits, lane by lane."""
    dst = t.elem if isinstance(t, VectorType) else t
    n = t.count if isinstance(t, VectorType) else 1
    src = v.type.elem if isinstance(v.type, VectorType) else v.type
    sn = v.type.count if isinstance(v.type, VectorType) else 1
    if not isinstance(src, (IntType, FloatType)) or src in (BOOL, FloatType(16)):
        raise CompileError(f"'{name}' cannot reinterpret {cl_name(v.type)}", loc)
    if t.size != v.type.size:
        raise CompileError(
            f"'{name}' needs an argument of the same size ({t.size} bytes), "
            f"not {cl_name(v.type)} ({v.type.size} bytes)",
            loc,
        )
    if sn != n or src.bits != dst.bits:
        raise UnsupportedError(
            f"'{name}' of {cl_name(v.type)} reinterprets across lanes, which is not supported yet",
            loc,
        )
    return make([x if src == dst else fn.b.op("bitcast", [x], dst, loc=loc) for x in lanes_of(v)])


def _float_lanes(
    name: str, args: list[Value], loc: SourceLoc, sizes: tuple[int, ...]
) -> list[list[Value]]:
    t = args[0].type
    for a in args:
        if a.type != t:
            raise CompileError(
                f"the arguments of '{name}' must have the same type, not {cl_name(t)} and {cl_name(a.type)}",
                loc,
            )
    elem = t.elem if isinstance(t, VectorType) else t
    n = t.count if isinstance(t, VectorType) else 1
    if not isinstance(elem, FloatType) or elem.width == 16 or n not in sizes:
        raise CompileError(
            f"'{name}' takes float or double vectors of {sizes} lanes, not {cl_name(t)}", loc
        )
    return [lanes_of(a) for a in args]


def _dot(fn: _FunctionLowerer, a: list[Value], b: list[Value], loc: SourceLoc) -> Value:
    t = a[0].type
    acc = fn.b.op("mul", [a[0], b[0]], t, loc=loc)
    for x, y in zip(a[1:], b[1:], strict=True):
        acc = fn.b.op("add", [acc, fn.b.op("mul", [x, y], t, loc=loc)], t, loc=loc)
    return acc


def _length(fn: _FunctionLowerer, a: list[Value], loc: SourceLoc) -> Value:
    d = _dot(fn, a, a, loc)
    return fn.b.op("math", [d], d.type, {"fn": "sqrt"}, loc=loc)


def _geometric(fn: _FunctionLowerer, name: str, args: list[Value], loc: SourceLoc) -> Value:
    if name == "cross":
        a, b = _float_lanes(name, args, loc, (3, 4))
        t = a[0].type

        def term(i: int, j: int) -> Value:
            p = fn.b.op("mul", [a[i], b[j]], t, loc=loc)
            q = fn.b.op("mul", [a[j], b[i]], t, loc=loc)
            return fn.b.op("sub", [p, q], t, loc=loc)

        lanes = [term(1, 2), term(2, 0), term(0, 1)]
        if len(a) == 4:
            lanes.append(fn.const(0.0, t, loc))
        return VecValue(lanes)
    cols = _float_lanes(name, args, loc, (1, 2, 3, 4))
    if name == "dot":
        return _dot(fn, cols[0], cols[1], loc)
    if name == "length":
        return _length(fn, cols[0], loc)
    if name == "distance":
        et = cols[0][0].type
        diff: list[Value] = [
            fn.b.op("sub", [x, y], et, loc=loc) for x, y in zip(*cols, strict=True)
        ]
        return _length(fn, diff, loc)
    assert name == "normalize"
    v = cols[0]
    et = v[0].type
    n = _length(fn, v, loc)
    zero = fn.b.op("cmp", [n, fn.const(0.0, et, loc)], BOOL, {"pred": "eq"}, loc=loc)
    # v / length lane by lane (v * (1 / length) would round twice); a zero vector stays zero
    out: list[Value] = [
        fn.b.op("select", [zero, x, fn.b.op("div", [x, n], et, loc=loc)], et, loc=loc) for x in v
    ]
    return make(out)


def per_lane(
    fn: _FunctionLowerer,
    name: str,
    args: list[Value],
    scalar: Any,
    loc: SourceLoc,
) -> Value:
    """A scalar built-in applied lane by lane; scalar arguments are converted to the
    element type of the first vector argument and used in every lane."""
    vecs = [a for a in args if is_vec(a)]
    vt = vecs[0].type
    assert isinstance(vt, VectorType)
    for v in vecs:
        assert isinstance(v.type, VectorType)
        if v.type.count != vt.count:
            raise CompileError(
                f"the vector arguments of '{name}' must have the same number of lanes "
                f"({cl_name(vt)} and {cl_name(v.type)})",
                loc,
            )
    cols = [lanes_of(a) if is_vec(a) else [fn.convert(a, vt.elem, loc)] * vt.count for a in args]
    return VecValue([scalar([c[i] for c in cols]) for i in range(vt.count)])
