"""Golden Verilog: the generated text of a few tiny kernels, byte for byte.

Refresh after an intended change with
``pytest tests/rtl_gen/test_golden.py --update-golden`` and review the diff.
"""

from __future__ import annotations

import difflib
import os
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
