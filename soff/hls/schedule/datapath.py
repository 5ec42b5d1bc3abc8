"""Schedule a one-block kernel into a SOFF-style pipelined datapath.

The block's dataflow graph is cut at its variable-latency ops (loads and
stores). Segment ``k`` holds the fixed-latency ops that follow exactly ``k``
memory ops on their longest path; it runs in lock-step (one stage per cycle,
stalling as a whole). The memory ops at boundary ``k`` take their operands
from the end of segment ``k`` and deliver their results (load data, or store
completion) to the start of segment ``k + 1``; every other value live across
the boundary waits in a bypass FIFO as deep as the memory units, so a new
work-item can enter every cycle while requests are in flight.

Inside a segment, start times come from a linear program that minimises the
bit-weighted delay (the registers that balance unequal paths), subject to
operand latencies: the SOFF formulation, solved with HiGHS through scipy.
The constraint matrix is a network matrix, so the LP optimum is integral.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx
import numpy as np
from scipy import sparse
from scipy.optimize import linprog

from soff.boards.board import Board
from soff.diagnostics import CompileError, UnsupportedError
from soff.hls.analysis import cfg_graph, pointer_base
from soff.hls.bind import bind_op
from soff.hls.schedule.loop_pipeline import LoopPipeline, plan_loops
from soff.ir.core import WORKITEM_OPS, Arg, Block, Kernel, Op, Value
from soff.ir.types import FloatType, IntType, PtrType, VoidType

# values that are the same for every work-item: no pipeline registers needed
UNIFORM_OPS = ("const", "global_size", "local_size", "num_groups", "rodata")


def is_uniform(v: Value) -> bool:
    if isinstance(v, Arg):
        return True
    if isinstance(v, Op):
        if v.opcode in UNIFORM_OPS:
            return True
        return v.opcode == "alloca" and getattr(v.type, "space", "") == "local"
    return False


def rom_base(v: Value) -> Op | None:
    """The ``rodata`` a pointer is derived from (through ptradd/bitcast), if any."""
    base = pointer_base(v)
    return base if isinstance(base, Op) and base.opcode == "rodata" else None


def local_base(v: Value) -> Op | None:
    """The ``__local`` array (``alloca : ptr.local``) a pointer is derived from, if any."""
    base = pointer_base(v)
    if (
        isinstance(base, Op)
        and base.opcode == "alloca"
        and getattr(base.type, "space", "") == "local"
    ):
        return base
    return None


def is_local_access(op: Op) -> bool:
    """A load, store or atomic of on-chip ``__local`` memory: fixed latency, inside
    the pipeline."""
    return op.opcode in ("load", "store", "atomic") and local_base(op.operands[0]) is not None


def has_global_atomics(kernel: Kernel) -> bool:
    """Whether ``kernel`` has atomics on global memory (served by one atomic unit,
    so they are atomic only among the work-items of one datapath)."""
    return any(op.opcode == "atomic" and not is_local_access(op) for op in kernel.ops())


def is_rom_load(op: Op) -> bool:
    """A load from a program-scope ``__constant`` table: an on-chip ROM read."""
    return op.opcode == "load" and rom_base(op.operands[0]) is not None


def is_variable_latency(op: Op) -> bool:
    """Memory ops that go through the memory system (not ROM reads)."""
    return op.info.memory and not is_rom_load(op) and not is_local_access(op)


@dataclass
class Segment:
    """A lock-step pipeline: ``start[op]`` and ``ready[v]`` are stage numbers."""

    index: int
    ops: list[Op] = field(default_factory=list)
    inputs: list[Value] = field(default_factory=list)  # available at stage 0
    start: dict[Op, int] = field(default_factory=dict)
    ready: dict[Value, int] = field(default_factory=dict)  # stage where a value appears
    last_use: dict[Value, int] = field(default_factory=dict)  # last stage it is needed
    exports: list[Value] = field(default_factory=list)  # needed at the segment's end
    depth: int = 0

    @property
    def delay_bits(self) -> int:
        return sum(value_bits(v) * (self.last_use[v] - self.ready[v]) for v in self.last_use)


@dataclass
class BlockSchedule:
    """One basic block's datapath: segments separated by memory boundaries.

    ``inputs`` are the values a work-item brings into the block (phis and
    values defined in dominating blocks, or the work-item ids for the entry
    block); ``outputs`` are what it must carry out (its successors' inputs and
    the branch condition), all available at the end of the last segment.
    """

    block: Block
    index: int
    segments: list[Segment]
    memory_ops: list[list[Op]]  # memory ops at boundary k (between segment k and k+1)
    bypass: list[list[Value]]  # values carried by boundary k's bypass FIFO
    inputs: list[Value]
    outputs: list[Value]

    @property
    def last(self) -> Segment:
        return self.segments[-1]

    @property
    def delay_bits(self) -> int:
        return sum(s.delay_bits for s in self.segments)

    def fifo_bits(self, depth: int) -> int:
        return sum(sum(value_bits(v) for v in vals) * depth for vals in self.bypass)

    def describe(self, depth: int) -> list[str]:
        lines = []
        for s in self.segments:
            lines.append(
                f"segment {s.index}: {len(s.ops)} ops, {s.depth} stages, "
                f"{s.delay_bits} delay-register bits"
            )
            if s.index < len(self.memory_ops):
                mem = self.memory_ops[s.index]
                lines.append(
                    f"boundary {s.index}: {sum(1 for m in mem if m.opcode == 'load')} loads, "
                    f"{sum(1 for m in mem if m.opcode == 'store')} stores, "
                    + (
                        f"{sum(1 for m in mem if m.opcode == 'atomic')} atomics, "
                        if any(m.opcode == "atomic" for m in mem)
                        else ""
                    )
                    + "bypass FIFO "
                    f"{sum(value_bits(v) for v in self.bypass[s.index])} bits x {depth}"
                )
        return lines


@dataclass
class Edge:
    """A control-flow edge: work-items move from ``src`` to ``dst`` carrying
    ``values`` (``dst``'s inputs as seen in ``src``: phis replaced by their
    incoming value)."""

    src: int
    dst: int
    values: list[Value]
    back: bool = False  # closes a loop (dst is the header of a loop containing src)
    enters: list[int] = field(default_factory=list)  # loops this edge enters
    exits: list[int] = field(default_factory=list)  # loops this edge leaves


@dataclass
class Loop:
    header: int
    blocks: set[int]
    loc: object = None
    #: fork/join plan: iterations issued one per cycle (soff.hls.schedule.loop_pipeline)
    pipeline: LoopPipeline | None = None

    @property
    def pipelined(self) -> bool:
        return self.pipeline is not None and self.pipeline.pipelined


@dataclass
class DatapathSchedule:
    """Everything the Verilog generator needs to know about a kernel's datapath."""

    kernel: Kernel
    blocks: list[BlockSchedule]
    edges: list[Edge]
    loops: list[Loop]
    latency: dict[Op, int]
    fifo_depth: int  # bypass FIFOs and memory units: requests in flight
    coalesce: set[Op] = field(default_factory=set)  # loads that may reuse the previous beat
    barrier_blocks: set[int] = field(default_factory=set)  # blocks entered through a barrier gate
    group_serial: bool = False  # one work-group at a time (barriers or __local memory)
    barrier_capacity: int = 256  # the largest work-group a barrier gate can hold
    edge_depth: int = 32  # FIFOs on loop back edges: hold every work-item of the loop
    forward_edge_depth: int = 4  # FIFOs on other control-flow edges
    loop_limit: int = 32  # work-items allowed inside a loop at once (<= edge_depth)

    # single-block conveniences (the common, if-converted case)
    @property
    def segments(self) -> list[Segment]:
        return self.blocks[0].segments

    @property
    def memory_ops(self) -> list[list[Op]]:
        return [m for b in self.blocks for m in b.memory_ops]

    @property
    def delay_bits(self) -> int:
        return sum(b.delay_bits for b in self.blocks)

    def edge_fifo_depth(self, e: Edge) -> int:
        """Entries of the FIFO on edge ``e``: a barrier gate holds two work-groups
        (rounded up to a power of two), a back edge every work-item of its loop."""
        if e.dst in self.barrier_blocks:
            return 1 << max(1, (2 * self.barrier_capacity - 1).bit_length())
        return self.edge_depth if e.back else self.forward_edge_depth

    @property
    def fifo_bits(self) -> int:
        bits = sum(b.fifo_bits(self.fifo_depth) for b in self.blocks)
        bits += sum(
            sum(value_bits(v) for v in e.values) * self.edge_fifo_depth(e) for e in self.edges
        )
        return bits

    def describe(self) -> list[str]:
        lines: list[str] = []
        multi = len(self.blocks) > 1
        for b in self.blocks:
            pre = "  " if multi else ""
            if multi:
                lines.append(f"block ^{b.block.name}: {len(b.inputs)} live-in values")
            lines += [pre + line for line in b.describe(self.fifo_depth)]
        for e in self.edges:
            kind = " (back edge)" if e.back else ""
            lines.append(
                f"edge ^{self.blocks[e.src].block.name} -> ^{self.blocks[e.dst].block.name}{kind}: "
                f"{sum(value_bits(v) for v in e.values)} bits x "
                f"{self.edge_fifo_depth(e)}"
            )
        for lp in self.loops:
            lines.append(
                f"loop at ^{self.blocks[lp.header].block.name}: {len(lp.blocks)} blocks, "
                f"at most {self.loop_limit} work-items inside"
            )
        return lines


