"""Lowered kernels run with the reference interpreter and compared with numpy."""

from __future__ import annotations

import numpy as np
import pytest
from fe_helpers import run

from soff.ir.interp import InterpError

RNG = np.random.default_rng(1234)


def ints(n: int, dtype: type = np.int32, lo: int = -1000, hi: int = 1000) -> np.ndarray:
    return RNG.integers(lo, hi, n).astype(dtype)


def test_vadd() -> None:
    src = """
    __kernel void vadd(__global const int *a, __global const int *b, __global int *c) {
        int i = get_global_id(0);
        c[i] = a[i] + b[i];
    }"""
    a, b = ints(64), ints(64)
    out = run(src, {"a": a, "b": b, "c": np.zeros(64, np.int32)}, 64)
    np.testing.assert_array_equal(out["c"], a + b)


def test_saxpy_int_with_guard() -> None:
    src = """
    __kernel void saxpy(int alpha, __global const int *x, __global int *y, int n) {
        size_t i = get_global_id(0);
        if (i < n)
            y[i] = alpha * x[i] + y[i];
    }"""
    x, y = ints(50), ints(50)
    out = run(
        src, {"alpha": 7, "x": x, "y": y.copy(), "n": 50}, 64
    )  # 14 work-items are out of range
    np.testing.assert_array_equal(out["y"], 7 * x + y)


def test_if_else() -> None:
    src = """
    __kernel void k(__global int *a) {
        int i = get_global_id(0);
        int v = a[i];
        if (v > 0) { v = v * 2; } else if (v < -500) v = 0; else { v = -v; }
        a[i] = v;
    }"""
    a = ints(64)
    out = run(src, {"a": a.copy()}, 64)
    np.testing.assert_array_equal(out["a"], np.where(a > 0, a * 2, np.where(a < -500, 0, -a)))


def test_2d_indexing() -> None:
    src = """
    __kernel void t(__global const int *in, __global int *out, int w, int h) {
        int x = get_global_id(0);
        int y = get_global_id(1);
        out[x * h + y] = in[y * w + x] + get_local_id(1) * 1000 + get_group_id(0) * 100000;
    }"""
    w, h = 8, 4
    a = ints(w * h)
    out = run(src, {"in": a, "out": np.zeros(w * h, np.int32), "w": w, "h": h}, (w, h), (4, 2))
    ly = np.arange(h) % 2
    gx = np.arange(w) // 4
    ref = a.reshape(h, w).T + ly[None, :] * 1000 + gx[:, None] * 100000
    np.testing.assert_array_equal(out["out"], ref.reshape(-1))


def test_sizes() -> None:
    src = """
    __kernel void s(__global ulong *o) {
        size_t i = get_global_id(0) + get_global_id(1) * get_global_size(0);
        o[i] = get_global_size(0) * 1000000 + get_local_size(1) * 10000 + get_num_groups(0) * 100
             + get_global_id(5);
    }"""
    out = run(src, {"o": np.zeros(16, np.uint64)}, (8, 2), (2, 2))
    assert (out["o"] == 8 * 1000000 + 2 * 10000 + 4 * 100).all()


def test_long_and_uchar_buffers() -> None:
    src = """
    __kernel void k(__global const uchar *a, __global const uchar *b, __global long *c,
                    __global uchar *d, __global ulong *e) {
        int i = get_global_id(0);
        c[i] = (long)a[i] * 100000000000L - b[i];
        d[i] = a[i] + b[i];           /* wraps when stored */
        e[i] = a[i] + b[i];           /* int arithmetic: no wrap */
    }"""
    a, b = ints(32, np.uint8, 0, 256), ints(32, np.uint8, 0, 256)
    out = run(
        src,
        {
            "a": a,
            "b": b,
            "c": np.zeros(32, np.int64),
            "d": np.zeros(32, np.uint8),
            "e": np.zeros(32, np.uint64),
        },
        32,
    )
    np.testing.assert_array_equal(out["c"], a.astype(np.int64) * 100000000000 - b)
    np.testing.assert_array_equal(out["d"], (a.astype(np.int32) + b).astype(np.uint8))
    np.testing.assert_array_equal(out["e"], a.astype(np.uint64) + b)


