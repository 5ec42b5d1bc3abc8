"""``--num-cu auto``: the largest compute-unit count whose resources fit the board.

The cost of one compute unit is measured, not guessed: yosys synthesises the
single-CU design for the board (``synthesize(..., place_and_route=False)``,
the same flow as ``soff synth``) and the count is the largest N (at most
:data:`soff.rtl_gen.multi_cu.MAX_CU`) with ``N x cost <= UTILISATION x
capacity`` for every resource the board lists. The single-CU design includes
the control slave and the memory arbiters, which N CUs share, so the estimate
errs on the safe side; the headroom leaves place and route room to close
timing. Results are cached (:func:`soff.boards.synth.synthesis_summary`)
because synthesis takes seconds to minutes.
"""

from __future__ import annotations

import sys

from soff.boards.board import Board
from soff.boards.synth import RESOURCES, DoesNotFitError, ToolMissingError, synthesis_summary
from soff.diagnostics import CompileError

UTILISATION = 0.8  # fraction of each resource the compute units may use


def cu_cost(verilog: str, top: str, board: Board) -> dict[str, int]:
    """Resources of one compute unit (the single-CU design ``verilog``) on ``board``."""
    try:
        summary = synthesis_summary(verilog, top, board)
    except ToolMissingError as e:
        raise CompileError(
            f"--num-cu auto measures a compute unit with yosys, which is not installed ({e}); "
            "install it with `pip install 'soff[synth]'` or give --num-cu a number"
        ) from None
    except DoesNotFitError as e:
        raise CompileError(f"--num-cu auto: even one compute unit is too big: {e}") from None
    return {r: int(summary[r]) for r in RESOURCES}


def fit_count(cost: dict[str, int], board: Board, limit: int) -> tuple[int, str]:
    """The largest N <= ``limit`` with N x ``cost`` within :data:`UTILISATION` of the
    board, and the resource that limits it (``"limit"`` when none does)."""
    best, why = limit, "limit"
    for r in RESOURCES:
        cap, need = board.resources.get(r, 0), cost.get(r, 0)
        if cap and need:
            n = int(UTILISATION * cap // need)
            if n < best:
                best, why = n, r
    return max(best, 1), why


def auto_num_cu(kernel, sched, board: Board) -> int:
    """``--num-cu auto`` for ``kernel``: 1 on a board without resource data."""
    from soff.rtl_gen.multi_cu import MAX_CU
    from soff.rtl_gen.top import emit_verilog

    if not any(board.resources.get(r) for r in RESOURCES):
        print(
            f"soff: note: target '{board.name}' lists no resources; --num-cu auto uses 1",
            file=sys.stderr,
        )
        return 1
    verilog, _ = emit_verilog(kernel, sched, board)
    cost = cu_cost(verilog, kernel.name, board)
    n, why = fit_count(cost, board, MAX_CU)
    used = ", ".join(f"{r.upper()} {cost[r]}" for r in RESOURCES if cost.get(r))
    limit = f"limited by {why.upper()}" if why != "limit" else f"the maximum, {MAX_CU}"
    print(
        f"soff: note: --num-cu auto: one compute unit uses {used} on {board.name}; "
        f"{n} fit within {UTILISATION:.0%} ({limit})",
        file=sys.stderr,
    )
    return n
