"""printf: lowered to a printf op, printed by the interpreters (C formats through
Python's %-formatting), dropped by the hardware back end with one warning per call site."""

from __future__ import annotations

import numpy as np
import pytest
from fe_helpers import compile_ok, run

import soff
from soff.diagnostics import CompileError, UnsupportedError
from soff.ir.interp import run_kernel
from soff.ir.parser import parse_module
from soff.ir.printer import print_module
from soff.ir.printf import format_printf, printf_output
from soff.ir.types import F32, I32, U8

KERNEL = r"""
void show(int i) { printf("helper %d\n", i); }
__kernel void k(__global float *a) {
  int i = get_global_id(0);
  if (i < 2) printf("i=%d a=%.2f %s %u %x%%\n", i, a[i], "ok", -1, 255);
  float4 v = (float4)(1.0f, 2.0f, 3.0f, 4.0f);
  if (i == 0) { printf("v=%.1v4hlf c=%c\n", v, 'A'); show(7); show(8); }
  int r = printf("no args\n");
  a[i] = a[i] * 2 + r;
}
"""


def test_printf_in_the_interpreter() -> None:
    out: list[str] = []
    with printf_output(out):
        res = run(KERNEL, {"a": np.arange(3, dtype=np.float32)}, 3, 3)
    assert res["a"].tolist() == [0.0, 2.0, 4.0]  # printf's value is 0
    assert "".join(out) == (
        "i=0 a=0.00 ok 4294967295 ff%\n"
        "v=1.0,2.0,3.0,4.0 c=A\nhelper 7\nhelper 8\nno args\n"
        "i=1 a=1.00 ok 4294967295 ff%\nno args\n"
        "no args\n"
    )


def test_printf_goes_to_stdout_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    run('__kernel void k() { printf("hello %d\\n", (int)get_global_id(0)); }', {}, 2)
    assert capsys.readouterr().out == "hello 0\nhello 1\n"


def test_printf_reference_interpreter() -> None:
    k = compile_ok(KERNEL).kernels[0]
    out: list[str] = []
    with printf_output(out):
        run_kernel(k, {"a": np.zeros(1, np.float32)}, 1, vectorize=False)
    assert out[0] == "i=0 a=0.00 ok 4294967295 ff%\n"


def test_printf_op_round_trips() -> None:
    m = compile_ok(KERNEL)
    text = print_module(m)
    assert 'format = "i=%d a=%.2f ok %u %x%%\\\\n"' in text
    assert print_module(parse_module(text)) == text


@pytest.mark.parametrize(
    "fmt, values, types, want",
    [
        ("%5d|%-4d|%+d", [3, 4, 5], [I32] * 3, "    3|4   |+5"),
        ("%hhu %lx %llu", [-1, -2, 7], [U8, I32, I32], "255 fffffffe 7"),
        ("%e %g %a", [1.5, 0.25, 1.0], [F32] * 3, "1.500000e+00 0.25 0x1.0000000000000p+0"),
        ("%d%%", [1.9], [F32], "1%"),
        ("%d %d", [1], [I32], "1 %d"),
    ],
)
def test_format_printf(fmt: str, values: list, types: list, want: str) -> None:
    assert format_printf(fmt, values, types) == want


@pytest.mark.parametrize(
    "call, err, msg",
    [
        ("printf()", CompileError, "too few arguments"),
        ("printf(fmt)", CompileError, "string literal"),
        ('printf("%d %d", 1)', CompileError, "no argument for the conversion '%d'"),
        ('printf("%d", 1, 2)', CompileError, "more arguments than conversions"),
        ('printf("%*d", 1, 2)', UnsupportedError, "'\\*' widths"),
        ('printf("%s", fmt)', UnsupportedError, "%s takes a string literal"),
        ('printf("%d", (float4)(1))', CompileError, "needs a %v conversion"),
        ('printf("%v2f", (float4)(1))', CompileError, "needs a 2-lane vector"),
    ],
)
def test_printf_errors(call: str, err: type, msg: str) -> None:
    src = f"__kernel void k(__constant char *fmt) {{ {call}; }}"
    with pytest.raises(err, match=msg) as e:
        compile_ok(src)
    assert e.value.loc is not None and e.value.loc.line == 1


def test_printf_dropped_in_hardware_with_one_warning_per_call_site(
    capsys: pytest.CaptureFixture[str],
) -> None:
    d = soff.compile(KERNEL, filename="pk.cl")
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if "printf is ignored in hardware" in ln]
    assert lines == [
        "pk.cl:5:14: warning: printf is ignored in hardware",
        "pk.cl:7:17: warning: printf is ignored in hardware",
        "pk.cl:2:20: warning: printf is ignored in hardware",  # show(7) and show(8): once
        "pk.cl:8:11: warning: printf is ignored in hardware",
    ]
    assert "printf" not in d.ir and "printf" in d.source_ir
    assert d.verilog


def test_printf_kept_for_the_interpreter_design() -> None:
    d = soff.compile(KERNEL, emit="ir")
    out: list[str] = []
    with printf_output(out):
        r = d.simulate(1, None, {"a": np.ones(1, np.float32)}, simulator="interp")
    assert r.outputs["a"].tolist() == [2.0]
    assert out[0] == "i=0 a=1.00 ok 4294967295 ff%\n"