def test_promotion_corner_cases() -> None:
    src = """
    __kernel void k(__global int *o, uchar x, uchar y, uint u, int m) {
        o[0] = -1 < 1u;                  /* int vs uint -> uint: false */
        o[1] = -1 < 1L;                  /* long: true */
        o[2] = -1L < 1u;                 /* long vs uint -> long: true */
        o[3] = (uchar)(x + y);           /* 200 + 100 wraps in uchar */
        o[4] = x + y;                    /* promoted to int: 300 */
        o[5] = (x + y) > 255;            /* comparison result used as int */
        o[6] = -7 / 2;
        o[7] = -7 % 2;
        o[8] = 7 / -2;
        o[9] = 7 % -2;
        o[10] = m >> 1;                  /* arithmetic shift */
        o[11] = u >> 1;                  /* logical shift */
        o[12] = 1 << 31;
        o[13] = (short)40000;
        o[14] = (char)200;
        o[15] = u / 2 > m;               /* uint comparison: m converts to a huge uint */
        o[16] = sizeof(long) + sizeof(uchar) * 10;
        o[17] = 0x7fffffff + 1u > 0;
        o[18] = 'A' + '\\n';
        o[19] = ~x;
        o[20] = !m + !!u;
        o[21] = 3000000000 > 0;          /* decimal literal that does not fit int is long */
        o[22] = (int)(1L << 40 >> 38);
        o[23] = -m;
    }"""
    out = run(src, {"o": np.zeros(24, np.int32), "x": 200, "y": 100, "u": 0xFFFFFFFE, "m": -9}, 1)
    ref = [0, 1, 1, 44, 300, 1, -3, -1, -3, 1, -5, 0x7FFFFFFF, -(2**31), 40000 - 65536, 200 - 256,
           0, 18, 1, 65 + 10, ~200, 0 + 1, 1, 4, 9]  # fmt: skip
    np.testing.assert_array_equal(out["o"], np.array(ref, np.int64).astype(np.int32))


def test_short_circuit_guards_out_of_bounds_load() -> None:
    src = """
    __kernel void k(__global const int *a, __global int *o, int n) {
        int i = get_global_id(0);
        o[i] = (i < n && a[i] > 0) || (i >= n && i + 1 == get_global_size(0));
    }"""
    a = ints(10)
    out = run(src, {"a": a, "o": np.zeros(16, np.int32), "n": 10}, 16)
    ref = np.concatenate([(a > 0).astype(np.int32), np.array([0] * 5 + [1], np.int32)])
    np.testing.assert_array_equal(out["o"], ref)


def test_without_short_circuit_the_load_would_fault() -> None:
    src = """
    __kernel void k(__global const int *a, __global int *o, int n) {
        int i = get_global_id(0);
        o[i] = (i < n) & (a[i] > 0);
    }"""
    with pytest.raises(InterpError):
        run(src, {"a": ints(10), "o": np.zeros(16, np.int32), "n": 10}, 16)


def test_ternary_short_circuits() -> None:
    src = """
    __kernel void k(__global const int *a, __global long *o, int n) {
        int i = get_global_id(0);
        o[i] = i < n ? a[i] : -1L;
        o[i] += i < n ? 0u : 5u;     /* common type of int and uint is uint */
    }"""
    a = ints(6)
    out = run(src, {"a": a, "o": np.zeros(8, np.int64), "n": 6}, 8)
    np.testing.assert_array_equal(out["o"], np.concatenate([a.astype(np.int64), [4, 4]]))


def test_compound_assignment_and_incdec() -> None:
    src = """
    __kernel void k(__global int *o, int x) {
        int a = x, b = 0;
        a += 5; a -= 2; a *= 3; a /= 2; a %= 7; a <<= 3; a >>= 1; a &= 0xfe; a |= 1; a ^= 0x30;
        o[0] = a;
        o[1] = b++;  o[2] = b;  o[3] = ++b;  o[4] = b--;  o[5] = --b;
        uchar c = 250; c += 10; o[6] = c;
        __global int *p = o + 8;
        *p++ = 11; *p = 12; p[1] = 13; *(p + 2) = 14; p--; p[-1] = 15;
        o[7] = o[8]++;
        o[12] += o[9];
    }"""
    x = 10
    a = x
    a += 5
    a -= 2
    a *= 3
    a //= 2
    a %= 7
    a <<= 3
    a >>= 1
    a &= 0xFE
    a |= 1
    a ^= 0x30
    out = run(src, {"o": np.zeros(13, np.int32), "x": x}, 1)
    # o[8..11] = 11, 12, 13, 14; p[-1] = 15 writes o[7]; o[7] = o[8]++ reads 11; o[12] += o[9]
    ref = [a, 0, 1, 2, 2, 0, 4, 11, 12, 12, 13, 14, 12]
    np.testing.assert_array_equal(out["o"], np.array(ref, np.int32))


def test_early_return() -> None:
    src = """
    __kernel void k(__global int *a, int n) {
        int i = get_global_id(0);
        if (i >= n) return;
        a[i] = i * 3;
        if (a[i] > 20) { return; }
        a[i] += 1;
    }"""
    out = run(src, {"a": np.full(12, -1, np.int32), "n": 10}, 12)
    i = np.arange(10)
    ref = np.concatenate([np.where(i * 3 > 20, i * 3, i * 3 + 1), [-1, -1]])
    np.testing.assert_array_equal(out["a"], ref)


