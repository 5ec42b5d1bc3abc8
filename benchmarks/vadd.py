"""vadd at N = 4096: cycles per work-item, compile time, simulated cycles per second.

    python benchmarks/vadd.py [N]

Goal: cycles / N <= 1.1 once the memory subsystem streams (bursts, coalescing).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from axi_traffic import describe, simulate

import soff

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 4096
    t0 = time.perf_counter()
    design = soff.compile(ROOT / "examples" / "vadd.cl")
    compile_s = time.perf_counter() - t0
    a = np.arange(n, dtype=np.int32)
    b = (3 * np.arange(n)).astype(np.int32)
    c = np.zeros(n, np.int32)
    res = simulate(design, n, 64, {"a": a, "b": b, "c": c, "n": n})
    ok = bool((res.outputs["c"] == a + b).all())
    print(f"vadd N={n}: correct={ok}")
    print(f"  cycles            {res.cycles}")
    print(f"  cycles / N        {res.cycles / n:.3f}   (goal <= 1.1 with streaming memory)")
    print(f"  AXI traffic       {describe(res, 8 * n, 4 * n)}")
    print(f"  compile time      {compile_s:.2f} s")
    print(
        f"  simulation        {res.wall_seconds:.2f} s wall, {res.cycles_per_second:,.0f} cycles/s "
        f"(bare cocotb clock loop with Verilator: ~330k cycles/s on this machine kind)"
    )
    print(
        f"  whole simulate()  {res.total_seconds:.2f} s (build {'fresh' if res.built else 'cached'})"
    )
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
