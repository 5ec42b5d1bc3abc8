"""Single-work-item loops: cycles per iteration with pipelined iterations.

    python benchmarks/single_work_item.py [N]

``y[i] = a*x[i] + b`` over N = 4096 elements, as an OpenCL kernel launched with
one work-item and as a plain C function (examples/axpb_single.cl, .c), both with ``restrict`` pointers: the
loop's iterations are independent, so a fork issues one per cycle (goal:
cycles / N <= 1.2). For comparison, the same OpenCL loop without ``restrict``
(the store may alias the load: one iteration at a time), the FIR filter of
tests/kernels with and without ``restrict``, a dot product (an integer reduction:
its iterations are pipelined too) and the running sum (prefix_carry, a loop-carried
dependence the loop reads: the report names it). Every result is checked
against numpy.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

import soff

ROOT = Path(__file__).resolve().parents[1]
KERNELS = ROOT / "tests" / "kernels" / "opencl"
EXAMPLES = ROOT / "examples"

FIR_H = np.array([1, -3, 5, -3, 1], np.int64)


def loop_line(design: soff.Design) -> str:
    loops = design.report_data()["datapath"]["loops"]
    lp = loops[0]
    ge = ">= " if lp["ii_lower_bound"] else ""
    return f"II {ge}{lp['ii']}: {lp['limiting_cause'][:90]}"


def run(name: str, design: soff.Design, args: dict, check, n: int, one_item: bool) -> float:
    launch = {"global_size": 1, "local_size": 1} if one_item else {}
    res = design.simulate(**launch, args=args, timeout_cycles=200 * n + 10_000)
    ok = check(res.outputs)
    ratio = res.cycles / n
    print(f"{name:28s} n={n:5d} cycles={res.cycles:8d} cycles/n={ratio:7.3f} correct={ok}")
    print(f"{'':28s} {loop_line(design)}")
    if not ok:
        sys.exit(1)
    return ratio


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 4096
    rng = np.random.default_rng(7)
    x = rng.integers(-1000, 1000, n).astype(np.int32)
    want = (3 * x.astype(np.int64) - 7).astype(np.int32)

    def axpb_args() -> dict:
        return {"x": x, "y": np.zeros(n, np.int32), "a": 3, "b": -7, "n": n}

    cl, c = EXAMPLES / "axpb_single.cl", EXAMPLES / "axpb_single.c"
    ratios = {}
    d = soff.compile(cl)
    ratios["opencl"] = run(
        "axpb OpenCL, restrict", d, axpb_args(), lambda o: (o["y"] == want).all(), n, True
    )
    d = soff.compile(c, kernel="axpb")
    ratios["c"] = run(
        "axpb plain C, restrict", d, axpb_args(), lambda o: (o["y"] == want).all(), n, False
    )
    m = min(n, 1024)
    d = soff.compile(cl, defines={"RESTRICT": ""})
    args = {"x": x[:m], "y": np.zeros(m, np.int32), "a": 3, "b": -7, "n": m}
    run("axpb OpenCL, no restrict", d, args, lambda o: (o["y"] == want[:m]).all(), m, True)

    m = min(n, 1024)
    xf = rng.integers(-1000, 1000, m).astype(np.int32)
    fir_want = np.convolve(xf.astype(np.int64), FIR_H)[:m].astype(np.int32)
    for name in ("fir_single", "fir_single_restrict"):
        d = soff.compile(KERNELS / f"{name}.cl")
        args = {"x": xf, "y": np.zeros(m, np.int32), "n": m}
        run(name, d, args, lambda o: (o["y"] == fir_want).all(), m, True)

    # an integer reduction: the join combines the iterations' contributions
    red_src = """
    __kernel void dot(__global const int *restrict x, __global const int *restrict w,
                      __global int *restrict out, int n) {
        int acc = 0;
        for (int i = 0; i < n; i++) acc += x[i] * w[i];
        out[0] = acc;
    }
    """
    wv = rng.integers(-1000, 1000, n).astype(np.int32)
    dot_want = np.array([int(np.sum(x.astype(np.int64) * wv)) % (1 << 32)], np.uint32)
    d = soff.compile(red_src, filename="dot.cl")
    args = {"x": x, "w": wv, "out": np.zeros(1, np.int32), "n": n}
    ratios["reduction"] = run(
        "dot product (reduction)",
        d,
        args,
        lambda o: (o["out"].view(np.uint32) == dot_want).all(),
        n,
        True,
    )

    xin = rng.integers(-100, 100, m).astype(np.int32)
    s = np.cumsum(xin.astype(np.int64))
    d = soff.compile(KERNELS / "prefix_carry.cl")
    args = {"in": xin, "out": np.zeros(m, np.int32), "peak": np.zeros(1, np.int32), "n": m}
    run(
        "prefix_carry",
        d,
        args,
        lambda o: (o["out"] == s.astype(np.int32)).all() and o["peak"][0] == s.max(),
        m,
        True,
    )
    print(
        f"pipelined iterations: OpenCL {ratios['opencl']:.3f}, C {ratios['c']:.3f}, "
        f"reduction {ratios['reduction']:.3f} cycles/n (goal <= 1.2)"
    )
    if max(ratios.values()) > 1.2:
        sys.exit(1)


if __name__ == "__main__":
    main()
