"""The verifier: one invalid kernel per check, each failing with its own message."""

from __future__ import annotations

import textwrap

import pytest

from soff.diagnostics import CompileError, SourceLoc
from soff.ir.core import Block, Kernel, Module, Op
from soff.ir.parser import parse_kernel, parse_module
from soff.ir.types import I32
from soff.ir.verifier import VerifyError, dominators, verify_kernel, verify_module


def kernel(body: str, args: str = "%a: i32, %b: i32, %p: ptr.global<i32>, %c: u1") -> Kernel:
    return parse_kernel(f"kernel @k({args}) {{\n" + textwrap.dedent(body).strip("\n") + "\n}\n")


def fails(k: Kernel, message: str) -> VerifyError:
    with pytest.raises(VerifyError) as info:
        verify_kernel(k)
    assert message in info.value.message, info.value.message
    return info.value


VALID = [
    """
    ^entry:
      %i = global_id {dim = 0} : u64
      %q = ptradd %p, %i : ptr.global<i32>
      %v = load %q, %c : i32
      %s = add %v, %a : i32
      %st = store %q, %s, %c after(%v) : void
      %v2 = load %q after(%st) : i32
      ret
    """,
    """
    ^entry:
      %zero = const {value = 0} : i32
      br [^loop]
    ^loop:
      %i = phi %zero, %next [^entry, ^body] : i32
      %lt = cmp %i, %a {pred = lt} : u1
      cbr %lt [^body, ^exit]
    ^body:
      %next = add %i, %b : i32
      br [^loop]
    ^exit:
      %f = cast %i : f32
      %g = div %f, %f : f32
      %sel = select %lt, %a, %i : i32
      ret
    """,
    """
    ^entry:
      cbr %c [^then, ^else]
    ^then:
      %x = mul %a, %b : i32
      br [^join]
    ^else:
      %y = shl %a, %b : i32
      br [^join]
    ^join:
      %z = phi %x, %y [^then, ^else] : i32
      %n = neg %z : i32
      ret
    ^dead:
      %u = add %n, %n : i32
      br [^dead]
    """,
]


@pytest.mark.parametrize("body", VALID)
def test_valid_kernels_pass(body: str) -> None:
    verify_kernel(kernel(body))


def test_valid_module_passes() -> None:
    verify_module(parse_module("kernel @a() {\n^e:\n  ret\n}\nkernel @b() {\n^e:\n  ret\n}\n"))


def test_error_is_a_located_compile_error() -> None:
    k = parse_kernel(
        "kernel @k(%a: i32, %b: u32) {\n^entry:\n"
        '  %x = add %a, %b : i32 loc("k.cl":4:9)\n  ret\n}\n'
    )
    e = fails(k, "operand types i32 and u32 do not match the result type i32")
    assert isinstance(e, CompileError)
    assert e.loc == SourceLoc("k.cl", 4, 9)
    assert str(e) == (
        "k.cl:4:9: error: in @k, ^entry: '%x = add': "
        "operand types i32 and u32 do not match the result type i32"
    )


# -- CFG structure ------------------------------------------------------------


def test_kernel_without_blocks() -> None:
    fails(Kernel("k"), "kernel has no blocks")


def test_block_without_terminator() -> None:
    fails(kernel("^entry:\n  %x = add %a, %b : i32\n"), "block does not end in a terminator")


def test_empty_block() -> None:
    k = kernel("^entry:\n  ret\n")
    k.add_block(Block("empty"))
    fails(k, "^empty: block is empty")


def test_terminator_in_the_middle() -> None:
    fails(kernel("^entry:\n  ret\n  ret\n"), "'ret': terminator in the middle of the block")


def test_terminator_target_outside_the_kernel() -> None:
    k = kernel("^entry:\n  br [^entry]\n")
    k.blocks[0].ops[0].blocks = [Block("elsewhere")]
    fails(k, "'br': block ^elsewhere is not in this kernel")


def test_terminator_target_count() -> None:
    fails(kernel("^entry:\n  cbr %c [^entry]\n"), "expects 2 target block(s), got 1")


