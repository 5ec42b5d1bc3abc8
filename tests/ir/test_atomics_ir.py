"""The atomic op: text round trip, verifier checks and interpreter semantics."""

from __future__ import annotations

import numpy as np
import pytest

from soff.ir.interp import Local, run_kernel
from soff.ir.parser import parse_module
from soff.ir.printer import print_module
from soff.ir.verifier import VerifyError, verify_module

GOOD = """kernel @k(%a: ptr.global<i32>, %u: ptr.global<u32>, %f: ptr.global<f32>, %v: i32) {
^entry:
  %i = global_id {dim = 0} : u64
  %p = ptradd %a, %i : ptr.global<i32>
  %c = const {value = 1} : u1
  %o1 = atomic %p, %v {op = add} : i32
  %o2 = atomic %p {op = inc} after(%o1) : i32
  %o3 = atomic %p, %v, %o2 {op = cmpxchg} after(%o2) : i32
  %o4 = atomic %p, %v, %c {op = and} after(%o3) : i32
  %o6 = const {value = 7} : u32
  %o5 = atomic %u, %o6 {op = inc_wrap} after(%o4) : u32
  %x = load %f : f32
  %o7 = atomic %f, %x {op = xchg} after(%o5) : f32
  %t = alloca : ptr.local<[4 x i32]>
  %tp = bitcast %t : ptr.local<i32>
  %o8 = atomic %tp, %v {op = max} after(%o7) : i32
  ret
}
"""


def test_round_trip_and_verify() -> None:
    text = GOOD
    m = parse_module(text)
    verify_module(m)
    assert print_module(m) == text


@pytest.mark.parametrize(
    ("old", "new", "msg"),
    [
        ("{op = add}", "{op = nand}", "op attribute 'nand' is not an atomic operation"),
        ("{op = add}", "", "op attribute None"),
        ("%p, %v {op = add}", "%p {op = add}", "atomic add expects 2 or 3 operand"),
        ("%p, %v, %c {op = and}", "%p, %v, %v {op = and}", "predicate has type i32"),
        ("%f, %x {op = xchg}", "%f, %x {op = max}", "atomic max on type f32"),
        ("%p, %v {op = add} : i32", "%p, %v {op = add} : u32", "not the pointee type"),
        ("ptr.global<i32>", "ptr.constant<i32>", "atomic on constant memory"),
    ],
)
def test_verifier_rejects(old: str, new: str, msg: str) -> None:
    text = GOOD
    with pytest.raises(VerifyError, match=msg):
        verify_module(parse_module(text.replace(old, new)))


def _kernel(body: str, args: str) -> object:
    text = f"kernel @k({args}) {{\n^entry:\n{body}  ret\n}}\n"
    return parse_module(text).kernels[0]


OPS_BODY = """  %i = global_id {{dim = 0}} : u64
  %vp = ptradd %vals, %i : ptr.global<{t}>
  %v = load %vp : {t}
  %o = atomic %x, %v{extra} {{op = {op}}} after(%v) : {t}
  %op = ptradd %old, %i : ptr.global<{t}>
  %s = store %op, %o after(%o) : void
"""


def _reference(
    kind: str, olds: list[int], vals: list[int], limit_or_cmp: int, bits: int, signed: bool
) -> tuple[int, list[int]]:
    mask = (1 << bits) - 1

    def wrap(x: int) -> int:
        x &= mask
        return x - (1 << bits) if signed and x >> (bits - 1) else x

    cur = olds[0]
    seen = []
    for v in vals:
        seen.append(cur)
        if kind in ("add", "sub", "and", "or", "xor", "inc", "dec"):
            x = 1 if kind in ("inc", "dec") else v
            cur = wrap(
                {"add": cur + x, "inc": cur + x, "sub": cur - x, "dec": cur - x,
                 "and": cur & x, "or": cur | x, "xor": cur ^ x}[kind]
            )  # fmt: skip
        elif kind == "xchg":
            cur = v
        elif kind in ("min", "max"):
            cur = min(cur, v) if kind == "min" else max(cur, v)
        elif kind == "inc_wrap":
            cur = 0 if cur >= v else wrap(cur + 1)
        elif kind == "dec_wrap":
            cur = v if cur == 0 or cur > v else wrap(cur - 1)
        else:
            cur = v if cur == limit_or_cmp else cur
    return cur, seen


