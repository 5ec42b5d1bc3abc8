"""cse: merge identical side-effect-free ops within a block."""

from __future__ import annotations

from dataclasses import dataclass

from soff.hls.pass_manager import Pass, PassContext, register
from soff.ir.core import Kernel, Module, Op
from soff.ir.printer import format_attr


def _key(op: Op) -> tuple | None:
    if op.info.memory or op.info.side_effect or op.is_terminator or op.opcode == "phi":
        return None
    operands = [id(v) for v in op.operands]
    if op.info.commutative:
        operands.sort()
    attrs = tuple((k, format_attr(v)) for k, v in sorted(op.attrs.items()))
    return (op.opcode, str(op.type), tuple(operands), attrs)


def common_subexpressions(kernel: Kernel) -> bool:
    changed = False
    for block in kernel.blocks:
        seen: dict[tuple, Op] = {}
        for op in list(block.ops):
            key = _key(op)
            if key is None:
                continue
            if key in seen:
                kernel.replace_all_uses(op, seen[key])
                block.remove(op)
                changed = True
            else:
                seen[key] = op
    return changed


@register
@dataclass
class CommonSubexpressionElimination(Pass):
    """Within each block, an op equal to an earlier one (same opcode, type,
    operands, attributes; commutative operands in any order) is replaced by
    it. Loads are never merged (memory may change between them)."""

    name = "cse"

    def run(self, module: Module, ctx: PassContext) -> bool:
        return any([common_subexpressions(k) for k in module.kernels])
