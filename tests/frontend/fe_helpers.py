"""Helpers for front-end tests: compile OpenCL C and run it with the reference interpreter."""

from __future__ import annotations

from typing import Any

import numpy as np

from soff.frontend import compile_source
from soff.ir.core import Kernel, Module
from soff.ir.interp import run_kernel
from soff.ir.printer import print_kernel
from soff.ir.verifier import verify_module


def compile_ok(src: str, filename: str = "k.cl", **kw: Any) -> Module:
    module = compile_source(src, filename, **kw)
    verify_module(module, barrier_order=True)
    return module


def run(
    src: str,
    args: dict[str, Any],
    global_size: tuple[int, ...] | int,
    local_size: tuple[int, ...] | int | None = None,
    kernel: str | None = None,
) -> dict[str, np.ndarray]:
    module = compile_ok(src)
    k: Kernel = module.kernel(kernel) if kernel else module.kernels[0]
    return run_kernel(k, args, global_size, local_size)


def ir_text(src: str, kernel: int = 0) -> str:
    return print_kernel(compile_ok(src).kernels[kernel])
