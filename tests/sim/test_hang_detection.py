"""Hang detection under the default cycle bound: a design whose work-items stop
moving (its ``dbg_progress`` counter stays the same for ``STALL_WINDOW`` cycles)
is reported as stuck, while a long-running one (a single work-item looping
thousands of times) runs to completion."""

from __future__ import annotations

import numpy as np
import pytest

import soff
from soff.sim import SimulationHang

pytestmark = pytest.mark.sim

LOOP = """
__kernel void spin(__global const int *restrict x, __global int *restrict out, int n) {
    int acc = 0;
    for (int i = 0; i < n; i++) {
        int v = x[i & 15];
        for (int t = 0; t < 3; t++) v = v * 3 + t;  // circulates: several cycles a trip
        acc += v;
    }
    out[0] = acc;
}
"""


def _want(x: np.ndarray, n: int) -> int:
    acc = 0
    for i in range(n):
        v = int(x[i & 15])
        for t in range(3):
            v = (v * 3 + t) % (1 << 32)
        acc = (acc + v) % (1 << 32)
    return acc


def test_long_single_work_item_loop_is_not_a_hang() -> None:
    """The old default bound (1,000 + 200 per work-item = 1,200 cycles) stopped
    this kernel; the progress counter sees it move and lets it finish."""
    d = soff.compile(LOOP, filename="spin.cl")
    x = np.arange(16, dtype=np.int32) - 5
    n = 3000
    res = d.simulate(1, 1, {"x": x, "out": np.zeros(1, np.int32), "n": n})
    assert res.cycles > 1200
    assert res.outputs["out"].view(np.uint32)[0] == _want(x, n)


@pytest.mark.parametrize("timeout", [None, 100_000])
def test_no_progress_is_reported_as_stuck(
    monkeypatch: pytest.MonkeyPatch, timeout: int | None
) -> None:
    """A window shorter than one memory round trip: the first load's wait is
    (wrongly, on purpose) taken for a deadlock, which shows the report, with the
    default bound and with an explicit one."""
    import soff.sim.api

    monkeypatch.setattr(soff.sim.api, "STALL_WINDOW", 2)
    d = soff.compile(LOOP, filename="spin.cl")
    x = np.arange(16, dtype=np.int32)
    args = {"x": x, "out": np.zeros(1, np.int32), "n": 100}
    with pytest.raises(SimulationHang, match=r"is stuck: no work-item moved for 2 cycles"):
        d.simulate(1, 1, args, timeout_cycles=timeout)