def value_bits(v: Value) -> int:
    t = v.type
    if isinstance(t, VoidType):
        return 0
    return t.bits


FLOAT_WIRING_OPS = frozenset("const select neg load store bitcast phi".split())
#: atomics the hardware builds (float ones only move bits)
HW_ATOMIC_OPS = frozenset(
    "add sub xchg min max and or xor inc dec inc_wrap dec_wrap cmpxchg".split()
)


def _check_supported(kernel: Kernel) -> None:
    for op in kernel.ops():
        if isinstance(op.type, FloatType) or any(
            isinstance(v.type, FloatType) for v in op.operands
        ):
            if (
                bind_op(op) is None
                and op.opcode not in FLOAT_WIRING_OPS
                and not (op.opcode == "atomic" and op.attrs.get("op") in ("xchg", "add"))
                and not (op.opcode == "math" and op.attrs.get("fn") == "fabs")
            ):
                raise UnsupportedError(
                    f"floating-point '{op.opcode}' is not supported yet in hardware", op.loc
                )
        if op.opcode == "alloca":
            space = op.type.space if isinstance(op.type, PtrType) else "private"
            if space != "local":  # soff.hls.private_arrays lowers them before scheduling
                raise UnsupportedError("private arrays are not supported yet in hardware", op.loc)
            continue
        if op.opcode == "barrier":
            continue
        if op.opcode in ("phi", "select") and isinstance(op.type, PtrType):
            if any(local_base(v) is not None for v in op.operands):
                raise UnsupportedError(
                    "choosing between __local arrays at run time is not supported yet in hardware",
                    op.loc,
                )
        if op.opcode == "atomic" and op.attrs.get("op") not in HW_ATOMIC_OPS:
            raise UnsupportedError(
                f"atomic {op.attrs.get('op')} is not supported yet in hardware", op.loc
            )
        if is_local_access(op):
            if (
                op.opcode == "atomic"
                and op.attrs.get("op") == "add"
                and isinstance(op.type, FloatType)
            ):
                raise UnsupportedError(
                    "float atomic add on __local memory is not supported yet in hardware", op.loc
                )
            ptr = op.operands[0].type
            assert isinstance(ptr, PtrType)
            if not isinstance(ptr.pointee, (IntType, FloatType)):
                raise UnsupportedError(
                    f"__local accesses of type {ptr.pointee} are not supported yet", op.loc
                )
            continue
        if op.opcode not in SUPPORTED_OPS:
            raise UnsupportedError(
                f"operation '{op.opcode}' is not supported yet in hardware", op.loc
            )
        if op.opcode in ("phi", "select") and isinstance(op.type, PtrType):
            if any(rom_base(v) is not None for v in op.operands):
                raise UnsupportedError(
                    "choosing between __constant tables at run time is not supported yet in hardware",
                    op.loc,
                )
        if op.opcode == "store" and rom_base(op.operands[0]) is not None:
            raise CompileError("cannot store to a __constant table", op.loc)
        if op.opcode in ("load", "store", "atomic"):
            ptr = op.operands[0].type
            assert isinstance(ptr, PtrType)
            if ptr.space not in ("global", "constant") or (
                ptr.space == "local" and local_base(op.operands[0]) is None
            ):
                raise UnsupportedError(
                    f"{ptr.space} memory is not supported yet in hardware", op.loc
                )
            if not isinstance(ptr.pointee, (IntType, FloatType)) or ptr.pointee.bits > 64:
                raise UnsupportedError(
                    f"memory accesses of type {ptr.pointee} are not supported yet", op.loc
                )
            if ptr.pointee.bits == 1 and op.opcode == "atomic":
                raise UnsupportedError("atomic operations on bool are not supported", op.loc)
        elif not isinstance(op.type, (IntType, FloatType, PtrType, VoidType)):
            raise UnsupportedError(
                f"values of type {op.type} are not supported yet in hardware", op.loc
            )


