"""The compile report in its three forms: text (--report), JSON (--report-json),
HTML with the schedule picture (--report-html) and the picture alone (--report-plot)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from soff.cli import main

pytest.importorskip("matplotlib")

ROOT = Path(__file__).resolve().parents[2]
LOOP_BRANCH = """\
__kernel void loopy(__global const int *a, __global int *b, const int n) {
    int i = get_global_id(0);
    int s = 0;
    for (int j = 0; j < n; j++) {
        int x = a[i + j];
        if (x > 0)
            s += x * 3;
        else
            s -= x;
    }
    b[i] = s;
}
"""
TEXT_SECTIONS = (
    "register map (AXI4-Lite):",
    "schedule (stages per segment",
    "blocks:",
    "FIFOs:",
    "units and operators (latency in cycles):",
    "memory ports (latency variable):",
    "alias groups",
    "pipelining: II 1",
    "resources (estimate",
    "balancing:",
)
VOID = {"meta", "br", "hr", "img", "input", "link"}


def kernel_path(name: str, tmp_path: Path) -> Path:
    if name == "loopy":
        path = tmp_path / "loopy.cl"
        path.write_text(LOOP_BRANCH)
        return path
    return ROOT / "examples" / f"{name}.cl"


class TagChecker(HTMLParser):
    """Checks that every element is closed in order; counts <svg> and schedule bars."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.svgs = 0
        self.bars: list[str] = []
        self.links: list[str | None] = []  # src/href attributes: external assets

    def _open(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "svg":
            self.svgs += 1
        attr = dict(attrs)
        self.links += [v for k, v in attrs if k in ("src", "href") and v and not v.startswith("#")]
        gid = attr.get("id") or ""
        if gid.startswith("op-"):
            self.bars.append(gid)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._open(tag, attrs)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._open(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()


def run_report(src: Path, out: Path, *extra: str) -> None:
    argv = [str(src), "-o", str(out / "k.v"), "--report", "--report-json", str(out / "r.json")]
    argv += ["--report-html", str(out / "r.html"), "--report-plot", str(out / "r.png"), *extra]
    assert main(argv) == 0


@pytest.mark.parametrize("name", ["vadd", "vector_ops", "loopy"])
def test_report_three_forms(name: str, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    src = kernel_path(name, tmp_path)
    run_report(src, tmp_path)
    text = capsys.readouterr().err
    for section in TEXT_SECTIONS:
        assert section in text, section

    data = json.loads((tmp_path / "r.json").read_text())
    for key in ("kernel", "target", "clock_mhz", "arguments", "registers", "compile_seconds"):
        assert key in data
    dp = data["datapath"]
    for key in ("blocks", "edges", "loops", "units", "fifo_depth", "delay_bits", "fifo_bits"):
        assert key in dp  # the keys tools already read
    for key in ("operators", "memory_ports", "alias_groups", "fifos", "work_item_ii"):
        assert key in dp
    assert data["resources_estimate"]["estimate"] is True
    assert "soff synth" in data["resources_estimate"]["method"]
    ops = [e for b in dp["blocks"] for e in b["schedule"]]
    assert ops and all("line" in e and "kind" in e for e in ops)
    for e in ops:
        if "segment" in e:
            assert 0 <= e["start"] <= e["end"] == e["start"] + e["latency"]
        else:
            assert e["latency"] is None and e["kind"] == "memory"  # variable latency
    for b in dp["blocks"]:
        assert b["depth"] == sum(s["stages"] for s in b["segments"])
        req = b["channel_requests"]
        assert b["ii_memory"] == max(1, req["write"], req["read"] - req["read_word_reuse"])
    if name == "vector_ops":  # four stores share the write channel
        assert dp["blocks"][0]["ii_memory"] == 4 and "mem II" in text
    assert dp["fifo_bits"] == sum(f["depth"] * f["bits"] for f in dp["fifos"])
    ports = {p["port"] for p in dp["memory_ports"]}
    assert ports == {p for g in dp["alias_groups"] for p in g["loads"] + g["stores"]}

    page = (tmp_path / "r.html").read_text()
    checker = TagChecker()
    checker.feed(page)
    checker.close()
    assert not checker.errors and checker.stack == [], (checker.errors, checker.stack)
    assert checker.svgs == 1
    assert len(checker.bars) == len(ops) == len(set(checker.bars))  # one bar per scheduled op
    assert checker.links == [] and "<script" not in page  # self-contained
    assert f"{src.name}:" in page  # bars are labelled with source lines

    assert (tmp_path / "r.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    if name == "loopy":  # the same input gives the same bytes
        first = {f: (tmp_path / f).read_bytes() for f in ("r.html", "r.png")}
        run_report(src, tmp_path)
        assert {f: (tmp_path / f).read_bytes() for f in first} == first


def test_loop_report_names_the_recurrence(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    run_report(kernel_path("loopy", tmp_path), tmp_path)
    text = capsys.readouterr().err
    assert "loop ^" in text and "not modulo-scheduled" in text and "recurrence:" in text
    (loop,) = json.loads((tmp_path / "r.json").read_text())["datapath"]["loops"]
    assert loop["ii"] == 1 and loop["modulo_scheduled"] is False
    assert loop["limit"] == 32 and loop["recurrence"]["stages"] > 0
    assert loop["recurrence"]["memory_round_trips"] == 1  # the load of a[i + j]
    assert 0 < loop["max_iterations_per_cycle"] <= 1
    assert "not modulo-scheduled" in loop["limiting_cause"]
    kinds = {e["kind"] for b in json.loads((tmp_path / "r.json").read_text())["datapath"]["blocks"]
             for e in b["schedule"]}  # fmt: skip
    assert {"memory", "multiplier", "integer"} <= kinds


def test_html_is_the_same_in_another_process(tmp_path: Path) -> None:
    src = kernel_path("vadd", tmp_path)
    assert (
        main([str(src), "-o", str(tmp_path / "a.v"), "--report-html", str(tmp_path / "a.html")])
        == 0
    )
    env = dict(os.environ)
    env.pop("SOFF_DEBUG", None)
    proc = subprocess.run(
        [sys.executable, "-m", "soff", str(src), "-o", str(tmp_path / "b.v"),
         "--report-html", str(tmp_path / "b.html"), "--report-plot", str(tmp_path / "b.svg")],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "a.html").read_bytes() == (tmp_path / "b.html").read_bytes()
    svg = (tmp_path / "b.svg").read_text()
    assert "<svg" in svg and "<dc:date>" not in svg


def test_missing_matplotlib_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import fails as if not installed
    out = tmp_path / "k.v"
    with pytest.raises(SystemExit) as e:
        main([str(kernel_path("vadd", tmp_path)), "-o", str(out), "--report-html",
              str(tmp_path / "r.html")])  # fmt: skip
    assert e.value.code == 1
    err = capsys.readouterr().err
    assert "error:" in err and "pip install soff[report]" in err
    assert list(tmp_path.iterdir()) == []  # no partial output, not even the Verilog


@pytest.mark.parametrize(
    ("option", "dest", "message"),
    [
        ("--report-plot", "r.pdf", "writes .png or .svg"),
        ("--report-html", "missing/r.html", "does not exist"),
        ("--emit=ir", "r.html", "not with --emit ir"),
    ],
)
def test_bad_report_destinations(
    option: str, dest: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    argv = [str(kernel_path("vadd", tmp_path)), "-o", str(tmp_path / "k.v")]
    argv += (
        [option, str(tmp_path / dest)]
        if option != "--emit=ir"
        else [option, "--report-html", str(tmp_path / dest)]
    )
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 1
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_atomics_are_ports_of_the_atomic_unit(tmp_path: Path) -> None:
    src = tmp_path / "hist.cl"
    src.write_text(
        "__kernel void hist(__global const uint *d, __global uint *h) {\n"
        "    atomic_inc(&h[d[get_global_id(0)] & 15]);\n}\n"
    )
    assert (
        main([str(src), "-o", str(tmp_path / "k.v"), "--report-json", str(tmp_path / "r.json")])
        == 0
    )
    dp = json.loads((tmp_path / "r.json").read_text())["datapath"]
    ports = {p["port"]: p for p in dp["memory_ports"]}
    assert set(ports) == {"ld0", "at0"}
    # the atomic unit is the read client after the loads and the write client after the stores
    assert ports["at0"]["kind"] == "atomic" and ports["at0"]["op"] == "inc"
    assert (ports["at0"]["axi_id"], ports["at0"]["axi_write_id"]) == (1, 0)
    assert dp["alias_groups"] == [
        {"pointer": "d", "loads": ["ld0"], "stores": [], "atomics": []},
        {"pointer": "h", "loads": [], "stores": [], "atomics": ["at0"]},
    ]


def test_report_with_a_target_measures_with_yosys(tmp_path: Path, capsys) -> None:
    """--report with --target runs yosys (cached); without yosys it says so."""
    from soff.boards.synth import ToolMissingError, find_tool

    out, js = tmp_path / "v.v", tmp_path / "r.json"
    argv = [
        str(ROOT / "examples" / "vadd.cl"),
        "-o",
        str(out),
        "--target",
        "ecp5-85k",
        "--report",
        "--report-json",
        str(js),
    ]
    assert main(argv) == 0
    err = capsys.readouterr().err
    synth = json.loads(js.read_text())["synthesis"]
    try:
        find_tool("yosys")
    except ToolMissingError:
        assert "not installed" in synth["error"] and "synthesis: yosys is not installed" in err
        return
    assert synth["tool"] == "yosys" and synth["lut"] > 100 and synth["ff"] > 100
    assert f"LUT {synth['lut']}, FF {synth['ff']}" in err
    assert main(argv + ["--no-synth"]) == 0
    assert "synthesis" not in json.loads(js.read_text())
