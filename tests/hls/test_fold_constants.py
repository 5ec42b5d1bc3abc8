"""fold-constants: exact integer semantics of docs/ir.md, identities, predicates."""

from __future__ import annotations

import pytest
from hls_helpers import check

MIN32 = -(2**31)


def _binary_kernel(
    t: str, opcode: str, a: int, b: int, attrs: str = "", rt: str | None = None
) -> str:
    rt = rt or t
    return f"""
        kernel @k(%p: ptr.global<{rt}>) {{
        ^entry:
          %a = const {{value = {a}}} : {t}
          %b = const {{value = {b}}} : {t}
          %r = {opcode} %a, %b{attrs} : {rt}
          %s = store %p, %r : void
          ret
        }}
    """


def _folded(rt: str, value: int) -> str:
    return f"""
        kernel @k(%p: ptr.global<{rt}>) {{
        ^entry:
          %r = const {{value = {value}}} : {rt}
          %s = store %p, %r : void
          ret
        }}
    """


@pytest.mark.parametrize(
    "t, opcode, a, b, want",
    [
        # wrap-around modulo 2^N, per type
        ("i8", "add", 127, 1, -128),
        ("u8", "add", 255, 1, 0),
        ("i32", "sub", MIN32, 1, 2**31 - 1),
        ("u16", "sub", 0, 1, 65535),
        ("i8", "mul", 16, 16, 0),
        ("i8", "mul", -128, -1, -128),
        ("u64", "mul", 2**63, 2, 0),
        ("i64", "add", 2**63 - 1, 1, -(2**63)),
        # division: C truncation, and the defined results where C has none
        ("i32", "div", -7, 2, -3),
        ("i32", "rem", -7, 2, -1),
        ("i32", "rem", 7, -2, 1),
        ("u8", "div", 200, 3, 66),
        ("i32", "div", 7, 0, -1),
        ("u32", "div", 7, 0, 2**32 - 1),
        ("i32", "rem", 7, 0, 7),
        ("u16", "rem", 9, 0, 9),
        ("i32", "div", MIN32, -1, MIN32),
        ("i32", "rem", MIN32, -1, 0),
        ("i8", "div", -128, -1, -128),
        # shifts: amount modulo the width; shr arithmetic for signed only
        ("i32", "shl", 1, 33, 2),
        ("i32", "shl", 1, 31, MIN32),
        ("i8", "shl", 1, 8, 1),
        ("u8", "shr", 128, 9, 64),
        ("i8", "shr", -128, 1, -64),
        ("u8", "shr", 255, 4, 15),
        ("i32", "shr", -1, 32, -1),
        ("u32", "shr", 2**32 - 1, 31, 1),
        # bitwise
        ("u8", "and", 0xF0, 0x3C, 0x30),
        ("i8", "or", -128, 1, -127),
        ("u8", "xor", 0xFF, 0x0F, 0xF0),
    ],
)
def test_binary_folds(t: str, opcode: str, a: int, b: int, want: int) -> None:
    check(_binary_kernel(t, opcode, a, b), "fold-constants,dce", _folded(t, want))


@pytest.mark.parametrize(
    "t, pred, a, b, want",
    [
        ("i8", "lt", -1, 0, 1),
        ("u8", "lt", 255, 0, 0),
        ("i32", "ge", MIN32, 2**31 - 1, 0),
        ("u32", "gt", 2**32 - 1, 0, 1),
        ("i16", "eq", -5, -5, 1),
        ("i16", "ne", -5, -5, 0),
        ("u64", "le", 3, 3, 1),
    ],
)
def test_cmp_folds(t: str, pred: str, a: int, b: int, want: int) -> None:
    check(
        _binary_kernel(t, "cmp", a, b, f" {{pred = {pred}}}", rt="u1"),
        "fold-constants,dce",
        _folded("u1", want),
    )


