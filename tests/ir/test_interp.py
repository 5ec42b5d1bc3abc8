"""The reference interpreter on hand-written IR kernels, checked against numpy and
plain-Python computations written independently here."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from soff.ir.interp import InterpError, default_local_size, run_kernel
from soff.ir.parser import parse_kernel


def kernel(text: str):
    return parse_kernel(textwrap.dedent(text).lstrip("\n"))


VADD = kernel("""
    kernel @vadd(%a: ptr.global<i32>, %b: ptr.global<i32>, %c: ptr.global<i32>) {
    ^entry:
      %i = global_id {dim = 0} : u64
      %pa = ptradd %a, %i : ptr.global<i32>
      %x = load %pa : i32
      %pb = ptradd %b, %i : ptr.global<i32>
      %y = load %pb : i32
      %s = add %x, %y : i32
      %pc = ptradd %c, %i : ptr.global<i32>
      %st = store %pc, %s : void
      ret
    }
""")


def test_vadd_wraps_and_does_not_mutate_inputs() -> None:
    rng = np.random.default_rng(1)
    n = 3000
    a = rng.integers(-(2**31), 2**31, n, dtype=np.int64).astype(np.int32)
    b = rng.integers(-(2**31), 2**31, n, dtype=np.int64).astype(np.int32)
    a[:2], b[:2] = 2**31 - 1, [1, 2**31 - 1]
    c = np.zeros(n, np.int32)
    a0, c0 = a.copy(), c.copy()
    out = run_kernel(VADD, {"a": a, "b": b, "c": c}, (n,))
    expect = ((a.astype(np.int64) + b) & 0xFFFFFFFF).astype(np.uint32).view(np.int32)
    np.testing.assert_array_equal(out["c"], expect)
    assert out["c"][0] == -(2**31) and out["c"][1] == -2
    np.testing.assert_array_equal(a, a0)
    np.testing.assert_array_equal(c, c0)
    np.testing.assert_array_equal(out["a"], a0)  # buffers come back even if only read


def test_out_of_bounds_names_argument_and_work_item() -> None:
    a = np.zeros(8, np.int32)
    with pytest.raises(InterpError) as info:
        run_kernel(VADD, {"a": a, "b": a, "c": np.zeros(5, np.int32)}, (8,))
    msg = str(info.value)
    assert "store out of bounds of argument 'c'" in msg
    assert "bytes [20, 24) of a 20-byte buffer" in msg and "global id (5,)" in msg


IF_ELSE = kernel("""
    kernel @ifelse(%a: ptr.global<i32>, %out: ptr.global<i32>, %t: i32) {
    ^entry:
      %i = global_id {dim = 0} : u64
      %pa = ptradd %a, %i : ptr.global<i32>
      %x = load %pa : i32
      %c = cmp %x, %t {pred = lt} : u1
      cbr %c [^then, ^else]
    ^then:
      %two = const {value = 2} : i32
      %y = mul %x, %two : i32
      br [^join]
    ^else:
      %one = const {value = 1} : i32
      %z = sub %x, %one : i32
      br [^join]
    ^join:
      %r = phi %y, %z [^then, ^else] : i32
      %po = ptradd %out, %i : ptr.global<i32>
      %s = store %po, %r : void
      ret
    }
""")


def test_if_else_with_phi() -> None:
    a = np.arange(-50, 50, dtype=np.int32)
    out = run_kernel(IF_ELSE, {"a": a, "out": np.zeros(100, np.int32), "t": 7}, 100)
    expect = [x * 2 if x < 7 else x - 1 for x in a.tolist()]
    assert out["out"].tolist() == expect


LOOP = kernel("""
    kernel @loop(%out: ptr.global<i32>, %n: i32) {
    ^entry:
      %zero = const {value = 0} : i32
      %one = const {value = 1} : i32
      %gid = global_id {dim = 0} : u64
      %m = cast %gid : i32
      br [^head]
    ^head:
      %i = phi %zero, %i2 [^entry, ^head] : i32
      %x = phi %zero, %y [^entry, ^head] : i32
      %y = phi %one, %x [^entry, ^head] : i32
      %acc = phi %zero, %acc2 [^entry, ^head] : i32
      %acc2 = add %acc, %x : i32
      %i2 = add %i, %one : i32
      %c = cmp %i2, %m {pred = le} : u1
      cbr %c [^head, ^exit]
    ^exit:
      %p = ptradd %out, %gid : ptr.global<i32>
      %s = store %p, %acc2 : void
      ret
    }
