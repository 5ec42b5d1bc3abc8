"""Atomics are side effects: dce, cse, fold-constants and if-convert never remove,
merge or speculate them, and order them like stores."""

from __future__ import annotations

from hls_helpers import check, run_passes


def test_dce_and_cse_keep_every_atomic() -> None:
    text = """
        kernel @k(%p: ptr.global<i32>, %x: i32) {
        ^entry:
          %a = atomic %p, %x {op = add} : i32
          %b = atomic %p, %x {op = add} after(%a) : i32
          %c = atomic %p {op = inc} after(%b) : i32
          ret
        }
    """
    check(text, "dce,cse,fold-constants", text)


def test_if_convert_predicates_atomics_and_orders_them_like_stores() -> None:
    got = run_passes(
        """
        kernel @k(%p: ptr.global<i32>, %q: ptr.global<i32>, %x: i32) {
        ^entry:
          %0 = const {value = 0} : i32
          %c = cmp %x, %0 {pred = lt} : u1
          %v = load %q : i32
          cbr %c [^then, ^end]
        ^then:
          %a = atomic %p, %x, %x {op = cmpxchg} : i32
          %d = atomic %p {op = dec} after(%a) : i32
          br [^end]
        ^end:
          %r = phi %a, %0 [^then, ^entry] : i32
          %w = load %q : i32
          %s = store %q, %r after(%w) : void
          ret
        }
        """,
        "if-convert",
    )
    assert "%a = atomic %p, %x, %x, %c {op = cmpxchg} after(%v) : i32" in got
    assert "%d = atomic %p, %c {op = dec} after(%a) : i32" in got
    assert "%w = load %q after(%d) : i32" in got


def test_fold_constants_drops_a_true_predicate_only() -> None:
    check(
        """
        kernel @k(%p: ptr.global<i32>, %x: i32) {
        ^entry:
          %t = const {value = 1} : u1
          %f = const {value = 0} : u1
          %a = atomic %p, %x, %t {op = xchg} : i32
          %b = atomic %p, %x, %f {op = xchg} after(%a) : i32
          %c = atomic %p, %t {op = inc} after(%b) : i32
          ret
        }
        """,
        "fold-constants,dce",
        """
        kernel @k(%p: ptr.global<i32>, %x: i32) {
        ^entry:
          %f = const {value = 0} : u1
          %a = atomic %p, %x {op = xchg} : i32
          %b = atomic %p, %x, %f {op = xchg} after(%a) : i32
          %c = atomic %p {op = inc} after(%b) : i32
          ret
        }
        """,
    )
