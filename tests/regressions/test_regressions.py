"""Replay every saved failing kernel (``*.cl`` + ``*.json``, written by ``soff fuzz --keep``
or by hand): the interpreter, PoCL (when installed) and the hardware must agree.

A JSON with an ``"xfail"`` reason is a known, not yet fixed bug: the test is
``xfail(strict=True)``, so it starts failing (XPASS) once the bug is fixed and the
marker must be removed. ``"slow": true`` puts a long case in the slow suite.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from soff.sim.tools import icarus_available
from soff.testing.fuzz import check_saved

pytestmark = pytest.mark.sim

HERE = Path(__file__).parent
CASES = sorted(p for p in HERE.glob("*.cl") if not p.name.endswith(".orig.cl") and p.with_suffix(".json").exists())


def _params():
    for p in CASES:
        spec = json.loads(p.with_suffix(".json").read_text())
        marks = [pytest.mark.xfail(strict=True, reason=spec["xfail"])] if spec.get("xfail") else []
        if spec.get("slow") or (spec.get("xfail") and spec.get("kind") == "hang"):
            # a big design (minutes of build and simulation), or an open hang that
            # runs to its cycle bound
            marks.append(pytest.mark.slow)
        if spec.get("simulator") == "icarus" and not icarus_available():
            marks.append(pytest.mark.skip(reason="Icarus Verilog (iverilog) not installed"))
        yield pytest.param(p, id=p.stem, marks=marks)


@pytest.mark.parametrize("path", list(_params()))
def test_regression(path: Path) -> None:
    outcome = check_saved(path)
    assert not outcome.failed, f"{outcome.kind}: {outcome.detail}"
