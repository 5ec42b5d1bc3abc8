"""CUDA C kernels from tests/kernels/cuda/ (with their host code) run through the IR
interpreter and on Verilator through ``design.simulate(grid=..., block=...)``, both
compared with numpy. A kernel using what the hardware back end does not support yet
is an xfail with the compiler's message."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import soff
from soff.diagnostics import UnsupportedError
from soff.driver import launch_sizes
from soff.frontend import compile_file
from soff.ir.interp import run_kernel

KERNELS = Path(__file__).parent.parent / "kernels" / "cuda"


@dataclass
class Case:
    file: str
    grid: tuple[int, ...]
    block: tuple[int, ...]
    make_args: Callable[[np.random.Generator], dict[str, Any]]
    reference: Callable[[dict[str, Any]], dict[str, np.ndarray]]
    shared_bytes: int | None = None
    rtol: float = 0.0
    bug: str | None = None  # a known back-end bug: the hardware test is xfail(strict=True)
    marks: list[Any] = field(default_factory=list)


def _vadd_args(rng: np.random.Generator) -> dict[str, Any]:
    n = 1000
    return {
        "A": rng.standard_normal(n).astype(np.float32),
        "B": rng.standard_normal(n).astype(np.float32),
        "C": np.zeros(n, np.float32),
        "numElements": n,
    }


def _saxpy_args(rng: np.random.Generator) -> dict[str, Any]:
    n = 250  # the last block is partly outside
    return {
        "n": n,
        "a": 1.5,
        "x": rng.integers(-50, 50, 256).astype(np.float32),
        "y": rng.integers(-50, 50, 256).astype(np.float32),
        "out": np.zeros(256, np.float32),
        "sums": np.zeros(8, np.float32),
    }


def _saxpy_ref(a: dict[str, Any]) -> dict[str, np.ndarray]:
    n = a["n"]
    v = np.zeros(256, np.float32)
    v[:n] = np.float32(a["a"]) * a["x"][:n] + a["y"][:n]
    return {"out": v, "sums": v.reshape(8, 32).sum(axis=1)}  # small integers: exact


def _reverse_args(rng: np.random.Generator) -> dict[str, Any]:
    return {"in": rng.integers(-1000, 1000, 256).astype(np.int32), "out": np.zeros(256, np.int32)}


def _axpy4_args(rng: np.random.Generator) -> dict[str, Any]:
    n = 60
    return {
        "x": rng.standard_normal(4 * 64).astype(np.float32),
        "y": rng.standard_normal(4 * 64).astype(np.float32),
        "a": 0.75,
        "n": n,
    }


def _axpy4_ref(a: dict[str, Any]) -> dict[str, np.ndarray]:
    x, y = a["x"].reshape(-1, 4), a["y"].reshape(-1, 4).copy()
    n = a["n"]
    r = x[:n] * np.float32(a["a"]) + y[:n]
    r[:, 3] = x[:n, 0] + x[:n, 3]
    y[:n] = r
    return {"y": y.reshape(-1)}


def _shade_args(rng: np.random.Generator) -> dict[str, Any]:
    w = 16
    return {
        "in": (rng.standard_normal(w * 8) * 4).astype(np.float32),
        "out": np.zeros(w * 8, np.float32),
        "ints": np.zeros(w * 8, np.int32),
        "width": w,
    }


def _shade_ref(a: dict[str, Any]) -> dict[str, np.ndarray]:
    w = a["width"]
    r, c = np.divmod(np.arange(w * 8), w)
    v = a["in"].astype(np.float32)
    weights = np.array([0.5, 0.25, 2.0, 1.0], np.float32)[(r + c) & 3]
    f = np.float32
    s = np.sqrt(np.abs(v)) * weights + v / f(4) - np.floor(v)
    out = np.minimum(np.maximum(s, f(-2)), f(8)) + f(1) / np.sqrt(f(1) + v * v)
    popc = np.array([bin(i).count("1") for i in range(w * 8)])
    ints = np.clip(c * r, 3, 100) + c + popc
    return {"out": out.astype(np.float32), "ints": ints.astype(np.int32)}


def _hist_args(rng: np.random.Generator) -> dict[str, Any]:
    return {
        "data": rng.integers(0, 1000, 200).astype(np.uint32),
        "hist": np.zeros(16, np.uint32),
        "n": 200,
    }


def _conv_args(rng: np.random.Generator) -> dict[str, Any]:
    return {
        "in": rng.integers(-8, 8, 200).astype(np.float32),
        "out": np.zeros(200, np.float32),
        "n": 200,
        "d_filter": np.array([1, 2, 3, 2, 1], np.float32),  # cudaMemcpyToSymbol's data
    }


def _conv_ref(a: dict[str, Any]) -> dict[str, np.ndarray]:
    return {"out": np.convolve(a["in"], a["d_filter"], mode="same").astype(np.float32)}


def _matmul_args(rng: np.random.Generator) -> dict[str, Any]:
    n = 12
    return {
        "A": rng.integers(-4, 4, n * n).astype(np.float32),
        "B": rng.integers(-4, 4, n * n).astype(np.float32),
        "C": np.zeros(n * n, np.float32),
        "wA": n,
        "wB": n,
    }


def _matmul_ref(a: dict[str, Any]) -> dict[str, np.ndarray]:
    n = a["wA"]
    return {"C": (a["A"].reshape(n, n) @ a["B"].reshape(n, n)).reshape(-1)}  # exact: small ints


def _transpose_args(rng: np.random.Generator) -> dict[str, Any]:
    w, h = 12, 8
    return {
        "odata": np.zeros(w * h, np.float32),
        "idata": rng.standard_normal(w * h).astype(np.float32),
        "width": w,
        "height": h,
    }


def _stencil_args(rng: np.random.Generator) -> dict[str, Any]:
    return {
        "in": rng.integers(-100, 100, 60).astype(np.int32),
        "out": np.zeros(64, np.int32),
        "n": 60,
    }


def _stencil_ref(a: dict[str, Any]) -> dict[str, np.ndarray]:
    padded = np.concatenate([[0, 0], a["in"], [0, 0]])
    out = np.zeros(64, np.int32)
    out[:60] = sum(padded[k : k + 60] for k in range(5))
    return {"out": out}


def _dot_args(rng: np.random.Generator) -> dict[str, Any]:
    n = 100
    return {
        "a": rng.integers(-4, 4, n).astype(np.float32),
        "b": rng.integers(-4, 4, n).astype(np.float32),
        "result": np.zeros(1, np.float32),
        "n": n,
        "blocks_done": np.zeros(1, np.uint32),
    }


def _daxpy_args(rng: np.random.Generator) -> dict[str, Any]:
    n = 150
    return {
        "n": n,
        "a": 0.3,
        "x": rng.standard_normal(n),
        "y": rng.standard_normal(n),
        "norm": np.zeros(n),
    }


def _daxpy_ref(a: dict[str, Any]) -> dict[str, np.ndarray]:
    x, y = a["x"], a["y"]
    return {"y": a["a"] * x + y, "norm": np.sqrt(x * x + 1.0)}


def _nearest_args(rng: np.random.Generator) -> dict[str, Any]:
    n, k = 100, 5
    return {
        "label": np.zeros(128, np.int32),
        "best": np.zeros(128, np.float32),
        "npoints": n,
        "ncentroids": k,
        # small integers: every distance is exact, ties go to the first centroid
        "t_points": rng.integers(-8, 8, 3 * n).astype(np.float32),
        "c_centroids": rng.integers(-8, 8, 8 * 3).astype(np.float32),
    }


def _nearest_ref(a: dict[str, Any]) -> dict[str, np.ndarray]:
    n, k = a["npoints"], a["ncentroids"]
    pts = a["t_points"].reshape(3, n).T
    cen = a["c_centroids"].reshape(8, 3)[:k]
    dist = ((pts[:, None, :] - cen[None, :, :]) ** 2).sum(axis=2)
    label, best = np.zeros(128, np.int32), np.zeros(128, np.float32)
    label[:n], best[:n] = dist.argmin(axis=1), dist.min(axis=1)
    return {"label": label, "best": best}


CASES = {
    "vadd": Case("vadd.cu", (4,), (256,), _vadd_args, lambda a: {"C": a["A"] + a["B"]}),
    # blocks of 32: the hardware's loops hold at most 32 work-items (loop_limit), so a
    # loop with a barrier inside cannot take a larger work-group yet
    "saxpy_reduce": Case("saxpy_reduce.cu", (8,), (32,), _saxpy_args, _saxpy_ref),
    "reverse_dynamic": Case(
        "reverse_dynamic.cu",
        (8,),
        (32,),
        _reverse_args,
        lambda a: {"out": a["in"].reshape(8, 32)[:, ::-1].reshape(-1)},
        shared_bytes=32 * 4,
    ),
    "float4_ops": Case("float4_ops.cu", (2,), (32,), _axpy4_args, _axpy4_ref),
    "math_helpers": Case("math_helpers.cu", (4, 2), (4, 4), _shade_args, _shade_ref, rtol=1e-5),
    "conv1d_symbol": Case("conv1d_symbol.cu", (4,), (64,), _conv_args, _conv_ref),
    "matmul_template": Case("matmul_template.cu", (3, 3), (4, 4), _matmul_args, _matmul_ref),
    "transpose": Case(
        "transpose.cu",
        (3, 2),
        (4, 4),
        _transpose_args,
        lambda a: {"odata": a["idata"].reshape(8, 12).T.reshape(-1)},
    ),
    "stencil_halo": Case(
        "stencil_halo.cu", (4,), (16,), _stencil_args, _stencil_ref, shared_bytes=20 * 4
    ),
    "dot_atomic": Case(
        "dot_atomic.cu",
        (3,),
        (16,),
        _dot_args,
        lambda a: {
            "result": np.array([a["a"] @ a["b"]], np.float32),  # small integers: exact
            "blocks_done": np.array([3], np.uint32),
        },
    ),
    "daxpy_grid_stride": Case(
        "daxpy_grid_stride.cu", (2,), (32,), _daxpy_args, _daxpy_ref, rtol=1e-15
    ),
    "nearest_texture": Case(
        "nearest_texture.cu", (2,), (64,), _nearest_args, _nearest_ref
    ),
    "histogram_atomic": Case(
        "histogram_atomic.cu",
        (4,),
        (64,),
        _hist_args,
        lambda a: {"hist": np.bincount(a["data"] % 16, minlength=16).astype(np.uint32)},
    ),
}


def _check(case: Case, outputs: dict[str, np.ndarray], args: dict[str, Any]) -> None:
    for name, want in case.reference(args).items():
        got = outputs[name]
        if case.rtol:
            np.testing.assert_allclose(got, want, rtol=case.rtol, atol=1e-6, err_msg=name)
        else:
            np.testing.assert_array_equal(got, want, err_msg=name)


@pytest.mark.parametrize("name", list(CASES))
def test_interpreter(name: str) -> None:
    case = CASES[name]
    module = compile_file(str(KERNELS / case.file), shared_bytes=case.shared_bytes)
    (kernel,) = module.kernels
    args = case.make_args(np.random.default_rng(1))
    gs, ls = launch_sizes(None, None, case.grid, case.block)
    _check(case, run_kernel(kernel, args, gs, ls), args)


def _hw(name: str) -> Any:
    bug = CASES[name].bug
    marks = [pytest.mark.xfail(strict=True, reason=f"bug: {bug}")] if bug else []
    return pytest.param(name, marks=marks)


@pytest.mark.sim
@pytest.mark.parametrize("name", [_hw(n) for n in CASES])
def test_verilator(name: str) -> None:
    case = CASES[name]
    try:
        design = soff.compile(KERNELS / case.file, shared_bytes=case.shared_bytes)
    except UnsupportedError as e:  # listed by `pytest -rx` until the back end has it
        pytest.xfail(reason=str(e))
    args = case.make_args(np.random.default_rng(2))
    result = design.simulate(
        grid=case.grid, block=case.block, args=args, shared_bytes=case.shared_bytes
    )
    _check(case, result.outputs, args)


@pytest.mark.sim
def test_example_vadd_cu() -> None:
    """examples/vadd.cu, as the README runs it."""
    example = Path(__file__).parent.parent.parent / "examples" / "vadd.cu"
    design = soff.compile(example)
    a = np.arange(1000, dtype=np.float32)
    res = design.simulate(
        grid=4, block=256, args={"a": a, "b": 2 * a, "c": np.zeros(1000, np.float32), "n": 1000}
    )
    np.testing.assert_array_equal(res.outputs["c"], 3 * a)


@pytest.mark.sim
def test_simulate_with_another_shared_size_recompiles() -> None:
    """extern __shared__ memory is on-chip RAM sized at compile time: a launch with
    another size builds the kernel again with it."""
    case = CASES["reverse_dynamic"]
    design = soff.compile(KERNELS / case.file, shared_bytes=16)  # too small for 32 ints
    assert design.shared_bytes == 16
    args = case.make_args(np.random.default_rng(3))
    result = design.simulate(grid=case.grid, block=case.block, args=args, shared_bytes=128)
    _check(case, result.outputs, args)
