"""Board data files: they load, follow the schema, and give the scheduler every latency."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from soff.boards import board_names, load_board
from soff.boards.board import SCHEDULED_OPS, BoardError, parse_board
from soff.diagnostics import CompileError
from soff.driver import compile_design
from soff.hls.schedule.datapath import SUPPORTED_OPS
from soff.ir.core import OPCODES, WORKITEM_OPS

VADD = Path(__file__).resolve().parents[2] / "examples" / "vadd.cl"
BOARDS = board_names()
EXPECTED = {"generic", "ecp5-85k", "ice40-up5k", "xilinx-u250", "xilinx-zcu104", "intel-pac-a10"}


def test_the_expected_boards_exist() -> None:
    assert EXPECTED <= set(BOARDS)


@pytest.mark.parametrize("name", BOARDS)
def test_board_loads(name: str) -> None:
    b = load_board(name)
    assert b.name == name and b.description and b.part
    assert b.clock_mhz > 0
    assert b.data_width >= 8 and b.data_width & (b.data_width - 1) == 0
    assert b.max_outstanding > 0
    assert b.flow in ("none", "open", "vitis", "quartus")
    assert b.synth.get("yosys"), "every board says how yosys estimates it"


def _looked_up_ops() -> set[str]:
    """The ops whose latency datapath.op_latency asks the board for by opcode
    (``math`` is bound to operator units, whose names are board-table keys too)."""
    skipped = set(WORKITEM_OPS) | {"const", "phi", "math", "rodata", "alloca", "barrier"}
    return {
        op for op in SUPPORTED_OPS
        if op not in skipped and not OPCODES[op].terminator and not OPCODES[op].memory
    }  # fmt: skip


def test_required_ops_follow_the_scheduler() -> None:
    assert _looked_up_ops() <= set(SCHEDULED_OPS)


@pytest.mark.parametrize("name", BOARDS)
@pytest.mark.parametrize("width", [1, 8, 16, 32, 64])
def test_every_scheduled_latency_exists(name: str, width: int) -> None:
    b = load_board(name)
    for op in _looked_up_ops():
        assert b.latency(op, width) >= 0


@pytest.mark.parametrize("name", BOARDS)
def test_vadd_compiles_for_every_board(name: str) -> None:
    design = compile_design(VADD, target=name)
    assert "module vadd" in design.verilog
    assert "m_axi_gmem_wdata" in design.verilog


def test_pac_a10_has_soffs_numbers() -> None:
    b = load_board("intel-pac-a10")
    assert (b.latency("add", 32), b.latency("mul", 32), b.latency("mul", 64)) == (2, 3, 9)
    assert (b.latency("div", 32), b.latency("div", 64)) == (32, 64)
    assert (b.latency("fadd", 32), b.latency("fdiv", 32), b.latency("fmul", 64)) == (4, 23, 11)
    assert b.memory["latency"] == 64 and b.memory["local_latency"] == 16
    assert b.data_width == 512 and b.part.startswith("10AX115")


def test_u250_memory() -> None:
    b = load_board("xilinx-u250")
    assert b.data_width == 512 and b.memory["channels"] == 4 and b.memory["kind"] == "DDR4"
    assert b.project["platform"].startswith("xilinx_u250")


def test_open_flow_boards_name_their_nextpnr_device() -> None:
    assert load_board("ecp5-85k").synth["nextpnr"] == "ecp5"
    assert "--85k" in load_board("ecp5-85k").synth["nextpnr_args"]
    assert "--up5k" in load_board("ice40-up5k").synth["nextpnr_args"]
    assert load_board("ice40-up5k").resources["lut"] == 5280


def test_unknown_target_lists_the_known_ones() -> None:
    with pytest.raises(CompileError) as e:
        load_board("nosuchboard")
    msg = str(e.value)
    assert "unknown target 'nosuchboard'" in msg
    for name in EXPECTED:
        assert name in msg


def test_cli_unknown_target_is_a_clean_error(tmp_path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "soff", str(VADD), "--target", "nosuchboard", "-o", str(tmp_path / "v.v")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "known targets: " in proc.stderr and "ecp5-85k" in proc.stderr
    assert not (tmp_path / "v.v").exists()


def test_soff_boards_lists_part_clock_memory() -> None:
    proc = subprocess.run([sys.executable, "-m", "soff", "boards"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["target", "part", "clock", "memory", "flow"]
    for name in EXPECTED:
        row = next(ln for ln in lines if ln.startswith(name + " "))
        b = load_board(name)
        assert b.part in row and f"{b.clock_mhz:g} MHz" in row and f"{b.data_width}-bit" in row


def test_board_file_by_path(tmp_path) -> None:
    text = (VADD.parents[1] / "soff" / "boards" / "data" / "generic.toml").read_text()
    path = tmp_path / "mine.toml"
    path.write_text(text.replace('name = "generic"', 'name = "mine"').replace("200.0", "150.0"))
    b = load_board(str(path))
    assert b.name == "mine" and b.clock_mhz == 150.0


# --------------------------------------------------------------------------- validation

GOOD = (
    """
