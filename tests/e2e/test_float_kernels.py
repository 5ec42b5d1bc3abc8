"""Floating point end to end: kernels compiled to the operator library's
pipelined IEEE-754 units, simulated in Verilator, compared bit for bit with
numpy computed in the kernel's own precision."""

from __future__ import annotations

import numpy as np
import pytest

import soff

pytestmark = pytest.mark.sim
RNG = np.random.default_rng(99)


def bits(x: np.ndarray) -> np.ndarray:
    return x.view(np.uint32 if x.dtype == np.float32 else np.uint64)


def test_float_saxpy_sqrt_division_and_conversions() -> None:
    src = """
    __kernel void fk(float alpha, __global const float *x, __global float *y,
                     __global int *q, __global float *m, int n) {
        int i = get_global_id(0);
        if (i < n) {
            float v = alpha * x[i] + y[i];
            y[i] = v > 0.0f ? sqrt(v) : -v / 3.0f;
            q[i] = (int)(x[i] * 10.0f) / (i + 1);
            m[i] = fmax(fmin(x[i], 0.5f), -0.5f) + fabs(x[i]) + (float)i;
        }
    }
    """
    n = 200
    x = RNG.standard_normal(n).astype(np.float32)
    y = RNG.standard_normal(n).astype(np.float32)
    x[:4] = [0.0, -0.0, 1e-40, -3.5]  # zeros and a subnormal
    d = soff.compile(src, filename="f.cl")
    r = d.simulate(
        256,
        64,
        {
            "alpha": 1.5,
            "x": x,
            "y": y,
            "q": np.zeros(n, np.int32),
            "m": np.zeros(n, np.float32),
            "n": n,
        },
    )
    f = np.float32
    v = f(1.5) * x + y
    with np.errstate(invalid="ignore"):
        want_y = np.where(v > 0, np.sqrt(np.maximum(v, f(0))), -v / f(3)).astype(np.float32)
    np.testing.assert_array_equal(bits(r.outputs["y"]), bits(want_y))
    qi = (x * f(10)).astype(np.int32).astype(np.int64)
    np.testing.assert_array_equal(
        r.outputs["q"], np.trunc(qi / (np.arange(n) + 1)).astype(np.int32)
    )
    want_m = np.fmax(np.fmin(x, f(0.5)), f(-0.5)) + np.abs(x) + np.arange(n, dtype=np.float32)
    np.testing.assert_array_equal(bits(r.outputs["m"]), bits(want_m.astype(np.float32)))


def test_double_loop_accumulation_and_fma() -> None:
    src = """
    __kernel void dk(__global const double *a, __global double *out, __global float *narrow, int k) {
        int i = get_global_id(0);
        double acc = 0.0;
        for (int j = 0; j < k; j++)
            acc = fma(a[i * k + j], (double)(j + 1), acc);
        out[i] = acc;
        narrow[i] = (float)acc;
    }
    """
    rows, k = 32, 5
    a = RNG.standard_normal(rows * k)
    d = soff.compile(src, filename="d.cl")
    r = d.simulate(
        rows, 8, {"a": a, "out": np.zeros(rows), "narrow": np.zeros(rows, np.float32), "k": k}
    )
    want = np.zeros(rows)
    for j in range(k):  # fma: one rounding; exact with Python's math.fma is 3.13+, so use fractions
        from fractions import Fraction

        want = np.array(
            [float(Fraction(a[i * k + j]) * (j + 1) + Fraction(want[i])) for i in range(rows)]
        )
    np.testing.assert_array_equal(bits(r.outputs["out"]), bits(want))
    np.testing.assert_array_equal(bits(r.outputs["narrow"]), bits(want.astype(np.float32)))


def test_float_compare_with_nan_and_infinities() -> None:
    src = """
    __kernel void cmp(__global const float *a, __global const float *b, __global int *out) {
        int i = get_global_id(0);
        float x = a[i], y = b[i];
        out[i] = (x < y) | ((x <= y) << 1) | ((x == y) << 2) | ((x != y) << 3) | ((x > y) << 4) | ((x >= y) << 5);
    }
    """
    special = np.array([0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 1e-45], np.float32)
    a = np.repeat(special, len(special))
    b = np.tile(special, len(special))
    d = soff.compile(src, filename="c.cl")
    r = d.simulate(len(a), 8, {"a": a, "b": b, "out": np.zeros(len(a), np.int32)})
    with np.errstate(invalid="ignore"):
        want = (
            (a < b) * 1 | (a <= b) * 2 | (a == b) * 4 | (a != b) * 8 | (a > b) * 16 | (a >= b) * 32
        )
    np.testing.assert_array_equal(r.outputs["out"], want.astype(np.int32))


def test_float4_saxpy_through_vector_pointers() -> None:
    src = """
    __kernel void saxpy4(float a, __global const float4 *x, __global float4 *y) {
        int i = get_global_id(0);
        float4 v = a * x[i] + y[i];
        y[i] = fmax(v, (float4)(0.0f)) + (float4)(dot(x[i], x[i]), 0.0f, 0.0f, 1.0f);
    }
    """
    n4 = 32
    x = RNG.standard_normal(4 * n4).astype(np.float32)
    y = RNG.standard_normal(4 * n4).astype(np.float32)
    d = soff.compile(src, filename="v.cl")
    r = d.simulate(n4, 8, {"a": 0.75, "x": x, "y": y})
    f = np.float32
    v = (f(0.75) * x + y).reshape(n4, 4)
    xx = x.reshape(n4, 4)
    dot = ((xx[:, 0] * xx[:, 0] + xx[:, 1] * xx[:, 1]) + xx[:, 2] * xx[:, 2]) + xx[:, 3] * xx[:, 3]
    want = np.maximum(v, f(0)) + np.stack([dot, np.zeros(n4, f), np.zeros(n4, f), np.ones(n4, f)], 1)
    np.testing.assert_array_equal(bits(r.outputs["y"]), bits(want.astype(np.float32).reshape(-1)))
