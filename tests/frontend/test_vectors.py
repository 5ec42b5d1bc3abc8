"""OpenCL vector types, lowered to scalars: literals, swizzles, operators,
comparisons, vload/vstore, vector pointers, conversions and built-ins,
checked in the interpreter against numpy (exactly)."""

from __future__ import annotations

import numpy as np
import pytest
from fe_helpers import compile_ok, ir_text, run

from soff.diagnostics import CompileError, UnsupportedError
from soff.frontend import compile_source

RNG = np.random.default_rng(5)


def test_ir_has_no_vector_types() -> None:
    text = ir_text(
        """__kernel void k(__global float4 *p) { float4 v = p[0]; p[1] = v.wzyx + 1.0f; }"""
    )
    assert "vec<" not in text
    assert "%p: ptr.global<f32>" in text


def test_float4_saxpy_through_vector_pointers() -> None:
    src = """
    __kernel void saxpy(__global const float4 *x, __global float4 *y, float a) {
        int i = get_global_id(0);
        y[i] = a * x[i] + y[i];
    }"""
    x = RNG.standard_normal(64).astype(np.float32)
    y = RNG.standard_normal(64).astype(np.float32)
    out = run(src, {"x": x, "y": y, "a": 1.5}, 16)
    np.testing.assert_array_equal(out["y"], np.float32(1.5) * x + y)


def test_float3_pointer_stride_is_four() -> None:
    src = """
    __kernel void k(__global float3 *p, __global float *o) {
        int i = get_global_id(0);
        float3 v = p[i];
        o[i] = v.x + v.y + v.z;
        p[i] = v * 2.0f;
    }"""
    p = np.arange(16, dtype=np.float32)
    out = run(src, {"p": p, "o": np.zeros(4, np.float32)}, 4)
    q = p.reshape(4, 4)
    np.testing.assert_array_equal(out["o"], q[:, 0] + q[:, 1] + q[:, 2])
    want = q.copy()
    want[:, :3] *= 2
    np.testing.assert_array_equal(out["p"], want.ravel())  # the padding lane is untouched


def test_literals_mixed_and_splat() -> None:
    src = """
    __kernel void k(__global int *o) {
        int2 a = (int2)(1, 2);
        int4 b = (int4)(a, 3, 4);
        int4 c = (int4)(7);
        int8 d = (int8)(b, c.xy, (int2)(9));
        int4 e = {5, 6, 7, 8};
        vstore4(b, 0, o); vstore4(c, 1, o); vstore8(d, 1, o); vstore4(e, 4, o);
        float4 f = (float4)(1, 2.5, 'a', 3u);
        o[20] = (int)(f.x + f.y + f.z + f.w);
    }"""
    out = run(src, {"o": np.zeros(21, np.int32)}, 1)["o"]
    np.testing.assert_array_equal(out[:4], [1, 2, 3, 4])
    np.testing.assert_array_equal(out[4:8], [7] * 4)
    np.testing.assert_array_equal(out[8:16], [1, 2, 3, 4, 7, 7, 9, 9])
    np.testing.assert_array_equal(out[16:20], [5, 6, 7, 8])
    assert out[20] == int(1 + 2.5 + 97 + 3)


