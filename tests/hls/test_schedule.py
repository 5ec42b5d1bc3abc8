"""schedule: dependences respected, memory ops at the right boundary, bypass
FIFOs carrying exactly the live values, LP optimum, unsupported input."""

from __future__ import annotations

import pytest
from hls_helpers import ir, run_pipeline

from soff.boards import load_board
from soff.diagnostics import SourceLoc, UnsupportedError
from soff.frontend import compile_source
from soff.hls.pass_manager import PassContext
from soff.hls.pipeline import DEFAULT_PIPELINE
from soff.hls.schedule.datapath import DatapathSchedule, is_uniform, schedule_kernel, value_bits
from soff.ir.core import Module, Op, Value
from soff.ir.parser import parse_module

BOARD = load_board()


def schedule_source(src: str) -> DatapathSchedule:
    module = compile_source(src, "k.cl")
    ctx = PassContext(board=BOARD)
    run_pipeline(module, DEFAULT_PIPELINE, ctx)
    return ctx.results["schedule"][module.kernels[0].name]


def schedule_ir(text: str) -> DatapathSchedule:
    module: Module = parse_module(ir(text))
    return schedule_kernel(module.kernels[0], BOARD)


def bypass(s: DatapathSchedule) -> list[list[Value]]:
    # the one-block (if-converted) kernel's bypass FIFOs
    blocks = getattr(s, "blocks", None)
    return blocks[0].bypass if blocks is not None else s.bypass  # type: ignore[attr-defined]


def latency(op: Op) -> int:
    """The board table's latency, looked up independently of the scheduler."""
    if op.info.memory or op.opcode in ("const", "global_id", "local_id", "group_id"):
        return 0
    width = op.operands[0].type.bits if op.opcode == "cmp" else op.type.bits
    return BOARD.latency(op.opcode, width)


KERNELS = {
    "vadd": """
        __kernel void k(__global const int *a, __global const int *b, __global int *c, int n) {
            int i = get_global_id(0);
            if (i < n) c[i] = a[i] + b[i];
        }""",
    "if_else": """
        __kernel void k(__global const int *a, __global int *c, int n) {
            int i = get_global_id(0);
            int x = a[i];
            if (x > n) c[i] = x * x - 3; else c[i] = (x / 7) ^ i;
        }""",
    "store_only": """
        __kernel void k(__global int *out) {
            int i = get_global_id(0);
            out[i] = i * 3;
        }""",
    "load_after_store": """
        __kernel void k(__global int *c, __global long *d, __global const short *e) {
            int i = get_global_id(0);
            long w = (long)i * 100000;
            c[i] = i;
            int x = c[i ^ 1];
            d[i] = w + x + e[i];
        }""",
    "indirect": """
        __kernel void k(__global const int *a, __global const int *b, __global int *c) {
            int i = get_global_id(0);
            c[i] = a[b[i]] + i;
        }""",
}


@pytest.mark.parametrize("name", sorted(KERNELS))
def test_ops_start_after_their_operands_are_ready(name: str) -> None:
    s = schedule_source(KERNELS[name])
    for seg in s.segments:
        for op in seg.ops:
            for src in op.operands:
                if is_uniform(src):
                    continue
                if src in seg.ops:
                    assert isinstance(src, Op)
                    assert seg.start[op] >= seg.start[src] + latency(src), (op, src)
                else:
                    assert src in seg.inputs, f"segment {seg.index}: {src} is not an input"
            assert seg.ready[op] == seg.start[op] + latency(op)
        # the segment's end comes after everything it hands on is ready
        for v in seg.exports:
            assert seg.depth >= seg.ready.get(v, 0)
        for op in seg.ops:
            assert seg.depth >= seg.ready[op]


def _boundaries(s: DatapathSchedule) -> list[list[str]]:
    return [[f"{m.opcode} {m.loc.col}" for m in ms] for ms in s.memory_ops]


