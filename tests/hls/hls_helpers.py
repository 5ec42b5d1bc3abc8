"""Helpers for pass tests: IR text in, IR text out, compared line by line."""

from __future__ import annotations

import difflib
import textwrap

import soff.hls.pipeline  # noqa: F401  (registers the passes)
from soff.hls.pass_manager import PassContext, PassManager, PassManagerOptions, parse_pipeline
from soff.ir.core import Module
from soff.ir.parser import parse_module
from soff.ir.printer import print_module


def ir(text: str) -> str:
    """Dedented IR text without the leading newline of a triple-quoted string."""
    return textwrap.dedent(text).lstrip("\n")


def run_pipeline(module: Module, spec: str, ctx: PassContext | None = None) -> bool:
    """Run the ``-p`` spec on ``module`` with the verifier on between passes."""
    return PassManager(parse_pipeline(spec), PassManagerOptions(verify=True)).run(
        module, ctx or PassContext()
    )


def run_passes(ir_text: str, spec: str) -> str:
    """Parse ``ir_text``, run the passes of ``spec`` (verifying after each), print."""
    module = parse_module(ir(ir_text))
    run_pipeline(module, spec)
    return print_module(module)


def assert_ir(got: str, expected: str) -> None:
    """Line-by-line equality, ignoring trailing blanks; a diff on mismatch."""
    got_lines = [line.rstrip() for line in got.strip("\n").splitlines()]
    want_lines = [line.rstrip() for line in ir(expected).strip("\n").splitlines()]
    if got_lines != want_lines:
        diff = "\n".join(
            difflib.unified_diff(want_lines, got_lines, "expected", "got", lineterm="")
        )
        raise AssertionError(f"IR differs:\n{diff}")


def check(ir_in: str, spec: str, ir_out: str) -> None:
    """Passes ``spec`` turn ``ir_in`` into exactly ``ir_out``."""
    assert_ir(run_passes(ir_in, spec), ir_out)