@pytest.mark.parametrize(
    "src, value, dst, want",
    [
        ("i8", -1, "u32", 2**32 - 1),  # sign extension by the source type
        ("u8", 255, "i16", 255),  # zero extension
        ("i32", 300, "u8", 44),  # truncation
        ("i32", 200, "i8", -56),
        ("i32", -1, "i64", -1),
        ("u32", 2**32 - 1, "i64", 2**32 - 1),
        ("u1", 1, "i32", 1),
        ("i64", 2**40 + 7, "u1", 1),
    ],
)
def test_cast_folds(src: str, value: int, dst: str, want: int) -> None:
    check(
        f"""
        kernel @k(%p: ptr.global<{dst}>) {{
        ^entry:
          %a = const {{value = {value}}} : {src}
          %r = cast %a : {dst}
          %s = store %p, %r : void
          ret
        }}
        """,
        "fold-constants,dce",
        _folded(dst, want),
    )


@pytest.mark.parametrize(
    "t, opcode, a, want",
    [
        ("i8", "neg", -128, -128),
        ("u8", "neg", 1, 255),
        ("i8", "not", 0, -1),
        ("u16", "not", 1, 65534),
    ],
)
def test_unary_folds(t: str, opcode: str, a: int, want: int) -> None:
    check(
        f"""
        kernel @k(%p: ptr.global<{t}>) {{
        ^entry:
          %a = const {{value = {a}}} : {t}
          %r = {opcode} %a : {t}
          %s = store %p, %r : void
          ret
        }}
        """,
        "fold-constants,dce",
        _folded(t, want),
    )


def test_chains_fold_to_a_fixpoint() -> None:
    check(
        """
        kernel @k(%p: ptr.global<i32>) {
        ^entry:
          %a = const {value = 6} : i32
          %b = mul %a, %a : i32
          %c = sub %b, %a : i32
          %d = cmp %c, %a {pred = gt} : u1
          %e = cast %d : i32
          %f = add %c, %e : i32
          %s = store %p, %f : void
          ret
        }
        """,
        "fold-constants,dce",
        """
        kernel @k(%p: ptr.global<i32>) {
        ^entry:
          %f = const {value = 31} : i32
          %s = store %p, %f : void
          ret
        }
        """,
    )


IDENTITIES_IN = """
    kernel @k(%p: ptr.global<i32>, %q: ptr.global<u8>, %x: i32, %y: u8, %c: u1) {
    ^entry:
      %0 = const {value = 0} : i32
      %1 = const {value = 1} : i32
      %m = const {value = -1} : i32
      %f = const {value = 255} : u8
      %t = const {value = 1} : u1
      %a = add %x, %0 : i32
      %b = add %0, %a : i32
      %c1 = mul %b, %1 : i32
      %c2 = mul %1, %c1 : i32
      %d = and %c2, %m : i32
      %e = and %m, %d : i32
      %g = or %e, %0 : i32
      %h = xor %0, %g : i32
      %i = sub %h, %0 : i32
      %j = shl %i, %0 : i32
      %k = shr %j, %0 : i32
      %s1 = store %p, %k : void
      %l = and %y, %f : u8
      %s2 = store %q, %l : void
      %z1 = mul %x, %0 : i32
      %z2 = and %0, %x : i32
      %o = or %x, %m : i32
      %n = sub %0, %x : i32
      %sel1 = select %t, %z1, %x : i32
      %sel2 = select %c, %o, %o : i32
      %u = add %sel1, %z2 : i32
      %v = add %u, %sel2 : i32
      %w = add %v, %n : i32
      %s3 = store %p, %w after(%s1) : void
      ret
    }
"""


def test_identities() -> None:
    check(
        IDENTITIES_IN,
        "fold-constants,dce",
        """
        kernel @k(%p: ptr.global<i32>, %q: ptr.global<u8>, %x: i32, %y: u8, %c: u1) {
        ^entry:
          %0 = const {value = 0} : i32
          %s1 = store %p, %x : void
          %s2 = store %q, %y : void
          %n = sub %0, %x : i32
          %v = const {value = -1} : i32
          %w = add %v, %n : i32
          %s3 = store %p, %w after(%s1) : void
          ret
        }
        """,
    )


def test_constant_true_predicates_are_dropped_false_kept() -> None:
    check(
        """
        kernel @k(%p: ptr.global<i32>, %x: i32) {
        ^entry:
          %t = const {value = 1} : u1
          %f = const {value = 0} : u1
          %v = load %p, %t : i32
          %s = store %p, %v, %t after(%v) : void
          %w = load %p, %f after(%s) : i32
          %s2 = store %p, %w, %f after(%s, %w) : void
          ret
        }
        """,
        "fold-constants",
        """
        kernel @k(%p: ptr.global<i32>, %x: i32) {
        ^entry:
          %t = const {value = 1} : u1
          %f = const {value = 0} : u1
          %v = load %p : i32
          %s = store %p, %v after(%v) : void
          %w = load %p, %f after(%s) : i32
          %s2 = store %p, %w, %f after(%s, %w) : void
          ret
        }
        """,
    )


