"""The global atomic unit (lib.atomic_engine_module) and designs with atomics are
lint-clean under ``verilator -Wall``."""

from __future__ import annotations

from pathlib import Path

import pytest

import soff
from soff.rtl_gen import lib, vast
from soff.sim.tools import lint


@pytest.mark.parametrize(
    ("n", "data_w", "lat"), [(1, 64, 0), (3, 32, 0), (2, 8, 0), (16, 512, 0), (2, 64, 5)]
)
def test_atomic_engine_lint(tmp_path: Path, n: int, data_w: int, lat: int) -> None:
    module = lib.atomic_engine_module(n, data_w, lat)
    assert module.name == f"soff_atomic_{n}_{data_w}" + (f"_l{lat}" if lat else "")
    path = tmp_path / f"{module.name}.v"
    path.write_text(vast.print_verilog([module]))
    assert lint(path, module.name) == ""


SRC = """
__kernel void k(__global int *g, __global long *w, __global float *f, int x) {
    __local int t[8];
    int i = get_global_id(0);
    int o = atomic_cmpxchg(&g[i & 3], x, i);
    atomic_max(&t[i & 7], o);
    if (i & 1) atom_add(w, (long)atomic_inc(&t[0]));
    atomic_xchg(f, (float)o);
}
"""


def test_design_with_atomics_lints(tmp_path: Path) -> None:
    design = soff.compile(SRC, filename="k.cl")
    path = tmp_path / "k.v"
    path.write_text(design.verilog)
    assert lint(path, design.top) == ""
    assert "soff_atomic_3_64" in design.verilog
