"""Plain C functions compiled as single-work-item kernels (-k NAME): pointer
parameters as __global buffers, file-scope variables as ROMs and RAMs, the return
value through a hidden buffer (SimResult.return_value, "return" in soff sim --json)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import soff
from soff.cli import main
from soff.diagnostics import CompileError, UnsupportedError
from soff.frontend import compile_source
from soff.ir.interp import run_kernel
from soff.ir.parser import parse_module
from soff.ir.printer import print_kernel, print_module
from soff.ir.printf import printf_output
from soff.ir.verifier import verify_module
from soff.layout import RETURN_ARG

BUBBLE = r"""
#include <stdio.h>
#define N 8
int data[N] = {5, 3, 8, 1, 9, 2, 7, 4};
const int expected[N] = {1, 2, 3, 4, 5, 7, 8, 9};
static int swaps;

static void swap(int *a, int i, int j) { int t = a[i]; a[i] = a[j]; a[j] = t; swaps++; }

void bubble(int *a, int n) {
  for (int i = 0; i < n - 1; i++)
    for (int j = 0; j < n - 1 - i; j++)
      if (a[j] > a[j + 1]) swap(a, j, j + 1);
}

int main(void) {
  bubble(data, N);
  int errors = 0;
  for (int i = 0; i < N; i++)
    if (data[i] != expected[i]) errors++;
  printf("%d errors, %d swaps\n", errors, swaps);
  return errors + 100 * swaps;
}
"""

BUFFERS = """
int scale(int *a, const float *w, int n, int k) {
  int s = 0;
  for (int i = 0; i < n; i++) { a[i] = a[i] * k + (int)w[i]; s += a[i]; }
  return s;
}
__kernel void other(__global int *x) { x[get_global_id(0)] = 1; }
"""


def c_kernel(src: str, entry: str, name: str = "prog.c"):
    module = compile_source(src, name, entry=entry)
    verify_module(module)
    return module.kernel(entry)


def test_single_work_item_kernel_ir() -> None:
    k = c_kernel(BUBBLE, "main")
    assert k.attrs == {"single_work_item": True, "reqd_work_group_size": [1, 1, 1]}
    assert [(a.name, str(a.type)) for a in k.args] == [(RETURN_ARG, "ptr.global<i32>")]
    text = print_kernel(k)
    assert "%expected = rodata {data = [1, 2, 3, 4, 5, 7, 8, 9]}" in text  # read-only: a ROM
    assert "%data = alloca : ptr.local<[8 x i32]>" in text  # written: a RAM
    assert "%swaps = alloca : ptr.local<i32>" in text
    again = parse_module(print_module(compile_source(BUBBLE, "prog.c", entry="main")))
    assert again.kernel("main").attrs["single_work_item"] is True


def test_self_checking_program_in_the_interpreter() -> None:
    out: list[str] = []
    with printf_output(out):
        res = run_kernel(c_kernel(BUBBLE, "main"), {RETURN_ARG: np.zeros(1, np.int32)}, 1)
    assert res[RETURN_ARG].tolist() == [1400]
    assert out == ["0 errors, 14 swaps\n"]


def test_design_return_value_and_default_ndrange() -> None:
    d = soff.compile(BUBBLE, kernel="main", filename="prog.c", emit="ir")
    assert d.kernel.single_work_item and d.kernel.returns == "i32"
    with printf_output([]):
        r = d.simulate(simulator="interp")
    assert r.return_value == 1400
    assert RETURN_ARG not in r.outputs


def test_pointer_and_scalar_parameters() -> None:
    k = c_kernel(BUFFERS, "scale")
    assert [str(a.type) for a in k.args] == [
        "ptr.global<i32>", "ptr.global<f32>", "i32", "i32", "ptr.global<i32>",
    ]  # fmt: skip
    d = soff.compile(BUFFERS, kernel="scale", filename="prog.c", emit="ir")
    a = np.arange(5, dtype=np.int32)
    w = np.full(5, 1.5, np.float32)
    r = d.simulate(args={"a": a, "w": w, "n": 5, "k": 3}, simulator="interp")
    assert r.outputs["a"].tolist() == [1, 4, 7, 10, 13]
    assert r.return_value == 35


def test_kernels_of_the_file_unchanged() -> None:
    module = compile_source(BUFFERS, "prog.c", entry="scale")
    assert [k.name for k in module.kernels] == ["other", "scale"]
    assert "single_work_item" not in module.kernel("other").attrs
    assert [k.name for k in compile_source(BUFFERS, "prog.c").kernels] == ["other"]


def test_float_return_and_void() -> None:
    src = """
    float tab[4] = {0.5f, 1.5f, 2.5f, 3.5f};
    float total(void) { float s = 0; for (int i = 0; i < 4; i++) s += tab[i]; return s; }
    void fill(int *o) { o[0] = 7; }
    """
    d = soff.compile(src, kernel="total", filename="p.c", emit="ir")
    assert d.simulate(simulator="interp").return_value == 8.0
    d = soff.compile(src, kernel="fill", filename="p.c", emit="ir")
    r = d.simulate(args={"o": np.zeros(1, np.int32)}, simulator="interp")
    assert r.return_value is None and r.outputs["o"].tolist() == [7]


def test_written_globals_with_initialisers_and_zeroed_rams() -> None:
    src = """
    int hist[4];
    int bias = 10;
    int g[2][3] = {{1, 2, 3}, {4, 5, 6}};
    int main() {
      for (int i = 0; i < 2; i++) for (int j = 0; j < 3; j++) { hist[g[i][j] % 4]++; g[i][j] = 0; }
      bias += hist[1] + 10 * hist[2];
      int s = 0;
      for (int i = 0; i < 2; i++) for (int j = 0; j < 3; j++) s += g[i][j];
      return bias * 100 + s;
    }
    """
    d = soff.compile(src, kernel="main", filename="p.c", emit="ir")
    assert d.simulate(simulator="interp").return_value == (10 + 2 + 20) * 100


def test_multi_file_program(tmp_path: Path) -> None:
    (tmp_path / "helpers.c").write_text(
        "static int gcd(int a, int b) { while (b) { int t = a % b; a = b; b = t; } return a; }\n"
    )
    (tmp_path / "main.c").write_text(
        '#include "helpers.c"\n'
        "const int in[3][2] = {{12, 18}, {7, 5}, {100, 75}};\n"
        "const int want[3] = {6, 1, 25};\n"
        "int main(void) { int bad = 0;\n"
        "  for (int i = 0; i < 3; i++) if (gcd(in[i][0], in[i][1]) != want[i]) bad++;\n"
        "  return bad; }\n"
    )
    d = soff.compile(tmp_path / "main.c", kernel="main", emit="ir")
    assert d.simulate(simulator="interp").return_value == 0


def test_soff_sim_json_without_ndrange(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "prog.c"
    src.write_text(BUBBLE)
    assert main(["sim", str(src), "-k", "main", "--json", "--engine", "interp"]) == 0
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert out["return"] == 1400 and out["global_size"] == [1] and out["local_size"] == [1]
    assert "0 errors, 14 swaps" in captured.err  # printf goes to stderr under --json


def test_soff_sim_still_needs_ndrange_for_kernels(tmp_path: Path) -> None:
    src = tmp_path / "prog.c"
    src.write_text(BUFFERS)
    with pytest.raises(SystemExit):
        main(["sim", str(src), "-k", "other", "--arg", "x=zeros:int32:4"])


@pytest.mark.parametrize(
    "src, entry, err, msg",
    [
        ("struct S { int a; }; struct S f(void) { struct S s = {1}; return s; }", "f",
         UnsupportedError, "C functions returning struct"),
        ("int f(int *__return) { return 0; }", "f", CompileError, "may not be named"),
        ("int big[2000] = {1}; int f(void) { big[0]++; return 0; }", "f", None, None),
        ("int g = 2; __kernel void k(__global int *a) { a[0] = g; }", "k",
         UnsupportedError, "program-scope variables other than __constant"),
    ],
)  # fmt: skip
def test_c_function_errors(src: str, entry: str, err, msg) -> None:
    if err is None:
        c_kernel(src, entry)
        return
    with pytest.raises(err, match=msg):
        compile_source(src, "p.c", entry=entry)


def test_pointers_to_file_scope_and_private_arrays() -> None:
    src = """
    #include <stdio.h>
    #include <stdlib.h>
    #include <string.h>
    int table[4] = {1, 2, 3, 4};
    int out[4];
    static int sum(const int *p, int n) { int s = 0; for (int i = 0; i < n; i++) s += p[i]; return s; }
    static void fill(int *p, int n, int v) { for (int i = 0; i < n; i++) p[i] = v + i; }
    int main() {
      int buf[4];
      fill(buf, 4, 10);
      fill(out, 4, 100);
      int *q = out;             /* a pointer takes its initializer's memory */
      unsigned char c = 200;
      return sum(buf, 4) + sum(table, 4) + q[2] + c;
    }
    """
    d = soff.compile(src, kernel="main", filename="p.c", emit="ir")
    assert d.simulate(simulator="interp").return_value == 46 + 10 + 102 + 200


def test_opencl_keywords_are_identifiers_in_c_programs() -> None:
    src = "int global = 3;\nint main(void) { int local = 4, kernel = 1; return global + local + kernel; }\n"
    d = soff.compile(src, kernel="main", filename="p.c", emit="ir")
    assert d.simulate(simulator="interp").return_value == 8
    with pytest.raises(CompileError):
        compile_source(src, "p.cl", entry="main")  # OpenCL C: they are keywords


BIG_RAM = """
#define N 100
int a[N] = {INIT};
const int first = -50;
int main(void) {
  for (int i = 0; i < N - 1; i++)
    for (int j = 0; j < N - 1 - i; j++)
      if (a[j] > a[j + 1]) { int t = a[j]; a[j] = a[j + 1]; a[j + 1] = t; }
  int bad = 0;
  for (int i = 0; i + 1 < N; i++) bad += a[i] > a[i + 1];
  return bad * 100000 + (a[0] - first) * 1000 + a[N - 1];
}
""".replace("INIT", ",".join(str((i * 37) % 101 - 50) for i in range(100)))


def test_written_array_with_many_initial_values_is_copied_from_a_rom() -> None:
    k = c_kernel(BIG_RAM, "main")
    text = print_kernel(k)
    assert "%a.init = rodata" in text and "%a = alloca : ptr.local<[100 x i32]>" in text
    assert sum(op.opcode == "store" for op in k.ops()) < 10  # a copy loop, not 100 stores
    want = sorted((i * 37) % 101 - 50 for i in range(100))
    d = soff.compile(BIG_RAM, kernel="main", filename="p.c", emit="ir")
    assert d.simulate(simulator="interp").return_value == (want[0] + 50) * 1000 + want[-1]