def test_swizzles_rvalue_and_lvalue() -> None:
    src = """
    __kernel void k(__global int *o) {
        int4 v = (int4)(1, 2, 3, 4);
        int4 r = v.wzyx;
        int4 rep = v.xxyy;
        int2 lo = v.lo, hi = v.hi, ev = v.even, od = v.odd;
        int16 s = (int16)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        int4 sx = s.sfA03;
        v.xy = (int2)(10, 20);
        v.w = 40;
        v.s2 = v.s0 + 1;
        int4 h = (int4)(0);
        h.hi.x = 5;         /* nested swizzle assignment */
        h.odd = (int2)(8, 9);
        vstore4(r, 0, o); vstore4(rep, 1, o);
        vstore2(lo, 4, o); vstore2(hi, 5, o); vstore2(ev, 6, o); vstore2(od, 7, o);
        vstore4(sx, 4, o); vstore4(v, 5, o); vstore4(h, 6, o);
        o[28] = s.S8 + s.sF;
    }"""
    out = run(src, {"o": np.zeros(29, np.int32)}, 1)["o"]
    np.testing.assert_array_equal(out[:4], [4, 3, 2, 1])
    np.testing.assert_array_equal(out[4:8], [1, 1, 2, 2])
    np.testing.assert_array_equal(out[8:16], [1, 2, 3, 4, 1, 3, 2, 4])
    np.testing.assert_array_equal(out[16:20], [15, 10, 0, 3])
    np.testing.assert_array_equal(out[20:24], [10, 20, 11, 40])
    np.testing.assert_array_equal(out[24:28], [0, 8, 5, 9])
    assert out[28] == 23


def test_swizzle_assignment_through_pointer_writes_only_its_lanes() -> None:
    src = """
    __kernel void k(__global float4 *p) {
        int i = get_global_id(0);
        p[i].yw = p[i].xz * 2.0f;
        p[i].x += 1.0f;
    }"""
    p = RNG.standard_normal(32).astype(np.float32)
    out = run(src, {"p": p}, 8)["p"].reshape(8, 4)
    q = p.reshape(8, 4)
    want = q.copy()
    want[:, 1] = q[:, 0] * np.float32(2)
    want[:, 3] = q[:, 2] * np.float32(2)
    want[:, 0] = q[:, 0] + np.float32(1)
    np.testing.assert_array_equal(out, want)
    ir = ir_text(src)
    assert ir.count("store ") == 3


