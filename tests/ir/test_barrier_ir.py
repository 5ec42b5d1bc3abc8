"""The barrier op and alloca : ptr.local<T>: text round trip and verifier checks."""

from __future__ import annotations

import pytest

from soff.ir.parser import parse_module
from soff.ir.printer import print_module
from soff.ir.verifier import VerifyError, verify_module

GOOD = """kernel @k(%a: ptr.global<i32>) {
^entry:
  %t = alloca : ptr.local<[4 x [8 x i32]]>
  %p = alloca : ptr.private<[2 x i32]>
  %i = local_id {dim = 0} : u64
  %r = bitcast %t : ptr.local<i32>
  %q = ptradd %r, %i : ptr.local<i32>
  %v = load %q : i32
  %s = store %q, %v after(%v) : void
  %b = barrier {flags = [local, global]} after(%s) : void
  %w = load %q after(%b) : i32
  %b2 = barrier {flags = []} after(%w) : void
  ret
}
"""


def test_round_trip_and_verify() -> None:
    m = parse_module(GOOD)
    verify_module(m, barrier_order=True)
    assert print_module(m) == GOOD


@pytest.mark.parametrize(
    ("old", "new", "msg"),
    [
        ("{flags = [local, global]}", "{flags = [local, local]}", "flags attribute"),
        ("{flags = [local, global]}", "{flags = [image]}", "flags attribute"),
        ("{flags = [local, global]}", "", "flags attribute"),
        (
            "barrier {flags = []} after(%w) : void",
            "barrier {flags = []} after(%w) : i32",
            "expected void",
        ),
        ("alloca : ptr.local", "alloca : ptr.global", "not a ptr.private or ptr.local"),
    ],
)
def test_verifier_rejects(old: str, new: str, msg: str) -> None:
    with pytest.raises(VerifyError, match=msg):
        verify_module(parse_module(GOOD.replace(old, new)))


def test_barrier_order_is_checked_on_request() -> None:
    text = GOOD.replace("%w = load %q after(%b)", "%w = load %q after(%s)")
    verify_module(parse_module(text))  # off by default (the hardware passes do not keep it)
    with pytest.raises(VerifyError, match="does not follow the earlier '%b = barrier'"):
        verify_module(parse_module(text), barrier_order=True)
    text = GOOD.replace("barrier {flags = [local, global]} after(%s)", "barrier {flags = [local]}")
    with pytest.raises(VerifyError, match="does not follow the earlier '%v = load'"):
        verify_module(parse_module(text), barrier_order=True)


def test_local_alloca_only_in_entry() -> None:
    text = GOOD.replace("  ret\n", "  br [^next]\n^next:\n  %u = alloca : ptr.local<i32>\n  ret\n")
    with pytest.raises(VerifyError, match="alloca outside the entry block"):
        verify_module(parse_module(text))
