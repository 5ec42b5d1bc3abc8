"""dce: remove ops whose results nobody uses and that have no side effect."""

from __future__ import annotations

from dataclasses import dataclass

from soff.hls.pass_manager import Pass, PassContext, register
from soff.ir.core import Kernel, Module


def eliminate_dead_ops(kernel: Kernel) -> bool:
    changed = False
    while True:
        used = kernel.uses()
        dead = [
            op
            for op in kernel.ops()
            if not op.info.side_effect and not used.get(op)
        ]
        if not dead:
            return changed
        for op in dead:
            assert op.parent is not None
            op.parent.remove(op)
        changed = True


@register
@dataclass
class DeadCodeElimination(Pass):
    """Expects verified IR; leaves no unused side-effect-free op (loads included)."""

    name = "dce"

    def run(self, module: Module, ctx: PassContext) -> bool:
        return any([eliminate_dead_ops(k) for k in module.kernels])
