"""Scheduling atomics: a global atomic is a memory boundary like a load (its old
value starts the next segment); a __local one is a one-cycle RAM port inside
the pipeline; unsupported cases are clear errors at the op."""

from __future__ import annotations

import pytest
from hls_helpers import ir

from soff.boards import load_board
from soff.diagnostics import SourceLoc, UnsupportedError
from soff.hls.schedule.datapath import coalescable_loads, has_global_atomics, schedule_kernel
from soff.ir.parser import parse_module

BOARD = load_board()


def _kernel(text: str):  # type: ignore[no-untyped-def]
    return parse_module(ir(text)).kernels[0]


GLOBAL = """
    kernel @k(%c: ptr.global<i32>, %o: ptr.global<i32>) {
    ^entry:
      %i = global_id {dim = 0} : u64
      %q = ptradd %o, %i : ptr.global<i32>
      %v = load %q : i32
      %old = atomic %c, %v {op = add} after(%v) : i32
      %w = load %q after(%old) : i32
      %s = add %old, %w : i32
      %st = store %q, %s after(%w) : void
      ret
    }
"""


def test_global_atomic_is_a_boundary_and_orders_like_a_store() -> None:
    k = _kernel(GLOBAL)
    assert has_global_atomics(k)
    s = schedule_kernel(k, BOARD)
    kinds = [[m.opcode for m in ms] for ms in s.memory_ops]
    assert kinds == [["load"], ["atomic"], ["load"], ["store"]]
    assert "1 atomics" in "\n".join(s.describe())
    by_name = {op.name: op for op in k.ops()}
    assert by_name["w"] not in coalescable_loads(k)  # a load after an atomic reuses no word
    assert by_name["v"] in coalescable_loads(k)


LOCAL = """
    kernel @k(%o: ptr.global<u32>) {
    ^entry:
      %i = local_id {dim = 0} : u64
      %t = alloca : ptr.local<[4 x u32]>
      %tp = bitcast %t : ptr.local<u32>
      %old = atomic %tp {op = inc} : u32
      %q = ptradd %o, %i : ptr.global<u32>
      %st = store %q, %old after(%old) : void
      ret
    }
"""


def test_local_atomic_is_a_ram_port_inside_the_pipeline() -> None:
    k = _kernel(LOCAL)
    assert not has_global_atomics(k)
    s = schedule_kernel(k, BOARD)
    assert [[m.opcode for m in ms] for ms in s.memory_ops] == [["store"]]
    seg = s.segments[0]
    op = next(o for o in seg.ops if o.opcode == "atomic")
    assert s.latency[op] == 1 and seg.ready[op] == seg.start[op] + 1
    assert s.group_serial


def test_local_float_add_is_unsupported_at_the_op() -> None:
    text = """
        kernel @k(%x: f32) loc("f.cl":1:1) {
        ^entry:
          %t = alloca : ptr.local<[4 x f32]>
          %tp = bitcast %t : ptr.local<f32>
          %old = atomic %tp, %x {op = add} : f32 loc("f.cl":2:5)
          ret
        }
    """
    with pytest.raises(UnsupportedError, match="float atomic add on __local") as e:
        schedule_kernel(_kernel(text), BOARD)
    assert e.value.loc == SourceLoc("f.cl", 2, 5)