SUPPORTED_OPS = frozenset(
    "const add sub mul div rem and or xor shl shr neg not cmp select cast bitcast "
    "global_id local_id group_id global_size local_size num_groups ptradd load store "
    "phi br cbr ret math popcount clz rodata alloca barrier atomic".split()
)


def op_latency(op: Op, board: Board) -> int:
    if op.opcode in WORKITEM_OPS or op.opcode in ("const", "phi", "rodata", "alloca", "barrier"):
        return 0
    if op.is_terminator:
        return 0
    if is_rom_load(op) or is_local_access(op):
        return 1  # a registered ROM/RAM read, a RAM write at the end of its stage, or both
    if op.info.memory:
        return 0  # variable latency: handled by the boundary
    binding = bind_op(op)
    if binding is not None:
        return binding.latency(board)
    if op.opcode in ("neg", "math") and isinstance(op.type, FloatType):
        return 0  # sign-bit wiring
    width = op.operands[0].type.bits if op.opcode == "cmp" else op.type.bits
    return board.latency(op.opcode, width)


def _split_at_barriers(kernel: Kernel) -> set[Block]:
    """Cut blocks at their barriers; returns the blocks that start after one.

    The edge into such a block becomes a barrier gate: it holds the work-items
    of the work-group until all of them have arrived."""
    after: set[Block] = set()
    i = 0
    while i < len(kernel.blocks):
        b = kernel.blocks[i]
        i += 1
        idx = next((j for j, op in enumerate(b.ops) if op.opcode == "barrier"), None)
        if idx is None:
            continue
        barrier = b.ops[idx]
        rest = Block(f"{b.name}.barrier")
        rest.parent = kernel
        for op in b.ops[idx + 1 :]:
            b.remove(op)
            rest.append(op)
        b.remove(barrier)
        for op in rest.ops:
            op.deps = [d for d in op.deps if d is not barrier and d.parent is rest]
        b.append(Op("br", [], blocks=[rest], loc=barrier.loc))
        term = rest.terminator
        assert term is not None
        for succ in term.blocks:
            for phi in succ.phis:
                phi.blocks = [rest if x is b else x for x in phi.blocks]
        kernel.blocks.insert(i, rest)
        after.add(rest)
    return after