def test_memory_ops_boundaries() -> None:
    s = schedule_source(KERNELS["vadd"])
    assert [[m.opcode for m in ms] for ms in s.memory_ops] == [["load", "load"], ["store"]]
    # the store to c, then the loads after it (the load from c may read the same
    # address; the front end orders the one from e after the store too) one
    # boundary later, then the store to d
    s = schedule_source(KERNELS["load_after_store"])
    assert [[m.opcode for m in ms] for ms in s.memory_ops] == [
        ["store"],
        ["load", "load"],
        ["store"],
    ]
    (store_c,) = s.memory_ops[0]
    assert store_c.loc is not None and store_c.loc.line == 5
    for load in s.memory_ops[1]:
        assert load.deps == [store_c]
    # a load whose address depends on another load: one boundary later
    s = schedule_source(KERNELS["indirect"])
    assert [[m.opcode for m in ms] for ms in s.memory_ops] == [["load"], ["load"], ["store"]]


def _expected_bypass(s: DatapathSchedule) -> list[set[Value]]:
    """Values produced before boundary k whose value (an operand, not an
    ordering edge) is read after it, minus the memory ops of boundary k."""
    seg_of: dict[Value, int] = {}
    for seg in s.segments:
        for op in seg.ops:
            seg_of[op] = seg.index
    for k, ms in enumerate(s.memory_ops):
        for m in ms:
            seg_of[m] = k + 1  # available from segment k + 1
    for v in s.segments[0].inputs:
        seg_of.setdefault(v, 0)
    read_in: dict[Value, int] = {}
    consumers = [(seg.index, op) for seg in s.segments for op in seg.ops]
    consumers += [(k, m) for k, ms in enumerate(s.memory_ops) for m in ms]
    for k, op in consumers:
        for v in op.operands:
            if not is_uniform(v):
                read_in[v] = max(read_in.get(v, 0), k)
    out: list[set[Value]] = [set() for _ in s.memory_ops]
    for v, last in read_in.items():
        for k in range(seg_of[v], last):
            out[k].add(v)
    return out


@pytest.mark.parametrize(
    "name",
    [
        "vadd",
        "if_else",
        "store_only",
        "load_after_store",
        "indirect",  # regression: memory-order edges are not value uses
    ],
)
def test_bypass_fifos_carry_exactly_the_live_values(name: str) -> None:
    s = schedule_source(KERNELS[name])
    # store completions are ordering tokens of no bits: not counted as values
    got = [{v for v in b if value_bits(v)} for b in bypass(s)]
    assert got == _expected_bypass(s)


def test_bypass_of_vadd() -> None:
    s = schedule_source(KERNELS["vadd"])
    b0, b1 = bypass(s)
    # the store's address and predicate wait while the loads are in flight
    assert sorted((v.opcode, str(v.type)) for v in b0) == [
        ("cmp", "u1"),
        ("ptradd", "ptr.global<i32>"),
    ]
    assert b1 == []


# a 64-bit select result and the 1-bit condition it is computed from both feed a
# late add (after a 64-bit multiply); ASAP would hold the 64-bit select result,
# the optimum holds the 1-bit condition instead
WIDE_VS_NARROW = """
    kernel @k(%c: ptr.global<u64>, %x: u64, %y: u64) {
    ^entry:
      %i = global_id {dim = 0} : u64
      %z = const {value = 0} : u64
      %b = cmp %i, %z {pred = eq} : u1
      %w = select %b, %x, %y : u64
      %m = mul %i, %i : u64
      %r = add %w, %m : u64
      %s = store %c, %r : void
      ret
    }
"""


def test_lp_delays_the_narrow_value() -> None:
    l_cmp, l_sel = BOARD.latency("cmp", 64), BOARD.latency("select", 64)
    l_mul, l_add = BOARD.latency("mul", 64), BOARD.latency("add", 64)
    slack = l_mul - l_cmp - l_sel
    assert slack > 0, "the board table no longer makes this case interesting"
    s = schedule_ir(WIDE_VS_NARROW)
    seg = s.segments[0]
    by_name = {op.name: op for op in seg.ops}
    # ASAP would cost 64 * slack bits (the select result waiting for the multiply)
    assert s.delay_bits == 1 * slack
    assert seg.start[by_name["w"]] == l_mul - l_sel
    assert seg.start[by_name["m"]] == 0
    assert seg.start[by_name["r"]] == l_mul
    assert seg.depth == l_mul + l_add