name = "t"
description = "test"
vendor = "none"
part = "p"
clock_mhz = 100.0
flow = "none"
[memory]
data_width = 64
[latency]
"""
    + "\n".join(f"{op} = 1" for op in SCHEDULED_OPS)
    + "\n"
)


def test_minimal_board_parses() -> None:
    b = parse_board(GOOD, "t.toml", expect_name="t")
    assert b.latency("mul", 32) == 1


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda s: s.replace('part = "p"', 'part = "p"\ncolour = "red"'), "unknown key 'colour'"),
        (lambda s: s + "[extras]\nx = 1\n", "unknown section [extras]"),
        (
            lambda s: s.replace("data_width = 64", "data_width = 64\nwidth = 8"),
            "unknown key [memory] 'width'",
        ),
        (lambda s: s.replace("data_width = 64", "data_width = 48"), "power of two"),
        (
            lambda s: s.replace("data_width = 64", 'data_width = "64"'),
            "data_width must be an integer",
        ),
        (lambda s: s.replace("clock_mhz = 100.0", "clock_mhz = 0"), "clock_mhz must be positive"),
        (lambda s: s.replace('flow = "none"', 'flow = "magic"'), "flow must be one of"),
        (lambda s: s.replace('part = "p"\n', ""), "missing key 'part'"),
        (lambda s: s.replace("\nmul = 1", ""), "no entry for mul"),
        (lambda s: s + "frobnicate = 3\n", "'frobnicate' is not an operator"),
        (lambda s: s + '"mul.x" = 3\n', "width after '.'"),
        (lambda s: s.replace("\nadd = 1", "\nadd = -1"), "'add' must be a non-negative integer"),
        (lambda s: s.replace('name = "t"', 'name = "u"'), "file is named 't.toml'"),
        (lambda s: s.replace('flow = "none"', 'flow = "open"'), "needs [synth] nextpnr"),
        (lambda s: s + "[resources]\nlut = -5\n", "must not be negative"),
        (lambda s: s + '[synth]\nnextpnr = "gowin"\n', "nextpnr must be 'ecp5' or 'ice40'"),
        (lambda s: s.replace("clock_mhz = 100.0", "clock_mhz = [1]"), "clock_mhz must be a number"),
        (lambda s: s + "x = = 1\n", "not valid TOML"),
        (lambda s: s + '[units]\nfmul_multiplier = "booth"\n', "must be 'dsp' or 'lut'"),
    ],
)
def test_validation_errors(edit, message: str) -> None:
    with pytest.raises(BoardError) as e:
        parse_board(edit(GOOD), "t.toml", expect_name="t")
    assert message in str(e.value)
    assert "error: t.toml: " in str(e.value)


SAXPY = """
__kernel void saxpy(float a, __global const float *x, __global float *y) {
  int i = get_global_id(0);
  y[i] = a * x[i] + y[i];
}
"""


def _lut_board(tmp_path: Path) -> str:
    text = (VADD.parents[1] / "soff" / "boards" / "data" / "generic.toml").read_text()
    text = text.replace('name = "generic"', 'name = "lutmul"')
    text = text.replace('"fmul.32" = 5', '"fmul.32" = 13')
    path = tmp_path / "lutmul.toml"
    path.write_text(text + '\n[units]\nfmul_multiplier = "lut"\n')
    return str(path)


def test_board_chooses_the_lut_multiplier(tmp_path) -> None:
    import soff

    assert load_board().units.get("fmul_multiplier", "dsp") == "dsp"
    board = _lut_board(tmp_path)
    assert load_board(board).units == {"fmul_multiplier": "lut"}
    d = soff.compile(SAXPY, filename="saxpy.cl", target=board)
    assert "module soff_fmul_lut_f32_l13" in d.verilog
    assert "soff_fmul_f32" not in d.verilog
    assert "module soff_fmul_f32_l5" in soff.compile(SAXPY, filename="saxpy.cl").verilog


@pytest.mark.sim
def test_lut_multiplier_kernel_in_verilator(tmp_path) -> None:
    import numpy as np

    import soff

    d = soff.compile(SAXPY, filename="saxpy.cl", target=_lut_board(tmp_path))
    rng = np.random.default_rng(7)
    n = 192
    x = rng.standard_normal(n).astype(np.float32)
    y = rng.standard_normal(n).astype(np.float32)
    x[:4] = [np.float32(1e-40), np.float32(3e38), np.inf, -0.0]
    a = np.float32(1.7)
    res = d.simulate(n, 64, {"a": a, "x": x, "y": y.copy()})
    with np.errstate(all="ignore"):
        want = a * x + y  # float32 mul then add, each rounded: the kernel has no fma
    np.testing.assert_array_equal(res.outputs["y"].view(np.uint32), want.view(np.uint32))
