"""flush-subnormals: flush-to-zero (``soff --ftz``, off by default)."""

from __future__ import annotations

from dataclasses import dataclass

from soff.hls.pass_manager import Pass, PassContext, register
from soff.ir.core import Kernel, Module, Op, Value
from soff.ir.types import BOOL, FloatType

#: the smallest normal value of each float width
MIN_NORMAL = {16: 2.0**-14, 32: 2.0**-126, 64: 2.0**-1022}
#: math functions that only move the sign bit (subnormals pass, as OpenCL allows)
_SIGN_ONLY = frozenset({"fabs", "copysign"})
_ARITH = frozenset({"add", "sub", "mul", "div"})


def _flushes(op: Op) -> list[int]:
    """Operand slots of ``op`` whose float values are flushed."""
    code = op.opcode
    if code in _ARITH or code == "cmp" or code == "cast":
        slots = range(len(op.operands))
    elif code == "math" and op.attrs.get("fn") not in _SIGN_ONLY:
        slots = range(len(op.operands))
    elif code == "store":
        slots = range(1, 2)
    else:
        return []
    return [i for i in slots if isinstance(op.operands[i].type, FloatType)]


def flush_subnormals(kernel: Kernel) -> bool:
    """Every float operand of arithmetic, ``math`` (but fabs/copysign), compare and
    conversion ops, and every float value stored, goes through
    ``|v| < MIN_NORMAL ? copysign(0, v) : v``: subnormal inputs count as zeros of their
    sign and subnormal results are stored as zeros. Values already flushed in a block
    are reused."""
    changed = False
    for block in kernel.blocks:
        done: dict[int, Value] = {}
        at = 0
        while at < len(block.ops):
            op = block.ops[at]
            new: list[Op] = []
            for i in _flushes(op):
                v = op.operands[i]
                if id(v) not in done:
                    t = v.type
                    assert isinstance(t, FloatType)
                    loc = op.loc
                    a = Op("math", [v], t, {"fn": "fabs"}, loc=loc)
                    lim = Op("const", [], t, {"value": MIN_NORMAL[t.width]}, loc=loc)
                    small = Op("cmp", [a, lim], BOOL, {"pred": "lt"}, loc=loc)
                    zero = Op("const", [], t, {"value": 0.0}, loc=loc)
                    sz = Op("math", [zero, v], t, {"fn": "copysign"}, loc=loc)
                    f = Op("select", [small, sz, v], t, loc=loc)
                    new += [a, lim, small, zero, sz, f]
                    done[id(v)] = f
                op.operands[i] = done[id(v)]
            for k, o in enumerate(new):
                block.insert(at + k, o)
            at += len(new) + 1
            changed |= bool(new)
    return changed


@register
@dataclass
class FlushSubnormals(Pass):
    """Expects verified IR (``--ftz`` runs it before expand-math, so expansions of math
    functions stay exact inside); leaves every float operand of arithmetic,
    compares, conversions and math (but fabs/copysign) and every stored float flushed
    to a signed zero when subnormal (see :func:`flush_subnormals`). Run by ``--ftz``."""

    name = "flush-subnormals"

    def run(self, module: Module, ctx: PassContext) -> bool:
        return any([flush_subnormals(k) for k in module.kernels])