def test_non_constant_ops_and_float_ops_are_left_alone() -> None:
    text = """
        kernel @k(%p: ptr.global<f32>, %x: i32) {
        ^entry:
          %a = const {value = 1.5} : f32
          %z = const {value = 0.0} : f32
          %b = add %a, %z : f32
          %c = mul %b, %a : f32
          %s = store %p, %c : void
          %0 = const {value = 32} : i32
          %d = shl %x, %0 : i32
          %e = cast %d : f32
          %s2 = store %p, %e after(%s) : void
          ret
        }
    """
    check(text, "fold-constants", text)


DIV_SRC = """
__kernel void k(__global const {T} *x, __global {T} *o) {{
    size_t i = get_global_id(0);
    {T} v = x[i];
    o[{N} * i + 0] = v / 1;
    o[{N} * i + 1] = v % 1;
    o[{N} * i + 2] = v / 2;
    o[{N} * i + 3] = v % 2;
    o[{N} * i + 4] = v / 8;
    o[{N} * i + 5] = v % 8;
    o[{N} * i + 6] = v / ({T})(({U})1 << (sizeof({T}) * 8 - 2));
    o[{N} * i + 7] = v % ({T})(({U})1 << (sizeof({T}) * 8 - 2));
    o[{N} * i + 8] = v / 3;
    o[{N} * i + 9] = v % -4;
}}
"""


