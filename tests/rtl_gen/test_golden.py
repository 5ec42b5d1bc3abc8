"""Golden Verilog: the generated text of a few tiny kernels, byte for byte.

Refresh after an intended change with
``pytest tests/rtl_gen/test_golden.py --update-golden`` and review the diff.
"""

from __future__ import annotations

import difflib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from soff.driver import compile_design

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "golden"

KERNELS: dict[str, tuple[str, str]] = {
    # name: (source file or text, filename used in locations)
    "vadd": ((ROOT / "examples" / "vadd.cl").read_text(), "vadd.cl"),
    "absdiff": (
        """__kernel void absdiff(__global const int *a, __global const int *b, __global int *c) {
    int i = get_global_id(0);
    int x = a[i];
    int y = b[i];
    if (x > y) {
        c[i] = x - y;
    } else {
        c[i] = y - x;
    }
}
""",
        "absdiff.cl",
    ),
    "times3": (
        """__kernel void times3(__global int *out) {
    int i = get_global_id(0);
    out[i] = i * 3;
}
""",
        "times3.cl",
    ),
    # one work-item: the loop's iterations are pipelined (a fork and a join)
    "fill_loop": (
        """__kernel void fill_loop(__global int *restrict out, int n) {
    for (int i = 0; i < n; i++)
        out[i] = i * 3;
}
""",
        "fill_loop.cl",
    ),
}


def verilog_of(name: str) -> str:
    source, filename = KERNELS[name]
    return compile_design(source, filename=filename).verilog


def _diff(want: str, got: str, path: Path) -> str:
    lines = list(
        difflib.unified_diff(
            want.splitlines(), got.splitlines(), str(path), "generated", lineterm=""
        )
    )
    more = f"\n... ({len(lines) - 60} more diff lines)" if len(lines) > 60 else ""
    return "\n".join(lines[:60]) + more


@pytest.mark.parametrize("name", sorted(KERNELS))
def test_golden_verilog(name: str, request: pytest.FixtureRequest) -> None:
    path = GOLDEN / f"{name}.v"
    got = verilog_of(name)
    if request.config.getoption("--update-golden"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(got)
        return
    assert path.exists(), f"{path} is missing: run pytest {__file__} --update-golden"
    want = path.read_text()
    assert got == want, (
        f"generated Verilog for '{name}' differs from {path.name} "
        f"(refresh with --update-golden if intended):\n{_diff(want, got, path)}"
    )


@pytest.mark.parametrize("name", sorted(KERNELS))
def test_golden_is_lint_clean(name: str) -> None:
    from soff.sim.tools import SimulatorNotFound, lint

    try:
        msgs = lint(GOLDEN / f"{name}.v", name)
    except SimulatorNotFound as e:
        pytest.skip(str(e))
    assert msgs == ""


_CHILD = """
import sys
sys.path.insert(0, {here!r})
from test_golden import verilog_of
sys.stdout.write(verilog_of({name!r}))
"""


@pytest.mark.parametrize("name", ["vadd", "absdiff"])
def test_compile_is_deterministic(name: str) -> None:
    first = verilog_of(name)
    assert verilog_of(name) == first, "two compiles in one process differ"
    for seed in ("0", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        out = subprocess.run(
            [sys.executable, "-c", _CHILD.format(here=str(Path(__file__).parent), name=name)],
            capture_output=True,
            text=True,
            env=env,
            check=True,
            cwd=ROOT,
        )
        assert out.stdout == first, f"compile with PYTHONHASHSEED={seed} differs"


def _soff_outputs(source: Path, tmp: Path, seed: str) -> tuple[bytes, bytes]:
    """``soff SOURCE -o v --report-json r`` under PYTHONHASHSEED=seed: (Verilog, report)."""
    v, r = tmp / f"{seed}.v", tmp / f"{seed}.json"
    subprocess.run(
        [sys.executable, "-m", "soff", str(source), "-o", str(v), "--report-json", str(r)],
        env=dict(os.environ, PYTHONHASHSEED=seed),
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    # compile times are the one part of the report that changes from run to run
    report = re.sub(rb'("compile_seconds": \{)[^}]*\}', rb"\1}", r.read_bytes())
    return v.read_bytes(), report


@pytest.mark.parametrize("example", sorted(p.name for p in (ROOT / "examples").glob("*.cl")))
def test_cli_outputs_are_deterministic(example: str, tmp_path: Path) -> None:
    """Every example, compiled by the CLI in two processes with different hash seeds:
    byte-identical Verilog and --report-json (issue 9, "Determinism")."""
    first = _soff_outputs(ROOT / "examples" / example, tmp_path, "0")
    second = _soff_outputs(ROOT / "examples" / example, tmp_path, "4242")
    assert first[0] == second[0], f"{example}: the Verilog differs between hash seeds"
    assert first[1] == second[1], f"{example}: the report differs between hash seeds"
    assert b'"compile_seconds": {}' in first[1]
