"""Several kernels in one top, run one after another (soff/rtl_gen/sequencer.py,
the NPU's layer sequencer): each stage reads what the previous one wrote."""

from __future__ import annotations

import numpy as np
import pytest

import soff
from soff.boards.board import load_board
from soff.diagnostics import CompileError
from soff.rtl_gen.sequencer import Stage, emit_sequencer
from soff.sim.api import simulate
from soff.sim.tools import lint

pytestmark = pytest.mark.sim

DOUBLE = """__kernel void dbl(__global const int *a, __global int *b) {
    int i = get_global_id(0);
    b[i] = a[i] * 2;
}"""
MIX = """__kernel void mix(__global const int *b, __global int *c, int n) {
    int i = get_global_id(0);
    c[i] = b[i] + b[n - 1 - i];  /* reads what other work-items of the last stage wrote */
}"""
GROUP_SUM = """__kernel void gsum(__global const int *c, __global int *d) {
    __local int s[32];
    int l = get_local_id(0);
    s[l] = c[get_global_id(0)];
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int k = 16; k > 0; k >>= 1) {
        if (l < k) s[l] += s[l + k];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (l == 0) d[get_group_id(0)] = s[0];
}"""


def _stages(n: int, cus: tuple[int, int, int] = (1, 1, 1)) -> list[Stage]:
    d = [soff.compile(src).schedule for src in (DOUBLE, MIX, GROUP_SUM)]
    size, group = (n, 1, 1), (32, 1, 1)
    return [
        Stage(d[0].kernel, d[0], size, group, {"a": "x", "b": "t1"}, cus[0]),
        Stage(d[1].kernel, d[1], size, group, {"b": "t1", "c": "t2", "n": n}, cus[1]),
        Stage(d[2].kernel, d[2], size, group, {"c": "t2", "d": "y"}, cus[2]),
    ]


@pytest.mark.parametrize("cus", [(1, 1, 1), (2, 1, 3)], ids=["one_cu", "cus_2_1_3"])
def test_three_kernels_in_sequence(tmp_path, cus) -> None:
    n = 128
    stages = _stages(n, cus)
    verilog, regmap = emit_sequencer("seq3", stages, ["x", "t1", "t2", "y"], load_board(None))
    if cus[2] > 1:
        assert "stage2_cu2" in verilog and "3 compute units" in verilog
    path = tmp_path / "seq3.v"
    path.write_text(verilog)
    assert lint(path, top="seq3") == ""
    x = np.random.default_rng(3).integers(-1000, 1000, n, dtype=np.int32)
    args = {
        "x": x,
        "t1": np.zeros(n, np.int32),
        "t2": np.zeros(n, np.int32),
        "y": np.zeros(n // 32, np.int32),
    }
    r = simulate(verilog, regmap, args, 1, 1, toplevel="seq3", timeout_cycles=100_000)
    t1 = 2 * x
    t2 = t1 + t1[::-1]
    np.testing.assert_array_equal(r.outputs["t1"], t1)
    np.testing.assert_array_equal(r.outputs["t2"], t2)
    np.testing.assert_array_equal(r.outputs["y"], t2.reshape(-1, 32).sum(axis=1))
    assert r.cycles > 3 * n // 2  # three stages, one after another


def test_one_stage_and_binding_errors() -> None:
    stages = _stages(64)
    verilog, _ = emit_sequencer("one", stages[:1], ["x", "t1"], load_board(None))
    assert "module one (" in verilog and "m_axi_gmem_arid" in verilog
    with pytest.raises(CompileError, match="argument 'n' is unbound"):
        bad = Stage(
            stages[1].kernel, stages[1].schedule, (64, 1, 1), (32, 1, 1), {"b": "x", "c": "y"}
        )
        emit_sequencer("bad", [bad], ["x", "y"], load_board(None))
    with pytest.raises(CompileError, match="must be bound to one of the buffers"):
        bad = Stage(
            stages[0].kernel, stages[0].schedule, (64, 1, 1), (32, 1, 1), {"a": "x", "b": "z"}
        )
        emit_sequencer("bad", [bad], ["x", "y"], load_board(None))
    with pytest.raises(CompileError, match="not a multiple"):
        bad = Stage(
            stages[0].kernel, stages[0].schedule, (60, 1, 1), (32, 1, 1), {"a": "x", "b": "y"}
        )
        emit_sequencer("bad", [bad], ["x", "y"], load_board(None))
