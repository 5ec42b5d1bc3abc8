"""Shared kernels for the board tests."""

from __future__ import annotations

from pathlib import Path

import pytest

INC = """
__kernel void inc(__global const int *a, __global int *out) {
    int i = get_global_id(0);
    out[i] = a[i] + 1;
}
"""


@pytest.fixture
def inc_cl(tmp_path: Path) -> Path:
    path = tmp_path / "inc.cl"
    path.write_text(INC)
    return path
