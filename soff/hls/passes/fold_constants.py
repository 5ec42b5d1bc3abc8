"""fold-constants: evaluate integer ops on constants and apply identities."""

from __future__ import annotations

from dataclasses import dataclass

from soff.hls.pass_manager import Pass, PassContext, register
from soff.ir.core import Block, Kernel, Module, Op, Value, predicate_index
from soff.ir.semantics import int_binary, int_cast, int_compare, int_unary
from soff.ir.types import IntType

_BINARY = ("add", "sub", "mul", "div", "rem", "and", "or", "xor", "shl", "shr")


def _const_value(v: Value) -> int | None:
    if isinstance(v, Op) and v.opcode == "const" and isinstance(v.type, IntType):
        value = v.attrs.get("value")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def _fold(op: Op) -> int | Value | None:
    """A constant, an existing value equal to ``op``, or None."""
    t = op.type
    cs = [_const_value(v) for v in op.operands]
    if op.opcode in _BINARY and isinstance(t, IntType):
        a, b = cs
        x, y = op.operands
        if a is not None and b is not None:
            return int_binary(op.opcode, t, a, b)
        if op.opcode in ("add", "or", "xor", "sub", "shl", "shr") and b == 0:
            return x
        if op.opcode in ("add", "or", "xor") and a == 0:
            return y
        if op.opcode in ("mul", "div") and b == 1:
            return x
        if op.opcode == "rem" and b == 1:
            return 0
        if op.opcode == "mul" and a == 1:
            return y
        if op.opcode in ("mul", "and") and (a == 0 or b == 0):
            return 0
        if op.opcode == "and" and b is not None and t.wrap(b) == t.wrap(-1):
            return x
        if op.opcode == "and" and a is not None and t.wrap(a) == t.wrap(-1):
            return y
        if op.opcode == "or" and b is not None and t.wrap(b) == t.wrap(-1):
            return t.wrap(-1)
        if op.opcode == "or" and a is not None and t.wrap(a) == t.wrap(-1):
            return t.wrap(-1)
        return None
    if op.opcode in ("neg", "not") and isinstance(t, IntType) and cs[0] is not None:
        return int_unary(op.opcode, t, cs[0])
    if op.opcode == "cmp" and cs[0] is not None and cs[1] is not None:
        return int(int_compare(op.attrs["pred"], cs[0], cs[1]))
    if op.opcode == "cast" and isinstance(t, IntType):
        src = op.operands[0].type
        if cs[0] is not None and isinstance(src, IntType):
            return int_cast(cs[0], src, t)
        return None
    if op.opcode == "select":
        if cs[0] is not None:
            return op.operands[1] if cs[0] else op.operands[2]
        if op.operands[1] is op.operands[2]:
            return op.operands[1]
    return None


def _power_of_two_division(op: Op) -> list[Op] | None:
    """``x / 2^k`` and ``x % 2^k`` (C semantics: the quotient truncated toward zero)
    as shifts and masks instead of a divider: the last op is the result. Signed
    ``x`` adds ``2^k - 1`` first when negative (``(x >> (w-1)) & (2^k - 1)``)."""
    t = op.type
    if op.opcode not in ("div", "rem") or not isinstance(t, IntType) or len(op.operands) != 2:
        return None
    b = _const_value(op.operands[1])
    if b is None:
        return None
    b = t.wrap(b)
    if b <= 1 or b & (b - 1):
        return None  # 1 and 0 are handled elsewhere (x / 1) or keep their defined value
    k = b.bit_length() - 1
    x = op.operands[0]
    ops: list[Op] = []

    def emit(opcode: str, operands: list[Value]) -> Op:
        new = Op(opcode, operands, t, loc=op.loc)
        ops.append(new)
        return new

    def const(value: int) -> Op:
        new = Op("const", [], t, {"value": t.wrap(value)}, loc=op.loc)
        ops.append(new)
        return new

    mask = const(b - 1)
    if not t.signed:
        if op.opcode == "div":
            emit("shr", [x, const(k)])
        else:
            emit("and", [x, mask])
    else:
        sign = emit("shr", [x, const(t.width - 1)])  # 0 or -1
        biased = emit("add", [x, emit("and", [sign, mask])])
        if op.opcode == "div":
            emit("shr", [biased, const(k)])
        else:
            emit("sub", [x, emit("and", [biased, const(~(b - 1))])])
    ops[-1].name = op.name
    return ops


