"""float and double: literals, arithmetic in the operand precision, conversions, math built-ins."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from fe_helpers import compile_ok, ir_text, run

from soff.ir.parser import parse_module
from soff.ir.printer import print_module

RNG = np.random.default_rng(11)
N = 64


def f32s(n: int = N) -> np.ndarray:
    x = (RNG.standard_normal(n) * 10).astype(np.float32)
    x[:8] = [0.5, -0.5, 1.5, -2.5, 0.49999997, -0.0, 3.0, 1e-40]
    return x


def test_float_arithmetic_is_float32() -> None:
    src = """
    __kernel void k(__global const float *a, __global const float *b, __global float *o, float s) {
        int i = get_global_id(0);
        float x = a[i], y = b[i];
        o[i] = (x * y + s) / (y - 0.1f) - -x;
    }"""
    a, b = f32s(), f32s()[::-1].copy()
    out = run(src, {"a": a, "b": b, "o": np.zeros(N, np.float32), "s": 1.25}, N)
    with np.errstate(all="ignore"):
        want = (a * b + np.float32(1.25)) / (b - np.float32(0.1)) - -a
    np.testing.assert_array_equal(out["o"], want)


def test_double_and_mixed_promotion() -> None:
    src = """
    __kernel void k(__global const float *a, __global const int *n, __global double *o) {
        int i = get_global_id(0);
        o[i] = a[i] * 0.1 + n[i] / 3.0 + a[i] * 2;  /* float * double is double */
    }"""
    a, n = f32s(), RNG.integers(-100, 100, N).astype(np.int32)
    out = run(src, {"a": a, "n": n, "o": np.zeros(N, np.float64)}, N)
    want = a.astype(np.float64) * 0.1 + n / 3.0 + (a * np.float32(2)).astype(np.float64)
    np.testing.assert_array_equal(out["o"], want)


def test_literals_decimal_hex_and_correct_rounding() -> None:
    src = """
    __kernel void k(__global float *o, __global double *d) {
        o[0] = 0x1.8p3f; o[1] = 0x.1p0f; o[2] = 1.00000005960464477550f; o[3] = 1e-45f;
        o[4] = 3.4028235e38f * 10.0f; o[5] = .5f; o[6] = 2.f; o[7] = 1e10f;
        d[0] = 0.1; d[1] = 0x1p-1074; d[2] = 1e308 * 10; d[3] = 3.0L;
    }"""
    out = run(src, {"o": np.zeros(8, np.float32), "d": np.zeros(4, np.float64)}, 1)
    want = [12.0, 1 / 16, 1 + 2**-23, 1.401298464324817e-45, np.inf, 0.5, 2.0, 1e10]
    np.testing.assert_array_equal(out["o"], np.array(want, np.float32))
    np.testing.assert_array_equal(out["d"], [0.1, 5e-324, np.inf, 3.0])


def test_conversions() -> None:
    src = """
    __kernel void k(__global const float *a, __global int *t, __global uchar *u,
                    __global float *f, __global const long *l, __global double *g) {
        int i = get_global_id(0);
        t[i] = a[i];                 /* truncation toward zero */
        u[i] = (uchar)(a[i] < 0 ? -a[i] : a[i]);
        f[i] = l[i];                 /* long -> float rounds once */
        g[i] = (double)(uint)l[i] + (a[i] != 0.0f) + !a[i];
    }"""
    a = f32s()
    a[8:12] = [-7.9, 7.9, -0.99, 255.5]
    big = [2**60 + 2**36 + 1, -(2**62) - 2**38 - 1, 2**53 + 1, 16777217]
    ll = np.concatenate([np.array(big, np.int64), RNG.integers(-(2**40), 2**40, N - 4)])
    out = run(
        src,
        {
            "a": a, "t": np.zeros(N, np.int32), "u": np.zeros(N, np.uint8),
            "f": np.zeros(N, np.float32), "l": ll, "g": np.zeros(N, np.float64),
        },
        N,
    )  # fmt: skip
    np.testing.assert_array_equal(out["t"], np.trunc(a).astype(np.int32))
    np.testing.assert_array_equal(out["u"], np.trunc(np.abs(a)).astype(np.int64).astype(np.uint8))
    want_f = [float(_round32(Fraction(int(v)))) for v in ll]
    np.testing.assert_array_equal(out["f"], np.array(want_f, np.float32))
    want_g = (ll & 0xFFFFFFFF).astype(np.float64) + (a != 0) + (a == 0)
    np.testing.assert_array_equal(out["g"], want_g)


def _round32(x: Fraction) -> np.float32:
    """Nearest float32 to ``x`` (ties to even), by searching the neighbours of a guess."""
    guess = np.float32(float(x))
    cands = [
        guess,
        np.nextafter(guess, np.float32(np.inf)),
        np.nextafter(guess, np.float32(-np.inf)),
    ]
    best = min(cands, key=lambda c: (abs(Fraction(float(c)) - x), int(c.view(np.uint32)) & 1))
    return best


def test_math_builtins() -> None:
    src = """
    __kernel void k(__global const float *a, __global const float *b, __global float *o) {
        int i = get_global_id(0);
        float x = a[i], y = b[i];
        o[i * 9 + 0] = fabs(x);      o[i * 9 + 1] = fmin(x, y);  o[i * 9 + 2] = fmax(x, y);
        o[i * 9 + 3] = sqrt(x);      o[i * 9 + 4] = floor(x);    o[i * 9 + 5] = ceil(x);
        o[i * 9 + 6] = trunc(x);     o[i * 9 + 7] = round(x);    o[i * 9 + 8] = mad(x, y, 1.0f);
    }"""
    a, b = f32s(), f32s()[::-1].copy()
    b[3] = np.nan
    out = run(src, {"a": a, "b": b, "o": np.zeros(9 * N, np.float32)}, N)["o"].reshape(N, 9)
    with np.errstate(all="ignore"):
        rnd = np.where(np.abs(a - np.trunc(a)) >= 0.5, np.trunc(a) + np.sign(a), np.trunc(a))
        cols = [np.abs(a), np.fmin(a, b), np.fmax(a, b), np.sqrt(a), np.floor(a), np.ceil(a),
                np.trunc(a), rnd.astype(np.float32), a * b + np.float32(1)]  # fmt: skip
    for j, want in enumerate(cols):
        np.testing.assert_array_equal(out[:, j], want, err_msg=f"column {j}")
    assert out[4, 7] == 0.0 and out[0, 7] == 1.0 and out[3, 7] == -3.0  # 0.49999997, 0.5, -2.5


def test_fma_single_rounding() -> None:
    src = """
    __kernel void k(__global const float *a, __global float *o, __global double *d) {
        int i = get_global_id(0);
        o[i] = fma(a[i], a[i + 1], -a[i] * a[i + 1]);  /* the product's rounding error */
        d[i] = fma((double)a[i], 3.0000000000000004, (double)a[i + 1]);
    }"""
    a = f32s(N + 1)
    a[5] = 1 + 2**-12
    a[6] = 1 + 2**-12
    out = run(src, {"a": a, "o": np.zeros(N, np.float32), "d": np.zeros(N, np.float64)}, N)
    for i in range(N):
        x, y = Fraction(float(a[i])), Fraction(float(a[i + 1]))
        prod = float(np.float32(a[i]) * np.float32(a[i + 1]))
        assert out["o"][i] == _round32(x * y - Fraction(prod)), i
        assert out["d"][i] == float(x * Fraction(3.0000000000000004) + y), i
    assert out["o"][5] == np.float32(2.0**-24)  # mul + add would give 0


def test_nan_comparisons_and_select() -> None:
    src = """
    __kernel void k(__global const float *a, __global int *o) {
        int i = get_global_id(0);
        float x = a[i];
        o[i] = (x == x) + 2 * (x != x) + 4 * (x < 1.0f) + 8 * (x >= 1.0f) + 16 * (x ? 1 : 0)
             + 32 * (max(x, 2.0f) == 2.0f);
    }"""
    a = np.array([np.nan, 0.0, -0.0, 1.0, 5.0, -np.inf, np.inf, 0.5], np.float32)
    out = run(src, {"a": a, "o": np.zeros(8, np.int32)}, 8)
    with np.errstate(invalid="ignore"):
        want = ((a == a) + 2 * (a != a) + 4 * (a < 1) + 8 * (a >= 1) + 16 * (a != 0)
                + 32 * (np.where(a < 2, 2, a) == 2))  # fmt: skip
    np.testing.assert_array_equal(out["o"], want)


FLOAT_KERNEL = """
__kernel void k(__global float *o, __global double *d, float s) {
    int i = get_global_id(0);
    o[i] = fma(s, (float)i, -1.5e-7f) + sqrt(s) + (s > 1e30f ? 1.0f / 0.0f : 0.0f);
    d[i] = round((double)o[i] * 1e300) - 0.0;
}"""


def test_float_ir_round_trip() -> None:
    module = compile_ok(FLOAT_KERNEL)
    text = print_module(module)
    assert "math %" in text and "{fn = fma}" in text and ": f64" in text
    assert print_module(parse_module(text)) == text


def test_float_ir_text() -> None:
    text = ir_text("__kernel void k(__global float *o) { o[0] = sqrt(2.0f) + 0.1f; }")
    assert "const {value = 0.10000000149011612} : f32" in text
    assert "math %" in text and "{fn = sqrt} : f32" in text


@pytest.mark.parametrize("ctype, dt", [("float", np.float32), ("double", np.float64)])
def test_loops_accumulate_in_precision(ctype: str, dt: type) -> None:
    src = f"""
    __kernel void k(__global const {ctype} *a, __global {ctype} *o, int n) {{
        {ctype} acc = 0;
        for (int j = 0; j < n; j++) acc += a[j] * a[j];
        o[get_global_id(0)] = acc;
    }}"""
    a = RNG.standard_normal(100).astype(dt)
    out = run(src, {"a": a, "o": np.zeros(2, dt), "n": 100}, 2)
    acc = dt(0)
    for v in a:
        acc = dt(acc + v * v)
    assert (out["o"] == acc).all()