def test_loops() -> None:
    src = """
    __kernel void k(__global const int *a, __global int *o, int n) {
        int i = get_global_id(0);
        int s = 0;
        for (int k = 0; k < n; k++) {
            if (k == i) continue;
            if (k > 6) break;
            s += a[k];
        }
        int w = 0, j = i;
        while (j > 0) { w += j; j--; }
        int d = 0;
        do { d += 2; } while (d < i);
        o[i] = s * 10000 + w * 100 + d;
    }"""
    a = ints(10, lo=-9, hi=10)
    out = run(src, {"a": a, "o": np.zeros(10, np.int32), "n": 10}, 10)
    ref = []
    for i in range(10):
        s = sum(int(a[k]) for k in range(7) if k != i)
        w = i * (i + 1) // 2
        d = 2
        while d < i:
            d += 2
        ref.append(s * 10000 + w * 100 + d)
    np.testing.assert_array_equal(out["o"], np.array(ref, np.int32))


def test_shadowing_and_scopes() -> None:
    src = """
    __kernel void k(__global int *o) {
        int x = 1;
        { int x = 2; o[1] = x; x = 5; }
        for (int x = 10; x < 11; x++) o[2] = x;
        o[0] = x;
    }"""
    out = run(src, {"o": np.zeros(3, np.int32)}, 1)
    np.testing.assert_array_equal(out["o"], [1, 2, 10])


def test_pointer_variables_and_address_of() -> None:
    src = """
    __kernel void k(__global int *a, __constant short *c) {
        int i = get_global_id(0);
        __global int *p = &a[i * 2];
        __global int *q = a + 2 * i + 1;
        *q = *p + c[i];
        p = q - 1;
        *p = i[c];
    }"""
    a = ints(8)
    c = ints(4, np.int16)
    out = run(src, {"a": a.copy(), "c": c}, 4)
    ref = a.copy()
    ref[1::2] = a[0::2] + c
    ref[0::2] = c
    np.testing.assert_array_equal(out["a"], ref)


def test_read_twice_is_two_loads_and_stores_are_ordered() -> None:
    src = """
    __kernel void k(__global int *a) {
        a[1] = a[0];
        a[0] = 7;
        a[2] = a[0] + a[0];
    }"""
    out = run(src, {"a": np.array([3, 0, 0], np.int32)}, 1)
    np.testing.assert_array_equal(out["a"], [7, 3, 14])


def test_defines_and_reqd_work_group_size() -> None:
    from fe_helpers import compile_ok

    src = """
    __kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
    void k(__global int *a) { a[get_global_id(0)] = SCALE * get_local_id(0); }"""
    m = compile_ok(src, defines={"WG": "4", "SCALE": "3"})
    assert m.kernels[0].attrs["reqd_work_group_size"] == [4, 1, 1]
    from soff.ir.interp import run_kernel

    out = run_kernel(m.kernels[0], {"a": np.zeros(8, np.int32)}, 8)
    np.testing.assert_array_equal(out["a"], [0, 3, 6, 9, 0, 3, 6, 9])


def test_bool_uninitialised_break_and_nested_conditionals() -> None:
    src = """
    int unused(int x) { return x; }
    __kernel void k(__global int *o) {
        int i = get_global_id(0);
        int k = 0;
        while (1) { if (k * k >= i) break; k++; }
        bool b = i & 2;
        int u;
        if (b) u = 5;
        o[i] = k * 100 + b * 10 + (b ? u : 0) + (i > 3 && i < 6 ? (i == 4 || o[i] == 9) : 7);
    }"""
    out = run(src, {"o": np.zeros(8, np.int32)}, 8)
    ref = []
    for i in range(8):
        k = 0
        while k * k < i:
            k += 1
        b = 1 if i & 2 else 0
        ref.append(k * 100 + b * 10 + (5 if b else 0) + ((1 if i == 4 else 0) if 3 < i < 6 else 7))
    np.testing.assert_array_equal(out["o"], ref)


def test_all_paths_return_and_dead_code() -> None:
    src = """
    __kernel void k(__global int *o) {
        int i = get_global_id(0);
        if (i & 1) { o[i] = 1; return; } else { o[i] = 2; return; }
        o[i] = 3;
    }"""
    np.testing.assert_array_equal(run(src, {"o": np.zeros(4, np.int32)}, 4)["o"], [2, 1, 2, 1])


def test_for_ever_and_do_while_with_continue() -> None:
    src = """
    __kernel void k(__global int *o) {
        int i = get_global_id(0) + 1, s = 0;
        for (;;) { s += i; if (s > 10) break; }
        do { if (s & 1) { s += 3; continue; } s++; } while (s < 20);
        o[i - 1] = s;
    }"""
    ref = []
    for i in range(1, 7):
        s = 0
        while True:
            s += i
            if s > 10:
                break
        while True:
            if s & 1:
                s += 3
            else:
                s += 1
            if not s < 20:
                break
        ref.append(s)
    np.testing.assert_array_equal(run(src, {"o": np.zeros(6, np.int32)}, 6)["o"], ref)
