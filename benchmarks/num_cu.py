"""Compute-unit replication: cycles for 1, 2, 4 CUs on a compute-bound and a
memory-bound kernel, and the speed-up ratios.

    python benchmarks/num_cu.py [N]

Goal: a compute-bound kernel speeds up close to N times with N CUs; a
memory-bound one (vadd) does not, since the CUs share one memory master.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

import soff

ROOT = Path(__file__).resolve().parents[1]

HASH = """
__kernel void hashmix(__global const uint *in, __global uint *out, int rounds) {
    int i = get_global_id(0);
    uint x = in[i];
    for (int r = 0; r < rounds; r++) {
        x = x * 1103515245u + 12345u;
        x ^= x >> 7;
    }
    out[i] = x;
}
"""


def _hash_ref(x: np.ndarray, rounds: int) -> np.ndarray:
    v = x.astype(np.uint64)
    for _ in range(rounds):
        v = (v * 1103515245 + 12345) & 0xFFFFFFFF
        v ^= v >> 7
    return v.astype(np.uint32)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1024
    rounds = 32
    data = np.random.default_rng(0).integers(0, 2**32, n, dtype=np.uint32)
    a = np.arange(n, dtype=np.int32)
    rows = []
    for cu in (1, 2, 4):
        r = soff.compile(HASH, num_cu=cu).simulate(
            n, 64, {"in": data, "out": np.zeros(n, np.uint32), "rounds": rounds}
        )
        assert np.array_equal(r.outputs["out"], _hash_ref(data, rounds))
        v = soff.compile(ROOT / "examples" / "vadd.cl", num_cu=cu).simulate(
            n, 64, {"a": a, "b": 2 * a, "c": np.zeros(n, np.int32), "n": n}
        )
        assert np.array_equal(v.outputs["c"], 3 * a)
        rows.append((cu, r.cycles, v.cycles))
    base_h, base_v = rows[0][1], rows[0][2]
    print(f"N = {n} work-items, groups of 64")
    print(f"{'CUs':>4} {'hash cycles':>12} {'speed-up':>9} {'vadd cycles':>12} {'speed-up':>9}")
    for cu, h, v in rows:
        print(f"{cu:>4} {h:>12} {base_h / h:>9.2f} {v:>12} {base_v / v:>9.2f}")


if __name__ == "__main__":
    main()
