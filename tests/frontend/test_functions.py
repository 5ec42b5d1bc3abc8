"""Helper functions inlined at their call sites, and switch statements."""

from __future__ import annotations

import numpy as np
import pytest
from fe_helpers import compile_ok, ir_text, run

from soff.diagnostics import CompileError, UnsupportedError
from soff.frontend import compile_source

A = np.arange(-5, 27).astype(np.int32)


def test_helpers_by_value_early_return_pointer_args() -> None:
    src = """
    int sq(int x) { x = x * x; return x; }
    int pick(int a, int b) {
        if (a > b) return a - b;
        for (int i = 0; i < 3; i++) { if (a == i) return 100; }
        return sq(b);
    }
    void put(__global int *p, int i, int v) { p[i] = v; if (v < 0) return; p[i] = v + 1; }
    __kernel void k(__global const int *a, __global int *o) {
        int i = get_global_id(0);
        int x = a[i];
        int v = pick(x, i);
        put(o, i, v + sq(x) - x * x);  /* sq does not change x */
    }"""

    def pick(a: int, b: int) -> int:
        if a > b:
            return a - b
        return 100 if a in (0, 1, 2) else b * b

    out = run(src, {"a": A, "o": np.zeros(32, np.int32)}, 32)
    v = np.array([pick(int(x), i) for i, x in enumerate(A)])
    np.testing.assert_array_equal(out["o"], np.where(v < 0, v, v + 1))


def test_helper_called_twice_and_nested() -> None:
    src = """
    uint mix3(uint h, uint k) { k *= 0xcc9e2d51u; k = (k << 15) | (k >> 17); return h ^ (k * 0x1b873593u); }
    uint twice(uint h) { return mix3(mix3(h, 1u), 2u); }
    __kernel void k(__global uint *o) { uint i = get_global_id(0); o[i] = twice(i) + mix3(i, i); }
    """

    def mix3(h: int, k: int) -> int:
        k = (k * 0xCC9E2D51) & 0xFFFFFFFF
        k = ((k << 15) | (k >> 17)) & 0xFFFFFFFF
        return h ^ ((k * 0x1B873593) & 0xFFFFFFFF)

    out = run(src, {"o": np.zeros(16, np.uint32)}, 16)
    ref = [(mix3(mix3(i, 1), 2) + mix3(i, i)) & 0xFFFFFFFF for i in range(16)]
    np.testing.assert_array_equal(out["o"], np.array(ref, np.uint32))


def test_helper_generic_pointer_and_kernel_calls_kernel() -> None:
    src = """
    int sum(const int *p, int n) { int s = 0; for (int j = 0; j < n; j++) s += p[j]; return s; }
    __kernel void inner(__global int *o, __global const int *a) { o[get_global_id(0)] = sum(a, 4); }
    __kernel void outer(__global int *o, __global const int *a) { inner(o, a + 1); }
    """
    a = np.arange(1, 40, dtype=np.int32)
    out = run(src, {"o": np.zeros(4, np.int32), "a": a}, 4, kernel="outer")
    assert (out["o"] == a[1:5].sum()).all()


def test_void_helper_value_is_an_error() -> None:
    src = "void f(void) {}\n__kernel void k(__global int *a) { a[0] = f(); }\n"
    with pytest.raises(CompileError, match="void value not ignored"):
        compile_source(src, "k.cl")


