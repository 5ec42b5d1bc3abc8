"""Integer and float built-in functions against independent Python/numpy references."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from fe_helpers import ir_text, run

from soff.diagnostics import CompileError
from soff.frontend import compile_source

RNG = np.random.default_rng(7)
CTYPES = {
    "char": (8, True), "uchar": (8, False), "short": (16, True), "ushort": (16, False),
    "int": (32, True), "uint": (32, False), "long": (64, True), "ulong": (64, False),
}  # fmt: skip
N = 64


def dtype(w: int, signed: bool) -> np.dtype:
    return np.dtype(f"{'i' if signed else 'u'}{w // 8}")


def wrap(v: int, w: int, signed: bool) -> int:
    v &= (1 << w) - 1
    return v - (1 << w) if signed and v >> (w - 1) else v


def values(w: int, signed: bool) -> np.ndarray:
    lo, hi = (-(1 << (w - 1)), (1 << (w - 1)) - 1) if signed else (0, (1 << w) - 1)
    special = [lo, hi, 0, 1, lo + 1, hi - 1, (lo + hi) // 2] + ([-1] if signed else [])
    rand = (
        [
            int(x)
            for x in RNG.integers(
                lo, hi, N - len(special), dtype=np.int64 if w < 64 else None, endpoint=True
            )
        ]
        if w < 64
        else [
            wrap(int.from_bytes(RNG.bytes(8), "little"), 64, signed)
            for _ in range(N - len(special))
        ]
    )
    return np.array(special + rand, dtype=dtype(w, signed))


def sat(v: int, w: int, s: bool) -> int:
    lo, hi = (-(1 << (w - 1)), (1 << (w - 1)) - 1) if s else (0, (1 << w) - 1)
    return min(max(v, lo), hi)


def rot(x: int, y: int, z: int, w: int, s: bool) -> int:
    ux, k = x & ((1 << w) - 1), y & (w - 1)
    return wrap((ux << k) | (ux >> (w - k)) if k else ux, w, s)


# name -> (expression, result type (None: same), reference(x, y, z, w, signed))
CASES: dict[str, tuple[str, str | None, Callable[..., int]]] = {
    "abs": ("abs(x)", "u", lambda x, y, z, w, s: abs(x)),
    "abs_diff": ("abs_diff(x, y)", "u", lambda x, y, z, w, s: abs(x - y)),
    "add_sat": ("add_sat(x, y)", None, lambda x, y, z, w, s: sat(x + y, w, s)),
    "sub_sat": ("sub_sat(x, y)", None, lambda x, y, z, w, s: sat(x - y, w, s)),
    "hadd": ("hadd(x, y)", None, lambda x, y, z, w, s: (x + y) >> 1),
    "rhadd": ("rhadd(x, y)", None, lambda x, y, z, w, s: (x + y + 1) >> 1),
    "mul_hi": ("mul_hi(x, y)", None, lambda x, y, z, w, s: (x * y) >> w),
    "mad_hi": ("mad_hi(x, y, z)", None, lambda x, y, z, w, s: wrap(((x * y) >> w) + z, w, s)),
    "rotate": ("rotate(x, y)", None, rot),
    "popcount": ("popcount(x)", None, lambda x, y, z, w, s: bin(x & ((1 << w) - 1)).count("1")),
    "clz": ("clz(x)", None, lambda x, y, z, w, s: w - (x & ((1 << w) - 1)).bit_length()),
    "min": ("min(x, y)", None, lambda x, y, z, w, s: min(x, y)),
    "max": ("max(x, y)", None, lambda x, y, z, w, s: max(x, y)),
    "clamp": ("clamp(x, min(y, z), max(y, z))", None, lambda x, y, z, w, s: min(max(x, min(y, z)), max(y, z))),
    "select": ("select(x, y, z)", None, lambda x, y, z, w, s: y if z else x),
}  # fmt: skip


@pytest.mark.parametrize("ctype", list(CTYPES))
@pytest.mark.parametrize("name", list(CASES))
def test_integer_builtin(name: str, ctype: str) -> None:
    w, s = CTYPES[ctype]
    expr, rkind, ref = CASES[name]
    rtype = ("u" + ctype.lstrip("u")) if rkind == "u" else ctype
    rw, rs = CTYPES[rtype]
    src = f"""
    __kernel void k(__global const {ctype} *a, __global const {ctype} *b,
                    __global const {ctype} *c, __global {rtype} *o) {{
        int i = get_global_id(0);
        {ctype} x = a[i], y = b[i], z = c[i];
        o[i] = {expr};
    }}"""
    a, b, c = values(w, s), RNG.permutation(values(w, s)), RNG.permutation(values(w, s))
    c[::3] = 0
    out = run(src, {"a": a, "b": b, "c": c, "o": np.zeros(N, dtype(rw, rs))}, N)
    want = [
        wrap(ref(int(x), int(y), int(z), w, s), rw, rs) for x, y, z in zip(a, b, c, strict=True)
    ]
    np.testing.assert_array_equal(out["o"].astype(object), np.array(want, dtype=object))


@pytest.mark.parametrize(
    "hi, lo, res",
    [
        ("char", "uchar", "short"),
        ("ushort", "ushort", "uint"),
        ("int", "uint", "long"),
        ("uint", "uint", "ulong"),
    ],
)
def test_upsample(hi: str, lo: str, res: str) -> None:
    w, s = CTYPES[hi]
    src = f"""
    __kernel void k(__global const {hi} *a, __global const {lo} *b, __global {res} *o) {{
        int i = get_global_id(0);
        o[i] = upsample(a[i], b[i]);
    }}"""
    a, b = values(w, s), values(w, False)
    out = run(src, {"a": a, "b": b, "o": np.zeros(N, dtype(2 * w, s))}, N)
    want = [wrap((int(x) << w) | int(y), 2 * w, s) for x, y in zip(a, b, strict=True)]
    np.testing.assert_array_equal(out["o"].astype(object), np.array(want, dtype=object))


def test_mul24_mad24_and_sizeof() -> None:
    src = """
    __kernel void k(__global const int *a, __global const uint *b, __global long *o) {
        int i = get_global_id(0);
        o[i] = mad24(a[i], a[i + 1], 5) + (long)mul24(b[i], b[i + 1])
             + sizeof(char) * 1000000 + sizeof(a[0]) * 100000 + sizeof(long) * 10000 + sizeof(i);
    }"""
    a = RNG.integers(-(1 << 23), 1 << 23, N + 1).astype(np.int32)
    b = RNG.integers(0, 1 << 24, N + 1).astype(np.uint32)
    out = run(src, {"a": a, "b": b, "o": np.zeros(N, np.int64)}, N)
    want = [
        wrap(int(a[i]) * int(a[i + 1]) + 5, 32, True) + wrap(int(b[i]) * int(b[i + 1]), 32, False)
        + 1000000 + 400000 + 80000 + 4
        for i in range(N)
    ]  # fmt: skip
    np.testing.assert_array_equal(out["o"], want)


def test_popcount_clz_ir_ops() -> None:
    text = ir_text("__kernel void k(__global uint *a) { a[0] = popcount(a[1]) + clz(a[2]); }")
    assert "popcount %" in text and "clz %" in text


@pytest.mark.parametrize(
    "expr, what",
    [
        ("abs(1, 2)", "too many arguments to function call 'abs', expected 1, have 2"),
        ("popcount(1.5f)", "argument of 'popcount' must be an integer, not f32"),
        ("mul24((long)1, 2L)", "'mul24' takes int or uint arguments"),
        ("upsample(1, 2)", "second argument of 'upsample' must be u32"),
    ],
)
def test_builtin_errors(expr: str, what: str) -> None:
    with pytest.raises(CompileError) as info:
        compile_source(f"__kernel void k(__global long *a) {{ a[0] = {expr}; }}", "k.cl")
    assert str(info.value).startswith("k.cl:1:44: error: "), str(info.value)
    assert what in str(info.value)
