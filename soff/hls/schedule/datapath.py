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

import numpy as np
from scipy.optimize import linprog

from soff.boards.board import Board
from soff.diagnostics import CompileError, UnsupportedError
from soff.ir.core import WORKITEM_OPS, Arg, Kernel, Op, Value
from soff.ir.types import FloatType, IntType, PtrType, VoidType

# values that are the same for every work-item: no pipeline registers needed
UNIFORM_OPS = ("const", "global_size", "local_size", "num_groups")


def is_uniform(v: Value) -> bool:
    return isinstance(v, Arg) or (isinstance(v, Op) and v.opcode in UNIFORM_OPS)


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
        return sum(
            value_bits(v) * (self.last_use[v] - self.ready[v]) for v in self.last_use
        )


@dataclass
class DatapathSchedule:
    """Everything the Verilog generator needs to know about a kernel's datapath."""

    kernel: Kernel
    segments: list[Segment]
    memory_ops: list[list[Op]]  # memory ops at boundary k (between segment k and k+1)
    bypass: list[list[Value]]  # values carried by boundary k's bypass FIFO
    latency: dict[Op, int]
    fifo_depth: int
    workitem_inputs: list[Op]  # work-item id ops that the dispatcher feeds to segment 0

    @property
    def delay_bits(self) -> int:
        return sum(s.delay_bits for s in self.segments)

    @property
    def fifo_bits(self) -> int:
        return sum(sum(value_bits(v) for v in vals) * self.fifo_depth for vals in self.bypass)

    def describe(self) -> list[str]:
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
                    f"{sum(1 for m in mem if m.opcode == 'store')} stores, bypass FIFO "
                    f"{sum(value_bits(v) for v in self.bypass[s.index])} bits x {self.fifo_depth}"
                )
        return lines


def value_bits(v: Value) -> int:
    t = v.type
    if isinstance(t, VoidType):
        return 0
    return t.bits


def _check_supported(kernel: Kernel) -> None:
    if len(kernel.blocks) != 1:
        loc = None
        for b in kernel.blocks[1:]:
            if b.ops and b.ops[0].loc is not None:
                loc = b.ops[0].loc
                break
        raise UnsupportedError(
            f"kernel '{kernel.name}': loops are not supported yet in hardware", loc or kernel.loc
        )
    for op in kernel.ops():
        if isinstance(op.type, FloatType) or any(isinstance(v.type, FloatType) for v in op.operands):
            raise UnsupportedError("floating-point operations are not supported yet in hardware", op.loc)
        if op.opcode in ("load", "store"):
            ptr = op.operands[0].type
            assert isinstance(ptr, PtrType)
            if ptr.space not in ("global", "constant"):
                raise UnsupportedError(f"{ptr.space} memory is not supported yet in hardware", op.loc)
            if not isinstance(ptr.pointee, IntType) or ptr.pointee.bits > 64:
                raise UnsupportedError(
                    f"memory accesses of type {ptr.pointee} are not supported yet", op.loc
                )
        elif not isinstance(op.type, (IntType, PtrType, VoidType)):
            raise UnsupportedError(f"values of type {op.type} are not supported yet in hardware", op.loc)


def op_latency(op: Op, board: Board) -> int:
    if op.opcode in WORKITEM_OPS or op.opcode in ("const", "phi") or op.is_terminator:
        return 0
    if op.info.memory:
        return 0  # variable latency: handled by the boundary
    width = op.operands[0].type.bits if op.opcode == "cmp" else op.type.bits
    return board.latency(op.opcode, width)


