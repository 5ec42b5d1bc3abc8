"""The IR interpreters' speed: work-items per second of the vectorised interpreter
(soff.ir.vinterp, the default of ``run_kernel``) and of the reference one
(``run_kernel(..., vectorize=False)``) on three kernels:

- vadd (examples/vadd.cl): straight-line, one load pair and a store;
- loop: a data-dependent loop (a Collatz step count, divergent trip counts);
- barrier: a work-group sum in ``__local`` memory with a barrier per step;
- atomic: a 256-bin histogram with ``atomic_inc`` on global memory.

    python benchmarks/interp.py [N]      (N: work-items for the vectorised runs, default 2**20)

The reference runs on N / 64 work-items (it would take minutes on 2**20).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from soff.frontend import compile_source
from soff.ir.interp import Local, run_kernel

ROOT = Path(__file__).resolve().parents[1]

LOOP = """
__kernel void collatz(__global const uint *x, __global uint *steps) {
    size_t i = get_global_id(0);
    uint v = x[i];
    uint n = 0;
    while (v > 1u && n < 500u) {
        v = (v & 1u) ? 3u * v + 1u : v >> 1;
        n++;
    }
    steps[i] = n;
}
"""

BARRIER = """
__kernel void group_sum(__global const int *x, __global int *sums, __local int *tmp) {
    size_t l = get_local_id(0);
    tmp[l] = x[get_global_id(0)];
    barrier(CLK_LOCAL_MEM_FENCE);
    for (size_t s = get_local_size(0) / 2; s > 0; s >>= 1) {
        if (l < s)
            tmp[l] += tmp[l + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (l == 0)
        sums[get_group_id(0)] = tmp[0];
}
"""


HISTOGRAM = """
__kernel void histogram(__global const uint *x, __global uint *bins) {
    atomic_inc(&bins[x[get_global_id(0)] & 255u]);
}
"""


def _kernel(source: str, name: str):
    return next(k for k in compile_source(source, f"{name}.cl").kernels if k.name == name)


def _cases() -> list[tuple[str, Callable[[int], tuple], Callable[[int, dict], bool]]]:
    vadd = _kernel((ROOT / "examples" / "vadd.cl").read_text(), "vadd")
    loop = _kernel(LOOP, "collatz")
    bar = _kernel(BARRIER, "group_sum")
    hist = _kernel(HISTOGRAM, "histogram")
    rng = np.random.default_rng(0)

    def vadd_args(n: int) -> tuple:
        a = rng.integers(-(2**31), 2**31, n, dtype=np.int64).astype(np.int32)
        b = rng.integers(-(2**31), 2**31, n, dtype=np.int64).astype(np.int32)
        return vadd, {"a": a, "b": b, "c": np.zeros(n, np.int32), "n": n}, 64

    def vadd_ok(n: int, args: dict, out: dict) -> bool:
        return bool(np.array_equal(out["c"], args["a"] + args["b"]))

    def loop_args(n: int) -> tuple:
        x = rng.integers(1, 10_000, n, dtype=np.uint32)
        return loop, {"x": x, "steps": np.zeros(n, np.uint32)}, 64

    def loop_ok(n: int, args: dict, out: dict) -> bool:
        v, steps = args["x"].astype(np.int64), np.zeros(n, np.int64)
        live = v > 1
        while live.any():
            v = np.where(live, np.where(v & 1, 3 * v + 1, v >> 1), v)
            steps += live
            live = (v > 1) & (steps < 500)
        return bool(np.array_equal(out["steps"], steps))

    def bar_args(n: int) -> tuple:
        x = rng.integers(-1000, 1000, n, dtype=np.int32)
        return bar, {"x": x, "sums": np.zeros(n // 64, np.int32), "tmp": Local(64 * 4)}, 64

    def bar_ok(n: int, args: dict, out: dict) -> bool:
        return bool(np.array_equal(out["sums"], args["x"].reshape(-1, 64).sum(axis=1)))

    def hist_args(n: int) -> tuple:
        x = rng.integers(0, 2**32, n, dtype=np.uint32)
        return hist, {"x": x, "bins": np.zeros(256, np.uint32)}, 64

    def hist_ok(n: int, args: dict, out: dict) -> bool:
        return bool(np.array_equal(out["bins"], np.bincount(args["x"] & 255, minlength=256)))

    return [("vadd", vadd_args, vadd_ok), ("loop", loop_args, loop_ok),
            ("barrier", bar_args, bar_ok), ("atomic", hist_args, hist_ok)]  # fmt: skip


def _time(kernel, args: dict, n: int, local: int, vectorize: bool) -> tuple[float, dict]:
    t0 = time.perf_counter()
    out = run_kernel(kernel, args, n, local, vectorize=vectorize)
    return time.perf_counter() - t0, out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1 << 20
    small = max(64, n // 64)
    print(f"{'kernel':8} {'vectorised':>26} {'reference':>26} {'speed-up':>9}")
    for name, make, ok in _cases():
        kernel, args, local = make(n)
        tv, out = _time(kernel, args, n, local, True)
        good = ok(n, args, out)
        kernel, sargs, local = make(small)
        tr, sout = _time(kernel, sargs, small, local, False)
        good = good and ok(small, sargs, sout)
        rv, rr = n / tv, small / tr
        print(f"{name:8} {rv:12,.0f} items/s ({n} in {tv:5.2f} s) "
              f"{rr:10,.0f} items/s ({small} in {tr:5.2f} s) {rv / rr:8.0f}x"
              f"{'' if good else '  WRONG RESULT'}")  # fmt: skip


if __name__ == "__main__":
    main()
