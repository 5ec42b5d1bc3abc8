"""Relational and common built-ins (OpenCL C 1.2 6.12.4, 6.12.6) in the interpreter
against numpy, on special values (NaNs, infinities, signed zeros, subnormals)."""

from __future__ import annotations

import numpy as np
import pytest

from soff.frontend import compile_source
from soff.ir.interp import run_kernel

SRC = """
__kernel void k(__global const float *x, __global const float *y, __global int *o,
                __global float *f, __global int4 *v, __global long2 *d) {
    int i = get_global_id(0);
    float a = x[i], b = y[i];
    o[i] = isnan(a) | isinf(a) << 1 | isfinite(a) << 2 | isnormal(a) << 3 | signbit(a) << 4
         | isequal(a, b) << 5 | isnotequal(a, b) << 6 | isgreater(a, b) << 7
         | isgreaterequal(a, b) << 8 | isless(a, b) << 9 | islessequal(a, b) << 10
         | islessgreater(a, b) << 11 | isordered(a, b) << 12 | isunordered(a, b) << 13
         | (int)get_global_offset(0) << 14;
    f[6 * i] = step(b, a);
    f[6 * i + 1] = sign(a);
    f[6 * i + 2] = maxmag(a, b);
    f[6 * i + 3] = minmag(a, b);
    f[6 * i + 4] = smoothstep(-1.0f, 2.0f, a);
    f[6 * i + 5] = bitselect(a, b, as_float(0x80000000u));
    float4 q = (float4)(a, b, a + b, a - b);
    v[i] = isnan(q) + isless(q, (float4)(0.0f)) * 2;
    double2 w = (double2)(a, b);
    d[i] = isinf(w) | signbit(w) * 2;
}
"""

SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, 2.5, -3.0, np.inf, -np.inf, np.nan, 1e-40, -1e-40,
           3.4e38, 1.17549435e-38, 0.3, -0.7]  # fmt: skip


