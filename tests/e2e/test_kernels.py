"""End to end: OpenCL C -> Verilog -> Verilator (cocotb) -> outputs equal numpy.

Each test compiles a kernel, simulates the generated top with the AXI RAM
model, and compares every buffer with a numpy computation written
independently of soff.
"""

from __future__ import annotations

import numpy as np
import pytest

import soff

pytestmark = pytest.mark.sim
RNG = np.random.default_rng(1234)


def run(src: str, global_size, local_size, args, **kw):
    design = soff.compile(src, filename="test.cl", **kw)
    return design, design.simulate(global_size, local_size, args)


VADD = """
__kernel void vadd(__global const int *a, __global const int *b, __global int *c, int n) {
    int i = get_global_id(0);
    if (i < n) c[i] = a[i] + b[i];
}
"""


def test_vadd_guarded_size_not_multiple_of_local():
    n = 250  # global size rounded up to 256 with local size 64: the guard matters
    a = RNG.integers(-(2**31), 2**31, n + 6, dtype=np.int32)
    b = RNG.integers(-(2**31), 2**31, n + 6, dtype=np.int32)
    c = np.full(n + 6, 77, np.int32)
    _, r = run(VADD, 256, 64, {"a": a, "b": b, "c": c, "n": n})
    expect = c.copy()
    expect[:n] = (a[:n].astype(np.int64) + b[:n]).astype(np.int32)  # wrap-around
    np.testing.assert_array_equal(r.outputs["c"], expect)
    np.testing.assert_array_equal(r.outputs["a"], a)
    assert r.cycles >= 256


def test_saxpy_int():
    n = 192
    x = RNG.integers(-1000, 1000, n, dtype=np.int32)
    y = RNG.integers(-1000, 1000, n, dtype=np.int32)
    src = open("examples/saxpy_int.cl").read()
    _, r = run(src, n, 32, {"alpha": -7, "x": x, "y": y, "n": n})
    np.testing.assert_array_equal(r.outputs["y"], (-7 * x + y).astype(np.int32))


def test_if_else_and_vector_ops_example():
    n = 128
    a = RNG.integers(-5000, 5000, n, dtype=np.int32)
    b = RNG.integers(-50, 50, n, dtype=np.int32)
    b[::7] = 0
    src = open("examples/vector_ops.cl").read()
    outs = {
        "sum_or_diff": np.zeros(n, np.int32),
        "mixed": np.zeros(n, np.int32),
        "flags": np.zeros(n, np.uint8),
    }
    _, r = run(src, n, 16, {"a": a, "b": b, **outs, "n": n - 3})
    m = n - 3
    x, y = a[:m].astype(np.int64), b[:m].astype(np.int64)
    sod = np.where(x > y, x - y, x + y)
    q = np.where(y != 0, np.trunc(x / np.where(y == 0, 1, y)), 0).astype(np.int64)
    mixed = ((x << 3) ^ (y >> 2)) & 0xFFFF
    mixed = np.where(mixed + q > 1000, 1000, mixed + q)
    flags = (x & 1) | ((y < 0).astype(np.int64) << 1)
    np.testing.assert_array_equal(r.outputs["sum_or_diff"][:m], sod.astype(np.int32))
    np.testing.assert_array_equal(r.outputs["mixed"][:m], mixed.astype(np.int32))
    np.testing.assert_array_equal(r.outputs["flags"][:m], flags.astype(np.uint8))
    assert not r.outputs["flags"][m:].any()


def test_2d_ndrange_indexing():
    src = """
    __kernel void transpose_add(__global const int *in, __global int *out, int width, int height) {
        int x = get_global_id(0);
        int y = get_global_id(1);
        int gx = get_group_id(0), lx = get_local_id(0);
        out[x * height + y] = in[y * width + x] + (int)get_global_size(0) * 0 + (gx * (int)get_local_size(0) + lx - x);
    }
    """
    w, h = 16, 12
    data = RNG.integers(-100, 100, w * h, dtype=np.int32)
    _, r = run(
        src, (w, h), (4, 3), {"in": data, "out": np.zeros(w * h, np.int32), "width": w, "height": h}
    )
    np.testing.assert_array_equal(r.outputs["out"], data.reshape(h, w).T.reshape(-1))


def test_long_and_uchar_buffers():
    src = """
    __kernel void mix(__global const long *wide, __global const uchar *bytes, __global long *out, __global uchar *bout) {
        size_t i = get_global_id(0);
        long w = wide[i];
        uchar b = bytes[i];
        out[i] = w * 3 + b - (w >> 7);
        bout[i] = (uchar)(b + 200);   // wraps modulo 256
    }
    """
    n = 64
    wide = RNG.integers(-(2**62), 2**62, n, dtype=np.int64)
    byts = RNG.integers(0, 256, n, dtype=np.uint8)
    _, r = run(
        src,
        n,
        8,
        {"wide": wide, "bytes": byts, "out": np.zeros(n, np.int64), "bout": np.zeros(n, np.uint8)},
    )
    with np.errstate(over="ignore"):
        expect = wide * np.int64(3) + byts.astype(np.int64) - (wide >> 7)
    np.testing.assert_array_equal(r.outputs["out"], expect)
    np.testing.assert_array_equal(r.outputs["bout"], (byts.astype(np.int64) + 200).astype(np.uint8))