def _hoist_workitem_ops(kernel: Kernel) -> None:
    """Work-item ids are per-work-item constants: compute them once, in the entry block."""
    entry = kernel.entry
    for b in kernel.blocks[1:]:
        for op in [o for o in b.ops if o.opcode in WORKITEM_OPS]:
            b.remove(op)
            entry.insert(0, op)


def _liveness(kernel: Kernel) -> tuple[dict[Block, list[Value]], dict[Block, set[Value]]]:
    """Live-in values of each block (phis included), in a deterministic order."""
    order = {id(v): i for i, v in enumerate(kernel.ops())}
    defs = {b: {op for op in b.ops} for b in kernel.blocks}
    uses: dict[Block, set[Value]] = {}
    phi_uses: dict[tuple[Block, Block], set[Value]] = {}
    for b in kernel.blocks:
        u: set[Value] = set()
        for op in b.ops:
            if op.opcode == "phi":
                for v, p in zip(op.operands, op.blocks, strict=True):
                    if not is_uniform(v):
                        phi_uses.setdefault((p, b), set()).add(v)
                continue
            for v in op.operands:
                if not is_uniform(v) and isinstance(v, Op) and v not in defs[b]:
                    u.add(v)
        uses[b] = u
    live_in: dict[Block, set[Value]] = {b: set() for b in kernel.blocks}
    live_out: dict[Block, set[Value]] = {b: set() for b in kernel.blocks}
    changed = True
    while changed:
        changed = False
        for b in reversed(kernel.blocks):
            out: set[Value] = set()
            for s in b.successors:
                out |= {
                    v
                    for v in live_in[s]
                    if not (isinstance(v, Op) and v.parent is s and v.opcode == "phi")
                }
                out |= phi_uses.get((b, s), set())
            new_in = uses[b] | (out - defs[b]) | set(b.phis)
            if new_in != live_in[b] or out != live_out[b]:
                live_in[b], live_out[b] = new_in, out
                changed = True
    ordered = {b: sorted(vs, key=lambda v: order[id(v)]) for b, vs in live_in.items()}
    return ordered, live_out