@pytest.mark.parametrize(
    ("ctype", "utype", "dtype"),
    [("char", "uchar", "int8"), ("uchar", "uchar", "uint8"), ("int", "uint", "int32"),
     ("uint", "uint", "uint32"), ("long", "ulong", "int64"), ("ulong", "ulong", "uint64")],
)  # fmt: skip
def test_division_by_powers_of_two_becomes_shifts(ctype: str, utype: str, dtype: str) -> None:
    """x / 2^k and x % 2^k (C: truncated toward zero) become shifts and masks; the
    kernel gives the same results before and after the pass on every 8-bit value
    and on random and extreme wider ones. Division by 3 and by -4 (not powers of two)
    becomes a multiplication (tested below)."""
    import numpy as np

    from soff.frontend import compile_source
    from soff.hls.passes.fold_constants import fold_kernel
    from soff.ir.interp import run_kernel

    src = DIV_SRC.format(T=ctype, U=utype, N=10)
    (before,) = compile_source(src, "div.cl").kernels
    (after,) = compile_source(src, "div.cl").kernels
    while fold_kernel(after):
        pass
    ops = [op.opcode for op in after.ops()]
    assert ops.count("div") + ops.count("rem") == 0
    info = np.iinfo(dtype)
    if info.bits == 8:
        x = np.arange(info.min, info.max + 1).astype(dtype)
    else:
        rng = np.random.default_rng(3)
        x = rng.integers(info.min, info.max, 2000, dtype=dtype, endpoint=True)
        extremes = [info.min, info.min + 1, info.max, info.max - 1, 0, 1, 2, 3, 7, 8, 9]
        extremes += [-1, -2, -7, -8, -9] if info.min < 0 else []
        x[: len(extremes)] = np.array(extremes, dtype=object).astype(dtype)
    args = {"x": x, "o": np.zeros(10 * len(x), dtype)}
    want = run_kernel(before, dict(args), len(x), None)["o"]
    got = run_kernel(after, dict(args), len(x), None)["o"]
    np.testing.assert_array_equal(got, want)
    # and the C meaning, independently: truncation toward zero
    q = want.reshape(-1, 10)
    xi = x.astype(object)
    d = 1 << (info.bits - 2)

    def tdiv(v: int, m: int) -> int:
        return (abs(v) // m) * (1 if v >= 0 else -1)

    for col, m in ((2, 2), (4, 8), (6, d)):
        np.testing.assert_array_equal(q[:, col], np.array([tdiv(v, m) for v in xi], object).astype(dtype))
        rem = np.array([v - m * tdiv(v, m) for v in xi], object).astype(dtype)
        np.testing.assert_array_equal(q[:, col + 1], rem)


DIVC_SRC = """
__kernel void k(__global const {T} *x, __global {T} *o) {{
    size_t i = get_global_id(0);
    {T} v = x[i];
{BODY}
}}
"""


def _divisors(bits: int, signed: bool) -> list[int]:
    top = (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1
    ds = [3, 5, 6, 7, 10, 11, 100, 125, top, top - 1, top // 3, (top >> 1) + 1 + (not signed)]
    if bits > 8:
        ds += [641, 1000, 6700417 % top, 0x7FFF, 12345]
    if signed:
        ds += [-3, -7, -10, -4, -top, -(1 << (bits - 1)), -1]
    return sorted(set(ds), key=ds.index)


@pytest.mark.parametrize(
    ("ctype", "dtype"),
    [("char", "int8"), ("uchar", "uint8"), ("short", "int16"), ("ushort", "uint16"),
     ("int", "int32"), ("uint", "uint32"), ("long", "int64"), ("ulong", "uint64")],
)  # fmt: skip
def test_division_by_constants_becomes_multiplication(ctype: str, dtype: str) -> None:
    """x / d and x % d for constants d that are not powers of two (and negative d)
    become a multiplication by a fixed-point reciprocal: the results equal C's
    truncating division on every 8- and 16-bit value and on random and extreme wider
    ones; INT_MIN and -1 keep the divider (their defined results)."""
    import numpy as np

    from soff.frontend import compile_source
    from soff.hls.passes.fold_constants import fold_kernel
    from soff.ir.interp import run_kernel

    info = np.iinfo(dtype)
    signed = info.min < 0
    ds = _divisors(info.bits, signed)
    n = 2 * len(ds)
    body = "\n".join(
        f"    o[{n} * i + {2 * j}] = v / ({ctype})({d}L);\n"
        f"    o[{n} * i + {2 * j + 1}] = v % ({ctype})({d}L);"
        for j, d in enumerate(ds)
    )
    if not signed or info.bits == 64:
        body = body.replace("L);", "UL);").replace("(-", "(-")
    src = DIVC_SRC.format(T=ctype, BODY=body)
    (after,) = compile_source(src, "divc.cl").kernels
    while fold_kernel(after):
        pass
    ops = [op.opcode for op in after.ops()]
    # -1 and INT_MIN keep div and rem each (char and short divide as int: -1 only)
    kept = 0 if not signed else 2 if info.bits < 32 else 4
    assert ops.count("div") + ops.count("rem") == kept
    if info.bits <= 16:
        x = np.arange(info.min, info.max + 1).astype(dtype)
    else:
        rng = np.random.default_rng(5)
        x = rng.integers(info.min, info.max, 3000, dtype=dtype, endpoint=True)
        extremes = [info.min, info.min + 1, info.max, info.max - 1, 0, 1, 2, 3]
        extremes += [k * d + e for d in ds[:6] for k in (1, 5, 1000) for e in (-1, 0, 1)]
        extremes += [-1, -2, -7, -8, -9] if signed else []
        ex = np.array([v for v in extremes if info.min <= v <= info.max], dtype=object)
        x[: len(ex)] = ex.astype(dtype)
    got = run_kernel(after, {"x": x, "o": np.zeros(n * len(x), dtype)}, len(x), None)["o"]
    q = got.reshape(-1, n)
    xi = x.astype(object)

    def tdiv(v: int, m: int) -> int:
        if m == -1:
            return info.min if v == info.min else -v
        return (abs(v) // abs(m)) * (1 if (v >= 0) == (m > 0) else -1)

    for j, d in enumerate(ds):
        want = np.array([tdiv(v, d) for v in xi], object)
        wrapped = (want - info.min) % (1 << info.bits) + info.min if signed else want
        np.testing.assert_array_equal(q[:, 2 * j], wrapped.astype(dtype), err_msg=f"/ {d}")
        rem = np.array([v - d * tdiv(v, d) for v in xi], object)
        rem = (rem - info.min) % (1 << info.bits) + info.min if signed else rem
        np.testing.assert_array_equal(q[:, 2 * j + 1], rem.astype(dtype), err_msg=f"% {d}")