def test_short_circuit_guards_out_of_bounds_load():
    src = """
    __kernel void guard(__global const int *a, __global int *out, int n) {
        int i = get_global_id(0);
        int v = (i < n && a[i] > 0) ? a[i] : -1;
        out[i] = v;
    }
    """
    n = 40
    a = RNG.integers(-10, 10, n, dtype=np.int32)
    _, r = run(src, 64, 16, {"a": a, "out": np.zeros(64, np.int32), "n": n})
    expect = np.full(64, -1, np.int32)
    expect[:n] = np.where(a > 0, a, -1)
    np.testing.assert_array_equal(r.outputs["out"], expect)


def test_signed_unsigned_division_and_shifts():
    src = """
    __kernel void divs(__global const int *a, __global const int *b, __global int *q, __global int *r,
                       __global uint *uq, __global int *sh) {
        int i = get_global_id(0);
        int x = a[i], y = b[i];
        q[i] = x / y;
        r[i] = x % y;
        uq[i] = (uint)x / (uint)y;
        sh[i] = (x >> (y & 31)) + ((uint)x >> 3);
    }
    """
    n = 64
    a = RNG.integers(-(10**6), 10**6, n, dtype=np.int32)
    b = RNG.integers(-100, 100, n, dtype=np.int32)
    b[b == 0] = 3
    a[0], b[0] = -7, 2
    a[1], b[1] = 7, -2
    z = {k: np.zeros(n, np.int32) for k in ("q", "r", "sh")}
    _, res = run(src, n, 16, {"a": a, "b": b, **z, "uq": np.zeros(n, np.uint32)})
    x, y = a.astype(np.int64), b.astype(np.int64)
    q = np.trunc(x / y).astype(np.int64)
    np.testing.assert_array_equal(res.outputs["q"], q.astype(np.int32))
    np.testing.assert_array_equal(res.outputs["r"], (x - q * y).astype(np.int32))
    ux, uy = a.view(np.uint32).astype(np.uint64), b.view(np.uint32).astype(np.uint64)
    np.testing.assert_array_equal(res.outputs["uq"], (ux // uy).astype(np.uint32))
    sh = (x >> (y & 31)) + (ux >> 3).astype(np.int64)
    np.testing.assert_array_equal(res.outputs["sh"], sh.astype(np.int64).astype(np.int32))


def test_loop_with_branch_in_body():
    src = """
    __kernel void rowsum(__global const int *m, __global int *out, int cols) {
        int r = get_global_id(0);
        int acc = 0;
        for (int j = 0; j < cols; j++) {
            int v = m[r * cols + j];
            if (v > 0) acc += v; else acc -= 2 * v;
        }
        out[r] = acc;
    }
    """
    rows, cols = 64, 7
    m = RNG.integers(-50, 50, rows * cols).astype(np.int32)
    _, r = run(src, rows, 16, {"m": m, "out": np.zeros(rows, np.int32), "cols": cols})
    mm = m.reshape(rows, cols).astype(np.int64)
    np.testing.assert_array_equal(r.outputs["out"], np.where(mm > 0, mm, -2 * mm).sum(1))


def test_data_dependent_trip_counts_nested_loops_and_break():
    # work-items leave the loops out of order; more work-items than the loop limit
    src = """
    __kernel void collatz(__global const uint *start, __global uint *steps, __global uint *peak) {
        size_t i = get_global_id(0);
        uint x = start[i];
        uint n = 0, top = x;
        while (x != 1) {
            if (x & 1) x = 3 * x + 1; else x = x / 2;
            if (x > top) top = x;
            n++;
            if (n == 200) break;
        }
        uint s = 0;
        for (uint a = 0; a < (n & 3); a++)
            for (uint b = 0; b <= a; b++)
                s += a * b + 1;
        steps[i] = n + (s << 16);
        peak[i] = top;
    }
    """
    n = 100
    start = RNG.integers(1, 60, n).astype(np.uint32)
    _, r = run(
        src,
        n,
        20,
        {"start": start, "steps": np.zeros(n, np.uint32), "peak": np.zeros(n, np.uint32)},
    )
    steps, peaks = [], []
    for x0 in start.tolist():
        x, cnt, top = x0, 0, x0
        while x != 1:
            x = 3 * x + 1 if x & 1 else x // 2
            top = max(top, x)
            cnt += 1
            if cnt == 200:
                break
        s = sum(a * b + 1 for a in range(cnt & 3) for b in range(a + 1))
        steps.append((cnt + (s << 16)) & 0xFFFFFFFF)
        peaks.append(top)
    np.testing.assert_array_equal(r.outputs["steps"], np.array(steps, np.uint32))
    np.testing.assert_array_equal(r.outputs["peak"], np.array(peaks, np.uint32))


def test_popcount_and_clz():
    src = """
    __kernel void bits(__global const uint *a, __global const uchar *b, __global uint *out, __global uchar *bo) {
        int i = get_global_id(0);
        out[i] = popcount(a[i]) * 100 + clz(a[i]);
        bo[i] = popcount(b[i]) + (clz(b[i]) << 4);
    }
    """
    n = 64
    a = RNG.integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32)
    a[:3] = [0, 1, 0xFFFFFFFF]
    b = RNG.integers(0, 256, n).astype(np.uint8)
    b[:2] = [0, 255]
    _, r = run(
        src, n, 16, {"a": a, "b": b, "out": np.zeros(n, np.uint32), "bo": np.zeros(n, np.uint8)}
    )

    def pc(x: int) -> int:
        return bin(int(x)).count("1")

    want = np.array([pc(x) * 100 + 32 - int(x).bit_length() for x in a], np.uint32)
    np.testing.assert_array_equal(r.outputs["out"], want)
    want_b = np.array([(pc(x) + ((8 - int(x).bit_length()) << 4)) & 255 for x in b], np.uint8)
    np.testing.assert_array_equal(r.outputs["bo"], want_b)