def test_elementwise_arithmetic_wraps_in_the_element_type() -> None:
    src = """
    __kernel void k(__global const char4 *a, __global const char4 *b, __global char4 *o,
                    __global uint4 *u, __global const uint4 *s) {
        int i = get_global_id(0);
        char4 x = a[i], y = b[i];
        o[4 * i] = x + y;
        o[4 * i + 1] = x * y - (char)3;
        o[4 * i + 2] = (x & y) ^ ~x | 1;
        o[4 * i + 3] = -x >> 1;
        u[i] = (s[i] << (uint4)(1, 31, 33, 0)) / 3u + s[i] % 7;
    }"""
    n = 8
    a = RNG.integers(-128, 128, 4 * n).astype(np.int8)
    b = RNG.integers(-128, 128, 4 * n).astype(np.int8)
    s = RNG.integers(0, 2**32, 4 * n, dtype=np.uint64).astype(np.uint32)
    out = run(
        src,
        {"a": a, "b": b, "o": np.zeros(16 * n, np.int8), "u": np.zeros(4 * n, np.uint32), "s": s},
        n,
    )
    o = out["o"].reshape(n, 4, 4)
    A, B = a.reshape(n, 4), b.reshape(n, 4)
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(o[:, 0], A + B)
        np.testing.assert_array_equal(o[:, 1], A * B - np.int8(3))
        np.testing.assert_array_equal(o[:, 2], (A & B) ^ ~A | np.int8(1))
        np.testing.assert_array_equal(o[:, 3], (-A) >> 1)
    S = s.reshape(n, 4)
    sh = np.array([1, 31, 1, 0], np.uint32)  # 33 % 32
    np.testing.assert_array_equal(out["u"].reshape(n, 4), (S << sh) // 3 + S % 7)


def test_comparisons_give_minus_one() -> None:
    src = """
    __kernel void k(__global const float4 *a, __global const float4 *b, __global int4 *o,
                    __global long2 *d, __global short *s) {
        int i = get_global_id(0);
        o[3 * i] = a[i] < b[i];
        o[3 * i + 1] = a[i] == 0.5f;
        o[3 * i + 2] = !(a[i] >= b[i]) || (int4)(0, 0, 0, 1);
        d[i] = (double2)(1.0, 2.0) != (double2)(a[i].x, 2.0);
        short2 c = (short2)(1, -1) > (short2)(0);
        s[2 * i] = c.x; s[2 * i + 1] = c.y;
    }"""
    n = 8
    a = RNG.standard_normal(4 * n).astype(np.float32)
    b = RNG.standard_normal(4 * n).astype(np.float32)
    a[:4] = [0.5, np.nan, 1.0, 0.5]
    b[:4] = [0.5, 1.0, np.nan, 2.0]
    out = run(
        src,
        {"a": a, "b": b, "o": np.zeros(12 * n, np.int32), "d": np.zeros(2 * n, np.int64),
         "s": np.zeros(2 * n, np.int16)},
        n,
    )  # fmt: skip
    o = out["o"].reshape(n, 3, 4)
    A, B = a.reshape(n, 4), b.reshape(n, 4)
    np.testing.assert_array_equal(o[:, 0], -(A < B).astype(np.int32))
    np.testing.assert_array_equal(o[:, 1], -(A == np.float32(0.5)).astype(np.int32))
    want = ~(A >= B) | np.array([0, 0, 0, 1], bool)
    np.testing.assert_array_equal(o[:, 2], -want.astype(np.int32))
    d = out["d"].reshape(n, 2)
    np.testing.assert_array_equal(d[:, 0], -(A[:, 0] != 1.0).astype(np.int64))
    np.testing.assert_array_equal(d[:, 1], 0)
    np.testing.assert_array_equal(out["s"].reshape(n, 2), [[-1, 0]] * n)


def test_select_any_all_and_vector_ternary() -> None:
    src = """
    __kernel void k(__global const int4 *a, __global const int4 *b, __global int4 *o,
                    __global int *f) {
        int i = get_global_id(0);
        int4 x = a[i], y = b[i];
        o[3 * i] = select(x, y, x < y);             /* MSB of c picks b */
        o[3 * i + 1] = x > y ? x : y;               /* vector ?: is select per lane */
        o[3 * i + 2] = select(x, y, (uint4)(0x80000000u, 1, 0xffffffffu, 0x7fffffffu));
        f[2 * i] = any(x < 0);
        f[2 * i + 1] = all(x > -1000) + 2 * all(x < y);
    }"""
    n = 16
    a = RNG.integers(-1000, 1000, 4 * n).astype(np.int32)
    b = RNG.integers(-1000, 1000, 4 * n).astype(np.int32)
    out = run(
        src, {"a": a, "b": b, "o": np.zeros(12 * n, np.int32), "f": np.zeros(2 * n, np.int32)}, n
    )
    A, B = a.reshape(n, 4), b.reshape(n, 4)
    o = out["o"].reshape(n, 3, 4)
    np.testing.assert_array_equal(o[:, 0], np.where(A < B, B, A))
    np.testing.assert_array_equal(o[:, 1], np.maximum(A, B))
    np.testing.assert_array_equal(o[:, 2], np.where([True, False, True, False], B, A))
    f = out["f"].reshape(n, 2)
    np.testing.assert_array_equal(f[:, 0], (A < 0).any(1))
    np.testing.assert_array_equal(f[:, 1], (A > -1000).all(1) + 2 * (A < B).all(1))


def test_vload4_vstore4() -> None:
    src = """
    __kernel void k(__global const float *a, __global float *o) {
        size_t i = get_global_id(0);
        float4 v = vload4(i, a);
        vstore4(v.wzyx, i, o);
        float3 t = vload3(i, a + 1);
        vstore3(t, i, o + 64);
    }"""
    a = RNG.standard_normal(80).astype(np.float32)
    out = run(src, {"a": a, "o": np.zeros(128, np.float32)}, 16)["o"]
    np.testing.assert_array_equal(out[:64], a[:64].reshape(16, 4)[:, ::-1].ravel())
    np.testing.assert_array_equal(out[64:112], a[1:49])


def test_convert_sat_and_as_type() -> None:
    src = """
    __kernel void k(__global const float4 *a, __global int4 *o, __global uchar4 *u,
                    __global int4 *t, __global uint4 *bits, __global short4 *s) {
        int i = get_global_id(0);
        o[i] = convert_int4_sat(a[i]);
        u[i] = convert_uchar4_sat(convert_int4(a[i]));
        t[i] = convert_int4_rtz(a[i]);
        bits[i] = as_uint4(a[i]);
        s[i] = convert_short4(convert_int4_sat_rtz(a[i]));
    }"""
    a = np.array(
        [1.5, -1.5, 3e9, -3e9, np.nan, np.inf, -np.inf, 255.9, 256.0, -0.9, 2147483520.0, 70000.5]
        + list(RNG.standard_normal(4) * 300),
        np.float32,
    )
    n = len(a) // 4
    out = run(
        src,
        {"a": a, "o": np.zeros(4 * n, np.int32), "u": np.zeros(4 * n, np.uint8),
         "t": np.zeros(4 * n, np.int32), "bits": np.zeros(4 * n, np.uint32),
         "s": np.zeros(4 * n, np.int16)},
        n,
    )  # fmt: skip
    with np.errstate(invalid="ignore"):
        sat = np.where(np.isnan(a), 0, np.clip(a.astype(np.float64), -(2**31), 2**31 - 1))
    sat = np.trunc(sat).astype(np.int64).astype(np.int32)
    np.testing.assert_array_equal(out["o"], sat)
    np.testing.assert_array_equal(out["bits"], a.view(np.uint32))
    np.testing.assert_array_equal(out["s"], sat.astype(np.int16))
    finite = np.isfinite(a) & (np.abs(a) < 2**31)
    trunc = np.trunc(a[finite]).astype(np.int32)
    np.testing.assert_array_equal(out["t"][finite], trunc)
    np.testing.assert_array_equal(out["u"][finite], np.clip(trunc, 0, 255))


def test_convert_int_to_int_saturating_and_scalars() -> None:
    src = """
    __kernel void k(__global const int *a, __global char *c, __global uint *u, __global float *f,
                    __global int *bits) {
        int i = get_global_id(0);
        c[i] = convert_char_sat(a[i]);
        u[i] = convert_uint_sat(a[i]) + convert_uint(convert_ulong_sat((long)a[i] * 4));
        f[i] = convert_float_rte(a[i]);
        bits[i] = as_int(f[i]);
    }"""
    a = np.array([0, 1, -1, 127, 128, -129, 2**31 - 1, -(2**31), 16777217, 300], np.int32)
    n = len(a)
    out = run(
        src,
        {"a": a, "c": np.zeros(n, np.int8), "u": np.zeros(n, np.uint32),
         "f": np.zeros(n, np.float32), "bits": np.zeros(n, np.int32)},
        n,
    )  # fmt: skip
    np.testing.assert_array_equal(out["c"], np.clip(a, -128, 127))
    a64 = a.astype(np.int64)
    want_u = (np.clip(a64, 0, None) + (np.clip(a64 * 4, 0, None) & 0xFFFFFFFF)) & 0xFFFFFFFF
    np.testing.assert_array_equal(out["u"], want_u.astype(np.uint32))
    np.testing.assert_array_equal(out["f"], a.astype(np.float32))
    np.testing.assert_array_equal(out["bits"], a.astype(np.float32).view(np.int32))


def test_geometric_builtins() -> None:
    src = """
    __kernel void k(__global const float4 *a, __global const float4 *b, __global float *d,
                    __global float4 *c, __global float4 *nrm, __global float3 *c3) {
        int i = get_global_id(0);
        float4 x = a[i], y = b[i];
        d[3 * i] = dot(x, y);
        d[3 * i + 1] = length(x.xyz);
        d[3 * i + 2] = distance(x.xy, y.xy);
        c[i] = cross(x, y);
        nrm[i] = normalize(x);
        c3[i] = cross(x.xyz, y.xyz);
    }"""
    n = 16
    a = RNG.standard_normal(4 * n).astype(np.float32)
    b = RNG.standard_normal(4 * n).astype(np.float32)
    a[:4] = 0
    f = np.float32
    out = run(
        src,
        {"a": a, "b": b, "d": np.zeros(3 * n, f), "c": np.zeros(4 * n, f),
         "nrm": np.zeros(4 * n, f), "c3": np.zeros(4 * n, f)},
        n,
    )  # fmt: skip
    A, B = a.reshape(n, 4), b.reshape(n, 4)

    def dot(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        acc = x[:, 0] * y[:, 0]
        for k in range(1, x.shape[1]):
            acc = acc + x[:, k] * y[:, k]
        return acc

    d = out["d"].reshape(n, 3)
    np.testing.assert_array_equal(d[:, 0], dot(A, B))
    np.testing.assert_array_equal(d[:, 1], np.sqrt(dot(A[:, :3], A[:, :3])))
    diff = A[:, :2] - B[:, :2]
    np.testing.assert_array_equal(d[:, 2], np.sqrt(dot(diff, diff)))
    cr = np.stack(
        [A[:, 1] * B[:, 2] - A[:, 2] * B[:, 1], A[:, 2] * B[:, 0] - A[:, 0] * B[:, 2],
         A[:, 0] * B[:, 1] - A[:, 1] * B[:, 0], np.zeros(n, f)], 1,
    )  # fmt: skip
    np.testing.assert_array_equal(out["c"].reshape(n, 4), cr)
    c3 = out["c3"].reshape(n, 4)
    np.testing.assert_array_equal(c3[:, :3], cr[:, :3])
    length = np.sqrt(dot(A, A))
    with np.errstate(invalid="ignore"):
        want = np.where(length[:, None] == 0, A, A / length[:, None])
    np.testing.assert_array_equal(out["nrm"].reshape(n, 4), want)


def test_elementwise_math_builtins() -> None:
    src = """
    __kernel void k(__global const float4 *a, __global const float4 *b, __global float4 *o,
                    __global const int4 *p, __global int4 *q) {
        int i = get_global_id(0);
        float4 x = a[i], y = b[i];
        o[8 * i] = fabs(x);
        o[8 * i + 1] = fmin(x, y) + fmax(x, 0.25f);
        o[8 * i + 2] = sqrt(fabs(y));
        o[8 * i + 3] = fma(x, y, 1.0f);
        o[8 * i + 4] = mad(x, y, x);
        o[8 * i + 5] = clamp(x, -0.5f, 0.5f);
        o[8 * i + 6] = mix(x, y, 0.25f);
        o[8 * i + 7] = max(x, y) - min(x, y);
        q[2 * i] = clamp(p[i], -10, 10) + convert_int4(abs(p[i])).yxwz;
        q[2 * i + 1] = max(p[i], (int4)(3)) + min(p[i], 0);
    }"""
    n = 16
    f = np.float32
    a = RNG.standard_normal(4 * n).astype(f)
    b = RNG.standard_normal(4 * n).astype(f)
    p = RNG.integers(-50, 50, 4 * n).astype(np.int32)
    out = run(
        src,
        {"a": a, "b": b, "o": np.zeros(32 * n, f), "p": p, "q": np.zeros(8 * n, np.int32)},
        n,
    )
    A, B = a.reshape(n, 4), b.reshape(n, 4)
    o = out["o"].reshape(n, 8, 4)
    np.testing.assert_array_equal(o[:, 0], np.abs(A))
    np.testing.assert_array_equal(o[:, 1], np.fmin(A, B) + np.fmax(A, f(0.25)))
    np.testing.assert_array_equal(o[:, 2], np.sqrt(np.abs(B)))
    fma = (A.astype(np.float64) * B + 1).astype(f)  # exact product in double, one rounding
    np.testing.assert_array_equal(o[:, 3], fma)
    np.testing.assert_array_equal(o[:, 4], A * B + A)
    np.testing.assert_array_equal(o[:, 5], np.clip(A, f(-0.5), f(0.5)))
    np.testing.assert_array_equal(o[:, 6], A + (B - A) * f(0.25))
    np.testing.assert_array_equal(o[:, 7], np.maximum(A, B) - np.minimum(A, B))
    P = p.reshape(n, 4)
    q = out["q"].reshape(n, 2, 4)
    np.testing.assert_array_equal(q[:, 0], np.clip(P, -10, 10) + np.abs(P)[:, [1, 0, 3, 2]])
    np.testing.assert_array_equal(q[:, 1], np.maximum(P, 3) + np.minimum(P, 0))


def test_vectors_through_control_flow_and_helpers() -> None:
    src = """
    float4 scale(float4 v, float s) { return v * s; }
    __kernel void k(__global float4 *p, int n) {
        int i = get_global_id(0);
        float4 acc = (float4)(0.0f);
        for (int j = 0; j < n; j++) {
            if (j & 1) acc += scale(p[i], (float)j);
            else acc.xz -= (float2)(1.0f, 2.0f);
        }
        p[i] = i > 2 ? acc : acc.wzyx;
        __global float *raw = (__global float *)p;
        ((__global float2 *)raw)[8 * 2 + i] = acc.lo;
    }"""
    n = 6
    p = RNG.standard_normal(64).astype(np.float32)
    out = run(src, {"p": p, "n": n}, 8)["p"].reshape(16, 4)
    P = p.reshape(16, 4)
    f = np.float32
    for i in range(8):
        acc = np.zeros(4, f)
        for j in range(n):
            if j & 1:
                acc = acc + P[i] * f(j)
            else:
                acc[0] -= f(1)
                acc[2] -= f(2)
        want = acc if i > 2 else acc[::-1]
        np.testing.assert_array_equal(out[i], want)
        np.testing.assert_array_equal(out.ravel()[32 + 2 * i : 34 + 2 * i], acc[:2])


@pytest.mark.parametrize(
    ("body", "err", "msg"),
    [
        ("float4 v = (float4)(1, 2, 3);", CompileError, "needs 4 components"),
        ("int4 v = (int4)(1); float4 f = v;", CompileError, "cannot convert int4 to float4"),
        ("float4 v = (float4)(1); float2 w = v.xyz;", CompileError, "cannot convert"),
        ("float4 v = (float4)(1); v.xx = (float2)(1);", CompileError, "not assignable"),
        ("float2 v = (float2)(1); float x = v.z;", CompileError, "exceeds"),
        ("float4 v = (float4)(1); if (v) {}", CompileError, "use any"),
        ("float4 v = (float4)(1); int4 w = v % 2;", CompileError, "integer operands"),
        ("float4 v = (float4)(1); int2 w = as_int2(v);", CompileError, "same size"),
        ("double2 v = (double2)(1); int4 w = as_int4(v);", UnsupportedError, "across lanes"),
        ("float4 a[3];", UnsupportedError, "arrays of vectors"),
        ("int4 v = (int4)(1); float4 f = (float4)v;", CompileError, "convert_"),
    ],
)
def test_vector_errors(body: str, err: type, msg: str) -> None:
    with pytest.raises(err, match=msg):
        compile_source(f"__kernel void k(__global int *o) {{ {body} }}", "k.cl")


def test_vector_kernel_argument_by_value() -> None:
    k = compile_source("__kernel void k(float4 v, __global float4 *o) { o[0] = v; }", "k.cl")
    assert [a.name for a in k.kernels[0].args] == ["v.x", "v.y", "v.z", "v.w", "o"]


def test_vec_step_and_sizeof() -> None:
    src = """
    __kernel void k(__global int *o) {
        float3 v = (float3)(1.0f);
        o[0] = vec_step(v); o[1] = sizeof(v); o[2] = sizeof(double16); o[3] = vec_step(int8);
    }"""
    with pytest.raises(CompileError):
        compile_ok(src)  # vec_step of a type name is not an expression pycparser accepts
    src = src.replace("o[3] = vec_step(int8);", "")
    out = run(src, {"o": np.zeros(4, np.int32)}, 1)["o"]
    np.testing.assert_array_equal(out[:3], [4, 16, 128])
