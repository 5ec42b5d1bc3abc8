"""emit-verilog, atomics: the new value of an ``atomic`` op, its boundary unit for
global memory (a client of the kernel's one atomic unit,
:func:`soff.rtl_gen.lib.atomic_engine_module`), and the read-modify-write port
of a ``__local`` RAM (docs/architecture.md, "Atomics").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from soff.hls.bind import bind_op
from soff.ir.core import ATOMIC_OPS, Arg, Kernel, Op
from soff.ir.types import FloatType, IntType, PtrType
from soff.rtl_gen import lib
from soff.rtl_gen.vast import (
    Assign,
    BinOp,
    Comment,
    Const,
    Expr,
    Instance,
    Ref,
    Ternary,
    cat,
    clog2,
    land,
    lnot,
    lor,
)

if TYPE_CHECKING:
    from soff.rtl_gen.top import _Ctx, _LocalRam

__all__ = ["AtomicClient", "new_value", "global_atomic_unit", "local_atomic", "atomic_engine"]


def new_value(op: Op, old: Expr, values: list[Expr]) -> Expr:
    """The value an ``atomic`` op writes, from the old one and its value operands
    (docs/ir.md); integer ops compare by the type's signedness."""
    kind, t = str(op.attrs["op"]), op.type
    w = t.bits
    signed = isinstance(t, IntType) and t.signed
    v = values[0] if values else Const(0, w)
    one = Const(1, w)
    if kind == "add":
        return BinOp("+", old, v)
    if kind == "sub":
        return BinOp("-", old, v)
    if kind == "xchg":
        return v
    if kind in ("min", "max"):
        return Ternary(BinOp("<" if kind == "min" else ">", old, v, signed=signed), old, v)
    if kind in ("and", "or", "xor"):
        return BinOp({"and": "&", "or": "|", "xor": "^"}[kind], old, v)
    if kind == "inc":
        return BinOp("+", old, one)
    if kind == "dec":
        return BinOp("-", old, one)
    if kind == "inc_wrap":
        return Ternary(BinOp(">=", old, v, signed=signed), Const(0, w), BinOp("+", old, one))
    if kind == "dec_wrap":
        wraps = lor(BinOp("==", old, Const(0, w)), BinOp(">", old, v, signed=signed))
        return Ternary(wraps, v, BinOp("-", old, one))
    if kind == "cmpxchg":
        return Ternary(BinOp("==", old, values[1]), v, old)
    raise AssertionError(f"no hardware for atomic {kind}")


def local_atomic(
    ctx: _Ctx, op: Op, ram: _LocalRam, index: Expr, operands: list[Expr], enable: Expr, name: str
) -> Expr:
    """A read-modify-write port of a ``__local`` RAM: it reads the word, writes the new
    value at the end of the cycle (when ``enable``), and returns the old value (to be
    registered). Atomic ports of one RAM active in the same cycle act in the order
    they were made: each sees the new values of the earlier ones at its address."""
    n = 1 + ATOMIC_OPS[str(op.attrs["op"])]
    w = ram.bits
    old: Expr = Ref(ram.name)[index]
    for we, idx, new in ram.atomics:
        old = Ternary(land(we, BinOp("==", idx, index)), new, old)
    old_w = ctx.wire(name + "_old", w, old, f"{op.loc}  atomic" if op.loc else None)
    new_w = ctx.wire(name + "_new", w, new_value(op, old_w, operands[1:n]))
    ram.atomics.append((enable, index, new_w))
    ram.writes.append((enable, index, new_w))
    return old_w


@dataclass
class AtomicClient:
    """The signals one global atomic unit exchanges with the kernel's atomic engine."""

    valid: Expr
    addr: Expr
    size: int  # log2 bytes
    new: Expr
    room: Expr
    done: Ref
    width: int
    latency: int = 0  # cycles the new value takes (a pipelined float adder)


def global_atomic_unit(
    ctx: _Ctx,
    op: Op,
    index: int,
    addr: Expr,
    pred: Expr,
    values: list[Expr],
    push: Expr,
    pop: Expr,
    depth: int,
) -> tuple[list[Expr], list[Expr], Expr, AtomicClient]:
    """A boundary unit for a global ``atomic``: a tag FIFO (the predicate), a request
    FIFO (address and value operands) that the atomic engine serves in order, and a
    response FIFO of old values. Returns the unit's in-readies and out-valids (for
    the boundary handshake), the old value as segment ``k + 1`` sees it, and its
    engine client."""
    from soff.rtl_gen.top import _fifo

    items = ctx.items
    p = f"at{index}_"
    items.append(Comment(f"atomic unit {index}: {op.loc}" if op.loc else f"atomic unit {index}"))
    pt = op.operands[0].type
    assert isinstance(pt, PtrType)
    w = pt.pointee.bits
    tag_in_ready, tag_out_valid = ctx.wire(p + "tag_in_ready", 1), ctx.wire(p + "tag_out_valid", 1)
    tag_out = ctx.wire(p + "tag_out", 1)
    items.append(_fifo(p + "tags", 1, depth, push, tag_in_ready, pred, tag_out_valid, pop, tag_out))
    reqw = 64 + w * len(values)
    req_in = ctx.wire(p + "req_in", reqw, cat(addr, *values) if values else addr)
    req_in_ready, req_valid = ctx.wire(p + "req_in_ready", 1), ctx.wire(p + "req_valid", 1)
    req = ctx.wire(p + "req", reqw)
    done = ctx.wire(p + "done", 1)
    items.append(
        _fifo(p + "reqs", reqw, depth, land(push, pred), req_in_ready, req_in, req_valid, done, req)
    )
    head = [req[reqw - 65 - w * i : reqw - 64 - w * (i + 1)] for i in range(len(values))]
    old = ctx.wire(p + "old", w, Ref("atomic_old")[w - 1 : 0])
    latency = 0
    if isinstance(op.type, FloatType) and op.attrs["op"] == "add":
        # a free-running float adder; the atomic unit waits for its latency
        from soff.rtl_gen.top import _instantiate

        add = Op("add", [op.operands[1], op.operands[1]], op.type, loc=op.loc)
        binding = bind_op(add)
        assert binding is not None
        latency = binding.latency(ctx.board)
        new: Expr = _instantiate(ctx, binding, add, [old, head[0]], latency, Const(1, 1), p + "new")
    else:
        new = ctx.wire(p + "new", w, new_value(op, old, head))
    room, resp_valid = ctx.wire(p + "resp_room", 1), ctx.wire(p + "resp_valid", 1)
    resp = ctx.wire(p + "resp_data", w)
    take = ctx.wire(p + "take", 1, land(pop, tag_out))
    items.append(_fifo(p + "resp", w, depth, done, room, old, resp_valid, take, resp))
    ctx.unused.append(
        ctx.wire(
            f"dbg_stall_{p}memory",
            1,
            land(tag_out_valid, tag_out, lnot(resp_valid)),
            comment="debug: waiting for the atomic unit",
        )
    )
    readies: list[Expr] = [tag_in_ready, req_in_ready]
    valids: list[Expr] = [tag_out_valid, lor(lnot(tag_out), resp_valid)]
    result = Ternary(tag_out, resp, Const(0, w))
    client = AtomicClient(
        req_valid, req[reqw - 1 : reqw - 64], clog2(pt.pointee.size), new, room, done, w, latency
    )
    return readies, valids, result, client


