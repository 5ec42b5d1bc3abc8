"""Streaming kernels at N = 65,536: cycles per work-item (goal <= 1.1).

python benchmarks/streaming.py [N]

Also prints AXI transactions per KiB (benchmarks/axi_traffic.py;
SOFF_SIM_TXN_GAP=<cycles> adds a cost per burst).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from axi_traffic import describe, simulate

import soff

ROOT = Path(__file__).resolve().parents[1]
TRIAD = """
__kernel void triad(__global float *a, __global const float *b, __global const float *c,
                    const float s, const int n) {
    int i = get_global_id(0);
    if (i < n) a[i] = b[i] + s * c[i];
}
"""


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 65536
    rng = np.random.default_rng(0)
    x = rng.integers(-1000, 1000, n, dtype=np.int32)
    y = rng.integers(-1000, 1000, n, dtype=np.int32)
    fb = rng.standard_normal(n).astype(np.float32)
    fc = rng.standard_normal(n).astype(np.float32)
    cases = {
        "vadd": (ROOT / "examples" / "vadd.cl", {"a": x, "b": y, "c": np.zeros(n, np.int32), "n": n},
                 lambda o: o["c"] == x + y),
        "saxpy_int": (ROOT / "examples" / "saxpy_int.cl", {"alpha": 3, "x": x, "y": y.copy(), "n": n},
                      lambda o: o["y"] == 3 * x + y),
        "triad": (TRIAD, {"a": np.zeros(n, np.float32), "b": fb, "c": fc, "s": 0.5, "n": n},
                  lambda o: o["a"] == fb + np.float32(0.5) * fc),
    }  # fmt: skip
    print(f"{'kernel':10s} {'cycles':>9s} {'cycles/N':>9s} {'correct':>8s} {'sim s':>7s}")
    for name, (src, args, check) in cases.items():
        t0 = time.perf_counter()
        design = (
            soff.compile(src, filename=f"{name}.cl") if isinstance(src, str) else soff.compile(src)
        )
        res = simulate(design, n, 64, args)
        ok = bool(np.all(check(res.outputs)))
        print(
            f"{name:10s} {res.cycles:9d} {res.cycles / n:9.3f} {ok!s:>8s} {time.perf_counter() - t0:7.1f}"
        )
        reads = 8 * n  # each kernel loads two 4-byte elements per work-item
        print(f"           {describe(res, reads, 4 * n)}")


if __name__ == "__main__":
    main()