def test_entry_block_with_predecessors() -> None:
    fails(kernel("^entry:\n  br [^entry]\n"), "entry block ^entry has predecessors (^entry)")


# -- phis ---------------------------------------------------------------------

DIAMOND = """
^entry:
  cbr %c [^then, ^else]
^then:
  br [^join]
^else:
  br [^join]
^join:
  {phi}
  ret
"""


def diamond(phi: str) -> Kernel:
    return kernel(DIAMOND.replace("{phi}", phi))


def test_phi_after_non_phi() -> None:
    k = diamond("%x = add %a, %b : i32\n  %z = phi %a, %b [^then, ^else] : i32")
    fails(k, "'%z = phi': phi after a non-phi op")


def test_phi_value_and_block_counts_differ() -> None:
    fails(diamond("%z = phi %a [^then, ^else] : i32"), "1 incoming value(s) but 2 block(s)")


def test_phi_block_is_not_a_predecessor() -> None:
    fails(
        diamond("%z = phi %a, %b, %a [^then, ^else, ^entry] : i32"),
        "^entry is not a predecessor of ^join",
    )


def test_phi_missing_predecessor() -> None:
    fails(diamond("%z = phi %a [^then] : i32"), "no incoming value for predecessor(s) ^else")


def test_phi_predecessor_twice() -> None:
    fails(diamond("%z = phi %a, %b [^then, ^then] : i32"), "predecessor ^then listed twice")


def test_phi_incoming_type() -> None:
    fails(diamond("%z = phi %a, %c [^then, ^else] : i32"), "incoming value %c has type u1")


# -- SSA ----------------------------------------------------------------------


def test_value_defined_twice() -> None:
    k = kernel("^entry:\n  %x = add %a, %b : i32\n  ret\n")
    k.entry.insert(1, k.entry.ops[0])
    fails(k, "op is defined more than once")


def test_operand_from_another_kernel() -> None:
    other = kernel("^entry:\n  %y = add %a, %b : i32\n  ret\n")
    k = kernel("^entry:\n  %x = add %a, %b : i32\n  ret\n")
    k.entry.ops[0].operands[0] = other.entry.ops[0]
    fails(k, "operand 0 (<value y not in @k>) is not defined in this kernel")
    k.entry.ops[0].operands[0] = other.args[0]
    fails(k, "operand 0 is an argument of another kernel")


def test_void_operand() -> None:
    fails(
        kernel("^entry:\n  %s = store %p, %a : void\n  %x = add %s, %s : i32\n  ret\n"),
        "operand 0 (%s) has no value (void)",
    )


def test_use_before_definition_in_block() -> None:
    fails(
        kernel("^entry:\n  %x = add %y, %b : i32\n  %y = add %a, %b : i32\n  ret\n"),
        "'%x = add': operand %y is used before its definition",
    )


def test_definition_does_not_dominate_use() -> None:
    body = DIAMOND.replace("br [^join]\n^else", "%t = add %a, %b : i32\n  br [^join]\n^else")
    fails(
        kernel(body.replace("{phi}", "%u = add %t, %t : i32")),
        "operand %t (defined in ^then) does not dominate this use",
    )


def test_phi_operand_must_dominate_predecessor_end() -> None:
    body = DIAMOND.replace("br [^join]\n^else", "%t = add %a, %b : i32\n  br [^join]\n^else")
    verify_kernel(kernel(body.replace("{phi}", "%z = phi %t, %a [^then, ^else] : i32")))
    fails(
        kernel(body.replace("{phi}", "%z = phi %a, %t [^then, ^else] : i32")),
        "incoming value %t does not dominate the end of predecessor ^else",
    )


def test_dominators() -> None:
    k = diamond("%z = phi %a, %b [^then, ^else] : i32")
    entry, then, else_, join = k.blocks
    assert dominators(k) == {entry: None, then: entry, else_: entry, join: entry}


# -- memory dependences ---------------------------------------------------------


def test_dependence_on_non_memory_op() -> None:
    fails(
        kernel("^entry:\n  %x = add %a, %b : i32\n  %v = load %p after(%x) : i32\n  ret\n"),
        "after(%x): %x is not a memory op",
    )


