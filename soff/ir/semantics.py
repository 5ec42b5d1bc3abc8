"""The meaning of integer ops on Python ints, shared by constant folding and
anyone else who needs one op's exact result (see docs/ir.md)."""

from __future__ import annotations

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
