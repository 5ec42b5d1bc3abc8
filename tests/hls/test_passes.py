"""dce, cse, if-convert and pipeline parsing: IR text in, IR text out."""

from __future__ import annotations

import pytest
from hls_helpers import check, ir, run_passes, run_pipeline

from soff.diagnostics import CompileError
from soff.hls.pass_manager import PASSES, parse_pipeline
from soff.hls.pipeline import DEFAULT_PIPELINE, default_pipeline
from soff.ir.parser import parse_module

# --- dce --------------------------------------------------------------------


def test_dce_removes_unused_pure_ops_and_loads_keeps_stores() -> None:
    check(
        """
        kernel @k(%p: ptr.global<i32>, %x: i32) {
        ^entry:
          %i = global_id {dim = 0} : u64
          %a = add %x, %x : i32
          %b = mul %a, %a : i32
          %q = ptradd %p, %i : ptr.global<i32>
          %v = load %q : i32
          %unused = cmp %v, %b {pred = lt} : u1
          %s = store %p, %x : void
          %w = load %p after(%s) : i32
          ret
        }
        """,
        "dce",
        """
        kernel @k(%p: ptr.global<i32>, %x: i32) {
        ^entry:
          %s = store %p, %x : void
          ret
        }
        """,
    )


def test_dce_keeps_control_flow_and_phi_inputs() -> None:
    text = """
        kernel @k(%p: ptr.global<i32>, %x: i32) {
        ^entry:
          %0 = const {value = 0} : i32
          %c = cmp %x, %0 {pred = lt} : u1
          cbr %c [^then, ^end]
        ^then:
          %n = neg %x : i32
          br [^end]
        ^end:
          %r = phi %n, %x [^then, ^entry] : i32
          %s = store %p, %r : void
          ret
        }
    """
    check(text, "dce", text)


# --- cse --------------------------------------------------------------------


def test_cse_merges_equal_ops_including_commuted_operands() -> None:
    check(
        """
        kernel @k(%p: ptr.global<i32>, %x: i32, %y: i32) {
        ^entry:
          %0 = const {value = 3} : i32
          %1 = const {value = 3} : i32
          %2 = const {value = 3} : i64
          %a = add %x, %y : i32
          %b = add %y, %x : i32
          %c = mul %a, %0 : i32
          %d = mul %1, %b : i32
          %e = sub %x, %y : i32
          %f = sub %y, %x : i32
          %g = cmp %x, %y {pred = lt} : u1
          %h = cmp %x, %y {pred = gt} : u1
          %i = cmp %x, %y {pred = lt} : u1
          %j = cast %2 : i32
          %t = add %c, %d : i32
          %u = add %e, %f : i32
          %w = and %g, %h : u1
          %z = xor %w, %i : u1
          %k = cast %z : i32
          %l = add %t, %u : i32
          %m = add %l, %k : i32
          %n = add %m, %j : i32
          %s = store %p, %n : void
          ret
        }
        """,
        "cse",
        """
        kernel @k(%p: ptr.global<i32>, %x: i32, %y: i32) {
        ^entry:
          %0 = const {value = 3} : i32
          %1 = const {value = 3} : i64
          %a = add %x, %y : i32
          %c = mul %a, %0 : i32
          %e = sub %x, %y : i32
          %f = sub %y, %x : i32
          %g = cmp %x, %y {pred = lt} : u1
          %h = cmp %x, %y {pred = gt} : u1
          %j = cast %1 : i32
          %t = add %c, %c : i32
          %u = add %e, %f : i32
          %w = and %g, %h : u1
          %z = xor %w, %g : u1
          %k = cast %z : i32
          %l = add %t, %u : i32
          %m = add %l, %k : i32
          %n = add %m, %j : i32
          %s = store %p, %n : void
          ret
        }
        """,
    )


def test_cse_merges_ops_that_become_equal_after_an_earlier_merge() -> None:
    # %c and %d only become equal once %b is merged into %a
    out = run_passes(
        """
        kernel @k(%p: ptr.global<i32>, %x: i32, %y: i32) {
        ^entry:
          %a = add %x, %y : i32
          %b = add %y, %x : i32
          %c = mul %a, %x : i32
          %d = mul %x, %b : i32
          %e = add %c, %d : i32
          %s = store %p, %e : void
          ret
        }
        """,
        "cse",
    )
    assert "%d = " not in out and "%e = add %c, %c : i32" in out