def test_dependence_in_another_block() -> None:
    fails(
        kernel(
            "^entry:\n  %v = load %p : i32\n  br [^b]\n^b:\n  %s = store %p, %a after(%v) : void\n  ret\n"
        ),
        "after(%v): %v is in another block",
    )


def test_dependence_must_come_earlier() -> None:
    fails(
        kernel("^entry:\n  %v = load %p after(%s) : i32\n  %s = store %p, %a : void\n  ret\n"),
        "after(%s): %s does not come earlier",
    )


def test_dependence_on_non_memory_user() -> None:
    fails(
        kernel("^entry:\n  %v = load %p : i32\n  %x = add %a, %b after(%v) : i32\n  ret\n"),
        "only memory ops have after(...) dependences",
    )


# -- types ----------------------------------------------------------------------

TYPE_ERRORS = [
    ("%x = add %a, %c : i32", "operand types i32 and u1 do not match the result type i32"),
    ("%x = sub %a, %b : u32", "operand types i32 and i32 do not match the result type u32"),
    ("%f = cast %a : f32\n  %x = and %f, %f : f32", "result type f32 is not an integer type"),
    ("%x = add %p, %p : ptr.global<i32>", "is not an integer or float type"),
    ("%x = cmp %a, %c {pred = lt} : u1", "compares different types i32 and u1"),
    ("%x = cmp %a, %b {pred = lt} : i32", "result type is i32, expected u1"),
    ("%x = cmp %a, %b : u1", "pred attribute None is not one of eq, ne, lt, le, gt, ge"),
    ("%x = select %a, %a, %b : i32", "condition has type i32, expected u1"),
    ("%x = select %c, %a, %c : i32", "arm types i32 and u1 do not match the result type i32"),
    ("%x = ptradd %a, %b : ptr.global<i32>", "first operand has type i32, expected a pointer"),
    (
        "%f = cast %a : f32\n  %x = ptradd %p, %f : ptr.global<i32>",
        "index has type f32, expected an integer",
    ),
    ("%x = load %a : i32", "address has type i32, expected a pointer"),
    ("%x = load %p : u32", "loads u32 through a pointer to i32"),
    ("%x = load %p, %a : i32", "predicate has type i32, expected u1"),
    ("%x = store %p, %c : void", "stores u1 through a pointer to i32"),
    ("%x = store %p, %a, %b : void", "predicate has type i32, expected u1"),
    ("%x = store %a, %a : void", "address has type i32, expected a pointer"),
    ("%x = global_id : u64", "dim attribute must be 0, 1 or 2, not None"),
    ("%x = local_id {dim = 3} : u64", "dim attribute must be 0, 1 or 2, not 3"),
    ("%x = group_id {dim = true} : u64", "dim attribute must be 0, 1 or 2, not True"),
    ("%x = global_size {dim = 0} : u32", "result type is u32, expected u64"),
    ("%x = const : i32", "const has no value attribute"),
    ("%x = neg %a : u32", "operand type i32 does not match the result type u32"),
    ("%x = add %a : i32", "expects 2 operand(s), got 1"),
]


@pytest.mark.parametrize(("line", "message"), TYPE_ERRORS)
def test_type_errors(line: str, message: str) -> None:
    e = fails(kernel(f"^entry:\n  {line}\n  ret\n"), message)
    assert e.message.startswith("in @k, ^entry: '%x = ")


def test_cbr_condition_must_be_u1() -> None:
    fails(
        kernel("^entry:\n  cbr %a [^t, ^t]\n^t:\n  ret\n"),
        "'cbr': condition has type i32, expected u1",
    )


def test_duplicate_kernel_in_module() -> None:
    k = kernel("^entry:\n  ret\n")
    with pytest.raises(VerifyError, match="kernel @k is defined twice"):
        verify_module(Module([k, k]))


def test_op_parent_must_match_block() -> None:
    k = kernel("^entry:\n  %x = add %a, %b : i32\n  ret\n")
    op: Op = k.entry.ops[0]
    op.parent = None
    fails(k, "op's parent is not the block that holds it")
    assert op.type == I32