""")


def test_phis_swap_in_parallel() -> None:
    # x and y swap every iteration (0, 1, 0, 1 ...): parallel phi semantics
    out = run_kernel(LOOP, {"out": np.zeros(10, np.int32), "n": 0}, 10)
    expect = [sum(k % 2 for k in range(g + 1)) for g in range(10)]
    assert out["out"].tolist() == expect


PREDICATED = kernel("""
    kernel @pred(%a: ptr.global<u16>, %out: ptr.global<u16>, %lim: u16) {
    ^entry:
      %i = global_id {dim = 0} : u64
      %pa = ptradd %a, %i : ptr.global<u16>
      %x = load %pa : u16
      %c = cmp %x, %lim {pred = lt} : u1
      %q = ptradd %a, %x : ptr.global<u16>
      %v = load %q, %c after(%x) : u16
      %po = ptradd %out, %i : ptr.global<u16>
      %s = store %po, %v, %c : void
      ret
    }
""")


def test_predicated_load_and_store() -> None:
    # out[i] = a[a[i]] where a[i] < lim; otherwise neither the (out of bounds) load
    # nor the store happens
    out = np.full(8, 7, np.uint16)
    a = np.array([3, 7, 0, 2, 6, 1, 0, 4], np.uint16)
    res = run_kernel(PREDICATED, {"a": a, "out": out, "lim": 3}, 8)
    assert res["out"].tolist() == [int(a[x]) if x < 3 else 7 for x in a.tolist()]
    # out-of-bounds addresses are fine while the predicate is 0 ...
    a = np.array([3, 1000, 0, 2, 5000, 1, 0, 4], np.uint16)
    res = run_kernel(PREDICATED, {"a": a, "out": out, "lim": 8}, 8)
    assert res["out"].tolist() == [int(a[x]) if x < 8 else 7 for x in a.tolist()]
    # ... but not when it is 1
    with pytest.raises(InterpError, match="load out of bounds of argument 'a'.*global id \\(1,\\)"):
        run_kernel(PREDICATED, {"a": a, "out": out, "lim": 2000}, 8)


def binop_kernel(ty: str, ops: list[str]) -> str:
    """out_k[i] = a[i] <op_k> b[i] for each op."""
    args = ", ".join(f"%o{k}: ptr.global<{ty}>" for k in range(len(ops)))
    lines = [
        f"kernel @bin(%a: ptr.global<{ty}>, %b: ptr.global<{ty}>, {args}) {{",
        "^entry:",
        "  %i = global_id {dim = 0} : u64",
        f"  %pa = ptradd %a, %i : ptr.global<{ty}>",
        f"  %x = load %pa : {ty}",
        f"  %pb = ptradd %b, %i : ptr.global<{ty}>",
        f"  %y = load %pb : {ty}",
    ]
    for k, op in enumerate(ops):
        lines += [
            f"  %r{k} = {op} %x, %y : {ty}",
            f"  %p{k} = ptradd %o{k}, %i : ptr.global<{ty}>",
            f"  %s{k} = store %p{k}, %r{k} : void",
        ]
    lines += ["  ret", "}"]
    return "\n".join(lines) + "\n"


def run_binops(ty: str, dtype, a, b, ops):
    k = parse_kernel(binop_kernel(ty, ops))
    a = np.asarray(a, dtype)
    b = np.asarray(b, dtype)
    args = {"a": a, "b": b} | {f"o{j}": np.zeros(len(a), dtype) for j in range(len(ops))}
    out = run_kernel(k, args, len(a))
    return [out[f"o{j}"] for j in range(len(ops))]


def c_div_rem(a: np.ndarray, b: np.ndarray, bits: int, signed: bool):
    """C truncating division with docs/ir.md's defined results, via numpy int64/fmod."""
    a64, b64 = a.astype(np.int64), b.astype(np.int64)
    safe = np.where(b64 == 0, 1, b64)
    rem = np.fmod(a64, safe)  # sign of the dividend, like C
    quo = (a64 - rem) // safe  # exact
    quo = np.where(b64 == 0, -1, quo)
    rem = np.where(b64 == 0, a64, rem)
    mask = (1 << bits) - 1
    quo = quo & mask  # MIN / -1 = MIN after wrapping; -1 -> all ones
    rem = rem & mask
    udt = {8: np.uint8, 16: np.uint16, 32: np.uint32}[bits]
    sdt = {8: np.int8, 16: np.int16, 32: np.int32}[bits]
    quo, rem = quo.astype(udt), rem.astype(udt)
    return (quo.view(sdt), rem.view(sdt)) if signed else (quo, rem)