def test_float_ops_without_a_unit_are_unsupported_with_their_location() -> None:
    text = """
        kernel @k(%a: ptr.global<i32>, %x: f32) loc("f.cl":1:1) {
        ^entry:
          %y = math %x {fn = tanh} : f32 loc("f.cl":2:9)
          %i = cast %y : i32 loc("f.cl":3:9)
          %s = store %a, %i : void loc("f.cl":3:3)
          ret loc("f.cl":4:1)
        }
    """
    with pytest.raises(UnsupportedError, match="'tanh' is not supported yet") as e:
        schedule_ir(text)
    assert e.value.loc == SourceLoc("f.cl", 2, 9)


def test_float_arithmetic_binds_to_operator_units() -> None:
    text = """
        kernel @k(%a: ptr.global<i32>, %x: f32) loc("f.cl":1:1) {
        ^entry:
          %y = add %x, %x : f32 loc("f.cl":2:9)
          %i = cast %y : i32 loc("f.cl":3:9)
          %s = store %a, %i : void loc("f.cl":3:3)
          ret loc("f.cl":4:1)
        }
    """
    s = schedule_ir(text)
    lat = {op.opcode: s.latency[op] for op in s.latency}
    board = load_board()
    assert lat["add"] == board.latency("fadd", 32)
    assert lat["cast"] == board.latency("ftoi", 32)


def test_irreducible_loop_is_unsupported_with_a_location() -> None:
    text = """
        kernel @k(%p: ptr.global<i32>, %c: u1) loc("k.cl":1:1) {
        ^entry:
          cbr %c [^a, ^b] loc("k.cl":2:3)
        ^a:
          %s = store %p, %c : void loc("k.cl":3:3)
          br [^b] loc("k.cl":3:3)
        ^b:
          cbr %c [^a, ^out] loc("k.cl":4:3)
        ^out:
          ret loc("k.cl":5:1)
        }
    """
    with pytest.raises(UnsupportedError) as e:
        schedule_ir(text)
    assert isinstance(e.value.loc, SourceLoc) and e.value.loc.file == "k.cl"


def test_one_block_loop_holds_only_its_block() -> None:
    # a do-while whose body is one block is its own header and latch: the blocks
    # before it are outside the loop, and the edge from them enters it (entry limit)
    s = schedule_source("""
        __kernel void k(__global const int *a, __global int *c) {
            int i = get_global_id(0);
            int x = a[i];
            int n = 0;
            do { x = x * 3 + i; } while (++n < 6);
            c[i] = x;
        }""")
    names = [b.block.name for b in s.blocks]
    [lp] = s.loops
    assert [names[b] for b in sorted(lp.blocks)] == [names[lp.header]]
    into = [e for e in s.edges if e.dst == lp.header]
    assert sorted((e.back, e.enters) for e in into) == [(False, [0]), (True, [])]


def test_only_loads_no_store_can_precede_may_reuse_a_bus_word() -> None:
    from soff.frontend import compile_source
    from soff.hls.schedule.datapath import coalescable_loads

    src = """
    __kernel void k(__global int *a, __global int *b, int n) {
        int i = get_global_id(0);
        int x = a[i];            // before any store: may reuse
        b[i] = x;
        int y = a[i + 1];        // after this work-item's store: must not
        for (int j = 0; j < n; j++) {
            y += b[j];           // the loop's own store precedes it on the back edge
            b[i] = y;
        }
    }
    """
    k = compile_source(src, "k.cl").kernels[0]
    loads = [op for op in k.ops() if op.opcode == "load"]
    safe = coalescable_loads(k)
    assert [op in safe for op in loads] == [True, False, False]
