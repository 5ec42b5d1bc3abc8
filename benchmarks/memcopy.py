"""A memory-bound copy on Verilator: achieved bytes per cycle / (AXI data width / 8).

    python benchmarks/memcopy.py [N]

dst[i] = src[i] for int (4 bytes), int2 and long (8 bytes per work-item), N
work-items (default 16,384). The bytes counted are the bytes copied (each is
read once and written once); AXI4 reads and writes go on separate channels of
the board's data width, so 1.0 is a full read beat and a full write beat every
cycle. Goal (issue 6): >= 0.8. Also prints AXI transactions per KiB
(benchmarks/axi_traffic.py; SOFF_SIM_TXN_GAP=<cycles> adds a cost per burst).
"""

from __future__ import annotations

import sys

import numpy as np
from axi_traffic import describe, simulate

import soff

COPY = """
__kernel void memcopy(__global const T *src, __global T *dst, int n) {
    int i = get_global_id(0);
    if (i < n)
        dst[i] = src[i];
}
"""

TYPES = {  # OpenCL type -> (numpy element type, elements per work-item)
    "int": (np.int32, 1),
    "int2": (np.int32, 2),
    "long": (np.int64, 1),
}


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 16384
    for t, (dtype, width) in TYPES.items():
        design = soff.compile(COPY, defines={"T": t}, filename=f"memcopy_{t}.cl")
        src = np.arange(n * width).astype(dtype)
        res = simulate(design, n, 64, {"src": src, "dst": np.zeros_like(src), "n": n})
        ok = bool(np.array_equal(res.outputs["dst"], src))
        bus = design.board.data_width // 8
        per_cycle = src.nbytes / res.cycles
        print(f"{t:5s} N={n}: cycles {res.cycles:,}  cycles/N {res.cycles / n:.3f}  "
              f"bytes copied/cycle {per_cycle:.2f}  / (AXI {design.board.data_width} bits / 8) "
              f"= {per_cycle / bus:.3f}   correct={ok}")  # fmt: skip
        print(f"      {describe(res, src.nbytes, src.nbytes)}")
        if not ok:
            sys.exit(1)


if __name__ == "__main__":
    main()