def _ref(x: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    with np.errstate(invalid="ignore", over="ignore"):
        ax = np.abs(x)
        bits = [
            np.isnan(x), np.isinf(x), np.isfinite(x),
            np.isfinite(x) & (ax >= np.float32(2.0**-126)), np.signbit(x),
            x == y, x != y, x > y, x >= y, x < y, x <= y, (x < y) | (x > y),
            ~np.isnan(x) & ~np.isnan(y), np.isnan(x) | np.isnan(y),
        ]  # fmt: skip
        o = sum(b.astype(np.int32) << k for k, b in enumerate(bits))
        f = np.zeros((len(x), 6), np.float32)
        f[:, 0] = np.where(x < y, 0, 1)
        f[:, 1] = np.where(np.isnan(x), 0, np.where(x > 0, 1, np.where(x < 0, -1, x)))
        ay = np.abs(y)
        f[:, 2] = np.where(ax > ay, x, np.where(ay > ax, y, np.fmax(x, y)))
        f[:, 3] = np.where(ax < ay, x, np.where(ay < ax, y, np.fmin(x, y)))
        t = np.clip((x - np.float32(-1)) / np.float32(3), np.float32(0), np.float32(1))
        t = np.where(np.isnan(x), np.float32(0), t)  # fmax(NaN, 0) = 0
        f[:, 4] = t * t * (np.float32(3) - np.float32(2) * t)
        f[:, 5] = np.copysign(x, y)
        q = np.stack([x, y, x + y, x - y], 1)
        v = -(np.isnan(q).astype(np.int32)) + 2 * -((q < 0).astype(np.int32))
        w = np.stack([x, y], 1).astype(np.float64)
        d = -(np.isinf(w).astype(np.int64)) | 2 * -(np.signbit(w).astype(np.int64))
    return {"o": o.astype(np.int32), "f": f.reshape(-1), "v": v.reshape(-1), "d": d.reshape(-1)}


@pytest.mark.parametrize("vectorize", [True, False])
def test_relational_and_common_builtins(vectorize: bool) -> None:
    (kernel,) = compile_source(SRC, "rel.cl").kernels
    s = np.array(SPECIAL, np.float32)
    x, y = np.repeat(s, len(s)), np.tile(s, len(s))
    n = len(x)
    args = {
        "x": x, "y": y, "o": np.zeros(n, np.int32), "f": np.zeros(6 * n, np.float32),
        "v": np.zeros(4 * n, np.int32), "d": np.zeros(2 * n, np.int64),
    }  # fmt: skip
    out = run_kernel(kernel, args, n, 16, vectorize=vectorize)
    want = _ref(x, y)
    for name in want:
        np.testing.assert_array_equal(out[name], want[name], err_msg=name)


WORK = """
__kernel void k(__global const float *x, __global int *o, __global long *d) {
    size_t i = get_global_id(0) + get_global_size(0) * get_global_id(1);
    __global const float *p = x + i, *q = x + 2 * i + 1;
    o[4 * i] = get_work_dim();
    o[4 * i + 1] = (p < q) + 2 * (p == x + i) + 4 * (q >= p);
    o[4 * i + 2] = convert_int_rte(x[i]) + 100 * convert_int_rtp(x[i]);
    o[4 * i + 3] = convert_int_sat_rtn(x[i] * 1e10f);
    d[i] = q - p;
}
"""


@pytest.mark.parametrize("dims", [1, 2])
def test_work_dim_pointer_relations_and_rounding_conversions(dims: int) -> None:
    (kernel,) = compile_source(WORK, "work.cl").kernels
    n = 8
    x = np.array([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, -2.6, 3.0], np.float32)
    gs = (n,) if dims == 1 else (4, 2)
    args = {"x": np.concatenate([x, np.zeros(n + 1, np.float32)]),
            "o": np.zeros(4 * n, np.int32), "d": np.zeros(n, np.int64)}  # fmt: skip
    out = run_kernel(kernel, args, gs, None)
    o = out["o"].reshape(n, 4)
    i = np.arange(n)
    assert (o[:, 0] == dims).all()
    np.testing.assert_array_equal(o[:, 1], (i < 2 * i + 1) + 2 + 4)
    np.testing.assert_array_equal(o[:, 2], np.rint(x) + 100 * np.ceil(x))
    big = x.astype(np.float32) * np.float32(1e10)
    np.testing.assert_array_equal(o[:, 3], np.clip(np.floor(big).astype(np.int64), -(2**31), 2**31 - 1))
    np.testing.assert_array_equal(out["d"], i + 1)


WALK = """
__kernel void k(__global const int *a, __global long *o, int n, int stride) {
    size_t g = get_global_id(0);
    __global const int *p = a + g, *end = a + n;
    long sum = 0;
    int steps = 0;
    while (p < end) {           /* a pointer a loop updates: a phi */
        sum += *p;
        p += stride;
        steps++;
    }
    __global const int *q = a;
    for (int i = 0; i < 3; i++)  /* nested loops over one pointer */
        for (int j = 0; j < (int)g; j++)
            q++;
    __global const int *r = (g & 1) ? a + 5 : end;  /* a phi of a branch */
    o[4 * g] = sum;
    o[4 * g + 1] = p - end;       /* how far the walk overshot */
    o[4 * g + 2] = (q - a) + 100 * steps;
    o[4 * g + 3] = (r - p) + 1000 * (r <= q);
}
"""


def test_pointer_relations_through_phis() -> None:
    (kernel,) = compile_source(WALK, "walk.cl").kernels
    n, stride, gs = 20, 3, 8
    a = np.arange(n, dtype=np.int32) * 7 - 30
    out = run_kernel(kernel, {"a": a, "o": np.zeros(4 * gs, np.int64), "n": n,
                              "stride": stride}, gs, gs)["o"].reshape(gs, 4)  # fmt: skip
    for g in range(gs):
        idx = list(range(g, n, stride))
        p = g + len(idx) * stride
        q = 3 * g
        r = 5 if g & 1 else n
        assert out[g].tolist() == [sum(a[idx]), p - n, q + 100 * len(idx), (r - p) + 1000 * (r <= q)]


def test_pointer_phis_of_different_bases_are_refused() -> None:
    from soff.diagnostics import UnsupportedError

    src = """__kernel void k(__global int *a, __global int *b, __global long *o, int c) {
        __global int *p = a;
        if (c) p = b;
        o[0] = p - a;
    }"""
    with pytest.raises(UnsupportedError, match="common base") as e:
        compile_source(src, "p.cl")
    assert str(e.value).startswith("p.cl:4:16: error:")


def test_pointers_without_a_visible_common_base_are_refused() -> None:
    from soff.diagnostics import UnsupportedError

    src = "__kernel void k(__global int *a, __global int *b, __global long *o) { o[0] = a - b; }"
    with pytest.raises(UnsupportedError, match="common base"):
        compile_source(src, "p.cl")