def test_cse_never_merges_loads_or_stores() -> None:
    text = """
        kernel @k(%p: ptr.global<i32>) {
        ^entry:
          %a = load %p : i32
          %b = load %p : i32
          %c = add %a, %b : i32
          %s = store %p, %c after(%a, %b) : void
          %t = store %p, %c after(%s) : void
          %d = load %p after(%t) : i32
          %u = store %p, %d after(%t, %d) : void
          ret
        }
    """
    check(text, "cse", text)


def test_cse_does_not_merge_across_blocks() -> None:
    text = """
        kernel @k(%p: ptr.global<i32>, %x: i32) {
        ^entry:
          %a = add %x, %x : i32
          br [^next]
        ^next:
          %b = add %x, %x : i32
          %c = add %a, %b : i32
          %s = store %p, %c : void
          ret
        }
    """
    check(text, "cse", text)


# --- if-convert -------------------------------------------------------------


def test_if_convert_diamond_phi_becomes_select_memory_gets_predicates() -> None:
    check(
        """
        kernel @k(%p: ptr.global<i32>, %q: ptr.global<i32>, %x: i32) {
        ^entry:
          %z = const {value = 0} : i32
          %c = cmp %x, %z {pred = lt} : u1
          cbr %c [^then, ^else]
        ^then:
          %n = neg %x : i32
          %v = load %q : i32
          %m = add %n, %v : i32
          br [^join]
        ^else:
          %w = store %q, %x : void
          br [^join]
        ^join:
          %r = phi %m, %x [^then, ^else] : i32
          %s = store %p, %r : void
          ret
        }
        """,
        "if-convert",
        """
        kernel @k(%p: ptr.global<i32>, %q: ptr.global<i32>, %x: i32) {
        ^entry:
          %0 = const {value = 1} : u1
          %z = const {value = 0} : i32
          %c = cmp %x, %z {pred = lt} : u1
          %n = neg %x : i32
          %v = load %q, %c : i32
          %m = add %n, %v : i32
          %1 = xor %c, %0 : u1
          %w = store %q, %x, %1 after(%v) : void
          %r = select %c, %m, %x : i32
          %s = store %p, %r after(%w) : void
          ret
        }
        """,
    )


def test_if_convert_nested_ifs_existing_predicates_and_unconditional_tail() -> None:
    check(
        """
        kernel @k(%p: ptr.global<i32>, %x: i32, %y: i32, %e: u1) {
        ^entry:
          %z = const {value = 0} : i32
          %c = cmp %x, %z {pred = lt} : u1
          cbr %c [^a, ^end]
        ^a:
          %d = cmp %y, %z {pred = gt} : u1
          cbr %d [^b, ^aend]
        ^b:
          %s1 = store %p, %y, %e : void
          br [^aend]
        ^aend:
          %r = phi %x, %y [^a, ^b] : i32
          %s2 = store %p, %r : void
          br [^end]
        ^end:
          %v = load %p : i32
          %s3 = store %p, %v after(%v) : void
          ret
        }
        """,
        "if-convert",
        """
        kernel @k(%p: ptr.global<i32>, %x: i32, %y: i32, %e: u1) {
        ^entry:
          %0 = const {value = 1} : u1
          %z = const {value = 0} : i32
          %c = cmp %x, %z {pred = lt} : u1
          %d = cmp %y, %z {pred = gt} : u1
          %1 = and %c, %d : u1
          %2 = and %e, %1 : u1
          %s1 = store %p, %y, %2 : void
          %3 = xor %d, %0 : u1
          %4 = and %c, %3 : u1
          %5 = or %4, %1 : u1
          %r = select %4, %x, %y : i32
          %s2 = store %p, %r, %5 after(%s1) : void
          %v = load %p after(%s2) : i32
          %s3 = store %p, %v after(%s2, %v) : void
          ret
        }
        """,
    )


def test_if_convert_early_return_predicates_the_rest() -> None:
    check(
        """
        kernel @k(%p: ptr.global<i32>, %x: i32) {
        ^entry:
          %z = const {value = 0} : i32
          %c = cmp %x, %z {pred = lt} : u1
          cbr %c [^out, ^body]
        ^out:
          ret
        ^body:
          %s = store %p, %x : void
          ret
        }
        """,
        "if-convert",
        """
        kernel @k(%p: ptr.global<i32>, %x: i32) {
        ^entry:
          %0 = const {value = 1} : u1
          %z = const {value = 0} : i32
          %c = cmp %x, %z {pred = lt} : u1
          %1 = xor %c, %0 : u1
          %s = store %p, %x, %1 : void
          ret
        }
        """,
    )


