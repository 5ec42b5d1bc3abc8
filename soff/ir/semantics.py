"""The meaning of integer ops on Python ints (and exactly rounded float helpers), shared by constant folding and
anyone else who needs one op's exact result (see docs/ir.md)."""

from __future__ import annotations

import math
from fractions import Fraction

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
