"""The meaning of integer ops on Python ints (and exactly rounded float helpers), shared by constant folding and
anyone else who needs one op's exact result (see docs/ir.md)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from soff.ir.types import IntType


def int_binary(opcode: str, t: IntType, a: int, b: int) -> int:
    """Result of integer ``opcode`` on ``a`` and ``b`` (already in ``t``'s range)."""
    w = t.width
    if opcode == "add":
        return t.wrap(a + b)
    if opcode == "sub":
        return t.wrap(a - b)
    if opcode == "mul":
        return t.wrap(a * b)
    if opcode in ("div", "rem"):
        if b == 0:
            return t.wrap(-1) if opcode == "div" else a
        q = abs(a) // abs(b)
        if (a < 0) != (b < 0):
            q = -q
        return t.wrap(q) if opcode == "div" else t.wrap(a - q * b)
    if opcode == "and":
        return t.wrap(a & b)
    if opcode == "or":
        return t.wrap(a | b)
    if opcode == "xor":
        return t.wrap(a ^ b)
    if opcode == "shl":
        return t.wrap(a << (b % w))
    if opcode == "shr":
        return t.wrap(a >> (b % w))  # Python >> is arithmetic; unsigned values are >= 0
    raise ValueError(f"not an integer binary op: {opcode}")


def int_unary(opcode: str, t: IntType, a: int) -> int:
    if opcode == "neg":
        return t.wrap(-a)
    if opcode == "not":
        return t.wrap(~a)
    if opcode == "popcount":
        return bin(a & ((1 << t.width) - 1)).count("1")
    if opcode == "clz":
        return t.width - (a & ((1 << t.width) - 1)).bit_length()
    raise ValueError(f"not an integer unary op: {opcode}")


def int_compare(pred: str, a: int, b: int) -> bool:
    return {
        "eq": a == b,
        "ne": a != b,
        "lt": a < b,
        "le": a <= b,
        "gt": a > b,
        "ge": a >= b,
    }[pred]


def int_cast(value: int, src: IntType, dst: IntType) -> int:
    """C conversion between integer types (value is already in ``src``'s range)."""
    return dst.wrap(value)


#: binary formats: width -> (significand bits with the hidden one, min normal exponent, max exponent)
_FLOAT_FORMATS = {16: (11, -14, 15), 32: (24, -126, 127), 64: (53, -1022, 1023)}


def round_fraction(x: Fraction, width: int) -> float:
    """``x`` rounded to the nearest ``f<width>`` value (ties to even; overflow gives
    infinity), returned as a Python float (which holds every such value exactly)."""
    p, emin, emax = _FLOAT_FORMATS[width]
    if x == 0:
        return 0.0
    sign = -1.0 if x < 0 else 1.0
    a = abs(x)
    e = a.numerator.bit_length() - a.denominator.bit_length()
    if Fraction(2) ** e > a:
        e -= 1  # now 2**e <= a < 2**(e+1)
    e = max(e, emin)  # subnormals share the smallest exponent
    ulp = Fraction(2) ** (e - p + 1)
    n = round(a / ulp)  # Fraction rounding is half-to-even
    value = n * ulp
    if value >= Fraction(2) ** (emax + 1):
        return sign * float("inf")
    return sign * float(value)


def float_fma(a: float, b: float, c: float, width: int) -> float:
    """``a * b + c`` with a single rounding to ``f<width>`` (IEEE fusedMultiplyAdd)."""
    if not all(math.isfinite(v) for v in (a, b, c)):
        return a * b + c  # infinities and NaNs: no rounding involved
    exact = Fraction(a) * Fraction(b) + Fraction(c)
    if exact == 0:
        return a * b + c  # the sign of zero follows IEEE (exact product for these)
    return round_fraction(exact, width)


def float_round(x: float) -> float:
    """OpenCL ``round``: to the nearest integer, halfway cases away from zero."""
    if not math.isfinite(x):
        return x
    t = float(math.trunc(x)) if abs(x) < 2.0**63 else x
    if abs(x - t) >= 0.5:
        t += math.copysign(1.0, x)
    return math.copysign(t, x)


# --------------------------------------------------------------------------- math functions
#
# ``math_eval(fn, args, width)`` computes a ``math`` op on numpy float scalars or arrays
# of the op's precision (``i32`` operands as Python or numpy integers). An f32 function
# is computed in binary32 where numpy has a binary32 kernel (``np.exp(np.float32(x))``,
# within the OpenCL bound); where it has none, in binary64 (or, for f64, the x87
# ``longdouble``) and rounded once, which is within half an ulp and a hair.

_WIDE = {32: np.float64, 64: np.longdouble}
_DTYPES = {16: np.float16, 32: np.float32, 64: np.float64}
#: OpenCL's FP_ILOGB0 and FP_ILOGBNAN (libclc); ilogb(inf) is INT_MAX as in C
ILOGB0, ILOGBNAN = -(2**31), 2**31 - 1
_SAME_NAME = {
    "sqrt", "floor", "ceil", "trunc", "rint", "fmin", "fmax", "exp", "exp2", "expm1", "log",
    "log2", "log10", "log1p", "cbrt", "hypot", "sin", "cos", "tan", "sinh", "cosh", "tanh",
    "fmod", "copysign",
}  # fmt: skip
_NP_NAME = {
    "fabs": "abs", "asin": "arcsin", "acos": "arccos", "atan": "arctan", "atan2": "arctan2",
    "asinh": "arcsinh", "acosh": "arccosh", "atanh": "arctanh",
}  # fmt: skip


def _remainder(x: float, y: float) -> float:
    """IEEE remainder (exact), NaN where it is invalid."""
    if math.isnan(x) or math.isnan(y) or math.isinf(x) or y == 0:
        return math.nan
    if math.isinf(y):
        return x
    return math.remainder(x, y)


def float_pow(x: float, y: float) -> float:
    """C99 ``pow`` in binary64."""
    odd = math.isfinite(y) and y == math.floor(y) and math.fmod(y, 2) != 0
    try:
        return math.pow(x, y)
    except ValueError:  # zero to a negative power, or a negative x to a non-integer y
        return math.copysign(math.inf, x) if odd else math.inf if x == 0 else math.nan
    except OverflowError:
        return -math.inf if x < 0 and odd else math.inf


def _ilogb(x: Any) -> Any:
    mant, e = np.frexp(x)
    fin = np.isfinite(x)
    out = np.where(fin & (x != 0), e.astype(np.int64) - 1, np.where(fin, ILOGB0, ILOGBNAN))
    return out if np.ndim(out) else int(out)


def _pointwise(f: Any, dt: Any, args: Sequence[Any]) -> Any:
    """``f`` on Python floats, applied element by element, rounded to ``dt``."""
    if all(np.ndim(a) == 0 for a in args):
        return dt(f(*(float(a) for a in args)))
    return dt(np.vectorize(lambda *xs: f(*(float(v) for v in xs)), otypes=[np.float64])(*args))


def math_eval(fn: str, args: Sequence[Any], width: int) -> Any:
    """The ``math`` op ``fn`` (docs/ir.md) on ``args`` in ``f<width>``."""
    dt = _DTYPES[width]
    wide = _WIDE.get(width, np.float64)
    with np.errstate(all="ignore"):
        if fn in _SAME_NAME:
            return getattr(np, fn)(*args)
        if fn in _NP_NAME:
            return getattr(np, _NP_NAME[fn])(*args)
        if fn == "round":
            return _pointwise(float_round, dt, args)
        if fn == "fma":
            return _pointwise(lambda a, b, c: float_fma(a, b, c, width), dt, args)
        x = args[0]
        if fn == "exp10":
            return dt(np.power(wide(10), np.asarray(x, wide)))
        if fn == "rsqrt":
            return dt(1 / np.sqrt(np.asarray(x, wide)))
        if fn in ("pow", "pown"):  # C99 pow (numpy's gets pow(-inf, 0.5) wrong)
            return _pointwise(float_pow, dt, args)
        if fn == "rootn":
            n = np.asarray(args[1], np.int64)
            xw = np.asarray(x, wide)
            r = np.power(np.abs(xw), 1 / np.asarray(n, wide))
            odd = (n % 2) != 0
            r = np.where(odd, np.copysign(r, xw), r)
            r = np.where((n == 0) | (~odd & (xw < 0)), np.nan, r)
            return dt(r)
        if fn == "powr":
            y = args[1]
            r = np.power(x, y)
            r = np.where(x == 0, np.where(y < 0, dt(np.inf), dt(0)), r)
            bad = (x < 0) | ((x == 0) & (y == 0)) | (np.isinf(x) & (y == 0))
            bad |= (x == 1) & np.isinf(y) | np.isnan(x) | np.isnan(y)
            return dt(np.where(bad, np.nan, r))
        if fn == "remainder":
            return _pointwise(_remainder, dt, args)
        if fn == "fdim":
            y = args[1]
            r = np.where(x > y, x - y, dt(0))
            return dt(np.where(np.isnan(x) | np.isnan(y), np.nan, r))
        if fn == "ldexp":
            return np.ldexp(x, np.asarray(args[1], np.int64))
        if fn == "ilogb":
            return _ilogb(x)
        if fn == "logb":
            r = np.where(x == 0, -np.inf, np.where(np.isfinite(x), 0, np.abs(x)))
            fin = np.isfinite(x) & (x != 0)
            return dt(np.where(fin, np.asarray(_ilogb(x), np.float64), r))
    raise ValueError(f"not a math function: {fn}")