@pytest.mark.parametrize(
    "kind",
    [
        "add",
        "sub",
        "xchg",
        "min",
        "max",
        "and",
        "or",
        "xor",
        "inc",
        "dec",
        "inc_wrap",
        "dec_wrap",
        "cmpxchg",
    ],
)
@pytest.mark.parametrize(
    ("t", "dtype"), [("i32", np.int32), ("u32", np.uint32), ("i64", np.int64), ("u64", np.uint64)]
)
def test_interp_each_op(kind: str, t: str, dtype: type) -> None:
    """Work-items run in order of global id, so the old values are a known sequence."""
    rng = np.random.default_rng(hash((kind, t)) & 0xFFFF)
    info = np.iinfo(dtype)
    n = 24
    vals = rng.integers(max(info.min, -50), 50, n, endpoint=True).astype(dtype)
    if kind in ("inc", "dec"):
        extra = ""
        body = OPS_BODY.replace("%x, %v{extra}", "%x{extra}")
    elif kind == "cmpxchg":
        extra = ", %cmp"
        body = OPS_BODY
        vals[::3] = 3  # some swaps succeed
    else:
        extra = ""
        body = OPS_BODY
    if kind == "cmpxchg":
        args = f"%x: ptr.global<{t}>, %vals: ptr.global<{t}>, %old: ptr.global<{t}>, %cmp: {t}"
    else:
        args = f"%x: ptr.global<{t}>, %vals: ptr.global<{t}>, %old: ptr.global<{t}>"
    k = _kernel(body.format(t=t, op=kind, extra=extra), args)
    start = 3 if kind != "dec_wrap" else 0
    x0 = np.array([start], dtype)
    inputs: dict[str, object] = {"x": x0, "vals": vals, "old": np.zeros(n, dtype)}
    if kind == "cmpxchg":
        inputs["cmp"] = 3
    out = run_kernel(k, inputs, n, 4)  # type: ignore[arg-type]
    bits = int(t[1:])
    final, seen = _reference(kind, [start], [int(v) for v in vals], 3, bits, t.startswith("i"))
    assert [int(v) for v in out["old"]] == seen
    assert int(out["x"][0]) == final


def test_interp_predicate_and_float() -> None:
    body = """  %i = global_id {dim = 0} : u64
  %two = const {value = 2} : u64
  %m = rem %i, %two : u64
  %z = const {value = 0} : u64
  %even = cmp %m, %z {pred = eq} : u1
  %one = const {value = 1.5} : f32
  %o = atomic %f, %one, %even {op = add} : f32
  %k = const {value = 1} : i32
  %o2 = atomic %c, %k, %even {op = add} : i32
  %op = ptradd %old, %i : ptr.global<i32>
  %s = store %op, %o2 after(%o2) : void
"""
    k = _kernel(body, "%f: ptr.global<f32>, %c: ptr.global<i32>, %old: ptr.global<i32>")
    out = run_kernel(
        k,  # type: ignore[arg-type]
        {"f": np.zeros(1, np.float32), "c": np.zeros(1, np.int32), "old": np.full(6, 9, np.int32)},
        6,
    )
    assert out["f"][0] == np.float32(4.5)
    assert out["c"][0] == 3
    assert list(out["old"]) == [0, 0, 1, 0, 2, 0]  # predicated off: yields 0


HIST = """  %i = global_id {dim = 0} : u64
  %l = local_id {dim = 0} : u64
  %t = alloca : ptr.local<[4 x u32]>
  %tp = bitcast %t : ptr.local<u32>
  %dp = ptradd %d, %i : ptr.global<u32>
  %v = load %dp : u32
  %three = const {value = 3} : u32
  %bin = and %v, %three : u32
  %bp = ptradd %tp, %bin : ptr.local<u32>
  %o = atomic %bp {op = inc} after(%v) : u32
  %b = barrier {flags = [local]} after(%o) : void
  %four = const {value = 4} : u64
  %small = cmp %l, %four {pred = lt} : u1
  %lp = ptradd %tp, %l : ptr.local<u32>
  %c = load %lp, %small after(%b) : u32
  %hp = ptradd %h, %l : ptr.global<u32>
  %o2 = atomic %hp, %c, %small {op = add} after(%c) : u32
  %op = ptradd %old, %i : ptr.global<u32>
  %s = store %op, %o after(%o2) : void
"""


def test_interp_local_histogram() -> None:
    k = _kernel(HIST, "%d: ptr.global<u32>, %h: ptr.global<u32>, %old: ptr.global<u32>")
    rng = np.random.default_rng(1)
    d = rng.integers(0, 1000, 64).astype(np.uint32)
    out = run_kernel(
        k,  # type: ignore[arg-type]
        {"d": d, "h": np.zeros(4, np.uint32), "old": np.zeros(64, np.uint32)},
        64,
        16,
    )
    assert list(out["h"]) == list(np.bincount(d & 3, minlength=4))
    # per work-group and bin, the old values are 0, 1, ... (a permutation)
    for g in range(4):
        bins = (d & 3)[g * 16 : (g + 1) * 16]
        olds = out["old"][g * 16 : (g + 1) * 16]
        for b in range(4):
            assert sorted(olds[bins == b]) == list(range(int((bins == b).sum())))
    _ = Local  # __local pointer arguments are sized with Local(nbytes)


def test_interp_counter_is_a_permutation() -> None:
    body = """  %i = global_id {dim = 0} : u64
  %one = const {value = 1} : i32
  %o = atomic %c, %one {op = add} : i32
  %op = ptradd %old, %i : ptr.global<i32>
  %s = store %op, %o after(%o) : void
"""
    k = _kernel(body, "%c: ptr.global<i32>, %old: ptr.global<i32>")
    out = run_kernel(k, {"c": np.zeros(1, np.int32), "old": np.zeros(40, np.int32)}, 40)  # type: ignore[arg-type]
    assert sorted(out["old"]) == list(range(40))
    assert out["c"][0] == 40
