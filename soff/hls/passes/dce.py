"""dce: remove ops whose results nobody uses and that have no side effect."""

from __future__ import annotations

from dataclasses import dataclass

from soff.hls.pass_manager import Pass, PassContext, register
from soff.ir.core import Kernel, Module, Op


def eliminate_dead_ops(kernel: Kernel) -> bool:
    changed = False
    while True:
        # a memory-order edge is not a use: a load nobody reads is dead, and
        # the ops ordered after it inherit its own ordering
        used = {id(v) for op in kernel.ops() for v in op.operands}
        dead = [op for op in kernel.ops() if not op.info.side_effect and id(op) not in used]
        if not dead:
            return changed
        for op in dead:
            _bypass_deps(kernel, op)
            assert op.parent is not None
            op.parent.remove(op)
        changed = True


def _bypass_deps(kernel: Kernel, dead: Op) -> None:
    for op in kernel.ops():
        if any(d is dead for d in op.deps):
            deps: list[Op] = []
            for d in op.deps:
                for e in dead.deps if d is dead else [d]:
                    if not any(e is x for x in deps):
                        deps.append(e)
            op.deps = deps


@register
@dataclass
class DeadCodeElimination(Pass):
    """Expects verified IR; leaves no unused side-effect-free op (loads included)."""

    name = "dce"

    def run(self, module: Module, ctx: PassContext) -> bool:
        return any([eliminate_dead_ops(k) for k in module.kernels])
