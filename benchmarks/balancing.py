"""Delay-register bits: the LP schedule (SOFF's bit-weighted balancing) versus
ASAP (every op as early as possible, late consumers' operands delayed).

    python benchmarks/balancing.py
"""

from __future__ import annotations

from pathlib import Path

from soff.boards import load_board
from soff.frontend import compile_source
from soff.hls.pass_manager import PassContext, PassManager
from soff.hls.pipeline import default_pipeline
from soff.hls.schedule.datapath import schedule_kernel

ROOT = Path(__file__).resolve().parents[1]
KERNELS = {
    "vadd": (ROOT / "examples" / "vadd.cl").read_text(),
    "saxpy_int": (ROOT / "examples" / "saxpy_int.cl").read_text(),
    "vector_ops": (ROOT / "examples" / "vector_ops.cl").read_text(),
    "float_mix": """
        __kernel void f(__global const float *x, __global const float *y, __global float *z,
                        __global int *q, int n) {
            int i = get_global_id(0);
            float a = x[i], b = y[i];
            float s = sqrt(a * a + b * b);
            int k = (i * 7) ^ (i >> 3);
            z[i] = s / (b + 1.0f) + (float)(k & 15);
            q[i] = (k << 2) + (int)(a > b) + n / (i + 1);
        }""",
}


def main() -> None:
    board = load_board()
    print(f"{'kernel':12s} {'ASAP bits':>10s} {'LP bits':>10s} {'LP / ASAP':>10s}")
    for name, src in KERNELS.items():
        module = compile_source(src, f"{name}.cl")
        passes = [p for p in default_pipeline() if p.name != "schedule"]
        PassManager(passes).run(module, PassContext(board=board))
        k = module.kernels[0]
        lp = schedule_kernel(k, board, "lp").delay_bits
        asap = schedule_kernel(k, board, "asap").delay_bits
        ratio = lp / asap if asap else 1.0
        print(f"{name:12s} {asap:10d} {lp:10d} {ratio:10.3f}")


if __name__ == "__main__":
    main()
