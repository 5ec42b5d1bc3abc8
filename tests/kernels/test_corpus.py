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


def kernel_buffers(kernel) -> set[str]:
    from soff.ir.types import PtrType

    return {a.name or "" for a in kernel.args if isinstance(a.type, PtrType)}


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_pocl(spec: Spec) -> None:
    """The corpus in an independent OpenCL implementation (PoCL through pyopencl):
    the numpy references are checked against it, as the interpreter is."""
    from soff.ir.interp import Local
    from soff.testing import fuzz
    from soff.testing.fuzz import _pocl_args, pocl_available, run_pocl

    if not pocl_available():
        pytest.skip("no OpenCL runtime (PoCL) that builds kernels")
    kernel = _frontend_or_xfail(spec)
    args = spec.make_args(np.random.default_rng(3))
    options = [f"-I{d}" for d in spec.includes]
    options += [f"-D{k}" if v is None else f"-D{k}={v}" for k, v in spec.defines.items()]
    # the source's arguments: a struct passed by value is flattened in the IR ("cfg.scale")
    source_args = [a for a in kernel.args if not (a.name or "").startswith("__")]  # no hidden ones
    names = list(dict.fromkeys((a.name or "").split(".")[0] for a in source_args))
    pargs = {n: v for n, v in _pocl_args(kernel, args).items() if n in names}
    for n in names:
        v = pargs[n]
        if isinstance(v, Local):  # a __local pointer argument: its size
            pargs[n] = fuzz._POCL[0].LocalMemory(v.nbytes)
        elif isinstance(v, np.ndarray) and v.dtype.fields:
            # a by-value struct is one structured scalar, a struct buffer its bytes
            pargs[n] = v[0] if n not in kernel_buffers(kernel) else v.view(np.uint8)
    try:
        out = run_pocl(
            # no a*b+c contraction into fma (OpenCL allows it; the references round twice)
            "#pragma OPENCL FP_CONTRACT OFF\n" + spec.path.read_text(), kernel.name, names, pargs, spec.global_size,
            spec.local_size or spec.global_size, options=options,
        )
    except Exception as e:  # a build failure names what PoCL refused
        if type(e).__module__.startswith("pyopencl"):
            pytest.xfail(f"PoCL: {str(e).splitlines()[0][:200]}")
        raise
    for name, got in out.items():
        if isinstance(args[name], np.ndarray) and args[name].dtype.fields:
            out[name] = got.view(args[name].dtype)
    check(spec, {**args, **out}, args)