def _loops(kernel: Kernel) -> list[tuple[Block, set[Block]]]:
    """Natural loops (header, body); irreducible control flow is reported."""
    g = cfg_graph(kernel)
    idom = nx.immediate_dominators(g, kernel.entry)

    def dominates(a: Block, b: Block) -> bool:
        while True:
            if a is b:
                return True
            up = idom.get(b)  # networkx >= 3.6 leaves the start node out
            if up is None or up is b:
                return False
            b = up

    loops: dict[Block, set[Block]] = {}
    for b in kernel.blocks:
        for s in b.successors:
            if dominates(s, b):  # back edge b -> s
                # the header is in the body from the start, so the walk never goes
                # above it (a one-block loop's latch is its header: nothing to walk)
                body = {s, b}
                stack = [b] if b is not s else []
                while stack:
                    x = stack.pop()
                    for p in g.predecessors(x):
                        if p not in body:
                            body.add(p)
                            stack.append(p)
                loops.setdefault(s, set()).update(body)
    # any cycle not explained by natural loops is irreducible
    h = g.copy()
    for hdr, body in loops.items():
        for p in list(h.predecessors(hdr)):
            if p in body:
                h.remove_edge(p, hdr)
    if not nx.is_directed_acyclic_graph(h):
        raise UnsupportedError(
            f"kernel '{kernel.name}': irreducible control flow is not supported", kernel.loc
        )
    return sorted(loops.items(), key=lambda kv: kernel.blocks.index(kv[0]))


