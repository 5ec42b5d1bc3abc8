"""Private arrays (alloca) and program-scope __constant arrays (rodata)."""

from __future__ import annotations

import numpy as np
import pytest
from fe_helpers import compile_ok, ir_text, run

from soff.diagnostics import CompileError, UnsupportedError
from soff.frontend import compile_source
from soff.ir.interp import InterpError
from soff.ir.parser import parse_module
from soff.ir.printer import print_module

RNG = np.random.default_rng(5)

MIXED = """
__constant int tab[2][3] = {{1, 2, 3}, {4, 5}};
__constant float ft[] = {0.5f, -1.5f, 1e10};
__constant int K = 7;
int sum(const int *p, int n) { int s = 0; for (int j = 0; j < n; j++) s += p[j]; return s; }
__kernel void k(__global int *o, __global float *f) {
    int i = get_global_id(0);
    int a[2][3] = {1, 2, 3, 4};          /* brace elision, rest zero */
    int b[4];
    for (int j = 0; j < 4; j++) b[j] = i * j;
    a[1][2] = b[3];
    int *p = &a[1][0];
    p[1] += 100;
    o[i] = a[0][0] + a[0][1] * 10 + a[1][1] * 100 + a[1][2] * 1000 + tab[i % 2][i % 3] * 10000
         + sum(b, 4) + K + sizeof(a) + sizeof(tab[0]);
    f[i] = ft[i % 3];
}"""


def test_private_and_constant_arrays() -> None:
    out = run(MIXED, {"o": np.zeros(6, np.int32), "f": np.zeros(6, np.float32)}, 6)
    tab = [[1, 2, 3], [4, 5, 0]]
    want = [1 + 20 + 100 * 100 + 3 * i * 1000 + tab[i % 2][i % 3] * 10000 + 6 * i + 7 + 24 + 12
            for i in range(6)]  # fmt: skip
    np.testing.assert_array_equal(out["o"], want)
    np.testing.assert_array_equal(out["f"], np.array([0.5, -1.5, 1e10] * 2, np.float32))


def test_ir_form_and_round_trip() -> None:
    text = ir_text(MIXED)
    assert "%a = alloca : ptr.private<[2 x [3 x i32]]>" in text
    assert "%tab = rodata {data = [1, 2, 3, 4, 5]} : ptr.constant<[2 x [3 x i32]]>" in text
    assert "rodata {data = [0.5, -1.5, 10000000000.0]} : ptr.constant<[3 x f32]>" in text
    module = compile_ok(MIXED)
    printed = print_module(module)
    assert print_module(parse_module(printed)) == printed


def test_private_array_sort_per_work_item() -> None:
    src = """
    #define W 8
    __kernel void k(__global const int *in, __global int *out) {
        int g = get_global_id(0);
        int v[W];
        for (int j = 0; j < W; j++) v[j] = in[g * W + j];
        for (int x = 0; x < W; x++)
            for (int y = 0; y + 1 < W - x; y++)
                if (v[y] > v[y + 1]) { int t = v[y]; v[y] = v[y + 1]; v[y + 1] = t; }
        for (int j = 0; j < W; j++) out[g * W + j] = v[j];
    }"""
    a = RNG.integers(-100, 100, 8 * 16).astype(np.int32)
    out = run(src, {"in": a, "out": np.zeros_like(a)}, 16)
    np.testing.assert_array_equal(out["out"], np.sort(a.reshape(16, 8), axis=1).reshape(-1))


def test_constant_lookup_table_char_and_negative() -> None:
    src = """
    __constant uchar sbox[16] = {0xc, 5, 6, 0xb, 9, 0, 0xa, 0xd, 3, 0xe, 0xf, 8, 4, 7, 1, 2};
    __constant short neg[] = {-1, -32768, 32767, -(3 + 4)};
    __constant double dd[2] = {0.1, -0.0};
    __kernel void k(__global const uint *in, __global uint *out, __global double *d) {
        int i = get_global_id(0);
        uint x = in[i], y = 0;
        for (int n = 0; n < 8; n++) y |= (uint)sbox[(x >> (4 * n)) & 15] << (4 * n);
        out[i] = y + neg[i % 4];
        d[i] = dd[i % 2];
    }"""
    sbox = [0xC, 5, 6, 0xB, 9, 0, 0xA, 0xD, 3, 0xE, 0xF, 8, 4, 7, 1, 2]
    neg = [-1, -32768, 32767, -7]
    x = RNG.integers(0, 2**32, 32, dtype=np.uint64).astype(np.uint32)
    out = run(src, {"in": x, "out": np.zeros(32, np.uint32), "d": np.zeros(32)}, 32)
    want = []
    for i, v in enumerate(x):
        y = sum(sbox[(int(v) >> (4 * n)) & 15] << (4 * n) for n in range(8))
        want.append((y + neg[i % 4]) & 0xFFFFFFFF)
    np.testing.assert_array_equal(out["out"], want)
    np.testing.assert_array_equal(out["d"], [0.1, -0.0] * 16)
    assert str(out["d"][1]) == "-0.0"


def test_declaration_in_loop_reinitialises() -> None:
    src = """
    __kernel void k(__global int *o) {
        int s = 0;
        for (int j = 0; j < 3; j++) { int t[2] = {j}; t[1] += 5; s += t[0] * 10 + t[1]; }
        o[0] = s;
    }"""
    assert run(src, {"o": np.zeros(1, np.int32)}, 1)["o"][0] == 30 + 15


def test_private_out_of_bounds_is_reported() -> None:
    src = "__kernel void k(__global int *o) { int t[4]; t[o[0]] = 1; }"
    with pytest.raises(InterpError, match="out of bounds of private array 't'"):
        run(src, {"o": np.array([4], np.int32)}, 1)


@pytest.mark.parametrize(
    "decl, body, what, unsupported",
    [
        ("", "int t[2] = {1, 2, 3};", "excess elements in array initializer", False),
        ("", "int t[];", "needs an explicit size", False),
        ("", "int t[2]; int u[2]; t = u;", "an array is not assignable", False),
        ("__constant int c[2] = {1, 2};", "c[0] = 1;", "cannot store to __constant memory", False),
        ("__constant int c[2];", "", "needs an initializer", False),
        ("__constant int c[2] = {1, a};", "", "not a compile-time constant", False),
        ("int g;", "", "program-scope variables other than __constant", True),
        ("", "__local int t[4] = {1};", "__local address space cannot have an initializer", False),
        ("", "int t[2] = {[1] = 3};", "designated initializers", True),
    ],
)
def test_array_errors(decl: str, body: str, what: str, unsupported: bool) -> None:
    with pytest.raises(CompileError) as info:
        compile_source(f"{decl}\n__kernel void k(__global int *a) {{ {body} }}\n", "k.cl")
    assert what in str(info.value)
    assert isinstance(info.value, UnsupportedError) == unsupported
