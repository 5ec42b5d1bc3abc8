"""Vendor projects: Vitis RTL kernel, Quartus project, FuseSoC core; all well-formed."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from soff.boards import board_names
from soff.boards.vendors import project_files, write_project
from soff.diagnostics import CompileError
from soff.driver import compile_design

VADD = Path(__file__).resolve().parents[2] / "examples" / "vadd.cl"
TCLSH = shutil.which("tclsh")
CHECK_TCL = "set f [open [lindex $argv 0]]; set s [read $f]; close $f; puts [info complete $s]"


@pytest.fixture(scope="module")
def designs() -> dict:
    return {name: compile_design(VADD, target=name) for name in board_names()}


def assert_tcl_parses(path: Path) -> None:
    """tclsh's own parser agrees the script is complete (balanced braces, quotes, brackets)."""
    if TCLSH is None:
        pytest.skip("tclsh not installed")
    proc = subprocess.run(
        [TCLSH, "/dev/stdin", str(path)], input=CHECK_TCL, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "1", f"{path.name} is not a complete Tcl script"


_CORE_LINE = re.compile(r"^( {2})*(- \S.*|[\w<][\w<-]*:( \S.*)?)$")


def assert_core_well_formed(text: str, files_dir: Path) -> None:
    """A CAPI2 core in the YAML subset we write: 2-space indentation, key: value
    or '- item' lines, nesting only under 'key:' (or an anchored 'key: &x')."""
    lines = text.splitlines()
    assert lines[0] == "CAPI=2:"
    assert "\t" not in text
    prev_indent, prev_opens = 0, True
    for ln in lines[1:]:
        if not ln.strip():
            continue
        assert _CORE_LINE.match(ln), f"not a YAML line we expect: {ln!r}"
        indent = len(ln) - len(ln.lstrip())
        assert indent <= prev_indent + (2 if prev_opens else 0), f"bad indentation: {ln!r}"
        s = ln.strip()
        prev_indent, prev_opens = indent, s.endswith(":") or re.search(r": &\w+$", s) is not None
    assert re.search(r"^name: soff:kernel:\w+:\d+\.\d+\.\d+$", text, re.M)
    for f in re.findall(r"^ +- (\S+\.v)$", text, re.M):
        assert (files_dir / f).is_file(), f"the core lists {f}, which was not written"
    try:
        import yaml  # type: ignore[import-untyped]
    except ImportError:
        return
    data = yaml.safe_load(text.split("\n", 1)[1])
    assert data["targets"]["synth"]["toplevel"]


@pytest.mark.parametrize("target", ["xilinx-u250", "xilinx-zcu104"])
def test_vitis_project(designs: dict, target: str, tmp_path: Path) -> None:
    design = designs[target]
    paths = write_project(design, tmp_path / "proj")
    names = {p.name for p in paths}
    assert {"vadd.v", "kernel.xml", "package_kernel.tcl", "synth_ooc.tcl", "Makefile",
            "README.md", "vadd.core", "connectivity.cfg", "regmap.json"} <= names  # fmt: skip
    d = tmp_path / "proj"

    root = ET.parse(d / "kernel.xml").getroot()
    kernel = root.find("kernel")
    assert kernel is not None and kernel.get("name") == "vadd"
    assert kernel.get("hwControlProtocol") == "ap_ctrl_hs"
    ports = {p.get("name"): p for p in kernel.iter("port")}
    assert ports["s_axi_control"].get("mode") == "slave"
    assert ports["m_axi_gmem"].get("mode") == "master"
    assert ports["m_axi_gmem"].get("dataWidth") == str(design.board.data_width)
    args = {a.get("name"): a for a in kernel.iter("arg")}
    for reg in design.regmap.registers:
        a = args[reg.name]
        assert int(a.get("offset"), 16) == reg.offset
        assert a.get("port") == ("m_axi_gmem" if reg.kind == "pointer" else "s_axi_control")
    assert args["a"].get("type") == "int*" and args["a"].get("addressQualifier") == "1"
    assert args["n"].get("type") == "int" and args["n"].get("size") == "0x4"
    assert sorted(int(a.get("id")) for a in args.values()) == list(range(len(args)))

    for tcl in ("package_kernel.tcl", "synth_ooc.tcl"):
        assert_tcl_parses(d / tcl)
    pkg = (d / "package_kernel.tcl").read_text()
    assert design.board.part in pkg and "package_xo" in pkg and "sdx_kernel_type rtl" in pkg
    for reg in design.regmap.registers:
        assert f"ipx::add_register {reg.name} " in pkg
        assert f"address_offset 0x{reg.offset:03x}" in pkg
    make = (d / "Makefile").read_text()
    assert "v++ -l" in make and design.board.project["platform"] in make
    assert re.search(r"^\t", make, re.M), "Makefile recipes need tabs"
    readme = (d / "README.md").read_text()
    assert "vivado -mode batch -source package_kernel.tcl" in readme and "v++ -l" in readme
    assert_core_well_formed((d / "vadd.core").read_text(), d)


def test_u250_connects_its_master_to_a_ddr_bank(designs: dict) -> None:
    cfg = project_files(designs["xilinx-u250"])["connectivity.cfg"]
    assert "sp=vadd_1.m_axi_gmem:DDR[0]" in cfg


def test_quartus_project(designs: dict, tmp_path: Path) -> None:
    design = designs["intel-pac-a10"]
    d = tmp_path / "q"
    names = {p.name for p in write_project(design, d)}
    assert {
        "vadd.v",
        "vadd.qpf",
        "vadd.qsf",
        "vadd.sdc",
        "build.tcl",
        "README.md",
        "vadd.core",
    } <= names
    for f in ("vadd.qsf", "vadd.sdc", "build.tcl"):
        assert_tcl_parses(d / f)
    qsf = (d / "vadd.qsf").read_text()
    assert 'FAMILY "Arria 10"' in qsf and "DEVICE 10AX115N2F40E2LG" in qsf
    assert "TOP_LEVEL_ENTITY vadd" in qsf and "VERILOG_FILE vadd.v" in qsf
    assert 'PROJECT_REVISION = "vadd"' in (d / "vadd.qpf").read_text()
    assert "-period 4.167" in (d / "vadd.sdc").read_text()  # 240 MHz
    assert "quartus_sh -t build.tcl" in (d / "README.md").read_text()
    assert_core_well_formed((d / "vadd.core").read_text(), d)


@pytest.mark.parametrize("target", board_names())
def test_every_target_gets_a_core_file(designs: dict, target: str, tmp_path: Path) -> None:
    d = tmp_path / target
    write_project(designs[target], d)
    assert_core_well_formed((d / "vadd.core").read_text(), d)
    assert (d / "vadd.v").read_text() == designs[target].verilog
    assert (d / "README.md").is_file()


def test_project_over_a_file_is_a_clean_error(designs: dict, tmp_path: Path) -> None:
    f = tmp_path / "f"
    f.write_text("x")
    with pytest.raises(CompileError, match="it is a file"):
        write_project(designs["generic"], f)


def test_soff_project_command(tmp_path: Path) -> None:
    out = tmp_path / "u250"
    proc = subprocess.run(
        [sys.executable, "-m", "soff", "project", str(VADD), "--target", "xilinx-u250", "-o", str(out)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert str(out / "kernel.xml") in proc.stdout.splitlines()
    ET.parse(out / "kernel.xml")


def test_the_tcl_check_catches_unbalanced_scripts(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tcl"
    bad.write_text("foreach x {a b} {\n    puts $x\n")
    with pytest.raises(AssertionError, match="not a complete Tcl script"):
        assert_tcl_parses(bad)