def schedule_kernel(kernel: Kernel, board: Board, method: str = "lp") -> DatapathSchedule:
    """Schedule ``kernel``; ``method`` is "lp" (minimum delay-register bits) or "asap"."""
    if method not in ("lp", "asap"):
        raise ValueError(f"method must be 'lp' or 'asap', not {method!r}")
    _check_supported(kernel)
    gated = _split_at_barriers(kernel)
    _hoist_workitem_ops(kernel)
    latency = {op: op_latency(op, board) for op in kernel.ops() if not op.is_terminator}
    live_in, _ = _liveness(kernel)
    index = {b: i for i, b in enumerate(kernel.blocks)}
    loops = [
        Loop(index[h], {index[b] for b in body}, h.ops[0].loc if h.ops else None)
        for h, body in _loops(kernel)
    ]
    edges: list[Edge] = []
    outputs: dict[Block, list[Value]] = {b: [] for b in kernel.blocks}
    for b in kernel.blocks:
        term = b.terminator
        assert term is not None
        if term.opcode == "cbr" and not is_uniform(term.operands[0]):
            outputs[b].append(term.operands[0])
        for s in dict.fromkeys(b.successors):  # unique, in order
            vals: list[Value] = []
            for v in live_in[s]:
                if isinstance(v, Op) and v.opcode == "phi" and v.parent is s:
                    v = v.operands[v.blocks.index(b)]
                vals.append(v)
            for v in vals:
                if not is_uniform(v) and v not in outputs[b]:
                    outputs[b].append(v)
            e = Edge(index[b], index[s], vals)
            for li, lp in enumerate(loops):
                inside_src, inside_dst = index[b] in lp.blocks, index[s] in lp.blocks
                if lp.header == index[s] and inside_src:
                    e.back = True
                if lp.header == index[s] and not inside_src:
                    e.enters.append(li)
                if inside_src and not inside_dst:
                    e.exits.append(li)
            edges.append(e)
    blocks = []
    for b in kernel.blocks:
        inputs = list(live_in[b])
        if b is kernel.entry:
            inputs = [op for op in b.ops if op.opcode in WORKITEM_OPS and not is_uniform(op)]
        blocks.append(_schedule_block(b, index[b], inputs, outputs[b], latency, method))
    sched = DatapathSchedule(
        kernel, blocks, edges, loops, latency, board.max_outstanding, coalescable_loads(kernel)
    )
    sched.barrier_blocks = {index[b] for b in gated}
    sched.group_serial = (
        bool(gated)
        or any(
            op.opcode == "alloca" or (isinstance(op.type, PtrType) and op.type.space == "local")
            for op in kernel.ops()
        )
        or any(isinstance(a.type, PtrType) and a.type.space == "local" for a in kernel.args)
    )
    reqd = kernel.attrs.get("reqd_work_group_size")
    if isinstance(reqd, list) and len(reqd) == 3:
        sched.barrier_capacity = max(1, int(reqd[0]) * int(reqd[1]) * int(reqd[2]))
    for lp, plan in zip(loops, plan_loops(kernel, loops, edges, sched.barrier_blocks), strict=True):
        lp.pipeline = plan
    if any(lp.blocks & sched.barrier_blocks for lp in loops):
        # a barrier inside a loop waits for the whole work-group, so the loop must
        # let the whole group in (and its back edges hold it): otherwise the
        # work-items kept out by the entry limit never reach the barrier
        sched.loop_limit = max(sched.loop_limit, sched.barrier_capacity)
        sched.edge_depth = max(sched.edge_depth, 1 << (sched.loop_limit - 1).bit_length())
    return sched


def coalescable_loads(kernel: Kernel) -> set[Op]:
    """Loads that no store (or atomic) of the same work-item can precede.

    Such a load unit may answer a request from the bus word it fetched for the
    previous request when both fall in the same word: a work-item never needs
    to observe another work-item's stores (OpenCL guarantees nothing across
    work-items without barriers), and it has no earlier store of its own that
    the reused word could miss.
    """
    g = cfg_graph(kernel)
    writes = ("store", "atomic")
    after_store: set[Block] = set()  # blocks entered after some store ran
    for b in kernel.blocks:
        if any(op.opcode in writes for op in b.ops):
            for succ in b.successors:
                after_store.add(succ)
                after_store |= nx.descendants(g, succ)
    safe: set[Op] = set()
    for b in kernel.blocks:
        seen_store = b in after_store
        for op in b.ops:
            if op.opcode in writes:
                seen_store = True
            elif op.opcode == "load" and not seen_store:
                safe.add(op)
    return safe


