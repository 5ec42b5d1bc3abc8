"""Gathers with and without the read-only cache: ``y[i] = table[idx[i]] + 1``.

    python benchmarks/gather.py [N]
    SOFF_SIM_TXN_GAP=2 python benchmarks/gather.py     # bursts and reads cost time

For tables of 64 entries (every word repeats), 4,096 (some repeat) and 100,000
(almost none repeat), prints cycles and read transactions (AR) with the cache
(the generic board) and without it (the same board with ``cache_lines = 0``);
every result is checked against numpy. Goal: no slower without reuse, fewer
reads with it.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

import soff

sys.path.insert(0, str(Path(__file__).resolve().parent))
from axi_traffic import simulate  # noqa: E402

SRC = """
__kernel void gather(__global const int *restrict table, __global const int *restrict idx,
                     __global int *restrict y, int n) {
    int i = get_global_id(0);
    if (i < n) y[i] = table[idx[i]] + 1;
}
"""


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 4096
    generic = Path(soff.__file__).parent / "boards" / "data" / "generic.toml"
    with tempfile.TemporaryDirectory() as tmp:
        text = generic.read_text().replace('name = "generic"', 'name = "nocache"')
        text = text.replace("[memory]\n", "[memory]\ncache_lines = 0\n", 1)
        board = Path(tmp) / "nocache.toml"
        board.write_text(text)
        designs = {
            "cache": soff.compile(SRC, filename="gather.cl"),
            "no cache": soff.compile(SRC, filename="gather.cl", target=str(board)),
        }
        assert "soff_rd_cache_" in designs["cache"].verilog
        assert "soff_rd_cache_" not in designs["no cache"].verilog
        rng = np.random.default_rng(5)
        worst = 0.0
        for size in (64, 4096, 100_000):
            table = rng.integers(-1000, 1000, size).astype(np.int32)
            idx = rng.integers(0, size, n).astype(np.int32)
            got = {}
            for name, d in designs.items():
                args = {"table": table, "idx": idx, "y": np.zeros(n, np.int32), "n": n}
                res = simulate(d, n, 64, args)
                if not (res.outputs["y"] == table[idx] + 1).all():
                    sys.exit(f"{name}: wrong result for a table of {size}")
                got[name] = (res.cycles, res.probes["gmem.ar_count"])
            (c1, a1), (c0, a0) = got["cache"], got["no cache"]
            worst = max(worst, c1 / c0)
            print(
                f"table {size:7d}: cycles {c0:7d} -> {c1:7d} ({c1 / c0:5.3f}), "
                f"AR {a0:6d} -> {a1:6d}"
            )
        print(f"worst cycles ratio (cache / no cache): {worst:.3f} (goal <= 1.02)")
        if worst > 1.02:
            sys.exit(1)


if __name__ == "__main__":
    main()
