"""popcount, clz and math ops: verifier, interpreter and the text form."""

from __future__ import annotations

import numpy as np
import pytest

from soff.ir.interp import run_kernel
from soff.ir.parser import parse_kernel
from soff.ir.printer import print_kernel
from soff.ir.verifier import VerifyError, verify_kernel

BITS = """kernel @k(%a: ptr.global<u16>, %o: ptr.global<u16>) {
^entry:
  %i = global_id {dim = 0} : u64
  %p = ptradd %a, %i : ptr.global<u16>
  %x = load %p : u16
  %c = popcount %x : u16
  %z = clz %x : u16
  %s = add %c, %z : u16
  %q = ptradd %o, %i : ptr.global<u16>
  %st = store %q, %s after(%x) : void
  ret
}
"""

MATH = """kernel @m(%o: ptr.global<f32>, %x: f32) {
^entry:
  %y = math %x {fn = sqrt} : f32
  %h = const {value = 0.5} : f32
  %z = math %y, %h, %x {fn = fma} : f32
  %w = math %z {fn = round} : f32
  %st = store %o, %w : void
  ret
}
"""


def test_popcount_clz_interp_and_round_trip() -> None:
    k = parse_kernel(BITS)
    assert print_kernel(parse_kernel(print_kernel(k))) == print_kernel(k)
    a = np.array([0, 1, 0xFFFF, 0x8000, 0x00F0], np.uint16)
    out = run_kernel(k, {"a": a, "o": np.zeros(5, np.uint16)}, 5)["o"]
    want = [bin(int(v)).count("1") + 16 - int(v).bit_length() for v in a]
    np.testing.assert_array_equal(out, want)


def test_math_interp_and_round_trip() -> None:
    k = parse_kernel(MATH)
    assert print_kernel(parse_kernel(print_kernel(k))) == print_kernel(k)
    out = run_kernel(k, {"o": np.zeros(1, np.float32), "x": 6.25}, 1)["o"]
    assert out[0] == np.float32(round(2.5 * 0.5 + 6.25 + 0.5 - 0.5 + 0.0))  # 7.5 -> 8


@pytest.mark.parametrize(
    "line, what",
    [
        ("%y = math %x {fn = erf} : f32", "not a math function"),
        ("%y = math %x, %x {fn = sqrt} : f32", "expects 1 operand"),
        ("%y = math %x {fn = sqrt} : f64", "does not match the result type"),
        ("%y = math %x, %x {fn = pown} : f32", "operand 1 has type f32, expected i32"),
        ("%y = math %x {fn = ilogb} : f32", "result type is f32, expected i32"),
        ("%y = popcount %x : f32", "not valid for 'popcount'"),
    ],
)
def test_verifier_rejects(line: str, what: str) -> None:
    k = parse_kernel(f"kernel @m(%x: f32) {{\n^entry:\n  {line}\n  ret\n}}\n")
    with pytest.raises(VerifyError, match=what):
        verify_kernel(k)


MEM = """kernel @a(%o: ptr.global<i32>) {
^entry:
  %t = alloca : ptr.private<[2 x i32]>
  %c = rodata {data = [5, -6]} : ptr.constant<[3 x i32]>
  %tp = bitcast %t : ptr.private<i32>
  %cp = bitcast %c : ptr.constant<i32>
  %one = const {value = 1} : i64
  %c1 = ptradd %cp, %one : ptr.constant<i32>
  %v = load %c1 : i32
  %t1 = ptradd %tp, %one : ptr.private<i32>
  %s = store %t1, %v after(%v) : void
  %w = load %tp after(%s) : i32
  %x = load %t1 after(%s) : i32
  %y = add %w, %x : i32
  %s2 = store %o, %y after(%s, %w, %x) : void
  ret
}
"""


def test_alloca_rodata_interp_and_round_trip() -> None:
    k = parse_kernel(MEM)
    verify_kernel(k)
    assert print_kernel(parse_kernel(print_kernel(k))) == print_kernel(k)
    assert run_kernel(k, {"o": np.zeros(1, np.int32)}, 1)["o"][0] == -6


@pytest.mark.parametrize(
    "line, what",
    [
        ("%t = alloca : ptr.global<i32>", "is not a ptr.private"),
        ("%t = rodata {data = [1, 2]} : ptr.constant<i32>", "2 data values for 1 elements"),
        ("%t = rodata {data = [true]} : ptr.constant<i32>", "list of numbers"),
        ("%t = rodata : ptr.private<i32>", "is not a ptr.constant"),
    ],
)
def test_verifier_rejects_memory_objects(line: str, what: str) -> None:
    k = parse_kernel(f"kernel @m(%x: f32) {{\n^entry:\n  {line}\n  ret\n}}\n")
    with pytest.raises(VerifyError, match=what):
        verify_kernel(k)


def test_alloca_only_in_entry() -> None:
    k = parse_kernel(
        "kernel @m() {\n^entry:\n  br [^b]\n^b:\n  %t = alloca : ptr.private<i32>\n  ret\n}\n"
    )
    with pytest.raises(VerifyError, match="outside the entry block"):
        verify_kernel(k)