def forwarding_safe(kernel: Kernel) -> bool:
    """Whether nothing but global atomics can write the buffers global atomics reach,
    so the atomic unit may forward the word it wrote last instead of reading it
    again: every atomic goes through a pointer argument, and every plain global
    store through another argument that cannot alias them (it, or all of them,
    ``restrict``)."""
    from soff.hls.analysis import pointer_base
    from soff.hls.schedule.datapath import is_variable_latency

    noalias = set(kernel.attrs.get("noalias", []) or [])
    mem = [op for op in kernel.ops() if op.opcode in ("atomic", "store") and is_variable_latency(op)]
    bases = [pointer_base(op.operands[0]) for op in mem if op.opcode == "atomic"]
    if not all(isinstance(b, Arg) for b in bases):
        return False
    all_restrict = all(b.name in noalias for b in bases)  # type: ignore[union-attr]
    for op in mem:
        if op.opcode != "store":
            continue
        b = pointer_base(op.operands[0])
        if not isinstance(b, Arg) or any(b is a for a in bases):
            return False
        if b.name not in noalias and not all_restrict:
            return False
    return True


def atomic_engine(
    ctx: _Ctx, clients: list[AtomicClient], dw: int
) -> tuple[dict[str, Expr], dict[str, Expr]]:
    """The kernel's atomic engine serving ``clients``; returns its read and write
    clients for the AXI arbiters."""
    n = len(clients)
    fwd = forwarding_safe(ctx.kernel)
    eng = lib.atomic_engine_module(n, dw, max(c.latency for c in clients), forward=fwd)
    ctx.units.setdefault(eng.name, eng)
    items = ctx.items
    items.append(
        Comment(
            f"the global atomic unit: {n} client(s), one atomic in flight"
            + ("; it forwards the word it wrote last (only atomics write those buffers)" if fwd else "")
        )
    )
    ctx.wire("atomic_old", dw)
    names = ("valid", "ready", "addr", "size", "rvalid", "rready")
    rd = {
        k: ctx.wire("atomic_rd_" + k, 64 if k == "addr" else 3 if k == "size" else 1) for k in names
    }
    wr = {
        k: ctx.wire(
            "atomic_wr_" + k, {"addr": 64, "size": 3, "data": dw, "strb": dw // 8}.get(k, 1)
        )
        for k in ("valid", "ready", "addr", "size", "data", "strb", "bdone")
    }
    done = ctx.wire("atomic_c_done", n)
    for i, c in enumerate(clients):
        items.append(Assign(c.done, done[i] if n > 1 else done))

    def new(c: AtomicClient) -> Expr:
        return cat(Const(0, dw - c.width), c.new) if c.width < dw else c.new

    rev = list(reversed(clients))
    conns: list[tuple[str, Expr | None]] = [
        ("clk", Ref("ap_clk")),
        ("rst_n", Ref("ap_rst_n")),
        ("c_valid", cat(*[c.valid for c in rev])),
        ("c_addr", cat(*[c.addr for c in rev])),
        ("c_size", cat(*[Const(c.size, 3) for c in rev])),
        ("c_new", cat(*[new(c) for c in rev])),
        ("c_room", cat(*[c.room for c in rev])),
        ("c_done", done),
        ("old", Ref("atomic_old")),
        ("rd_valid", rd["valid"]),
        ("rd_ready", rd["ready"]),
        ("rd_addr", rd["addr"]),
        ("rd_size", rd["size"]),
        ("rd_rvalid", rd["rvalid"]),
        ("rd_rready", rd["rready"]),
        ("rd_rdata", Ref("rd_rdata")),
    ]
    conns += [("wr_" + k, s) for k, s in wr.items()]
    if fwd:
        conns.append(("flush", Ref("start")))
    items.append(Instance(eng.name, "atomic_unit", [], conns))
    ctx.unused.append(Ref("atomic_old"))
    return dict(rd), dict(wr)
