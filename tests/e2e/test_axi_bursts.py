"""AXI bursts end to end: loads and stores of consecutive work-items go out
as INCR bursts, the results stay right, and no burst breaks the AXI4 rules.

The simulation RAM stops the run on a burst that crosses 4 KiB, a misplaced
WLAST or a size wider than the bus (soff/sim/hdl/soff_sim_axi_ram.v), and
counts transactions and beats, read here as probes.
"""

from __future__ import annotations

import numpy as np
import pytest

import soff
from soff.sim.api import simulate

pytestmark = pytest.mark.sim

# an odd offset: runs start mid-word and cross 4 KiB pages at odd places; bytes
# and ints in one kernel give two store widths (8 and 2 work-items per word)
SHIFT = """
__kernel void shift(__global const int *src, __global int *dst, __global const char *b,
                    __global char *bo, int off, int n) {
    int i = get_global_id(0);
    if (i < n) {
        int x = src[i + off];  /* both loads before the stores: they reuse bus words */
        char y = b[i];
        dst[i] = x * 3;
        bo[i + off] = y + 1;
    }
}
"""
PROBES = ["gmem.ar_count", "gmem.aw_count", "gmem.r_beats", "gmem.w_beats"]


def test_bursts_copy_with_offset_across_pages() -> None:
    n, off = 3000, 3  # 12 KB of ints: several pages; the guard cuts the last group
    rng = np.random.default_rng(7)
    src = rng.integers(-(2**20), 2**20, n + off, dtype=np.int32)
    b = rng.integers(-100, 100, n + off, dtype=np.int8)
    dst = np.full(n, 5, np.int32)
    bo = np.full(n + off, 9, np.int8)
    design = soff.compile(SHIFT, filename="shift.cl")
    args = {"src": src, "dst": dst, "b": b, "bo": bo, "off": off, "n": n}
    res = simulate(design.verilog, design.regmap, args, 3072, 64, toplevel=design.top,
                   probes=PROBES)  # fmt: skip
    np.testing.assert_array_equal(res.outputs["dst"], src[off : off + n] * 3)
    want_bo = bo.copy()
    want_bo[off : off + n] = b[:n] + 1
    np.testing.assert_array_equal(res.outputs["bo"], want_bo)
    p = res.probes
    # 64-bit words touched (buffers are 4 KiB aligned): src[off:off+n], b[:n], dst[:n], bo[off:off+n]
    src_w, b_w = -(-(off + n) * 4 // 8) - off * 4 // 8, -(-n // 8)
    dst_w, bo_w = -(-n * 4 // 8), -(-(off + n) // 8) - off // 8
    assert src_w + b_w <= p["gmem.r_beats"] <= src_w + b_w + 4, p  # each word read once
    assert dst_w + bo_w <= p["gmem.w_beats"] <= dst_w + bo_w + 8, p  # strobes merged
    # lib.burst_beats with 32 requests in flight: int loads 8 beats, char loads 2,
    # int stores 4, char stores 1 (8 merged writes); a burst also ends at each page
    assert p["gmem.ar_count"] <= -(-src_w // 8) + 3 + -(-b_w // 2) + 1, p
    assert p["gmem.aw_count"] <= -(-dst_w // 4) + 3 + bo_w + 1, p
    assert res.cycles < 1.2 * 3072 + 200, res.cycles