def schedule_kernel(kernel: Kernel, board: Board) -> DatapathSchedule:
    _check_supported(kernel)
    block = kernel.entry
    body = [op for op in block.ops if not op.is_terminator]
    latency = {op: op_latency(op, board) for op in body}

    # level: memory ops on the longest path before the op
    level: dict[Value, int] = {}
    for op in body:
        lv = 0
        for src in list(op.operands) + list(op.deps):
            if is_uniform(src) or isinstance(src, Arg):
                continue
            assert isinstance(src, Op)
            lv = max(lv, level[src] + (1 if src.info.memory else 0))
        level[op] = lv
    n_bound = max((level[op] + 1 for op in body if op.info.memory), default=0)
    n_seg = n_bound + 1
    memory_ops: list[list[Op]] = [[] for _ in range(n_bound)]
    for op in body:
        if op.info.memory:
            memory_ops[level[op]].append(op)

    def home(v: Value) -> int:
        """The segment in which ``v`` becomes available."""
        assert isinstance(v, Op)
        return level[v] + 1 if v.info.memory else level[v]

    # where each value is needed: (segment, consumer) pairs
    users: dict[Value, list[tuple[int, Op]]] = {}
    for op in body:
        for src in list(op.operands) + list(op.deps):
            if is_uniform(src):
                continue
            users.setdefault(src, []).append((level[op], op))
    # every memory op's completion is joined at the next segment (work-items
    # leave the datapath only once their memory traffic is done)
    bypass: list[list[Value]] = [[] for _ in range(n_bound)]
    workitem_inputs = [op for op in body if op.opcode in WORKITEM_OPS and not is_uniform(op)]
    segments = [Segment(i) for i in range(n_seg)]
    for op in body:
        if op.info.memory or is_uniform(op):
            continue
        segments[level[op]].ops.append(op)
    for op in workitem_inputs:
        segments[0].ops.remove(op)
        segments[0].inputs.append(op)
    for k in range(n_bound):
        for m in memory_ops[k]:
            segments[k + 1].inputs.append(m)
    for v, uses in users.items():
        h = home(v)
        last = max(seg for seg, _ in uses)
        for k in range(h, last):
            if k < n_bound:
                # values crossing boundary k: memory ops at k use them at the end of k,
                # later consumers need them carried through the bypass FIFO
                pass
        for k in range(h + 1, last + 1):
            # v must be present at the start of segment k (k > h): carried by bypass k-1
            # unless v is itself the memory op delivering into segment k
            if isinstance(v, Op) and v.info.memory and k == h:
                continue
            if v not in bypass[k - 1]:
                bypass[k - 1].append(v)
            if v not in segments[k].inputs:
                segments[k].inputs.append(v)

    # deterministic order of bypass values (by position in the block)
    pos = {op: i for i, op in enumerate(body)}
    for lst in bypass:
        lst.sort(key=lambda v: pos[v])  # type: ignore[index]
    for s in segments:
        s.inputs.sort(key=lambda v: pos[v])  # type: ignore[index]

    # exports of segment k: operands of memory ops at boundary k, and bypass[k]
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
        s.exports = sorted(exp, key=lambda v: pos[v])  # type: ignore[index]
        _schedule_segment(s, latency, users, level)

    depth = board.max_outstanding
    return DatapathSchedule(kernel, segments, memory_ops, bypass, latency, depth, workitem_inputs)


def _schedule_segment(
    seg: Segment,
    latency: dict[Op, int],
    users: dict[Value, list[tuple[int, Op]]],
    level: dict[Value, int],
) -> None:
    """Choose start times minimising the bit-weighted delay of the segment's values."""
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
    cost = np.zeros(n)
    for v in values:
        bits = max(value_bits(v), 1)
        cost[idx_l[v]] += bits
        coefs, _ = avail_expr(v)
        for k, val in coefs.items():
            cost[k] -= bits * val
    cost[end] += 1.0 + 0.001  # valid bits per stage, and prefer shallow pipelines
    a_ub = np.zeros((len(rows), n))
    b_ub = np.zeros(len(rows))
    for i, (row, b) in enumerate(rows):
        for k, val in row.items():
            a_ub[i, k] = val
        b_ub[i] = b
    if rows:
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