def _schedule_block(
    block: Block,
    bindex: int,
    inputs: list[Value],
    outputs: list[Value],
    latency: dict[Op, int],
    method: str = "lp",
) -> BlockSchedule:
    input_set = set(inputs)
    body = [
        op
        for op in block.ops
        if not op.is_terminator
        and op.opcode != "phi"
        and op not in input_set
        and not is_uniform(op)
    ]
    in_body = set(body)
    # level: memory ops on the longest path before the op
    level: dict[Value, int] = {v: 0 for v in inputs}
    for op in body:
        lv = 0
        for src in list(op.operands) + list(op.deps):
            if is_uniform(src):
                continue
            assert isinstance(src, Op)
            lv = max(lv, level[src] + (1 if is_variable_latency(src) and src in in_body else 0))
        level[op] = lv
    n_bound = max((level[op] + 1 for op in body if is_variable_latency(op)), default=0)
    n_seg = n_bound + 1
    last_seg = n_seg - 1
    memory_ops: list[list[Op]] = [[] for _ in range(n_bound)]
    for op in body:
        if is_variable_latency(op):
            memory_ops[level[op]].append(op)

    def home(v: Value) -> int:
        """The segment in which ``v`` becomes available."""
        if v in input_set:
            return 0
        assert isinstance(v, Op)
        return level[v] + 1 if is_variable_latency(v) else level[v]

    # where each value is needed: segments of its consumers (outputs: the last one)
    # (memory-order edges are not uses: the boundaries already order memory ops)
    users: dict[Value, list[int]] = {}
    for op in body:
        for src in op.operands:
            if not is_uniform(src):
                users.setdefault(src, []).append(level[op])
    for v in outputs:
        users.setdefault(v, []).append(last_seg)
    bypass: list[list[Value]] = [[] for _ in range(n_bound)]
    segments = [Segment(i) for i in range(n_seg)]
    for op in body:
        if not is_variable_latency(op):
            segments[level[op]].ops.append(op)
    segments[0].inputs.extend(inputs)
    for k in range(n_bound):
        for m in memory_ops[k]:
            segments[k + 1].inputs.append(m)
    for v, segs_used in users.items():
        h = home(v)
        for k in range(h + 1, max(segs_used) + 1):
            # v must be present at the start of segment k > h: carried by bypass k-1
            if v not in bypass[k - 1]:
                bypass[k - 1].append(v)
            if v not in segments[k].inputs:
                segments[k].inputs.append(v)

    # deterministic order (inputs first, then by position in the block)
    pos: dict[Value, int] = {v: i for i, v in enumerate(inputs)}
    pos.update({op: len(inputs) + i for i, op in enumerate(body)})
    for lst in bypass:
        lst.sort(key=lambda v: pos[v])
    for s in segments:
        s.inputs.sort(key=lambda v: pos[v])

    # exports of segment k: operands of memory ops at boundary k and bypass[k];
    # the last segment exports the block's outputs
    for k, s in enumerate(segments):
        exp: list[Value] = []
        if k < n_bound:
            for m in memory_ops[k]:
                for v in m.operands:
                    if not is_uniform(v) and v not in exp:
                        exp.append(v)
            for v in bypass[k]:
                if v not in exp:
                    exp.append(v)
        else:
            exp = [v for v in outputs if not is_uniform(v)]
        s.exports = sorted(set(exp), key=lambda v: pos[v])
        _schedule_segment(s, latency, method)
    return BlockSchedule(block, bindex, segments, memory_ops, bypass, inputs, outputs)