@pytest.mark.parametrize(
    "src, what",
    [
        (
            "int f(int);\nint g(int x) { return f(x); }\nint f(int x) { return g(x) + 1; }\n"
            "__kernel void k(__global int *a) { a[0] = f(1); }\n",
            "k.cl:2:23: error: recursive call: f -> g -> f",
        ),
        (
            "int f(int x) { return x ? f(x - 1) : 0; }\n__kernel void k(__global int *a) { a[0] = f(1); }\n",
            "k.cl:1:27: error: recursive call: f -> f",
        ),
        (
            "int f(int x);\n__kernel void k(__global int *a) { a[0] = f(1); }\n",
            "k.cl:2:43: error: function 'f' is declared but never defined",
        ),
        (
            "int f(int x) { return x; }\n__kernel void k(__global int *a) { a[0] = f(1, 2); }\n",
            "k.cl:2:43: error: too many arguments to function call 'f', expected 1, have 2",
        ),
        (
            "int f(int x) { return; }\n__kernel void k(__global int *a) { a[0] = f(1); }\n",
            "k.cl:1:16: error: non-void function 'f' should return a value",
        ),
    ],
)
def test_call_errors(src: str, what: str) -> None:
    with pytest.raises(CompileError) as info:
        compile_source(src, "k.cl")
    assert not isinstance(info.value, UnsupportedError)
    assert str(info.value) == what


SWITCH = """
__kernel void k(__global const int *a, __global int *o) {
    int i = get_global_id(0);
    int r = 0;
    for (int j = 0; j < 3; j++) {
        switch (a[i] + j) {
        case 0: r += 1;
        case 1: r += 10; break;
        case 3: { r += 100; continue; }
        case -2: case 5:
            r += 1000;
        default:
            r -= 1;
            if (r > 2000) break;
            r -= 2;
        case 9: r *= 2;
        }
        r += 100000;
    }
    o[i] = r;
}"""


def switch_ref(x: int) -> int:
    r = 0
    for j in range(3):
        v = x + j
        if v == 3:
            r += 100
            continue
        if v in (0, 1):
            if v == 0:
                r += 1
            r += 10
        else:
            entered = v in (-2, 5, 9)
            if v in (-2, 5):
                r += 1000
            if v != 9:
                r -= 1
                if r > 2000:
                    r += 100000
                    continue
                r -= 2
            r *= 2
            assert entered or v not in (-2, 5, 9)
        r += 100000
    return r


def test_switch_fallthrough_default_break_continue() -> None:
    a = np.arange(-4, 12, dtype=np.int32)
    out = run(SWITCH, {"a": a, "o": np.zeros(16, np.int32)}, 16)
    np.testing.assert_array_equal(out["o"], [switch_ref(int(x)) for x in a])


def test_switch_ir_has_dispatch_chain() -> None:
    text = ir_text(SWITCH)
    assert text.count("{pred = eq}") >= 5
    assert "^switch.default" in text


def test_switch_without_default_and_char_cases() -> None:
    src = """
    __kernel void k(__global const uchar *a, __global int *o) {
        int i = get_global_id(0);
        int r = -1;
        switch (a[i]) { case 'a': r = 1; break; case 200: r = 2; break; }
        o[i] = r;
    }"""
    a = np.array([97, 200, 0, 98], np.uint8)
    out = run(src, {"a": a, "o": np.zeros(4, np.int32)}, 4)
    np.testing.assert_array_equal(out["o"], [1, 2, -1, -1])


@pytest.mark.parametrize(
    "body, what",
    [
        ("switch (a[0]) { case 1: case 1: break; }", "duplicate case value '1'"),
        ("switch (a[0]) { default: default: break; }", "multiple default labels"),
        ("switch (a[0]) { case a[1]: break; }", "integer constant"),
        ("continue;", "'continue' statement not in loop"),
    ],
)
def test_switch_errors(body: str, what: str) -> None:
    with pytest.raises(CompileError, match=what):
        compile_source(f"__kernel void k(__global int *a) {{ {body} }}", "k.cl")


def test_switch_in_loop_break_leaves_only_switch() -> None:
    src = """
    __kernel void k(__global int *o) {
        int n = 0;
        for (int j = 0; j < 5; j++) { switch (j) { case 2: break; default: n++; } n += 10; }
        o[0] = n;
    }"""
    compile_ok(src)
    assert run(src, {"o": np.zeros(1, np.int32)}, 1)["o"][0] == 54
