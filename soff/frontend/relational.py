"""OpenCL C relational and the remaining common built-ins (OpenCL C 1.2 6.12.4, 6.12.6).

Relational functions on scalars return ``int`` 1 or 0; on vectors, each lane is
-1 (all bits set) or 0 in the signed integer type of the lane's width. Every
function here is made of ordinary ops (compares, selects, ``fabs``, bitcasts),
so the interpreter and the hardware need nothing new:

- ``isnan`` ``isinf`` ``isfinite`` ``isnormal`` ``signbit`` ``isequal``
  ``isnotequal`` ``isgreater`` ``isgreaterequal`` ``isless`` ``islessequal``
  ``islessgreater`` ``isordered`` ``isunordered`` (float and double);
- ``step`` ``smoothstep`` ``sign`` ``degrees`` ``radians`` ``maxmag`` ``minmag``;
- ``bitselect`` (integers and floats, bit by bit).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from soff.diagnostics import CompileError, SourceLoc
from soff.frontend import vectors
from soff.ir.core import Value
from soff.ir.types import BOOL, I32, FloatType, IntType, Type, VectorType

if TYPE_CHECKING:
    from soff.frontend.lower import _FunctionLowerer

#: relational built-in -> number of arguments (float arguments, int results)
RELATIONAL = {
    "isnan": 1, "isinf": 1, "isfinite": 1, "isnormal": 1, "signbit": 1,
    "isequal": 2, "isnotequal": 2, "isgreater": 2, "isgreaterequal": 2, "isless": 2,
    "islessequal": 2, "islessgreater": 2, "isordered": 2, "isunordered": 2,
}  # fmt: skip
#: common built-ins made of other ops -> number of arguments (float results)
COMMON = {
    "step": 2, "smoothstep": 3, "sign": 1, "degrees": 1, "radians": 1, "maxmag": 2, "minmag": 2,
}  # fmt: skip
FUNCTIONS = {**RELATIONAL, **COMMON, "bitselect": 3}

_CMP = {"isequal": "eq", "isnotequal": "ne", "isgreater": "gt", "isgreaterequal": "ge",
        "isless": "lt", "islessequal": "le"}  # fmt: skip
_MIN_NORMAL = {16: 2.0**-14, 32: 2.0**-126, 64: 2.0**-1022}


def is_relational_builtin(name: str) -> bool:
    return name in FUNCTIONS


class _L:
    def __init__(self, fn: _FunctionLowerer, name: str, loc: SourceLoc) -> None:
        self.fn, self.name, self.loc = fn, name, loc

    def op(self, opcode: str, operands: list[Value], t: Type, **attrs: Any) -> Value:
        return self.fn.b.op(opcode, operands, t, attrs or None, loc=self.loc)

    def const(self, value: float | int, t: Type) -> Value:
        return self.fn.const(value, t, self.loc)

    def cmp(self, pred: str, a: Value, b: Value) -> Value:
        return self.op("cmp", [a, b], BOOL, pred=pred)

    def select(self, c: Value, a: Value, b: Value) -> Value:
        return self.op("select", [c, a, b], a.type)

    def fabs(self, x: Value) -> Value:
        return self.op("math", [x], x.type, fn="fabs")

    def both(self, a: Value, b: Value) -> Value:
        return self.op("and", [a, b], BOOL)

    def either(self, a: Value, b: Value) -> Value:
        return self.op("or", [a, b], BOOL)


def lower(fn: _FunctionLowerer, name: str, nodes: list[Any], loc: SourceLoc) -> Value:
    """Lower a call of ``name`` (:func:`is_relational_builtin`)."""
    want = FUNCTIONS[name]
    if len(nodes) != want:
        word = "too many" if len(nodes) > want else "too few"
        raise CompileError(
            f"{word} arguments to function call '{name}', expected {want}, have {len(nodes)}", loc
        )
    args = [fn.lower_expr(a) for a in nodes]
    L = _L(fn, name, loc)
    if name == "bitselect":
        return _bitselect(L, args)
    elem = _float_elem(L, args)
    vec = any(isinstance(a.type, VectorType) for a in args)
    if vec:
        if name in RELATIONAL:
            mask = vectors.mask_type(elem)
            minus1, zero = L.const(-1, mask), L.const(0, mask)
            return vectors.per_lane(
                fn, name, args, lambda lane: L.select(_relation(L, lane), minus1, zero), loc
            )
        return vectors.per_lane(fn, name, args, lambda lane: _common(L, lane), loc)
    args = [fn.convert(a, elem, loc) for a in args]
    if name in RELATIONAL:
        return fn.cast(_relation(L, args), I32, loc)
    return _common(L, args)


def _float_elem(L: _L, args: list[Value]) -> FloatType:
    """The float type of the overload: the vector argument's lanes, else the widest float
    argument (integers convert; OpenCL has only float overloads)."""
    elem: Type | None = None
    for a in args:
        t = a.type.elem if isinstance(a.type, VectorType) else a.type
        if not isinstance(t, (FloatType, IntType)):
            raise CompileError(f"argument of '{L.name}' must be a float, not {t}", L.loc)
        if isinstance(a.type, VectorType):
            if not isinstance(t, FloatType):
                raise CompileError(
                    f"argument of '{L.name}' must be a float vector, not {vectors.cl_name(a.type)}",
                    L.loc,
                )
            return t
        if isinstance(t, FloatType) and (elem is None or t.width > elem.width):
            elem = t
    if elem is None:
        raise CompileError(f"the arguments of '{L.name}' must be floats", L.loc)
    assert isinstance(elem, FloatType)
    return elem


def _relation(L: _L, args: list[Value]) -> Value:
    """The relation as a u1 value."""
    name = L.name
    x = args[0]
    t = x.type
    assert isinstance(t, FloatType)
    if name in _CMP:
        return L.cmp(_CMP[name], x, args[1])  # C semantics: only != is true with a NaN
    if name == "isnan":
        return L.cmp("ne", x, x)
    if name == "isordered":
        return L.both(L.cmp("eq", x, x), L.cmp("eq", args[1], args[1]))
    if name == "isunordered":
        return L.either(L.cmp("ne", x, x), L.cmp("ne", args[1], args[1]))
    if name == "islessgreater":
        return L.either(L.cmp("lt", x, args[1]), L.cmp("gt", x, args[1]))
    if name == "signbit":
        bits = L.op("bitcast", [x], IntType(t.width, True))
        return L.cmp("lt", bits, L.const(0, bits.type))
    a = L.fabs(x)
    inf = L.const(math.inf, t)
    if name == "isinf":
        return L.cmp("eq", a, inf)
    if name == "isfinite":
        return L.cmp("lt", a, inf)
    assert name == "isnormal"
    return L.both(L.cmp("ge", a, L.const(_MIN_NORMAL[t.width], t)), L.cmp("lt", a, inf))


def _common(L: _L, args: list[Value]) -> Value:
    name = L.name
    t = args[-1].type
    assert isinstance(t, FloatType)
    args = [L.fn.convert(a, t, L.loc) for a in args]
    zero, one = L.const(0.0, t), L.const(1.0, t)
    if name == "step":  # step(edge, x): 0.0 if x < edge, else 1.0
        edge, x = args
        return L.select(L.cmp("lt", x, edge), zero, one)
    if name == "smoothstep":  # t = clamp((x - e0) / (e1 - e0), 0, 1); t * t * (3 - 2 t)
        e0, e1, x = args
        u = L.op("div", [L.op("sub", [x, e0], t), L.op("sub", [e1, e0], t)], t)
        u = L.op("math", [L.op("math", [u, zero], t, fn="fmax"), one], t, fn="fmin")
        k = L.op("sub", [L.const(3.0, t), L.op("mul", [L.const(2.0, t), u], t)], t)
        return L.op("mul", [L.op("mul", [u, u], t), k], t)
    (x, *rest) = args
    if name == "sign":  # 1.0, -1.0, the zero itself (with its sign), 0.0 for a NaN
        s = L.select(L.cmp("gt", x, zero), one, L.select(L.cmp("lt", x, zero), L.const(-1.0, t), x))
        return L.select(L.cmp("ne", x, x), zero, s)
    if name in ("degrees", "radians"):
        k = 180.0 / math.pi if name == "degrees" else math.pi / 180.0
        return L.op("mul", [x, L.const(k, t)], t)
    # maxmag / minmag: the argument of greater (smaller) magnitude, else fmax (fmin)
    (y,) = rest
    ax, ay = L.fabs(x), L.fabs(y)
    big = name == "maxmag"
    tie = L.op("math", [x, y], t, fn="fmax" if big else "fmin")
    first = L.cmp("gt" if big else "lt", ax, ay)
    second = L.cmp("gt" if big else "lt", ay, ax)
    return L.select(first, x, L.select(second, y, tie))


def _bitselect(L: _L, args: list[Value]) -> Value:
    """bitselect(a, b, c): each bit from b where c's bit is 1, else from a."""
    vec = next((a for a in args if isinstance(a.type, VectorType)), None)

    def lane(vals: list[Value]) -> Value:
        t = vals[0].type
        it = IntType(t.width, False) if isinstance(t, FloatType) else t
        if not isinstance(it, IntType):
            raise CompileError(f"argument of 'bitselect' must be a number, not {t}", L.loc)
        ints = [v if v.type == it else L.op("bitcast", [v], it) for v in vals]
        a, b, c = ints
        keep = L.op("and", [a, L.op("not", [c], it)], it)
        r = L.op("or", [keep, L.op("and", [b, c], it)], it)
        return r if it == t else L.op("bitcast", [r], t)

    if vec is not None:
        return vectors.per_lane(L.fn, "bitselect", args, lane, L.loc)
    t = args[0].type
    for v in args[1:]:
        if v.type != t:
            t = L.fn.common_type(t, v.type, L.loc)
    return lane([L.fn.convert(v, t, L.loc) for v in args])
