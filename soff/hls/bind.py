"""bind: which operator-library unit implements an IR op (allocation/binding).

Ops that are plain Verilog expressions (integer add, logic, compares,
selects, casts between integers) have no binding; floating-point operations,
conversions involving floats and integer division are bound to a pipelined
unit of :mod:`soff.rtl_gen.units`, whose latency comes from the board table.
"""

from __future__ import annotations

from dataclasses import dataclass

from soff.boards.board import Board
from soff.diagnostics import CompileError, UnsupportedError
from soff.ir.core import Op
from soff.ir.types import F32, FloatType, IntType

_ARITH = {"add": "fadd", "sub": "fsub", "mul": "fmul", "div": "fdiv"}
_MATH = {"sqrt": "fsqrt", "fmin": "fmin", "fmax": "fmax", "fma": "fma"}
# math functions whose unit has the function's name
_MATH_UNITS = (
    "floor", "ceil", "trunc", "round", "rint", "copysign", "fdim", "ldexp", "logb",
)  # fmt: skip
# binary32 units only
_F32_UNITS = (
    "exp2", "exp", "exp10", "log2", "log", "log10", "sin", "cos", "pow", "powr", "cbrt",
    "atan", "fmod", "remainder",
)  # fmt: skip
_MATH.update({fn: fn for fn in _MATH_UNITS + _F32_UNITS})
# board-table names where they differ from the unit names
_TABLE_NAME = {"fsqrt": "sqrt", "fcvt": "fcast"}
# used when a board lists no latency for a unit (pipeline stages at ~200 MHz)
FALLBACK_LATENCY = {
    ("fcmp", 32): 1, ("fcmp", 64): 1, ("fmin", 32): 1, ("fmin", 64): 1,
    ("fmax", 32): 1, ("fmax", 64): 1, ("fma", 32): 8, ("fma", 64): 10,
    ("itof", 32): 4, ("itof", 64): 5, ("ftoi", 32): 3, ("ftoi", 64): 3,
    ("fcvt", 32): 3, ("fcvt", 64): 3, ("fadd", 32): 5, ("fadd", 64): 6,
    ("fsub", 32): 5, ("fsub", 64): 6, ("fmul", 32): 5, ("fmul", 64): 7,
    ("fdiv", 32): 16, ("fdiv", 64): 30, ("fsqrt", 32): 16, ("fsqrt", 64): 30,
    ("copysign", 32): 1, ("copysign", 64): 1, ("fdim", 32): 6, ("fdim", 64): 7,
    ("ldexp", 32): 3, ("ldexp", 64): 3, ("ilogb", 32): 2, ("ilogb", 64): 2,
    ("logb", 32): 3, ("logb", 64): 3,
    ("exp2", 32): 8, ("exp", 32): 9, ("exp10", 32): 9, ("log2", 32): 12, ("log", 32): 14,
    ("log10", 32): 14, ("sin", 32): 20, ("cos", 32): 20, ("pow", 32): 28,
    ("powr", 32): 28, ("cbrt", 32): 26, ("atan", 32): 24, ("fmod", 32): 72,
    ("remainder", 32): 72,
    **{(fn, w): 2 for fn in ("floor", "ceil", "trunc", "round", "rint") for w in (32, 64)},
}  # fmt: skip
STD_INT_WIDTHS = (8, 16, 32, 64)


@dataclass(frozen=True)
class Binding:
    """Unit ``unit`` on format ``fmt`` with ``options``; ``width`` keys the latency table."""

    unit: str
    fmt: str
    options: tuple[tuple[str, str], ...] = ()
    width: int = 32

    def latency(self, board: Board) -> int:
        name = _TABLE_NAME.get(self.unit, self.unit)
        try:
            return board.latency(name, self.width)
        except CompileError:
            pass
        if self.unit in ("div", "rem"):
            return self.width + 2
        return FALLBACK_LATENCY[(self.unit, self.width)]


def int_fmt(t: IntType) -> str:
    """The unit format of an integer type, widened to a standard width."""
    w = next((s for s in STD_INT_WIDTHS if s >= t.width), None)
    if w is None:
        raise UnsupportedError(f"{t.width}-bit integers are not supported by the operator library")
    return f"{'i' if t.signed else 'u'}{w}"


def fmt_of(t: FloatType, op: Op) -> str:
    if t.width == 16:  # only the half conversions make f16 values (soff.frontend.halfvec)
        raise UnsupportedError(
            "half conversions (vload_half, vstore_half) are not supported yet in hardware",
            op.loc,
        )
    if t.width not in (32, 64):
        raise UnsupportedError(f"f{t.width} arithmetic is not supported yet in hardware", op.loc)
    return f"f{t.width}"


def bind_op(op: Op) -> Binding | None:
    """The unit implementing ``op``, or None when it is a plain expression."""
    t = op.type
    code = op.opcode
    if code in ("div", "rem") and isinstance(t, IntType):
        return Binding(code, int_fmt(t), width=int(int_fmt(t)[1:]))
    if code in _ARITH and isinstance(t, FloatType):
        return Binding(_ARITH[code], fmt_of(t, op), width=t.width)
    if code == "cmp" and isinstance(op.operands[0].type, FloatType):
        ft = op.operands[0].type
        return Binding("fcmp", fmt_of(ft, op), (("pred", op.attrs["pred"]),), ft.width)
    if code == "math":
        fn = op.attrs.get("fn")
        if fn == "ilogb":
            src = op.operands[0].type
            assert isinstance(src, FloatType)
            return Binding("ilogb", fmt_of(src, op), width=src.width)
        if fn in _F32_UNITS and t != F32:
            raise UnsupportedError(
                f"'{fn}' on {t} is not supported yet in hardware (f32 only)", op.loc
            )
        if fn in _MATH and isinstance(t, FloatType):
            return Binding(_MATH[fn], fmt_of(t, op), width=t.width)
        if fn == "fabs":
            return None
        raise UnsupportedError(f"'{fn}' is not supported yet in hardware", op.loc)
    if code == "cast":
        src = op.operands[0].type
        if isinstance(src, FloatType) and isinstance(t, FloatType):
            return Binding("fcvt", fmt_of(t, op), (("src", fmt_of(src, op)),), t.width)
        if isinstance(src, IntType) and isinstance(t, FloatType):
            return Binding("itof", fmt_of(t, op), (("src", int_fmt(src)),), t.width)
        if isinstance(src, FloatType) and isinstance(t, IntType):
            return Binding("ftoi", fmt_of(src, op), (("dst", int_fmt(t)),), src.width)
    return None
