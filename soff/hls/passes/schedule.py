"""schedule: build each kernel's SOFF-style datapath schedule (no IR change)."""

from __future__ import annotations

from dataclasses import dataclass

from soff.boards.board import load_board
from soff.hls.pass_manager import Pass, PassContext, register
from soff.hls.schedule.datapath import schedule_kernel
from soff.ir.core import Module


@register
@dataclass
class Schedule(Pass):
    """Expects one-block kernels of supported types (loops and floats are
    reported as not supported yet). Leaves the IR unchanged and puts a
    :class:`DatapathSchedule` per kernel in ``ctx.results["schedule"]``:
    segments cut at memory ops, LP start times that minimise the
    bit-weighted delay registers, and bypass FIFOs at each memory boundary."""

    name = "schedule"

    def run(self, module: Module, ctx: PassContext) -> bool:
        board = ctx.board or load_board()
        out = ctx.results.setdefault("schedule", {})
        for k in module.kernels:
            out[k.name] = schedule_kernel(k, board)
        return False