def _schedule_segment(
    seg: Segment,
    latency: dict[Op, int],
    method: str = "lp",
) -> None:
    """Choose start times minimising the bit-weighted delay of the segment's values
    (``method="asap"``: every op as early as possible, for comparison)."""
    ops = seg.ops
    values: list[Value] = list(seg.inputs) + [op for op in ops if op.has_result]
    idx_t = {op: i for i, op in enumerate(ops)}
    n_t = len(ops)
    idx_l = {v: n_t + i for i, v in enumerate(values)}
    end = n_t + len(values)
    n = end + 1
    rows: list[tuple[dict[int, float], float]] = []  # sum(coef*x) <= b

    def avail_expr(v: Value) -> tuple[dict[int, float], float]:
        """ready(v) = t_v + lat_v (ops) or 0 (inputs)."""
        if v in idx_t:
            assert isinstance(v, Op)
            return {idx_t[v]: 1.0}, float(latency[v])
        return {}, 0.0

    in_seg_users: dict[Value, list[Op]] = {}
    for op in ops:
        for src in list(op.operands) + list(op.deps):
            if is_uniform(src):
                continue
            if any(
                src is v for v in op.operands
            ):  # memory-order edges constrain, but hold no value
                in_seg_users.setdefault(src, []).append(op)
            # t_op >= ready(src)  ->  ready(src) - t_op <= 0
            coefs, c = avail_expr(src)
            row = dict(coefs)
            row[idx_t[op]] = row.get(idx_t[op], 0.0) - 1.0
            rows.append((row, -c))
    exports = set(seg.exports)
    for v in values:
        coefs, c = avail_expr(v)
        consumers = [idx_t[u] for u in in_seg_users.get(v, [])]
        if v in exports:
            consumers.append(end)
        for ci in consumers:
            # L_v >= t_consumer
            rows.append(({ci: 1.0, idx_l[v]: -1.0}, 0.0))
        # L_v >= ready(v)
        row = {k: val for k, val in coefs.items()}
        row[idx_l[v]] = row.get(idx_l[v], 0.0) - 1.0
        rows.append((row, -c))
        # the segment end comes after every value is ready
        row = dict(coefs)
        row[end] = row.get(end, 0.0) - 1.0
        rows.append((row, -c))
    for op in ops:
        if not op.has_result:  # side effects (local stores) happen inside the segment
            rows.append(({idx_t[op]: 1.0, end: -1.0}, -float(latency[op])))
    cost = np.zeros(n)
    for v in values:
        bits = max(value_bits(v), 1)
        cost[idx_l[v]] += bits
        coefs, _ = avail_expr(v)
        for k, val in coefs.items():
            cost[k] -= bits * val
    cost[end] += 1.0 + 0.001  # valid bits per stage, and prefer shallow pipelines
    if method == "asap":
        x = np.zeros(n, dtype=int)
        for op in ops:  # block order is a topological order
            srcs = [v for v in list(op.operands) + list(op.deps) if not is_uniform(v)]
            x[idx_t[op]] = max(
                (x[idx_t[v]] + latency[v] if v in idx_t else 0 for v in srcs),  # type: ignore[index]
                default=0,
            )
        x[end] = max(
            (x[idx_t[v]] + latency[v] if v in idx_t else 0 for v in list(values) + ops),  # type: ignore[index]
            default=0,
        )
    elif rows:
        coef: list[float] = []
        ri: list[int] = []
        cols: list[int] = []
        for i, (row, _) in enumerate(rows):
            for col, val in row.items():
                ri.append(i)
                cols.append(col)
                coef.append(val)
        a_ub = sparse.csr_matrix((coef, (ri, cols)), shape=(len(rows), n))
        b_ub = np.array([b for _, b in rows])
        res = linprog(cost, A_ub=a_ub, b_ub=b_ub, bounds=[(0, None)] * n, method="highs")
        if res.status != 0:
            raise CompileError(f"scheduling failed for segment {seg.index}: {res.message}")
        x = np.rint(res.x).astype(int)
    else:
        x = np.zeros(n, dtype=int)
    for op in ops:
        seg.start[op] = int(x[idx_t[op]])
    for v in values:
        r = seg.start[v] + latency[v] if v in idx_t else 0  # type: ignore[index]
        seg.ready[v] = r
    seg.depth = int(x[end])
    for v in values:
        last = seg.ready[v]
        for u in in_seg_users.get(v, []):
            last = max(last, seg.start[u])
        if v in exports:
            last = max(last, seg.depth)
        seg.last_use[v] = last
    # sanity: the rounded solution satisfies every constraint
    for op in ops:
        for src in op.operands:
            if not is_uniform(src) and seg.start[op] < seg.ready.get(src, 0):
                raise CompileError(f"internal error: schedule violates a dependence at {op.loc}")