def test_if_convert_leaves_loops_alone() -> None:
    text = """
        kernel @k(%p: ptr.global<i32>, %n: i32) {
        ^entry:
          %0 = const {value = 0} : i32
          %1 = const {value = 1} : i32
          br [^loop]
        ^loop:
          %i = phi %0, %i.1 [^entry, ^loop] : i32
          %s = store %p, %i : void
          %i.1 = add %i, %1 : i32
          %c = cmp %i.1, %n {pred = lt} : u1
          cbr %c [^loop, ^done]
        ^done:
          ret
        }
    """
    check(text, "if-convert", text)
    assert not run_pipeline(parse_module(ir(text)), "if-convert")  # reports no change


def test_if_convert_then_cleanup_of_default_pipeline() -> None:
    # what the default pipeline (without schedule) makes of vadd's CFG
    check(
        """
        kernel @vadd(%a: ptr.global<i32>, %c: ptr.global<i32>, %n: i32) {
        ^entry:
          %0 = global_id {dim = 0} : u64
          %i = cast %0 : i32
          %1 = cmp %i, %n {pred = lt} : u1
          cbr %1 [^if.then, ^if.end]
        ^if.then:
          %2 = ptradd %c, %i : ptr.global<i32>
          %3 = ptradd %a, %i : ptr.global<i32>
          %4 = load %3 : i32
          %5 = ptradd %a, %i : ptr.global<i32>
          %6 = load %5 : i32
          %7 = add %4, %6 : i32
          %8 = store %2, %7 after(%4, %6) : void
          br [^if.end]
        ^if.end:
          ret
        }
        """,
        DEFAULT_PIPELINE.replace(",schedule", ""),
        """
        kernel @vadd(%a: ptr.global<i32>, %c: ptr.global<i32>, %n: i32) {
        ^entry:
          %0 = global_id {dim = 0} : u64
          %i = cast %0 : i32
          %1 = cmp %i, %n {pred = lt} : u1
          %2 = ptradd %c, %i : ptr.global<i32>
          %3 = ptradd %a, %i : ptr.global<i32>
          %4 = load %3, %1 : i32
          %5 = load %3, %1 : i32
          %6 = add %4, %5 : i32
          %7 = store %2, %6, %1 after(%4, %5) : void
          ret
        }
        """,
    )


# --- pipeline parsing -------------------------------------------------------


def test_default_pipeline_parses() -> None:
    names = [p.name for p in default_pipeline()]
    assert names == DEFAULT_PIPELINE.split(",")
    assert set(names) <= set(PASSES)


def test_unknown_pass_lists_known_passes() -> None:
    with pytest.raises(CompileError) as e:
        parse_pipeline("dce,frobnicate")
    msg = str(e.value)
    assert "unknown pass 'frobnicate'" in msg
    for name in ("cse", "dce", "fold-constants", "if-convert", "schedule"):
        assert name in msg


def test_unknown_option_is_an_error() -> None:
    with pytest.raises(CompileError, match="pass 'dce' has no option 'aggressive'"):
        parse_pipeline("dce{aggressive=true}")


def test_empty_items_are_ignored() -> None:
    assert [p.name for p in parse_pipeline(" dce , ,cse,")] == ["dce", "cse"]


def test_dce_removes_loads_used_only_for_memory_order() -> None:
    # regression: a load whose value nobody used survived because a later store
    # listed it in after(...); the store now inherits the load's own ordering
    check(
        """
        kernel @k(%p: ptr.global<i32>, %q: ptr.global<i32>, %x: i32) {
        ^entry:
          %v = load %p : i32
          %s = store %p, %x after(%v) : void
          %w = load %p after(%s) : i32
          %s2 = store %q, %x after(%s, %w) : void
          %u = load %q after(%s2) : i32
          %s3 = store %q, %u after(%s2, %u) : void
          ret
        }
        """,
        "dce",
        """
        kernel @k(%p: ptr.global<i32>, %q: ptr.global<i32>, %x: i32) {
        ^entry:
          %s = store %p, %x : void
          %s2 = store %q, %x after(%s) : void
          %u = load %q after(%s2) : i32
          %s3 = store %q, %u after(%s2, %u) : void
          ret
        }
        """,
    )
