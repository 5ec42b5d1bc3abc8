"""AXI traffic of one simulated launch, for the memory benchmarks.

The Verilog simulation RAM counts read and write transactions (AR, AW) and
beats; :func:`simulate` runs a compiled design with those counters as probes
and :func:`describe` prints transactions per KiB the kernel moved. Set
``SOFF_SIM_TXN_GAP=<cycles>`` to make every burst cost that many idle cycles
(docs/simulation.md), which is where bursts pay off.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from soff.sim import verilog_mem
from soff.sim.api import SimResult
from soff.sim.api import simulate as sim_api

PROBES = ("gmem.ar_count", "gmem.aw_count", "gmem.r_beats", "gmem.w_beats")


def simulate(design: Any, n: int, local: int, args: Mapping[str, Any]) -> SimResult:
    """``design.simulate(n, local, args)`` with the RAM's counters in ``probes``."""
    return sim_api(design.verilog, design.regmap, dict(args), n, local,
                   toplevel=design.top, probes=PROBES)  # fmt: skip


def describe(res: SimResult, read_bytes: int, write_bytes: int) -> str:
    """AR per KiB read and AW per KiB written (the kernel's useful bytes), beats."""
    p = res.probes
    ar = p["gmem.ar_count"] / (read_bytes / 1024) if read_bytes else 0.0
    aw = p["gmem.aw_count"] / (write_bytes / 1024) if write_bytes else 0.0
    return (f"AR/KiB {ar:6.1f}  AW/KiB {aw:6.1f}  (AR {p['gmem.ar_count']}, R beats "
            f"{p['gmem.r_beats']}, AW {p['gmem.aw_count']}, W beats {p['gmem.w_beats']}; "
            f"gap {verilog_mem.txn_gap()})")  # fmt: skip