def test_signed_division_corner_cases() -> None:
    mn = -(2**31)
    a = [7, -7, 7, -7, mn, mn, 5, -5, 0, 2**31 - 1, mn, 123456789]
    b = [2, 2, -2, -2, -1, 1, 0, 0, 0, -1, mn, -1000]
    q, r = run_binops("i32", np.int32, a, b, ["div", "rem"])
    eq, er = c_div_rem(np.array(a, np.int32), np.array(b, np.int32), 32, True)
    np.testing.assert_array_equal(q, eq)
    np.testing.assert_array_equal(r, er)
    # spot checks written out by hand
    assert q.tolist()[:6] == [3, -3, -3, 3, mn, mn] and r.tolist()[:6] == [1, -1, 1, -1, 0, 0]
    assert q[6] == -1 and q[7] == -1 and r[6] == 5 and r[7] == -5


def test_unsigned_division_corner_cases() -> None:
    a = [7, 2**32 - 1, 2**32 - 1, 5, 0, 2**31]
    b = [2, 2, 2**32 - 1, 0, 0, 3]
    q, r = run_binops("u32", np.uint32, a, b, ["div", "rem"])
    assert q.tolist() == [3, 2**31 - 1, 1, 2**32 - 1, 2**32 - 1, 2**31 // 3]
    assert r.tolist() == [1, 1, 0, 5, 0, 2**31 % 3]


def test_i8_division_and_wraparound() -> None:
    rng = np.random.default_rng(3)
    a = np.concatenate([rng.integers(-128, 128, 200), [-128, -128, 127]]).astype(np.int8)
    b = np.concatenate([rng.integers(-128, 128, 200), [-1, 0, -1]]).astype(np.int8)
    q, r, s, m = run_binops("i8", np.int8, a, b, ["div", "rem", "sub", "mul"])
    eq, er = c_div_rem(a, b, 8, True)
    np.testing.assert_array_equal(q, eq)
    np.testing.assert_array_equal(r, er)
    np.testing.assert_array_equal(
        s, (a.astype(np.int64) - b).astype(np.uint64).astype(np.uint8).view(np.int8)
    )
    np.testing.assert_array_equal(
        m, (a.astype(np.int64) * b).astype(np.uint64).astype(np.uint8).view(np.int8)
    )


def test_shift_amounts_modulo_width() -> None:
    a = [1, -8, -8, 2**31 - 1, -1, 5, 12345]
    b = [33, 1, 33, 1, 31, -1, 32]
    shl, shr = run_binops("i32", np.int32, a, b, ["shl", "shr"])
    amt = [x & 31 for x in b]  # the low five bits: -1 -> 31
    exp_shl = [((x << n) & 0xFFFFFFFF) for x, n in zip(a, amt, strict=True)]
    exp_shl = [v - 2**32 if v >= 2**31 else v for v in exp_shl]
    assert shl.tolist() == exp_shl
    assert shr.tolist() == [x >> n for x, n in zip(a, amt, strict=True)]  # arithmetic
    assert shr.tolist()[1:3] == [-4, -4]

    ua = np.array([1, 2**32 - 8, 2**32 - 8, 2**31, 2**32 - 1], np.uint32)
    ub = np.array([33, 1, 33, 31, 64], np.uint32)
    ushl, ushr = run_binops("u32", np.uint32, ua, ub, ["shl", "shr"])
    un = ub & 31
    np.testing.assert_array_equal(ushl, np.left_shift(ua, un))
    np.testing.assert_array_equal(ushr, np.right_shift(ua, un))  # logical
    assert ushr[1] == (2**32 - 8) >> 1


def test_bitwise_ops() -> None:
    a = np.array([0x0F0F, -1, -32768, 12], np.int16)
    b = np.array([0x00FF, 0x1234, -1, -13], np.int16)
    r_and, r_or, r_xor = run_binops("i16", np.int16, a, b, ["and", "or", "xor"])
    np.testing.assert_array_equal(r_and, a & b)
    np.testing.assert_array_equal(r_or, a | b)
    np.testing.assert_array_equal(r_xor, a ^ b)


CASTS = kernel(
    """
    kernel @casts(%a: ptr.global<i8>, %b: ptr.global<u8>, %o1: ptr.global<i32>,
                  %o2: ptr.global<i32>, %o3: ptr.global<u8>, %o4: ptr.global<i64>,
                  %o5: ptr.global<u16>) {
    ^entry:
      %i = global_id {dim = 0} : u64
      %pa = ptradd %a, %i : ptr.global<i8>
      %x = load %pa : i8
      %pb = ptradd %b, %i : ptr.global<u8>
      %y = load %pb : u8
      %sx = cast %x : i32
      %zy = cast %y : i32
      %big = const {value = 1000} : i32
      %w = mul %sx, %big : i32
      %t = cast %w : u8
      %u = cast %zy : u32
      %neg = neg %u : u32
      %l = cast %neg : i64
      %s16 = cast %x : u16
      %q1 = ptradd %o1, %i : ptr.global<i32>
      %s1 = store %q1, %sx : void
      %q2 = ptradd %o2, %i : ptr.global<i32>
      %s2 = store %q2, %zy : void
      %q3 = ptradd %o3, %i : ptr.global<u8>
      %s3 = store %q3, %t : void
      %q4 = ptradd %o4, %i : ptr.global<i64>
      %s4 = store %q4, %l : void
      %q5 = ptradd %o5, %i : ptr.global<u16>
      %s5 = store %q5, %s16 : void
      ret
    }
""".replace(",\n                  ", ", ")
)


def test_casts_extend_by_source_signedness() -> None:
    a = np.array([-128, -1, 0, 1, 127], np.int8)
    b = np.array([255, 128, 0, 1, 127], np.uint8)
    outs = {f"o{k}": np.zeros(5, dt) for k, dt in
            enumerate([np.int32, np.int32, np.uint8, np.int64, np.uint16], 1)}  # fmt: skip
    r = run_kernel(CASTS, {"a": a, "b": b} | outs, 5)
    assert r["o1"].tolist() == [-128, -1, 0, 1, 127]  # sign extension
    assert r["o2"].tolist() == [255, 128, 0, 1, 127]  # zero extension
    assert r["o3"].tolist() == [(x * 1000) % 256 for x in a.tolist()]  # truncation
    # u32 -> i64 zero-extends: -(255) as u32 is 2**32 - 255
    assert r["o4"].tolist() == [(-x) % 2**32 for x in b.tolist()]
    assert r["o5"].tolist() == [x % 2**16 for x in a.tolist()]  # i8 -> u16 sign-extends


PTRADD = kernel("""
    kernel @idx(%a: ptr.global<i64>, %out: ptr.global<i64>, %k: i32, %u: u32) {
    ^entry:
      %i = global_id {dim = 0} : u64
      %mid = ptradd %a, %i : ptr.global<i64>
      %back = ptradd %mid, %k : ptr.global<i64>
      %v = load %back : i64
      %fwd = ptradd %back, %u : ptr.global<i64>
      %w = load %fwd : i64
      %s = add %v, %w : i64
      %po = ptradd %out, %i : ptr.global<i64>
      %st = store %po, %s : void
      ret
    }
""")


def test_ptradd_negative_signed_index_and_unsigned_index() -> None:
    a = np.arange(100, 110, dtype=np.int64) * 10**12
    with pytest.raises(InterpError, match=r"bytes \[-16, -8\).*global id \(0,\)"):
        run_kernel(PTRADD, {"a": a, "out": np.zeros(3, np.int64), "k": -2, "u": 4}, 3)
    out = run_kernel(PTRADD, {"a": a, "out": np.zeros(3, np.int64), "k": 1, "u": 2}, 3)
    assert out["out"].tolist() == [int(a[i + 1] + a[i + 3]) for i in range(3)]
    # an unsigned index of 2**32 - 1 is a huge offset, not -1
    with pytest.raises(InterpError, match="load out of bounds"):
        run_kernel(PTRADD, {"a": a, "out": np.zeros(3, np.int64), "k": 5, "u": 2**32 - 1}, 3)


IDS = kernel("""
    kernel @ids(%order: ptr.global<u32>, %counter: ptr.global<u32>, %info: ptr.global<u64>) {
    ^entry:
      %gx = global_id {dim = 0} : u64
      %gy = global_id {dim = 1} : u64
      %sx = global_size {dim = 0} : u64
      %row = mul %gy, %sx : u64
      %flat = add %row, %gx : u64
      %zero = const {value = 0} : u64
      %pc = ptradd %counter, %zero : ptr.global<u32>
      %n = load %pc : u32
      %one = const {value = 1} : u32
      %n1 = add %n, %one : u32
      %st = store %pc, %n1 after(%n) : void
      %po = ptradd %order, %flat : ptr.global<u32>
      %s2 = store %po, %n : void
      %lx = local_id {dim = 0} : u64
      %wx = group_id {dim = 0} : u64
      %lsx = local_size {dim = 0} : u64
      %ng = num_groups {dim = 1} : u64
      %k = const {value = 1000} : u64
      %t1 = mul %wx, %k : u64
      %t2 = add %t1, %lx : u64
      %t3 = mul %lsx, %k : u64
      %t4 = mul %t3, %k : u64
      %t5 = add %t4, %t2 : u64
      %t6 = mul %ng, %k : u64
      %t7 = mul %t6, %k : u64
      %t8 = mul %t7, %k : u64
      %t9 = add %t8, %t5 : u64
      %pi = ptradd %info, %flat : ptr.global<u64>
      %s3 = store %pi, %t9 : void
      ret
    }
""")


def test_work_item_order_and_ids() -> None:
    args = {"order": np.zeros(12, np.uint32), "counter": np.zeros(1, np.uint32),
            "info": np.zeros(12, np.uint64)}  # fmt: skip
    out = run_kernel(IDS, args, (4, 3), (2, 1))
    assert out["order"].tolist() == list(range(12))  # dim 0 fastest
    assert out["counter"].tolist() == [12]
    expect = [3 * 10**9 + 2 * 10**6 + (x // 2) * 1000 + x % 2 for y in range(3) for x in range(4)]
    assert out["info"].tolist() == expect


def test_default_local_size() -> None:
    assert default_local_size((4096,)) == (64,)
    assert default_local_size((96, 5)) == (32, 1)
    assert default_local_size((7, 2, 2)) == (1, 1, 1)
    args = {"order": np.zeros(96, np.uint32), "counter": np.zeros(1, np.uint32),
            "info": np.zeros(96, np.uint64)}  # fmt: skip
    out = run_kernel(IDS, args, (48, 2))
    # local size (16, 1): 16 divides 48, 32 and 64 do not
    assert out["info"][47] == 2 * 10**9 + 16 * 10**6 + 2 * 1000 + 15
    with pytest.raises(ValueError, match="local size 5 does not divide global size 48"):
        run_kernel(IDS, args, (48, 2), (5, 1))


FLOATS = kernel(
    """
    kernel @fl(%a: ptr.global<f32>, %b: ptr.global<f32>, %o: ptr.global<f32>,
               %lt: ptr.global<u8>, %ti: ptr.global<i32>, %d: ptr.global<f64>) {
    ^entry:
      %i = global_id {dim = 0} : u64
      %pa = ptradd %a, %i : ptr.global<f32>
      %x = load %pa : f32
      %pb = ptradd %b, %i : ptr.global<f32>
      %y = load %pb : f32
      %m = mul %x, %y : f32
      %q = div %x, %y : f32
      %s = sub %m, %q : f32
      %r = add %s, %x : f32
      %po = ptradd %o, %i : ptr.global<f32>
      %s1 = store %po, %r : void
      %c = cmp %x, %y {pred = lt} : u1
      %c8 = cast %c : u8
      %pl = ptradd %lt, %i : ptr.global<u8>
      %s2 = store %pl, %c8 : void
      %t = cast %q : i32
      %pt = ptradd %ti, %i : ptr.global<i32>
      %s3 = store %pt, %t : void
      %wide = cast %x : f64
      %three = const {value = 3.0} : f64
      %dq = div %wide, %three : f64
      %pd = ptradd %d, %i : ptr.global<f64>
      %s4 = store %pd, %dq : void
      ret
    }
""".replace(",\n               ", ", ")
)


def test_float_arithmetic_matches_numpy_float32() -> None:
    rng = np.random.default_rng(7)
    n = 64
    a = rng.standard_normal(n).astype(np.float32) * 100
    b = rng.standard_normal(n).astype(np.float32)
    a[:3] = [1.0, np.nan, -7.9]
    b[:3] = [3.0, 1.0, 2.0]
    outs = {"o": np.zeros(n, np.float32), "lt": np.zeros(n, np.uint8),
            "ti": np.zeros(n, np.int32), "d": np.zeros(n, np.float64)}  # fmt: skip
    with np.errstate(all="ignore"):
        r = run_kernel(FLOATS, {"a": a, "b": b} | outs, n)
        q = a / b
        expect = (a * b - q) + a
    np.testing.assert_array_equal(r["o"], expect)  # bit-exact float32, NaN where expected
    np.testing.assert_array_equal(r["lt"], (a < b).astype(np.uint8))  # NaN compares false
    assert r["ti"][2] == -3  # truncation toward zero of -3.95
    assert r["ti"][1] == 0  # NaN -> 0 (defined here; C leaves it undefined)
    np.testing.assert_array_equal(r["ti"][3:], np.trunc(q[3:]).astype(np.int32))
    np.testing.assert_array_equal(r["d"], a.astype(np.float64) / 3.0)


def test_argument_errors() -> None:
    a = np.zeros(4, np.int32)
    with pytest.raises(TypeError, match="missing argument"):
        run_kernel(VADD, {"a": a, "b": a}, 4)
    with pytest.raises(TypeError, match="has no argument"):
        run_kernel(VADD, {"a": a, "b": a, "c": a, "d": a}, 4)
    with pytest.raises(
        TypeError, match="argument 'c' is a pointer and needs a numpy array, not int"
    ):
        run_kernel(VADD, {"a": a, "b": a, "c": 3}, 4)
