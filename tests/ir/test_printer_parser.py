"""The IR text form: print -> parse -> print is the identity; parse errors are located."""

from __future__ import annotations

import math
import textwrap

import pytest

from soff.diagnostics import CompileError, SourceLoc
from soff.ir.builder import Builder
from soff.ir.core import Arg, Block, Kernel, Module, Op
from soff.ir.parser import parse_kernel, parse_module, parse_type
from soff.ir.printer import print_module
from soff.ir.types import (
    BOOL,
    F16,
    F32,
    F64,
    I8,
    I32,
    U64,
    VOID,
    ArrayType,
    IntType,
    PtrType,
    StructType,
    VectorType,
)


def ir(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def round_trip(text: str) -> str:
    """Parse, print, and check that printing is a fixed point."""
    printed = print_module(parse_module(text))
    assert print_module(parse_module(printed)) == printed
    return printed


def build_loop_module() -> Module:
    """A counted loop built with the Builder; the phi uses a value defined after it."""
    loc = SourceLoc('dir with spaces/k "q".cl', 7, 3)
    k = Kernel("sum", attrs={"reqd_work_group_size": [64, 1, 1], "note": "a b\\c", "flag": True},
               loc=loc)  # fmt: skip
    out = Arg(PtrType(I32, "global"), "out", 0)
    n = Arg(I32, "n", 1)
    k.args += [out, n]
    b = Builder(k)
    b.loc = loc
    entry, body, done = b.new_block("entry"), b.new_block("loop body"), b.new_block("exit")
    b.at(entry)
    zero = b.const(0, I32)
    one = b.const(1, I32, name="one")
    b.br(body)
    b.at(body)
    i = b.phi([(zero, entry)], I32, name="i")
    acc = b.phi([(zero, entry)], I32, name="acc")
    acc2 = b.binary("add", acc, i, name="acc")
    i2 = b.binary("add", i, one, name="i")
    i.operands.append(i2)
    i.blocks.append(body)
    acc.operands.append(acc2)
    acc.blocks.append(body)
    c = b.cmp("lt", i2, n)
    b.cbr(c, body, done)
    b.at(done)
    st = b.store(out, acc2, deps=[])
    b.load(out, I32, deps=[st])
    b.ret()
    return Module([k])


def test_round_trip_builder_module() -> None:
    m = build_loop_module()
    text = print_module(m)
    assert "%i = phi %0, %i.1 [^entry, ^loop_body] : i32" in text
    assert 'loc("dir with spaces/k \\"q\\".cl":7:3)' in text
    assert round_trip(text) == text
    k = parse_module(text).kernels[0]
    assert k.attrs == {"reqd_work_group_size": [64, 1, 1], "note": "a b\\c", "flag": True}
    assert k.loc == SourceLoc('dir with spaces/k "q".cl', 7, 3)
    assert k.blocks[0].ops[0].loc == SourceLoc('dir with spaces/k "q".cl', 7, 3)


def test_forward_referenced_phi_resolves_to_later_op() -> None:
    text = ir("""
        kernel @k(%n: i32) {
        ^entry:
          %0 = const {value = 0} : i32
          br [^loop]
        ^loop:
          %i = phi %0, %next [^entry, ^loop] : i32
          %next = add %i, %i : i32
          %c = cmp %next, %n {pred = lt} : u1
          cbr %c [^loop, ^done]
        ^done:
          ret
        }
    """)
    k = parse_kernel(text)
    phi, add = k.blocks[1].ops[0], k.blocks[1].ops[1]
    assert phi.operands[1] is add and phi.blocks == [k.blocks[0], k.blocks[1]]
    assert k.blocks[1].ops[-1].blocks == [k.blocks[1], k.blocks[2]]
    assert round_trip(text) == text


def test_counter_names_are_dropped_and_hints_kept() -> None:
    text = ir("""
        kernel @k(%a: i32) {
        ^entry:
          %7 = add %a, %a : i32
          %x = add %7, %7 : i32
          %x.1 = add %x, %x : i32
          ret
        }
    """)
    k = parse_kernel(text)
    assert [op.name for op in k.entry.ops[:3]] == [None, "x", "x.1"]
    # counters are renumbered from 0; hints print as they were
    assert "%0 = add %a, %a" in round_trip(text)
    assert "%x.1 = add %x, %x" in round_trip(text)


def test_all_types_round_trip() -> None:
    types = [
        I8, IntType(17, False), BOOL, IntType(128), F16, F32, F64, VOID,
        PtrType(I32, "global"), PtrType(F32, "constant"), PtrType(I8, "local"),
        PtrType(PtrType(U64, "private"), "global"),
        VectorType(F32, 4), VectorType(IntType(16, False), 3),
        ArrayType(I32, 4), ArrayType(ArrayType(F64, 2), 3),
        StructType("pair", (("a", I32), ("b", F32))),
        StructType("nest", (("v", VectorType(F32, 2)), ("arr", ArrayType(I8, 5)),
                            ("p", PtrType(StructType("e", ()), "global")))),
    ]  # fmt: skip
    for t in types:
        assert parse_type(str(t)) == t, t
    k = Kernel("types")
    k.args = [Arg(t, f"a{i}", i) for i, t in enumerate(types) if t != VOID]
    bb = Builder(k)
    bb.at(bb.new_block("entry"))
    for t in types:
        if t != VOID:
            bb.const(0, t)
    bb.ret()
    text = print_module(Module([k]))
    assert round_trip(text) == text
    assert [a.type for a in parse_module(text).kernels[0].args] == [t for t in types if t != VOID]


@pytest.mark.parametrize(
    "value",
    [
        0, -5, 2**70, 1.5, -0.0, 1e-300, 3.0e38, math.inf, -math.inf,
        True, False, "lt", "with space", 'quo"te', "back\\slash", "new\nline",
        "true", "inf", "nan", "i32", "loc", "", [], [1, [2, "x"], [True, 2.5]],
    ],
)  # fmt: skip
def test_attribute_values_round_trip(value: object) -> None:
    k = Kernel("k", attrs={"v": value})
    b = Builder(k)
    b.at(b.new_block("entry"))
    b.op("const", [], I32, {"value": 1, "extra": value})
    b.ret()
    text = print_module(Module([k]))
    k2 = parse_module(text).kernels[0]
    assert k2.attrs["v"] == value and type(k2.attrs["v"]) is type(value)
    assert k2.entry.ops[0].attrs["extra"] == value
    assert round_trip(text) == text


def test_nan_attribute() -> None:
    k = Kernel("k", attrs={"v": math.nan})
    b = Builder(k)
    b.at(b.new_block("entry"))
    b.ret()
    text = print_module(Module([k]))
    assert math.isnan(parse_module(text).kernels[0].attrs["v"])
    assert round_trip(text) == text


def test_hand_written_module_with_comments_and_blank_lines() -> None:
    text = ir("""
        // two kernels
        kernel @a(%p: ptr.global<f32>) {   // header
        ^entry:

          %i = global_id {dim = 0} : u64 loc("a.cl":2:3)
          %q = ptradd %p, %i : ptr.global<f32>
          %v = load %q : f32
          %w = add %v, %v : f32
          // a comment line
          %s = store %q, %w after(%v) : void
          ret
        }

        kernel @b() {
        ^entry:
          ret
        }
    """)
    printed = round_trip(text)
    m = parse_module(printed)
    assert [k.name for k in m.kernels] == ["a", "b"]
    store = m.kernels[0].entry.ops[4]
    assert store.opcode == "store" and store.deps == [m.kernels[0].entry.ops[2]]
    assert "//" not in printed


def test_names_that_need_sanitising_round_trip() -> None:
    k = Kernel("k")
    k.args = [Arg(I32, "", 0), Arg(I32, "9lives", 1)]
    b = Builder(k)
    b.at(b.new_block("if then"))
    b.binary("add", k.args[0], k.args[1], name="a b")
    b.binary("add", k.args[0], k.args[1], name="12")  # a numeric hint counts as none
    b.br(b.new_block(""))
    b.at(k.blocks[1])
    b.ret()
    text = print_module(Module([k]))
    assert round_trip(text) == text
    assert "^if_then:" in text and "%v9lives" in text


def test_void_ops_without_a_name_are_accepted() -> None:
    text = ir("""
        kernel @k(%p: ptr.global<i32>, %v: i32) {
        ^entry:
          store %p, %v : void
          ret
        }
    """)
    printed = round_trip(text)
    assert "%0 = store %p, %v : void" in printed


# -- errors -----------------------------------------------------------------


def parse_error(text: str) -> CompileError:
    with pytest.raises(CompileError) as info:
        parse_module(ir(text), "t.ir")
    return info.value


def test_unknown_value_error() -> None:
    e = parse_error("""
        kernel @k(%a: i32) {
        ^entry:
          %x = add %a, %b : i32
          ret
        }
    """)
    assert e.message == "unknown value '%b'"
    assert e.loc == SourceLoc("t.ir", 3, 16)
    assert str(e) == "t.ir:3:16: error: unknown value '%b'"


def test_unknown_opcode_error() -> None:
    e = parse_error("""
        kernel @k(%a: i32) {
        ^entry:
          %x = frobnicate %a : i32
          ret
        }
    """)
    assert e.message == "unknown opcode 'frobnicate'"
    assert e.loc == SourceLoc("t.ir", 3, 8)


def test_unknown_block_error() -> None:
    e = parse_error("""
        kernel @k() {
        ^entry:
          br [^nowhere]
        }
    """)
    assert e.message == "unknown block '^nowhere'" and e.loc == SourceLoc("t.ir", 3, 7)


def test_syntax_error_lists_expected_tokens() -> None:
    e = parse_error("""
        kernel @k(%a: i32) {
        ^entry:
          %x = add %a, %a i32
          ret
        }
    """)
    assert e.loc == SourceLoc("t.ir", 3, 19)
    assert e.message.startswith("syntax error: unexpected 'i32'; expected one of ")
    assert "':'" in e.message and "'loc'" in e.message


def test_syntax_error_bad_type() -> None:
    e = parse_error("""
        kernel @k(%a: vec<4 i32>) {
        ^entry:
          ret
        }
    """)
    assert e.loc == SourceLoc("t.ir", 1, 21)
    assert "expected 'x'" in e.message


def test_syntax_error_unexpected_character() -> None:
    e = parse_error("""
        kernel @k() {
        ^entry:
          ret #
        }
    """)
    assert e.loc == SourceLoc("t.ir", 3, 7) and "unexpected character '#'" in e.message


def test_syntax_error_at_end_of_input() -> None:
    e = parse_error("""
        kernel @k() {
        ^entry:
          ret
    """)
    assert "unexpected end of input" in e.message and e.loc is not None


def test_duplicate_definition_error() -> None:
    e = parse_error("""
        kernel @k(%a: i32) {
        ^entry:
          %x = add %a, %a : i32
          %x = add %a, %a : i32
          ret
        }
    """)
    assert e.message == "value '%x' is defined twice (first at line 3)"
    assert e.loc == SourceLoc("t.ir", 4, 3)


def test_duplicate_block_and_kernel_errors() -> None:
    e = parse_error("""
        kernel @k() {
        ^entry:
          ret
        ^entry:
          ret
        }
    """)
    assert e.message == "block '^entry' is defined twice" and e.loc == SourceLoc("t.ir", 4, 1)
    e = parse_error("""
        kernel @k() {
        ^entry:
          ret
        }
        kernel @k() {
        ^entry:
          ret
        }
    """)
    assert e.message == "kernel '@k' is defined twice" and e.loc == SourceLoc("t.ir", 5, 8)


def test_bad_types_are_errors() -> None:
    e = parse_error("kernel @k(%a: ptr.shared<i32>) {\n}\n")
    assert "unknown address space 'shared'" in e.message and e.loc == SourceLoc("t.ir", 1, 15)
    e = parse_error("kernel @k(%a: f8) {\n}\n")
    assert "unknown float type 'f8'" in e.message
    e = parse_error("kernel @k(%a: i0) {\n}\n")
    assert "width must be positive" in e.message


def test_dependence_on_argument_is_an_error() -> None:
    e = parse_error("""
        kernel @k(%p: ptr.global<i32>) {
        ^entry:
          %v = load %p after(%p) : i32
          ret
        }
    """)
    assert "'%p' is an argument, not an op" in e.message


def test_terminator_with_result_is_an_error() -> None:
    e = parse_error("""
        kernel @k() {
        ^entry:
          %r = ret
        }
    """)
    assert e.message == "terminator 'ret' has no result to name"


def test_parsed_ops_have_parents() -> None:
    k = parse_kernel(
        ir("""
        kernel @k() {
        ^entry:
          ret
        }
    """)
    )
    assert isinstance(k.entry, Block) and k.entry.parent is k
    assert all(isinstance(op, Op) and op.parent is k.entry for op in k.entry.ops)
