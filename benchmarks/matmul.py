"""Naive vs tiled matmul on Verilator: cycles, cycles per output element, ratio.

    python benchmarks/matmul.py [N] [TILE]

Both kernels are the corpus ones (tests/kernels/opencl/matmul_naive.cl and
matmul_tiled.cl), float32 N x N (default 64) with TILE x TILE work-groups
(default 8). The goal (issue 6): the tiled kernel is faster than the naive one.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

import soff

KERNELS = Path(__file__).resolve().parents[1] / "tests" / "kernels" / "opencl"


def reference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """C = A B with float32 sums in k order, as both kernels add."""
    acc = np.zeros((a.shape[0], b.shape[1]), np.float32)
    for k in range(a.shape[1]):
        acc = acc + a[:, k : k + 1] * b[k : k + 1, :]
    return acc


def run(name: str, n: int, tile: int, a: np.ndarray, b: np.ndarray) -> int:
    t0 = time.perf_counter()
    design = soff.compile(KERNELS / f"{name}.cl", defines={"TILE": str(tile)})
    compile_s = time.perf_counter() - t0
    args: dict[str, np.ndarray | int] = {
        "A": a.reshape(-1), "B": b.reshape(-1), "C": np.zeros(n * n, np.float32),
        "M": n, "N": n, "K": n,
    }  # fmt: skip
    g = -(-n // tile) * tile
    res = design.simulate((g, g), (tile, tile), args)
    ok = bool(np.array_equal(res.outputs["C"].reshape(n, n), reference(a, b)))
    print(f"{name:13s} cycles {res.cycles:>9,}   cycles/element {res.cycles / (n * n):8.2f}   "
          f"correct={ok}   (compile {compile_s:.1f} s, simulate {res.total_seconds:.1f} s, "
          f"build {'fresh' if res.built else 'cached'})")  # fmt: skip
    if not ok:
        sys.exit(1)
    return res.cycles


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 64
    tile = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n)).astype(np.float32)
    b = rng.standard_normal((n, n)).astype(np.float32)
    print(f"matmul {n}x{n} float32, work-groups {tile}x{tile}")
    naive = run("matmul_naive", n, tile, a, b)
    tiled = run("matmul_tiled", n, tile, a, b)
    print(f"tiled / naive cycles: {tiled / naive:.3f}   (goal < 1)")


if __name__ == "__main__":
    main()
