"""Issue 4's language additions in hardware (Verilator) against the interpreter:
a self-checking C program (single-work-item main, multi-file, printf ignored)
through ``soff sim --json``, vector kernel arguments, printf dropped, shuffles."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import soff
from soff.cli import main
from soff.ir.printf import printf_output

pytestmark = pytest.mark.sim

HELPERS = """
static int gcd(int a, int b) { while (b != 0) { int t = a % b; a = b; b = t; } return a; }

void bubble(int *a, int n) {
  for (int i = 0; i < n - 1; i++)
    for (int j = 0; j < n - 1 - i; j++)
      if (a[j] > a[j + 1]) { int t = a[j]; a[j] = a[j + 1]; a[j + 1] = t; }
}
"""

MAIN = """
#include <stdio.h>
#include "helpers.c"
#define N 8
int data[N] = {5, 3, 8, -1, 9, 2, 7, 4};
const int sorted[N] = {-1, 2, 3, 4, 5, 7, 8, 9};
const int pairs[4][2] = {{12, 18}, {7, 5}, {100, 75}, {81, 27}};
const int gcds[4] = {6, 1, 25, 27};
static int checked;

int main(void) {
  int errors = 0;
  bubble(data, N);
  for (int i = 0; i < N; i++) { if (data[i] != sorted[i]) errors++; checked++; }
  for (int i = 0; i < 4; i++) { if (gcd(pairs[i][0], pairs[i][1]) != gcds[i]) errors++; checked++; }
  printf("%d errors in %d checks\\n", errors, checked);
  return errors * 1000 + checked;
}
"""


def test_self_checking_c_program_soff_sim_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "helpers.c").write_text(HELPERS)
    prog = tmp_path / "main.c"
    prog.write_text(MAIN)
    assert main(["sim", str(prog), "-k", "main", "--json", "--engine", "interp"]) == 0
    ref = json.loads(capsys.readouterr().out)
    assert ref["return"] == 12
    assert main(["sim", str(prog), "-k", "main", "--json"]) == 0
    captured = capsys.readouterr()
    hw = json.loads(captured.out)
    assert hw["return"] == ref["return"] and hw["cycles"] > 0
    assert f"{prog}:16:3: warning: printf is ignored in hardware" in captured.err


def test_c_function_with_buffers_in_hardware() -> None:
    src = """
    const int coef[4] = {1, -2, 3, -4};
    long fir(const int *x, int *y, int n) {
      long energy = 0;
      for (int i = 0; i < n; i++) {
        int acc = 0;
        for (int k = 0; k < 4; k++) if (i - k >= 0) acc += coef[k] * x[i - k];
        y[i] = acc;
        energy += (long)acc * acc;
      }
      return energy;
    }"""
    d = soff.compile(src, kernel="fir", filename="fir.c")
    x = np.arange(1, 13, dtype=np.int32) * 3
    args = {"x": x, "y": np.zeros(12, np.int32), "n": 12}
    hw = d.simulate(args=args)
    ref = d.simulate(args=args, simulator="interp")
    want = np.convolve(x, [1, -2, 3, -4])[:12]
    assert hw.outputs["y"].tolist() == ref.outputs["y"].tolist() == want.tolist()
    assert hw.return_value == ref.return_value == int((want.astype(np.int64) ** 2).sum())


KERNEL = """
__kernel void k(__global int *out, float4 v, int2 w, __global const uint4 *m) {
  int i = get_global_id(0);
  if (i == 0) printf("v=%v4hlf w=%v2d\\n", v, w);
  int4 x = convert_int4(v) + (int4)(i);
  int4 y = shuffle(x, m[i]);
  int8 z = shuffle2(x, (int4)(w, w), (uint8)(7, 6, 5, 4, 3, 2, 1, 0));
  out[i] = y.x + 10 * y.y + 100 * y.z + 1000 * y.w + z.s0 * w.y + z.s7;
}
"""


def test_vector_args_printf_shuffle_in_hardware(capsys: pytest.CaptureFixture[str]) -> None:
    d = soff.compile(KERNEL, filename="vk.cl")
    assert "vk.cl:4:15: warning: printf is ignored in hardware" in capsys.readouterr().err
    m = np.array([[3, 2, 1, 0], [0, 0, 1, 1], [7, 6, 5, 4], [1, 3, 0, 2]], np.uint32).reshape(-1)
    args = {"out": np.zeros(4, np.int32), "v": (1.0, 2.5, -3.0, 4.0), "w": (5, -6), "m": m}
    hw = d.simulate(4, 4, args)
    with printf_output([]):
        ref = d.simulate(4, 4, args, simulator="interp")
    assert hw.outputs["out"].tolist() == ref.outputs["out"].tolist()
    x = np.array([1, 2, -3, 4]) + np.arange(4)[:, None]
    want = [
        sum(x[i][m.reshape(4, 4)[i][j] & 3] * 10**j for j in range(4)) + (-6) * (-6) + x[i][0]
        for i in range(4)
    ]
    assert hw.outputs["out"].tolist() == want


HALF = """
__kernel void k(__global const half *h, __global const float *x, __global float *f,
                __global half *r) {
  int i = get_global_id(0);
  float4 v = vload_half4(i, h);
  f[i] = v.x + v.y + v.z + v.w;
  vstore_half(x[i], i, r);
  vstore_half_rtz(x[i], i + 64, r);
  vstore_half_rtp(x[i], i + 128, r);
  vstore_half_rtn(x[i], i + 192, r);
}
"""


def test_half_loads_and_stores_in_hardware() -> None:
    rng = np.random.default_rng(3)
    h = rng.normal(0, 1000, 256).astype(np.float16)
    h[:4] = [np.inf, -0.0, 6e-8, 65504]
    x = (rng.normal(0, 3e4, 64) * rng.choice([1, 1e-6], 64)).astype(np.float32)
    x[:3] = [1e6, -1e6, 65519.0]
    args = {"h": h, "x": x, "f": np.zeros(64, np.float32), "r": np.zeros(256, np.float16)}
    d = soff.compile(HALF, filename="half.cl")
    hw = d.simulate(64, 16, args)
    ref = d.simulate(64, 16, args, simulator="interp")
    assert np.array_equal(hw.outputs["f"], ref.outputs["f"])
    assert np.array_equal(hw.outputs["r"].view(np.uint16), ref.outputs["r"].view(np.uint16))
    with np.errstate(over="ignore"):  # 1e6 rounds to inf
        assert np.array_equal(hw.outputs["r"][:64], x.astype(np.float16))


BIG_RAM = """
#define N 100
int a[N] = {INIT};
int main(void) {
  for (int i = 0; i < N - 1; i++)
    for (int j = 0; j < N - 1 - i; j++)
      if (a[j] > a[j + 1]) { int t = a[j]; a[j] = a[j + 1]; a[j + 1] = t; }
  int bad = 0;
  for (int i = 0; i + 1 < N; i++) bad += a[i] > a[i + 1];
  return bad * 100000 + a[0] * 1000 + a[N - 1];
}
""".replace("INIT", ",".join(str((i * 37) % 101 - 50) for i in range(100)))


def test_written_array_initialised_from_a_rom_in_hardware() -> None:
    d = soff.compile(BIG_RAM, kernel="main", filename="big.c")  # 100 values: a copy loop
    hw, ref = d.simulate(), d.simulate(simulator="interp")
    assert hw.return_value == ref.return_value == -50 * 1000 + 50
