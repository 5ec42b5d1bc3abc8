"""Private arrays in hardware (soff/hls/private_arrays.py): a RAM slot per
work-item of a work-group, compared with numpy and with the IR interpreter."""

from __future__ import annotations

import numpy as np
import pytest

import soff
from soff.driver import load_module
from soff.ir.interp import run_kernel

pytestmark = pytest.mark.sim

DOT_REVERSED = """
__kernel void p(__global const int *in, __global int *out) {
    int i = get_global_id(0);
    int t[4];
    for (int k = 0; k < 4; k++) t[k] = in[4 * i + k] * (k + 1);
    int s = 0;
    for (int k = 0; k < 4; k++) s += t[k] * t[3 - k];
    out[i] = s;
}
"""

MIXED = """
static void bump(int *p, int k) { *p += k; }
__kernel void p3(__global const int *in, __global int *out, __global float *fo) {
    int i = get_global_id(0);
    int hist[8] = {0};                       // initialised, data-dependent indices
    float acc[2][3];                         // two dimensions, float
    for (int r = 0; r < 2; r++)
        for (int c = 0; c < 3; c++) acc[r][c] = r * 3 + c + 0.5f;
    for (int k = 0; k < 16; k++) hist[(in[i] >> k) & 7]++;
    int best = 0;
    for (int b = 1; b < 8; b++)
        if (hist[b] > hist[best]) best = b;
    int extra[1] = {0};
    bump(extra, best);                       // a pointer into a private array, in a helper
    out[i] = extra[0] * 100 + hist[best];
    fo[i] = acc[best & 1][best % 3];
}
"""


def test_loop_indexed_private_array() -> None:
    x = np.random.default_rng(1).integers(-50, 50, 4 * 96, dtype=np.int32)
    r = soff.compile(DOT_REVERSED).simulate(96, 32, {"in": x, "out": np.zeros(96, np.int32)})
    t = x.reshape(96, 4) * np.arange(1, 5)
    np.testing.assert_array_equal(r.outputs["out"], (t * t[:, ::-1]).sum(axis=1))


def test_private_arrays_match_the_interpreter() -> None:
    x = np.random.default_rng(0).integers(0, 2**20, 200, dtype=np.int32)
    args = {"in": x, "out": np.zeros(200, np.int32), "fo": np.zeros(200, np.float32)}
    r = soff.compile(MIXED, filename="mixed.cl").simulate(200, 40, dict(args))
    kernel = load_module(MIXED, filename="mixed.cl").kernels[0]
    ref = run_kernel(kernel, {k: v.copy() for k, v in args.items()}, 200, 40)
    np.testing.assert_array_equal(r.outputs["out"], ref["out"])
    np.testing.assert_array_equal(r.outputs["fo"], ref["fo"])


def test_work_groups_larger_than_the_slots_are_refused() -> None:
    src = "__attribute__((reqd_work_group_size(16, 1, 1)))\n" + DOT_REVERSED
    design = soff.compile(src)
    assert design.private_capacity == 16
    x = np.zeros(4 * 64, np.int32)
    with pytest.raises(ValueError, match="private arrays for at most 16 work-items"):
        design.simulate(64, 32, {"in": x, "out": np.zeros(64, np.int32)})
    r = design.simulate(64, 16, {"in": x + 1, "out": np.zeros(64, np.int32)})
    np.testing.assert_array_equal(r.outputs["out"], np.full(64, 1 * 4 + 2 * 3 + 3 * 2 + 4 * 1))
