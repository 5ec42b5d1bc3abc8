"""The OpenCL kernel corpus (specs.py) end to end: every kernel in the IR
interpreter against numpy, and on Verilator against numpy wherever the hardware
back end accepts it. A kernel the back end does not support yet must be refused
at compile time with an UnsupportedError; the test records that as an xfail with
the compiler's message, so the unsupported features stay listed in the report
(`pytest -rx`)."""

from __future__ import annotations

import numpy as np
import pytest
from specs import SPECS, Spec, check

import soff
from soff.diagnostics import UnsupportedError
from soff.driver import select_kernel
from soff.frontend import compile_file
from soff.ir.interp import run_kernel


def _frontend_or_xfail(spec: Spec):
    try:
        module = compile_file(
            str(spec.path), defines=dict(spec.defines), include_dirs=spec.includes
        )
    except UnsupportedError as e:
        pytest.xfail(reason=f"front end: {e}")
    return select_kernel(module, spec.kernel, str(spec.path))


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_interpreter(spec: Spec) -> None:
    kernel = _frontend_or_xfail(spec)
    args = spec.make_args(np.random.default_rng(1))
    outputs = run_kernel(kernel, args, spec.global_size, spec.local_size)
    check(spec, outputs, args)


def _hw_param(spec: Spec):
    marks = [pytest.mark.slow] if spec.slow else []
    if spec.bug:
        marks.append(pytest.mark.xfail(strict=True, reason=f"bug: {spec.bug}"))
    return pytest.param(spec, id=spec.name, marks=marks)


@pytest.mark.sim
@pytest.mark.parametrize("spec", [_hw_param(s) for s in SPECS])
def test_hardware(spec: Spec) -> None:
    _frontend_or_xfail(spec)
    try:
        design = soff.compile(
            spec.path, kernel=spec.kernel, defines=dict(spec.defines), include_dirs=spec.includes
        )
    except UnsupportedError as e:
        pytest.xfail(reason=str(e))
    args = spec.make_args(np.random.default_rng(2))
    result = design.simulate(
        spec.global_size, spec.local_size, args, timeout_cycles=spec.timeout_cycles
    )
    check(spec, result.outputs, args)
