"""Read-only caches for gathers: a load whose address depends on a value read
from memory (``table[idx[i]]``) from a buffer nothing in the kernel can write gets
a direct-mapped cache of bus words (soff.rtl_gen.lib.read_cache_module). Results
are compared with numpy; the simulation RAM's counters show the traffic saved."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import soff
from soff.rtl_gen.top import cached_loads

GATHER = """
__kernel void gather(__global const int *restrict table, __global const int *restrict idx,
                     __global int *restrict y, int n) {
    int i = get_global_id(0);
    if (i < n) y[i] = table[idx[i]] + 1;
}
"""

# gathers next to writes through computed pointers (a select, a loop's phi)
SELECT = """
__kernel void k(__global int *restrict table, __global const int *restrict idx,
                __global int *restrict y, __global int *restrict tmp, int n, int c) {
    __global int *p = P;
    for (int k = 0; k < n; k++) {
        int v = table[idx[k]];
        p[idx[k]] = v + 1;
        y[k] = v;
    }
}
"""
STEPPED = """
__kernel void k(__global int *restrict table, __global const int *restrict idx,
                __global int *restrict y, __global int *restrict tmp, int n) {
    __global int *p = table;
    for (int k = 0; k < n; k++) {
        y[k] = table[idx[k]];
        *p = k;
        p++;
    }
}
"""


def _cached(src: str, target: str | None = None) -> int:
    d = soff.compile(src, filename="k.cl", target=target)
    s = d.schedule
    return len(cached_loads(s.kernel, s, d.board))


@pytest.mark.parametrize(
    "src, n",
    [
        (GATHER, 1),
        # no restrict on the table, but every store goes through restrict pointers
        (GATHER.replace("const int *restrict table", "const int *table"), 1),
        # __constant buffers are read-only by the language
        (GATHER.replace("__global const int *restrict table", "__constant int *table"), 1),
        # the table may be y's buffer: y is not restrict, neither is the table
        (GATHER.replace("const int *restrict table", "const int *table")
         .replace("int *restrict y", "int *y"), 0),
        # the kernel writes the table
        (GATHER.replace("const int *restrict table", "int *restrict table")
         .replace("+ 1;", "+ 1; table[i] = 0;"), 0),
        # not a gather: the address comes from the work-item id
        (GATHER.replace("table[idx[i]]", "table[i * 3]"), 0),
        # the kernel writes the table through a pointer that may be the table's
        (SELECT.replace("P", "c ? table : tmp"), 0),
        (SELECT.replace("P", "c ? y : tmp"), 1),  # but not so when both are restrict
        (SELECT.replace("P", "c ? y : tmp").replace("int *restrict table", "int *table"), 1),
        (SELECT.replace("P", "c ? y : tmp").replace("int *restrict table", "int *table")
         .replace("int *restrict tmp", "int *tmp"), 0),
        (STEPPED, 0),  # a pointer stepped through the table in a loop
        (STEPPED.replace("*p = table", "*p = tmp"), 1),
    ],
)  # fmt: skip
def test_which_loads_get_a_cache(src: str, n: int) -> None:
    assert _cached(src) == n


def test_boards_without_caches() -> None:
    assert _cached(GATHER, "ice40-up5k") == 0


@pytest.mark.sim
def test_gather_cache_in_hardware() -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    from axi_traffic import simulate

    d = soff.compile(GATHER, filename="gather.cl")
    assert "soff_rd_cache_" in d.verilog
    rng = np.random.default_rng(3)
    n = 1024
    reads = {}
    for size in (64, 100_000):  # every index repeats / almost none does
        table = rng.integers(-1000, 1000, size).astype(np.int32)
        idx = rng.integers(0, size, n).astype(np.int32)
        idx[:8] = [0, 0, size - 1, size - 1, 1, 0, size - 1, 2]  # hits behind misses
        args = {"table": table, "idx": idx, "y": np.zeros(n, np.int32), "n": n}
        res = simulate(d, n, 64, args)
        np.testing.assert_array_equal(res.outputs["y"], table[idx] + 1)
        reads[size] = res.probes["gmem.ar_count"]
    # the small table: at most one read per word after the first (32 words of 8 bytes)
    # plus the index stream's bursts; the large one reads per request
    assert reads[64] < n // 4 < reads[100_000], reads