def magic_divisor(d: int, w: int) -> tuple[int, int]:
    """``(m, sh)`` with ``x // d == (x * m) >> sh`` for every ``0 <= x < 2**w``
    (``d >= 2``): ``m = ceil(2**sh / d)`` for the smallest ``sh >= w`` whose error
    ``e = m*d - 2**sh`` satisfies ``e * 2**w <= 2**sh``. Then ``x*m/2**sh`` exceeds
    ``x/d`` by ``x*e/(d*2**sh) < 1/d``, which never reaches the next integer
    (Granlund and Montgomery, 1994); ``sh = w + ceil(log2 d)`` always qualifies."""
    sh = w
    while True:
        m = -(-(1 << sh) // d)
        if (m * d - (1 << sh)) << w <= 1 << sh:
            return m, sh
        sh += 1


def _constant_division(op: Op) -> list[Op] | None:
    """``x / d`` and ``x % d`` for a constant ``d`` that is not a power of two (or is
    negative) as a multiplication by a fixed-point reciprocal and a shift (see
    :func:`magic_divisor`) instead of a divider: the last op is the result. Signed
    ``x`` divides its magnitude and puts the sign back (C truncates toward zero);
    ``x % d`` is ``x - (x / d) * d``. Divisors 0, +-1 and INT_MIN keep the divider
    (their defined results); powers of two are :func:`_power_of_two_division`'s."""
    t = op.type
    if op.opcode not in ("div", "rem") or not isinstance(t, IntType) or len(op.operands) != 2:
        return None
    b = _const_value(op.operands[1])
    if b is None or t.width < 2:
        return None
    b = t.wrap(b)
    d = abs(b)
    if d <= 1 or d == 1 << (t.width - 1) and t.signed or b > 0 and not b & (b - 1):
        return None
    w = t.width
    m, sh = magic_divisor(d, w)
    u = IntType(w, False)
    wide = IntType(w + m.bit_length(), False)
    x = op.operands[0]
    ops: list[Op] = []

    def emit(opcode: str, operands: list[Value], ty: IntType = t) -> Op:
        new = Op(opcode, operands, ty, loc=op.loc)
        ops.append(new)
        return new

    def const(value: int, ty: IntType = t) -> Op:
        new = Op("const", [], ty, {"value": ty.wrap(value)}, loc=op.loc)
        ops.append(new)
        return new

    sign: Op | None = None
    magnitude: Value = x
    if t.signed:
        sign = emit("shr", [x, const(w - 1)])  # 0 or -1
        magnitude = emit("sub", [emit("xor", [x, sign]), sign])  # |x|; INT_MIN stays 2^(w-1)
    ux = emit("cast", [emit("cast", [magnitude], u) if t.signed else magnitude], wide)
    q_wide = emit("shr", [emit("mul", [ux, const(m, wide)], wide), const(sh, wide)], wide)
    q: Op = emit("cast", [q_wide])
    if t.signed:
        assert sign is not None
        qsign = sign if b > 0 else emit("xor", [sign, const(-1)])
        q = emit("sub", [emit("xor", [q, qsign]), qsign])
    if op.opcode == "rem":
        emit("sub", [x, emit("mul", [q, const(b)])])
    ops[-1].name = op.name
    return ops


def _simplify_predicates(block: Block) -> bool:
    """Drop load/store/atomic predicates that are constant true."""
    changed = False
    for op in block.ops:
        n = predicate_index(op)
        if n is not None and len(op.operands) == n + 1 and _const_value(op.operands[-1]) == 1:
            op.operands.pop()
            changed = True
    return changed


def fold_kernel(kernel: Kernel) -> bool:
    changed = False
    for block in kernel.blocks:
        changed |= _simplify_predicates(block)
        for op in list(block.ops):
            if op.opcode == "const":
                continue
            result = _fold(op)
            if result is None:
                reduced = _power_of_two_division(op) or _constant_division(op)
                if reduced is None:
                    continue
                at = block.ops.index(op)
                for k, new in enumerate(reduced):
                    block.insert(at + k, new)
                result = reduced[-1]
            if isinstance(result, int):
                new = Op("const", [], op.type, {"value": result}, loc=op.loc, name=op.name)
                block.insert(block.ops.index(op), new)
                result = new
            kernel.replace_all_uses(op, result)
            block.remove(op)
            changed = True
    return changed


@register
@dataclass
class FoldConstants(Pass):
    """Integer ops whose operands are constants become constants (with the
    exact wrap-around semantics of docs/ir.md); identities such as ``x + 0``,
    ``x * 1``, ``x / 1``, ``x & -1`` and ``select`` on a constant are simplified,
    division and remainder by a power of two become shifts and masks, by other
    constants a multiplication by a fixed-point reciprocal and a shift, and
    constant-true load/store predicates are dropped. Runs to a fixpoint."""

    name = "fold-constants"

    def run(self, module: Module, ctx: PassContext) -> bool:
        changed_any = False
        for k in module.kernels:
            while fold_kernel(k):
                changed_any = True
        return changed_any
