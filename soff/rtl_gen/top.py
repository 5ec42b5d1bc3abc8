"""emit-verilog: the kernel top — control slave, work-item dispatcher,
per-segment lock-step pipelines, memory units, AXI4 arbiters.

Reads what :mod:`soff.hls.schedule` decided (segments, start times, memory
boundaries, FIFO depth) and builds the Verilog AST; see docs/interface.md for
the ports and register map, and docs/architecture.md for the datapath.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from soff.boards.board import Board
from soff.diagnostics import UnsupportedError
from soff.hls.bind import Binding, bind_op
from soff.hls.schedule.datapath import (
    DatapathSchedule,
    is_uniform,
    local_base,
    rom_base,
    value_bits,
)
from soff.hls.schedule.loop_pipeline import REDUCTIONS, reduction_identity, single_work_item
from soff.ir.core import Arg, Kernel, Op, Value, predicate_index
from soff.ir.printer import Namer
from soff.ir.types import ArrayType, FloatType, IntType, PtrType, Type
from soff.rtl_gen import atomics, lib, units
from soff.rtl_gen.regmap import RegisterMap
from soff.rtl_gen.vast import (
    Always,
    AlwaysComb,
    Assign,
    BinOp,
    Blank,
    Blocking,
    Case,
    Comment,
    Const,
    Expr,
    If,
    Instance,
    Item,
    Memory,
    Module,
    NonBlocking,
    Port,
    Ref,
    Reg,
    Repl,
    Signed,
    Stmt,
    Ternary,
    UnOp,
    Wire,
    cat,
    clog2,
    land,
    lnot,
    lor,
    ne,
    print_verilog,
    reduce_and,
)

AXI_PORTS: list[tuple[str, str, int | str]] = [
    # (suffix, direction, width or "D"/"S"/"I" for data/strobe/ID width)
    ("awvalid", "output", 1),
    ("awready", "input", 1),
    ("awaddr", "output", 64),
    ("awid", "output", "I"),
    ("awlen", "output", 8),
    ("awsize", "output", 3),
    ("awburst", "output", 2),
    ("wvalid", "output", 1),
    ("wready", "input", 1),
    ("wdata", "output", "D"),
    ("wstrb", "output", "S"),
    ("wlast", "output", 1),
    ("bvalid", "input", 1),
    ("bready", "output", 1),
    ("bresp", "input", 2),
    ("bid", "input", "I"),
    ("arvalid", "output", 1),
    ("arready", "input", 1),
    ("araddr", "output", 64),
    ("arid", "output", "I"),
    ("arlen", "output", 8),
    ("arsize", "output", 3),
    ("arburst", "output", 2),
    ("rvalid", "input", 1),
    ("rready", "output", 1),
    ("rdata", "input", "D"),
    ("rresp", "input", 2),
    ("rlast", "input", 1),
    ("rid", "input", "I"),
]


def axi_width(width: int | str, data_w: int, id_w: int) -> int:
    """The bits of an :data:`AXI_PORTS` width: data, strobe, ID or a number."""
    if width == "D":
        return data_w
    if width == "S":
        return data_w // 8
    if width == "I":
        return id_w
    return int(width)


def axi_id_width(kernel: Kernel, sched: DatapathSchedule) -> int:
    """The AXI ID bits of the kernel's top (or one compute unit): enough to number
    its read clients and its write clients, at least ``lib.ID_W`` (docs/interface.md).
    Raises :class:`UnsupportedError` beyond ``lib.MAX_CLIENTS`` of either."""
    ops = [m.opcode for ms in sched.memory_ops for m in ms]
    n_units = int("atomic" in ops)  # the atomic unit is one more read and write client
    n_loads, n_stores = ops.count("load"), ops.count("store")
    if max(n_loads, n_stores) + n_units > lib.MAX_CLIENTS:
        raise UnsupportedError(
            f"kernel '{kernel.name}' has {n_loads} loads and {n_stores} stores; "
            f"at most {lib.MAX_CLIENTS - n_units} of each are supported",
            kernel.loc,
        )
    return lib.id_width(max(n_loads, n_stores, 1) + n_units)


WI_DIM_PREFIX = {"global_id": "gid", "local_id": "lid", "group_id": "grp"}


def kernel_regmap(kernel: Kernel) -> RegisterMap:
    args = []
    for a in kernel.args:
        if isinstance(a.type, PtrType):
            args.append((_arg_name(a), 64, "pointer", False))
        else:
            t = a.type
            signed = isinstance(t, IntType) and t.signed
            args.append((_arg_name(a), t.bits, "scalar", signed))
    return RegisterMap.build(kernel.name, args)


def _arg_name(a: Arg) -> str:
    """An argument's register name: ``s_x`` for member ``s.x`` of a struct passed by value."""
    return (a.name or f"arg{a.index}").replace(".", "_")


def _src_comment(op: Op) -> str | None:
    if op.loc is None:
        return None
    return f"{op.loc}  {op.opcode}"


@dataclass
class _Ctx:
    kernel: Kernel
    sched: DatapathSchedule
    board: Board
    namer: Namer
    items: list[Item] = field(default_factory=list)
    regs: list[Stmt] = field(default_factory=list)  # reset-free pipeline registers
    unused: list[Expr] = field(default_factory=list)
    units: dict[str, Module] = field(default_factory=dict)  # operator-library modules used
    uniform_wires: dict[str, Ref] = field(default_factory=dict)  # work-item sizes as 64-bit wires
    locals: dict[Op, _LocalRam] = field(default_factory=dict)  # __local arrays
    blk_in_valid: dict[int, Ref] = field(default_factory=dict)  # a work-item enters block i
    blk_in_ready: dict[int, Ref] = field(default_factory=dict)

    def vname(self, v: Value) -> str:
        return "v_" + self.namer.value(v)[1:].replace(".", "_")

    def wire(
        self, name: str, width: int, rhs: Expr | None = None, comment: str | None = None
    ) -> Ref:
        self.items.append(Wire(name, max(width, 1), comment=comment))
        if rhs is not None:
            self.items.append(Assign(Ref(name), rhs))
        return Ref(name)

    def reg(self, name: str, width: int, comment: str | None = None) -> Ref:
        self.items.append(Reg(name, max(width, 1), comment=comment))
        return Ref(name)


def _value_bits(raw: int | float, t: Type) -> int:
    """The bit pattern of a constant of type ``t`` (IEEE-754 for floats, two's complement)."""
    if isinstance(t, FloatType):
        pack, unpack = {16: ("<e", "<H"), 32: ("<f", "<I"), 64: ("<d", "<Q")}[t.bits]
        return int(struct.unpack(unpack, struct.pack(pack, float(raw)))[0])
    return int(raw) & ((1 << max(t.bits, 1)) - 1)


def _uniform_expr(ctx: _Ctx, v: Value) -> Expr:
    if isinstance(v, Arg):
        return Ref("arg_" + _arg_name(v))
    assert isinstance(v, Op)
    if v.opcode in ("rodata", "alloca"):
        return Const(0, 64)  # pointers into a ROM or __local RAM are byte offsets from its start
    if v.opcode == "const":
        return Const(_value_bits(v.attrs["value"], v.type), max(v.type.bits, 1))
    dim = int(v.attrs["dim"])
    sources = {
        "global_size": f"arg_global_size_{dim}",
        "local_size": f"arg_local_size_{dim}",
        "num_groups": f"num_groups_{dim}",
    }
    if v.opcode not in sources:
        raise AssertionError(v)
    # a named 64-bit wire, so that casts can part-select it (Verilog cannot slice a concatenation)
    name = f"{v.opcode}_{dim}_u64"
    if name not in ctx.uniform_wires:
        ctx.uniform_wires[name] = ctx.wire(name, 64, cat(Const(0, 32), Ref(sources[v.opcode])))
        ctx.unused.append(ctx.uniform_wires[name])
    return ctx.uniform_wires[name]


def _sel(e: Expr, hi: int, lo: int) -> Expr:
    """``e[hi:lo]``, folded when ``e`` is a constant (Verilog cannot slice literals)."""
    if isinstance(e, Const):
        return Const((e.value >> lo) & ((1 << (hi - lo + 1)) - 1), hi - lo + 1)
    return e[hi:lo]


def _bit(e: Expr, i: int) -> Expr:
    if isinstance(e, Const):
        return Const((e.value >> i) & 1, 1)
    return e[i]


def _op_expr(op: Op, ops: list[Expr]) -> Expr:
    """The combinational expression computing ``op`` from its operand signals."""
    t = op.type
    w = t.bits
    code = op.opcode
    simple = {"add": "+", "sub": "-", "mul": "*", "and": "&", "or": "|", "xor": "^"}
    if code in simple:
        return BinOp(simple[code], ops[0], ops[1])
    if code == "not":
        return UnOp("~", ops[0])
    if code == "popcount":
        total: Expr = cat(Const(0, w - 1), _bit(ops[0], 0)) if w > 1 else ops[0]
        for i in range(1, w):
            total = BinOp("+", total, cat(Const(0, w - 1), _bit(ops[0], i)))
        return total
    if code == "clz":
        count: Expr = Const(w, w) if w > 1 else Const(1, 1)
        for i in range(w):  # the highest set bit wins
            count = Ternary(_bit(ops[0], i), Const((w - 1 - i) & ((1 << w) - 1), w), count)
        return count
    if isinstance(t, FloatType) and code in ("neg", "math"):
        # sign-bit wiring: -x flips the sign, fabs clears it
        top = UnOp("~", _bit(ops[0], w - 1)) if code == "neg" else Const(0, 1)
        return cat(top, _sel(ops[0], w - 2, 0))
    if code == "neg":
        return BinOp("-", Const(0, w), ops[0])
    if code in ("shl", "shr"):
        amount = _sel(ops[1], clog2(w) - 1, 0) if w > 1 else Const(0, 1)
        if code == "shl":
            return BinOp("<<", ops[0], amount)
        signed = isinstance(t, IntType) and t.signed
        if signed:
            return BinOp(">>>", Signed(ops[0]), amount)
        return BinOp(">>", ops[0], amount)
    if code == "cmp":
        src = op.operands[0].type
        signed = isinstance(src, IntType) and src.signed and src.bits > 1
        sym = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
        return BinOp(sym[op.attrs["pred"]], ops[0], ops[1], signed=signed)
    if code == "select":
        return Ternary(ops[0], ops[1], ops[2])
    if code in ("cast", "bitcast"):
        src_t = op.operands[0].type
        sw = src_t.bits
        if sw == w:
            return ops[0]
        if sw > w:
            return _sel(ops[0], w - 1, 0)
        ext = isinstance(src_t, IntType) and src_t.signed and code == "cast"
        fill: Expr = Repl(w - sw, _bit(ops[0], sw - 1)) if ext else Const(0, w - sw)
        return cat(fill, ops[0])
    if code == "ptradd":
        pointee = op.type.pointee  # type: ignore[attr-defined]
        size = pointee.size
        idx_t = op.operands[1].type
        iw = idx_t.bits
        if iw < 64:
            ext = isinstance(idx_t, IntType) and idx_t.signed
            fill = Repl(64 - iw, _bit(ops[1], iw - 1)) if ext else Const(0, 64 - iw)
            idx: Expr = cat(fill, ops[1])
        else:
            idx = _sel(ops[1], 63, 0) if iw > 64 else ops[1]
        if size & (size - 1) == 0:
            scaled: Expr = BinOp("<<", idx, Const(clog2(size), 7)) if size > 1 else idx
        else:
            scaled = BinOp("*", idx, Const(size, 64))
        return BinOp("+", ops[0], scaled)
    if code in ("div", "rem"):
        return _divide(code, t, ops[0], ops[1])
    raise AssertionError(f"no hardware for op '{code}'")


def _divide(code: str, t, a: Expr, b: Expr) -> Expr:
    """C division/remainder with the IR's defined results (docs/ir.md)."""
    w = t.bits
    zero = BinOp("==", b, Const(0, w))
    if not t.signed:
        q = BinOp("/", a, b)
        r = BinOp("%", a, b)
        return Ternary(zero, Const((1 << w) - 1, w), q) if code == "div" else Ternary(zero, a, r)
    sa, sb = _bit(a, w - 1), _bit(b, w - 1)
    mag_a = Ternary(sa, BinOp("-", Const(0, w), a), a)
    mag_b = Ternary(sb, BinOp("-", Const(0, w), b), b)
    if code == "div":
        q = BinOp("/", mag_a, mag_b)
        signed_q = Ternary(BinOp("^", sa, sb), BinOp("-", Const(0, w), q), q)
        return Ternary(zero, Const((1 << w) - 1, w), signed_q)
    r = BinOp("%", mag_a, mag_b)
    signed_r = Ternary(sa, BinOp("-", Const(0, w), r), r)
    return Ternary(zero, a, signed_r)


def _barrier_gate(
    ctx: _Ctx, p: str, arrive: Expr, fifo_valid: Expr, out_valid: Ref, pop: Expr
) -> None:
    """Release work-items from a barrier FIFO once the whole work-group has arrived."""
    items = ctx.items
    group = ctx.wire(
        p + "group_size",
        33,
        cat(
            Const(0, 1), Ref("arg_local_size_0") * Ref("arg_local_size_1") * Ref("arg_local_size_2")
        ),
        comment="barrier: work-items per work-group",
    )
    arrived = ctx.reg(p + "arrived", 33, "barrier: work-items waiting, not yet released")
    left = ctx.reg(p + "left", 33, "barrier: work-items of the released generation still to leave")
    releasing = ctx.reg(p + "releasing", 1)
    begin = ctx.wire(
        p + "begin", 1, land(lnot(releasing), ne(group, Const(0, 33)), BinOp(">=", arrived, group))
    )
    items.append(Assign(out_valid, land(fifo_valid, releasing)))
    taken = ctx.wire(p + "taken", 1, land(out_valid, pop))
    one = cat(Const(0, 32), arrive)
    items.append(
        Always(
            [
                If(
                    lor(lnot(Ref("ap_rst_n")), Ref("start")),
                    [
                        NonBlocking(arrived, Const(0, 33)),
                        NonBlocking(left, Const(0, 33)),
                        NonBlocking(releasing, Const(0, 1)),
                    ],
                    [
                        NonBlocking(
                            arrived,
                            BinOp(
                                "-", BinOp("+", arrived, one), Ternary(begin, group, Const(0, 33))
                            ),
                        ),
                        If(begin, [NonBlocking(releasing, Const(1, 1)), NonBlocking(left, group)]),
                        If(
                            taken,
                            [
                                NonBlocking(left, BinOp("-", left, Const(1, 33))),
                                If(
                                    BinOp("==", left, Const(1, 33)),
                                    [NonBlocking(releasing, Const(0, 1))],
                                ),
                            ],
                        ),
                    ],
                )
            ],
            clock="ap_clk",
        )
    )
    ctx.unused.append(
        ctx.wire(
            f"dbg_stall_{p}barrier",
            1,
            land(fifo_valid, lnot(releasing)),
            comment="debug: work-items waiting at a barrier",
        )
    )


@dataclass
class _LocalRam:
    """One ``__local`` array: an on-chip RAM with a write port per store."""

    name: str  # the Verilog array
    source: str  # the OpenCL variable
    bits: int
    words: int
    writes: list[tuple[Expr, Expr, Expr]] = field(default_factory=list)  # (enable, index, data)
    atomics: list[tuple[Expr, Expr, Expr]] = field(default_factory=list)  # read-modify-writes


def _local_access(ctx: _Ctx, op: Op, offset: Expr, name: str) -> tuple[_LocalRam, Ref, Expr]:
    """The RAM of a ``__local`` load or store, its word index and an in-range flag."""
    base = local_base(op.operands[0])
    assert base is not None
    pt = op.operands[0].type
    assert isinstance(pt, PtrType)
    elem = pt.pointee
    size = elem.size
    total = base.type.pointee.size  # type: ignore[attr-defined]
    words = max(total // size, 1)
    if base not in ctx.locals:
        ctx.locals[base] = _LocalRam(
            "lmem_" + ctx.vname(base)[2:], base.name or "", elem.bits, words
        )
    ram = ctx.locals[base]
    if ram.bits != elem.bits:
        raise UnsupportedError(
            f"__local array '{base.name}' is accessed with different element sizes; not supported yet",
            op.loc,
        )
    iw = max(clog2(words), 1)
    index = ctx.wire(name + "_lidx", iw, _sel(offset, iw - 1 + clog2(size), clog2(size)))
    in_range = BinOp("<", offset, Const(words * size, 64))
    return ram, index, in_range


def _rom_read(ctx: _Ctx, op: Op, operands: list[Expr], name: str) -> Expr:
    """The word of a ``__constant`` table at a byte offset, as a case-statement ROM."""
    base = rom_base(op.operands[0])
    assert base is not None
    t = op.type
    w, size = t.bits, t.size
    data = list(base.attrs.get("data", []))
    words = [_value_bits(raw, t) for raw in data]
    table = base.type.pointee  # type: ignore[attr-defined]
    while isinstance(table, ArrayType):
        table = table.elem
    if table == IntType(8, False) and size != 1:  # struct data (bytes): words of this load's size
        raw = bytes(data) + bytes(base.type.pointee.size - len(data))  # type: ignore[attr-defined]
        words = [int.from_bytes(raw[i : i + size], "little") for i in range(0, len(raw), size)]
    n = max(len(words), 1)
    iw = max(clog2(n), 1)
    offset = operands[0]
    index = ctx.wire(name + "_rom_index", iw, _sel(offset, iw - 1 + clog2(size), clog2(size)))
    value = ctx.reg(name + "_rom", w, f"ROM '{base.name}' ({len(words)} x {t}), read at {op.loc}")
    items = [([Const(i, iw)], [Blocking(value, Const(v, w))]) for i, v in enumerate(words)]
    ctx.items.append(AlwaysComb([Case(index, items, [Blocking(value, Const(0, w))])]))
    in_range = BinOp("<", offset, Const(len(words) * size, 64))
    read: Expr = Ternary(in_range, value, Const(0, w))
    if len(op.operands) > 1:  # predicated: a load that does not happen yields 0
        read = Ternary(operands[1], read, Const(0, w))
    return read


#: lines of the read-only cache of an irregular load (``[memory] cache_lines``)
DEFAULT_CACHE_LINES = 256


def cached_loads(kernel: Kernel, sched: DatapathSchedule, board: Board) -> set[Op]:
    """Global loads that get a read-only cache (:func:`soff.rtl_gen.lib.read_cache_module`):
    gathers (:func:`_indirect`: the address depends on a value read from memory)
    through a pointer argument whose buffer nothing in the kernel can write. Nothing may store or do atomics
    through a pointer that may come from that argument (:func:`soff.hls.analysis.pointer_args`:
    ``c ? table : y`` and a pointer stepped in a loop count), and every other
    global store or atomic must go through ``restrict`` arguments (else it may
    reach the same buffer), unless the argument is ``__constant`` or itself
    ``restrict`` (then, by C's rule, no other pointer modifies its object) and
    every write's pointer comes from arguments."""
    if int(board.memory.get("cache_lines", DEFAULT_CACHE_LINES)) <= 0:
        return set()
    from soff.hls.analysis import pointer_args, pointer_base
    from soff.hls.schedule.datapath import is_variable_latency

    noalias = set(kernel.attrs.get("noalias", []) or [])
    writes = [
        op for op in kernel.ops() if op.opcode in ("store", "atomic") and is_variable_latency(op)
    ]
    targets = [pointer_args(op.operands[0]) for op in writes]
    # a write through a pointer of unknown origin may reach any buffer
    unknown = any(t is None for t in targets)
    written = {id(a) for t in targets if t is not None for a in t}
    loose = unknown or any(a.name not in noalias for t in targets if t is not None for a in t)
    out: set[Op] = set()
    for op in kernel.ops():
        if op.opcode != "load" or not is_variable_latency(op) or not _indirect(op):
            continue
        base = pointer_base(op.operands[0])
        if not isinstance(base, Arg) or id(base) in written:
            continue
        ptr_t = op.operands[0].type
        if isinstance(ptr_t, PtrType) and ptr_t.pointee.bits > board.data_width:
            continue  # wider than the bus: the cache's one-beat reads would truncate it
        space = base.type.space if isinstance(base.type, PtrType) else ""
        if space == "constant" or (base.name in noalias and not unknown) or not loose:
            out.add(op)
    return out


def _indirect(load: Op) -> bool:
    """Whether a load's address depends on a value read from global memory (a gather
    such as ``table[idx[i]]``): such addresses do not stream, but may repeat."""
    from soff.hls.schedule.datapath import is_variable_latency

    seen: set[int] = set()
    stack: list[Value] = [load.operands[0]]
    while stack:
        v = stack.pop()
        if not isinstance(v, Op) or id(v) in seen:
            continue
        seen.add(id(v))
        if v is not load and v.opcode == "load" and is_variable_latency(v):
            return True
        if v.opcode in ("load", "store", "atomic", "call"):
            continue
        stack.extend(v.operands)
    return False


def _instantiate(
    ctx: _Ctx, binding: Binding, op: Op, operands: list[Expr], latency: int, en: Expr, out_name: str
) -> Ref:
    """An operator-library unit for ``op``; its result wire appears ``latency`` stages later."""
    opts = dict(binding.options)
    if binding.unit == "fmul" and ctx.board.units.get("fmul_multiplier", "dsp") != "dsp":
        opts["mult"] = ctx.board.units["fmul_multiplier"]
    u = units.unit(binding.unit, binding.fmt, latency, **opts)
    ctx.units.setdefault(u.name, u.module)
    conns: list[tuple[str, Expr | None]] = [("clk", Ref("ap_clk")), ("ce", en)]
    for (port, width), value, src in zip(
        zip(u.inputs, u.input_widths, strict=True), operands, op.operands, strict=False
    ):
        sw = src.type.bits
        if sw < width:  # widen to the unit's standard integer width
            signed = isinstance(src.type, IntType) and src.type.signed
            fill: Expr = Repl(width - sw, _bit(value, sw - 1)) if signed else Const(0, width - sw)
            value = cat(fill, value)
        conns.append((port, value))
    w = value_bits(op)
    out = ctx.wire(out_name, w, comment=_src_comment(op))
    if u.output_width == w:
        conns.append(("y", out))
    else:  # a narrower integer result of a standard-width unit
        full = ctx.wire(out_name + "_full", u.output_width)
        conns.append(("y", full))
        ctx.items.append(Assign(out, full[w - 1 : 0]))
        ctx.unused.append(full)
    ctx.items.append(Instance(u.name, "u_" + out_name, [], conns, comment=_src_comment(op)))
    return out


def control_interface(regmap: RegisterMap) -> tuple[list[Port], list[Item], list[Expr]]:
    """The AXI4-Lite control slave of a top: its ``s_axi_control_*`` ports, the
    items declaring ``arg_*`` and ``ap_start/ap_done/ap_idle/ap_ready`` and
    instantiating the slave, and the ``arg_*`` wires (some kernels leave some unread)."""
    ctrl = lib.control_slave_module(regmap)
    ports = [
        Port(cport.name, cport.direction, cport.width)
        for cport in ctrl.ports
        if cport.name.startswith("s_axi_control_")
    ]
    items: list[Item] = [Comment("AXI4-Lite control slave (register map in the header)")]
    args: list[Expr] = []
    for register in regmap.registers:
        items.append(Wire("arg_" + register.name, max(register.bits, 1)))
        args.append(Ref("arg_" + register.name))
    items += [Wire(name) for name in ("ap_start", "ap_done", "ap_idle", "ap_ready")]
    conns: list[tuple[str, Expr | None]] = [("clk", Ref("ap_clk")), ("rst_n", Ref("ap_rst_n"))]
    conns += [(c.name, Ref(c.name)) for c in ctrl.ports if c.name not in ("clk", "rst_n")]
    items.append(Instance(ctrl.name, "control", [], conns))
    return ports, items, args


def build_top(
    kernel: Kernel,
    sched: DatapathSchedule,
    board: Board,
    cu: bool = False,
    id_w: int = lib.ID_W,
) -> tuple[list[Module], RegisterMap]:
    """The kernel top, or with ``cu`` one compute unit for :mod:`soff.rtl_gen.multi_cu`:
    module ``<kernel>_cu`` whose arguments are input ports, which takes work-groups
    from a stream (``wg_valid/wg_ready/wg_grp_*/wg_base_*``) instead of walking
    the NDRange itself, and reports ``cu_idle``. Its AXI IDs are
    :func:`axi_id_width` bits, or ``id_w`` if that is more (a sequence of kernels
    sharing one interconnect)."""
    regmap = kernel_regmap(kernel)
    ctx = _Ctx(kernel, sched, board, Namer(kernel))
    dw = board.data_width
    depth = sched.fifo_depth
    caches = cached_loads(kernel, sched, board)
    cache_lines = int(board.memory.get("cache_lines", DEFAULT_CACHE_LINES))
    idw = max(axi_id_width(kernel, sched), id_w)
    for ms in sched.memory_ops:
        for m in ms:
            pt = m.operands[0].type
            if isinstance(pt, PtrType) and pt.pointee.size * 8 > dw:
                raise UnsupportedError(
                    f"a {pt.pointee.size * 8}-bit global memory access needs a memory bus of "
                    f"at least that width; target '{board.name}' has a {dw}-bit bus",
                    m.loc,
                )
    items = ctx.items
    ports = [Port("ap_clk", "input"), Port("ap_rst_n", "input")]
    if cu:
        ports.append(Port("cu_start", "input"))
        for register in regmap.registers:
            ports.append(Port("arg_" + register.name, "input", register.bits))
            ctx.unused.append(Ref("arg_" + register.name))
        ports += [Port("wg_valid", "input"), Port("wg_ready", "output")]
        ports += [Port(f"wg_{n}_{d}", "input", 32) for n in ("grp", "base") for d in range(3)]
        ports.append(Port("cu_idle", "output"))
    else:
        ports.append(Port("interrupt", "output"))
        ports += control_interface(regmap)[0]
    for suffix, direction, width in AXI_PORTS:
        ports.append(Port("m_axi_gmem_" + suffix, direction, axi_width(width, dw, idw)))

    if not cu:
        _ports, ctrl_items, args = control_interface(regmap)
        items += ctrl_items
        ctx.unused += args

    # ---------------------------------------------------------------- dispatcher
    items.append(Blank())
    items.append(
        Comment("work-item dispatcher: walks the work-items of each work-group it is given")
        if cu
        else Comment("work-item dispatcher: walks work-groups, and work-items within each")
    )
    busy = Ref("busy") if cu else ctx.reg("busy", 1, "between ap_start and ap_done")
    running = ctx.reg("running", 1, "dispatcher has work-items left")
    inflight = ctx.reg("inflight", 33, "work-items inside the datapath")
    lid = [ctx.reg(f"disp_lid_{d}", 32) for d in range(3)]
    base = [
        ctx.reg(f"disp_base_{d}", 32, f"first global id of the current group, dim {d}")
        for d in range(3)
    ]
    grp = [ctx.reg(f"disp_grp_{d}", 32) for d in range(3)]
    gsz = [Ref(f"arg_global_size_{d}") for d in range(3)]
    lsz = [Ref(f"arg_local_size_{d}") for d in range(3)]
    for d in range(3):
        ctx.wire(
            f"num_groups_{d}",
            32,
            BinOp("/", gsz[d], Ternary(BinOp("==", lsz[d], Const(0, 32)), Const(1, 32), lsz[d])),
        )
        ctx.unused.append(Ref(f"num_groups_{d}"))
    serial = sched.group_serial
    grp_hold: Ref = (
        ctx.reg("grp_hold", 1, "one work-group at a time: wait for the group to drain")
        if serial
        else Ref("grp_hold")
    )
    disp_valid = ctx.wire("disp_valid", 1, land(running, lnot(grp_hold)) if serial else running)
    disp_fire = ctx.wire("disp_fire", 1)
    retire = ctx.wire("retire", 33, comment="work-items leaving the datapath this cycle")
    lid_last = [
        ctx.wire(f"disp_lid_last_{d}", 1, BinOp("==", lid[d] + Const(1, 32), lsz[d]))
        for d in range(3)
    ]
    grp_last = [
        ctx.wire(f"disp_grp_last_{d}", 1, BinOp(">=", base[d] + lsz[d], gsz[d])) for d in range(3)
    ]
    empty_range = lor(
        *(BinOp("==", gsz[d], Const(0, 32)) for d in range(3)),
        *(BinOp("==", lsz[d], Const(0, 32)) for d in range(3)),
    )
    if cu:
        start = ctx.wire("start", 1, Ref("cu_start"))
        # start resets barrier counters and load-reuse state; a CU with neither ignores it
        ctx.unused += [Ref(f"disp_grp_last_{d}") for d in range(3)] + [empty_range, start] + grp
        wg_ready = (
            land(lnot(running), lnot(grp_hold))
            if serial
            else lor(lnot(running), land(disp_fire, *lid_last))
        )
        items.append(Assign(Ref("wg_ready"), wg_ready))
        ctx.wire("wg_fire", 1, land(Ref("wg_valid"), Ref("wg_ready")))
        items.append(
            Assign(Ref("cu_idle"), land(lnot(running), BinOp("==", inflight, Const(0, 33))))
        )
    else:
        start = ctx.wire("start", 1, land(Ref("ap_start"), lnot(busy)))
        items.append(Assign(Ref("ap_ready"), start))
        items.append(Assign(Ref("ap_idle"), lnot(busy)))
        done_cond = land(busy, lnot(running), BinOp("==", inflight, Const(0, 33)))
        items.append(Assign(Ref("ap_done"), done_cond))

    advance: list[Stmt] = []

    # odometer: lid0, lid1, lid2, then grp0, grp1, grp2
    def wrap_chain(level: int) -> list[Stmt]:
        if level < 3:
            d = level
            return [
                If(
                    lid_last[d],
                    [NonBlocking(lid[d], Const(0, 32))] + wrap_chain(level + 1),
                    [NonBlocking(lid[d], lid[d] + Const(1, 32))],
                )
            ]
        if level < 6:
            d = level - 3
            hold: list[Stmt] = (
                [NonBlocking(grp_hold, Const(1, 1))] if level == 3 and sched.group_serial else []
            )
            if cu:  # the group is done; the next comes from the work-group stream
                return hold + [NonBlocking(running, Const(0, 1))]
            return hold + [
                If(
                    grp_last[d],
                    [NonBlocking(base[d], Const(0, 32)), NonBlocking(grp[d], Const(0, 32))]
                    + wrap_chain(level + 1),
                    [
                        NonBlocking(base[d], base[d] + lsz[d]),
                        NonBlocking(grp[d], grp[d] + Const(1, 32)),
                    ],
                )
            ]
        return [NonBlocking(running, Const(0, 1))]

    advance = wrap_chain(0)
    reset_stmts: list[Stmt] = [NonBlocking(grp_hold, Const(0, 1))] if serial else []
    reset_stmts += [] if cu else [NonBlocking(busy, Const(0, 1))]
    reset_stmts += [
        NonBlocking(running, Const(0, 1)),
        NonBlocking(inflight, Const(0, 33)),
    ]
    for d in range(3):
        reset_stmts += [
            NonBlocking(lid[d], Const(0, 32)),
            NonBlocking(base[d], Const(0, 32)),
            NonBlocking(grp[d], Const(0, 32)),
        ]
    take_group: list[Stmt] = [NonBlocking(running, Const(1, 1))]
    for d in range(3):
        take_group += [
            NonBlocking(lid[d], Const(0, 32)),
            NonBlocking(base[d], Ref(f"wg_base_{d}")),
            NonBlocking(grp[d], Ref(f"wg_grp_{d}")),
        ]
    launch: list[Stmt] = [
        If(
            start,
            list[Stmt]([NonBlocking(busy, Const(1, 1)), NonBlocking(running, lnot(empty_range))])
            + [
                s
                for d in range(3)
                for s in (
                    NonBlocking(lid[d], Const(0, 32)),
                    NonBlocking(base[d], Const(0, 32)),
                    NonBlocking(grp[d], Const(0, 32)),
                )
            ],
        ),
        If(Ref("ap_done"), [NonBlocking(busy, Const(0, 1))]),
    ]
    run_stmts: list[Stmt] = [
        *([] if cu else launch),
        *(
            [
                If(
                    land(grp_hold, BinOp("==", inflight, Const(0, 33))),
                    [NonBlocking(grp_hold, Const(0, 1))],
                )
            ]
            if serial
            else []
        ),
        If(disp_fire, advance),
        *([If(Ref("wg_fire"), take_group)] if cu else []),
        NonBlocking(
            inflight, BinOp("-", BinOp("+", inflight, cat(Const(0, 32), disp_fire)), retire)
        ),
    ]
    items.append(Always([If(lnot(Ref("ap_rst_n")), reset_stmts, run_stmts)], clock="ap_clk"))

    # ---------------------------------------------------------------- blocks
    multi = len(sched.blocks) > 1
    sig: dict[tuple[int, int, Value, int], Expr] = {}  # (block, segment, value, stage) -> signal
    pipes: dict[tuple[int, int], list[Stmt]] = {}
    bpre = {bs.index: (f"b{bs.index}_" if multi else "") for bs in sched.blocks}

    def at(bi: int, k: int, v: Value, stage: int) -> Expr:
        """``v`` as seen at ``stage`` of segment ``k`` of block ``bi``; delay registers on demand."""
        if is_uniform(v):
            return _uniform_expr(ctx, v)
        key = (bi, k, v, stage)
        if key not in sig:
            prev = at(bi, k, v, stage - 1)
            r = ctx.reg(f"{bpre[bi]}{ctx.vname(v)}_k{k}s{stage}", value_bits(v))
            pipes[(bi, k)].append(NonBlocking(r, prev))
            ctx.unused.append(r)  # a user may read only some bits (a shift amount)
            sig[key] = r
        return sig[key]

    rd_clients: list[dict[str, Expr]] = []
    wr_clients: list[dict[str, Expr]] = []
    swi = single_work_item(kernel)

    def streams(bi: int) -> bool:
        """Whether a block's memory requests may stream (burst gatherers pay off): any
        block of an NDRange kernel; in a single-work-item kernel, a pipelined loop's
        (elsewhere the one work-item waits for each answer before its next request)."""
        inner = min((lp for lp in sched.loops if bi in lp.blocks), key=lambda lp: len(lp.blocks),
                    default=None)  # fmt: skip
        return not swi or (inner is not None and inner.pipelined)

    atomic_clients: list[atomics.AtomicClient] = []
    lane_bits = clog2(dw // 8)
    blk_in_valid: dict[int, Ref] = ctx.blk_in_valid
    blk_in_ready: dict[int, Ref] = ctx.blk_in_ready
    blk_out_valid: dict[int, Expr] = {}
    blk_out_ready: dict[int, Ref] = {}
    for bs in sched.blocks:
        bi, pre, segs = bs.index, bpre[bs.index], bs.segments
        n_bound = len(bs.memory_ops)
        if multi:
            items.append(Blank())
            items.append(Comment(f"===== block ^{ctx.namer.block(bs.block)[1:]}"))
        seg_in_valid: list[Ref] = []
        seg_en: list[Ref] = []
        seg_valid_last: list[Expr] = []
        seg_out_ready: list[Ref] = []
        for k, seg in enumerate(segs):
            items.append(Blank())
            items.append(
                Comment(f"{pre}segment {k}: {seg.depth} stages, lock-step; stalls as a whole")
            )
            in_valid = ctx.wire(f"{pre}k{k}_in_valid", 1)
            en = ctx.wire(f"{pre}k{k}_en", 1)
            out_ready = ctx.wire(f"{pre}k{k}_out_ready", 1)
            seg_in_valid.append(in_valid)
            seg_en.append(en)
            seg_out_ready.append(out_ready)
            valid: list[Expr] = [in_valid]
            for st in range(1, seg.depth + 1):
                valid.append(ctx.reg(f"{pre}k{k}_valid_s{st}", 1))
            seg_valid_last.append(valid[-1])
            items.append(Assign(en, lor(lnot(valid[-1]), out_ready)))
            if seg.depth:
                items.append(
                    Always(
                        [
                            If(
                                lnot(Ref("ap_rst_n")),
                                [
                                    NonBlocking(valid[st], Const(0, 1))
                                    for st in range(1, seg.depth + 1)
                                ],
                                [
                                    If(
                                        en,
                                        [
                                            NonBlocking(valid[st], valid[st - 1])
                                            for st in range(1, seg.depth + 1)
                                        ],
                                    )
                                ],
                            )
                        ],
                        clock="ap_clk",
                    )
                )
            for v in seg.inputs:
                name = f"{pre}{ctx.vname(v)}_k{k}s0"
                if value_bits(v):
                    sig[(bi, k, v, 0)] = ctx.wire(name, value_bits(v))
                else:  # a store's completion: only its handshake matters
                    sig[(bi, k, v, 0)] = ctx.wire(name, 1, Const(0, 1))
            pipe: list[Stmt] = pipes.setdefault((bi, k), [])
            for op in seg.ops:
                if not op.has_result:
                    if op.opcode == "store":  # a __local store: a RAM write port
                        t = seg.start[op]
                        operands = [at(bi, k, u, t) for u in op.operands]
                        name = f"{pre}{ctx.vname(op)}_k{k}"
                        ram, index, in_range = _local_access(ctx, op, operands[0], name)
                        enable = operands[2] if len(operands) > 2 else Const(1, 1)
                        we = ctx.wire(
                            name + "_we", 1, land(valid[t], en, enable, in_range), _src_comment(op)
                        )
                        ram.writes.append((we, index, operands[1]))
                    continue
                t, lat = seg.start[op], sched.latency[op]
                operands = [at(bi, k, u, t) for u in op.operands]
                first = t + lat
                w = value_bits(op)
                binding = bind_op(op)
                if binding is not None:
                    sig[(bi, k, op, first)] = _instantiate(
                        ctx, binding, op, operands, lat, en, f"{pre}{ctx.vname(op)}_k{k}s{first}"
                    )
                    continue
                if op.opcode == "atomic":  # __local: a read-modify-write port of the RAM
                    name = f"{pre}{ctx.vname(op)}_k{k}"
                    ram, index, in_range = _local_access(ctx, op, operands[0], name)
                    npi = predicate_index(op)
                    assert npi is not None
                    enable = operands[npi] if len(operands) > npi else Const(1, 1)
                    we = ctx.wire(name + "_we", 1, land(valid[t], en, enable, in_range))
                    expr: Expr = atomics.local_atomic(ctx, op, ram, index, operands, we, name)
                    if len(operands) > npi:
                        expr = Ternary(operands[npi], expr, Const(0, ram.bits))
                elif op.opcode == "load" and local_base(op.operands[0]) is not None:
                    name = f"{pre}{ctx.vname(op)}_k{k}"
                    ram, index, in_range = _local_access(ctx, op, operands[0], name)
                    expr = Ternary(in_range, Ref(ram.name)[index], Const(0, ram.bits))
                    if len(operands) > 1:  # predicated: a load that does not happen yields 0
                        expr = Ternary(operands[1], expr, Const(0, ram.bits))
                elif op.opcode == "load":  # a __constant table: an on-chip ROM
                    expr = _rom_read(ctx, op, operands, f"{pre}{ctx.vname(op)}_k{k}")
                else:
                    expr = _op_expr(op, operands)
                if lat == 0:
                    sig[(bi, k, op, t)] = ctx.wire(
                        f"{pre}{ctx.vname(op)}_k{k}s{t}", w, expr, _src_comment(op)
                    )
                else:
                    r = ctx.reg(f"{pre}{ctx.vname(op)}_k{k}s{t + 1}", w, _src_comment(op))
                    pipe.append(NonBlocking(r, expr))
                    prev: Expr = r
                    for st in range(t + 2, first + 1):
                        r2 = ctx.reg(f"{pre}{ctx.vname(op)}_k{k}s{st}", w)
                        pipe.append(NonBlocking(r2, prev))
                        prev = r2
                    sig[(bi, k, op, first)] = prev
            # delay registers balancing every value up to its last use
            for v in list(seg.inputs) + [op for op in seg.ops if op.has_result]:
                at(bi, k, v, seg.last_use[v])
            if pipe:
                items.append(
                    Always(
                        [If(en, pipe)],
                        clock="ap_clk",
                        comment="pipeline registers (no reset: data)",
                    )
                )
            for v in list(seg.inputs) + [op for op in seg.ops if op.has_result]:
                ctx.unused.append(sig[(bi, k, v, seg.ready[v])])
        for k in range(len(segs)):
            ctx.unused.append(
                ctx.wire(
                    f"dbg_stall_{pre}k{k}",
                    1,
                    land(seg_valid_last[k], lnot(seg_out_ready[k])),
                    comment="debug: the segment holds a work-item it cannot pass on",
                )
            )
        blk_in_valid[bi] = seg_in_valid[0]
        blk_in_ready[bi] = seg_en[0]
        blk_out_valid[bi] = seg_valid_last[-1]
        blk_out_ready[bi] = seg_out_ready[-1]

        # boundaries: memory units and bypass FIFOs
        for k in range(n_bound):
            seg = segs[k]
            items.append(Blank())
            items.append(
                Comment(
                    f"{pre}boundary {k}: memory units and the bypass FIFO between segments {k} and {k + 1}"
                )
            )
            stage = seg.depth
            push = ctx.wire(f"{pre}b{k}_push", 1, land(seg_valid_last[k], seg_out_ready[k]))
            pop = ctx.wire(f"{pre}b{k}_pop", 1, land(seg_in_valid[k + 1], seg_en[k + 1]))
            readies: list[Expr] = []
            valids: list[Expr] = []
            bvals = bs.bypass[k]
            bw = sum(value_bits(v) for v in bvals)
            byp_in = ctx.wire(
                f"{pre}b{k}_bypass_in",
                max(bw, 1),
                cat(*[at(bi, k, v, stage) for v in bvals if value_bits(v)]) if bw else Const(0, 1),
            )
            byp_out = ctx.wire(f"{pre}b{k}_bypass_out", max(bw, 1))
            byp_in_ready = ctx.wire(f"{pre}b{k}_bypass_in_ready", 1)
            byp_out_valid = ctx.wire(f"{pre}b{k}_bypass_out_valid", 1)
            items.append(
                _fifo(
                    f"{pre}b{k}_bypass",
                    max(bw, 1),
                    depth,
                    push,
                    byp_in_ready,
                    byp_in,
                    byp_out_valid,
                    pop,
                    byp_out,
                )
            )
            readies.append(byp_in_ready)
            valids.append(byp_out_valid)
            if not bw:
                ctx.unused.append(byp_out)
            lo = bw
            for v in bvals:
                w = value_bits(v)
                if not w:
                    continue
                lo -= w
                # a one-bit FIFO word is a scalar wire: Verilog cannot part-select it
                part = byp_out if w == bw == 1 else byp_out[lo + w - 1 : lo]
                items.append(Assign(sig[(bi, k + 1, v, 0)], part))
            for m in bs.memory_ops[k]:
                ptr_t = m.operands[0].type
                assert isinstance(ptr_t, PtrType)
                size = ptr_t.pointee.size
                w = ptr_t.pointee.bits
                addr = at(bi, k, m.operands[0], stage)
                npred = predicate_index(m)
                assert npred is not None
                pred: Expr = (
                    at(bi, k, m.operands[npred], stage) if len(m.operands) > npred else Const(1, 1)
                )
                if m.opcode == "atomic":
                    values = [at(bi, k, v, stage) for v in m.operands[1:npred]]
                    unit = atomics.global_atomic_unit(
                        ctx, m, len(atomic_clients), addr, pred, values, push, pop, depth
                    )
                    readies += unit[0]
                    valids += unit[1]
                    items.append(Assign(sig[(bi, k + 1, m, 0)], unit[2]))
                    atomic_clients.append(unit[3])
                elif m.opcode == "load":
                    i = len(rd_clients)
                    p = f"ld{i}_"
                    items.append(Comment(f"load unit {i}: {m.loc}" if m.loc else f"load unit {i}"))
                    # a gather with a read-only cache neither reuses words nor bursts
                    coalesce = m in sched.coalesce and m not in caches
                    beat_w = 64 - lane_bits
                    issue: Expr = pred
                    if coalesce:
                        # reuse the bus word fetched for the previous request when it holds this one
                        prev_beat = ctx.reg(
                            p + "prev_beat", beat_w, "bus word of the previous request"
                        )
                        prev_ok = ctx.reg(p + "prev_ok", 1)
                        same = ctx.wire(
                            p + "same_beat",
                            1,
                            land(prev_ok, BinOp("==", prev_beat, addr[63:lane_bits])),
                        )
                        issue = land(pred, lnot(same))
                        items.append(
                            Always(
                                [
                                    If(
                                        lor(lnot(Ref("ap_rst_n")), Ref("start")),
                                        [NonBlocking(prev_ok, Const(0, 1))],
                                        [
                                            If(
                                                land(push, pred),
                                                [
                                                    NonBlocking(prev_ok, Const(1, 1)),
                                                    NonBlocking(prev_beat, addr[63:lane_bits]),
                                                ],
                                            )
                                        ],
                                    )
                                ],
                                clock="ap_clk",
                            )
                        )
                    tw = 2 + lane_bits
                    tag_in = ctx.wire(
                        p + "tag_in", tw, cat(issue, pred, _sel(addr, lane_bits - 1, 0))
                    )
                    tag_out = ctx.wire(p + "tag_out", tw)
                    tag_in_ready, tag_out_valid = (
                        ctx.wire(p + "tag_in_ready", 1),
                        ctx.wire(p + "tag_out_valid", 1),
                    )
                    req_in_ready = ctx.wire(p + "req_in_ready", 1)
                    req_valid, req_ready = (
                        ctx.wire(p + "req_valid", 1),
                        ctx.wire(p + "req_ready", 1),
                    )
                    req_addr = ctx.wire(p + "req_addr", 64)
                    data_valid, data_ready = (
                        ctx.wire(p + "data_valid", 1),
                        ctx.wire(p + "data_ready", 1),
                    )
                    data_in_ready = ctx.wire(p + "data_in_ready", 1)
                    data_in_valid = ctx.wire(p + "data_in_valid", 1)
                    data = ctx.wire(p + "data", dw)
                    items.append(
                        _fifo(
                            p + "tags",
                            tw,
                            depth,
                            push,
                            tag_in_ready,
                            tag_in,
                            tag_out_valid,
                            pop,
                            tag_out,
                        )
                    )
                    # consecutive bus words of a word-reusing load go out as INCR bursts
                    lanes = max(1, dw // 8 // size)
                    beats = lib.burst_beats(depth, lanes, dw) if coalesce and streams(bi) else 1
                    req_len: Expr = Const(0, 8)
                    req_size: Expr = Const(clog2(size), 3)
                    if beats > 1:
                        fifo_valid, fifo_ready = (
                            ctx.wire(p + "fifo_valid", 1),
                            ctx.wire(p + "fifo_ready", 1),
                        )
                        fifo_addr = ctx.wire(p + "fifo_addr", 64)
                        req_len, req_size = ctx.wire(p + "req_len", 8), ctx.wire(p + "req_size", 3)
                        burst = lib.read_burst_module(dw)
                        ctx.units.setdefault(burst.name, burst)
                    items.append(
                        _fifo(
                            p + "reqs",
                            64,
                            depth,
                            land(push, issue),
                            req_in_ready,
                            addr,
                            fifo_valid if beats > 1 else req_valid,
                            fifo_ready if beats > 1 else req_ready,
                            fifo_addr if beats > 1 else req_addr,
                        )
                    )
                    if beats > 1:
                        items.append(
                            Instance(
                                burst.name,
                                p + "burst",
                                [("MAX_LEN", beats - 1), ("WAIT", lanes + 1)],
                                [
                                    ("clk", Ref("ap_clk")),
                                    ("rst_n", Ref("ap_rst_n")),
                                    ("in_valid", fifo_valid),
                                    ("in_ready", fifo_ready),
                                    ("in_addr", fifo_addr),
                                    ("in_size", Const(clog2(size), 3)),
                                    ("out_valid", req_valid),
                                    ("out_ready", req_ready),
                                    ("out_addr", req_addr),
                                    ("out_len", req_len),
                                    ("out_size", req_size),
                                ],
                                comment=f"bursts of up to {beats} beats",
                            )
                        )
                    client = {
                        "valid": req_valid,
                        "ready": req_ready,
                        "addr": req_addr,
                        "size": req_size,
                        "len": req_len,
                        "rvalid": data_in_valid,
                        "rready": data_in_ready,
                    }
                    resp_data: Expr = Ref("rd_rdata")
                    if m in caches and beats == 1:
                        cache = lib.read_cache_module(dw, cache_lines, depth)
                        ctx.units.setdefault(cache.name, cache)
                        cv, cr = ctx.wire(p + "cache_arvalid", 1), ctx.wire(p + "cache_arready", 1)
                        ca = ctx.wire(p + "cache_araddr", 64)
                        crv, crr = ctx.wire(p + "cache_rvalid", 1), ctx.wire(p + "cache_rready", 1)
                        resp_data = ctx.wire(p + "cache_data", dw)
                        items.append(
                            Instance(
                                cache.name,
                                p + "cache",
                                [],
                                [
                                    ("clk", Ref("ap_clk")),
                                    ("rst_n", Ref("ap_rst_n")),
                                    ("flush", Ref("start")),
                                    ("in_valid", req_valid),
                                    ("in_ready", req_ready),
                                    ("in_addr", req_addr),
                                    ("mem_valid", cv),
                                    ("mem_ready", cr),
                                    ("mem_addr", ca),
                                    ("mem_rvalid", crv),
                                    ("mem_rready", crr),
                                    ("mem_rdata", Ref("rd_rdata")),
                                    ("out_valid", data_in_valid),
                                    ("out_ready", data_in_ready),
                                    ("out_data", resp_data),
                                ],
                                comment=f"read-only cache of {cache_lines} bus words "
                                "(nothing in the kernel writes this buffer)",
                            )
                        )
                        client = {
                            "valid": cv,
                            "ready": cr,
                            "addr": ca,
                            "size": Const(lane_bits, 3),
                            "len": Const(0, 8),
                            "rvalid": crv,
                            "rready": crr,
                        }
                    items.append(
                        _fifo(
                            p + "resp",
                            dw,
                            depth,
                            data_in_valid,
                            data_in_ready,
                            resp_data,
                            data_valid,
                            data_ready,
                            data,
                        )
                    )
                    tag_new, tag_pred = tag_out[lane_bits + 1], tag_out[lane_bits]
                    ctx.unused.append(
                        ctx.wire(
                            f"dbg_stall_{p}memory",
                            1,
                            land(tag_out_valid, tag_new, lnot(data_valid)),
                            comment="debug: waiting for read data",
                        )
                    )
                    items.append(Assign(data_ready, land(pop, tag_new)))
                    readies += [tag_in_ready, req_in_ready]
                    valids.append(lor(lnot(tag_new), data_valid))
                    valids.append(tag_out_valid)
                    word: Expr = data
                    if coalesce:
                        held = ctx.reg(
                            p + "held", dw, "the last bus word, for requests that reuse it"
                        )
                        items.append(
                            Always(
                                [If(land(pop, tag_new), [NonBlocking(held, data)])], clock="ap_clk"
                            )
                        )
                        word = ctx.wire(p + "word", dw, Ternary(tag_new, data, held))
                    shifted = BinOp(">>", word, cat(tag_out[lane_bits - 1 : 0], Const(0, 3)))
                    ldata = ctx.wire(p + "shifted", dw, shifted)
                    # a bool is a byte in memory: any nonzero byte reads as true
                    got = ne(ldata[7:0], Const(0, 8)) if w == 1 else ldata[w - 1 : 0]
                    items.append(
                        Assign(sig[(bi, k + 1, m, 0)], Ternary(tag_pred, got, Const(0, w)))
                    )
                    ctx.unused.append(ldata)
                    rd_clients.append(client)
                else:
                    j = len(wr_clients)
                    p = f"st{j}_"
                    items.append(
                        Comment(f"store unit {j}: {m.loc}" if m.loc else f"store unit {j}")
                    )
                    value = at(bi, k, m.operands[1], stage)
                    if w == 1:  # a bool is stored as the byte 0 or 1
                        value = cat(Const(0, 7), value)
                    lanes = dw // 8 // size
                    wdata = Repl(lanes, value) if lanes > 1 else value
                    strb = BinOp(
                        "<<", Const((1 << size) - 1, dw // 8), _sel(addr, lane_bits - 1, 0)
                    )
                    reqw = 64 + dw + dw // 8
                    req_in = ctx.wire(p + "req_in", reqw, cat(addr, wdata, strb))
                    tag_in_ready, tag_out_valid = (
                        ctx.wire(p + "tag_in_ready", 1),
                        ctx.wire(p + "tag_out_valid", 1),
                    )
                    tag_out = ctx.wire(p + "tag_out", 1)
                    req_in_ready = ctx.wire(p + "req_in_ready", 1)
                    req_valid, req_ready = (
                        ctx.wire(p + "req_valid", 1),
                        ctx.wire(p + "req_ready", 1),
                    )
                    req = ctx.wire(p + "req", reqw)
                    items.append(
                        _fifo(
                            p + "tags",
                            1,
                            depth,
                            push,
                            tag_in_ready,
                            pred,
                            tag_out_valid,
                            pop,
                            tag_out,
                        )
                    )
                    items.append(
                        _fifo(
                            p + "reqs",
                            reqw,
                            depth,
                            land(push, pred),
                            req_in_ready,
                            req_in,
                            req_valid,
                            req_ready,
                            req,
                        )
                    )
                    cw = clog2(depth + 1) + 1
                    bcount = ctx.reg(p + "bcount", cw, "write responses received, not yet consumed")
                    bdone = ctx.wire(p + "bdone", 1)
                    take = ctx.wire(p + "take", 1, land(pop, tag_out))
                    # writes to one bus word merge, consecutive words go out as INCR bursts;
                    # a burst's write response completes all the requests it holds
                    lanes = max(1, dw // 8 // size)
                    beats = lib.burst_beats(depth, lanes, dw, write=True)
                    client: dict[str, Expr] = {
                        "awvalid": req_valid,
                        "addr": req[reqw - 1 : dw + dw // 8],
                        "size": Const(clog2(size), 3),
                        "len": Const(0, 8),
                        "wvalid": req_valid,
                        "data": req[dw + dw // 8 - 1 : dw // 8],
                        "strb": req[dw // 8 - 1 : 0],
                        "last": Const(1, 1),
                        "bdone": bdone,
                    }
                    credit: Expr = cat(Const(0, cw - 1), bdone)
                    if streams(bi) and (beats > 1 or lanes > 1):
                        gw = clog2(depth + 1)
                        burst = lib.write_burst_module(dw, depth)
                        ctx.units.setdefault(burst.name, burst)
                        client = {
                            "awvalid": ctx.wire(p + "awvalid", 1),
                            "awready": ctx.wire(p + "awready", 1),
                            "addr": ctx.wire(p + "awaddr", 64),
                            "size": ctx.wire(p + "awsize", 3),
                            "len": ctx.wire(p + "awlen", 8),
                            "wvalid": ctx.wire(p + "wvalid", 1),
                            "wready": ctx.wire(p + "wready", 1),
                            "data": ctx.wire(p + "wdata", dw),
                            "strb": ctx.wire(p + "wstrb", dw // 8),
                            "last": ctx.wire(p + "wlast", 1),
                            "bdone": bdone,
                        }
                        gcredit = ctx.wire(p + "credit", gw)
                        credit = cat(Const(0, cw - gw), gcredit)
                        items.append(
                            Instance(
                                burst.name,
                                p + "burst",
                                [("MAX_LEN", beats - 1), ("WAIT", lanes + 1)],
                                [
                                    ("clk", Ref("ap_clk")),
                                    ("rst_n", Ref("ap_rst_n")),
                                    ("in_valid", req_valid),
                                    ("in_ready", req_ready),
                                    ("in_addr", req[reqw - 1 : dw + dw // 8]),
                                    ("in_data", req[dw + dw // 8 - 1 : dw // 8]),
                                    ("in_strb", req[dw // 8 - 1 : 0]),
                                    ("aw_valid", client["awvalid"]),
                                    ("aw_ready", client["awready"]),
                                    ("aw_addr", client["addr"]),
                                    ("aw_len", client["len"]),
                                    ("aw_size", client["size"]),
                                    ("w_valid", client["wvalid"]),
                                    ("w_ready", client["wready"]),
                                    ("w_data", client["data"]),
                                    ("w_strb", client["strb"]),
                                    ("w_last", client["last"]),
                                    ("bdone", bdone),
                                    ("credit", gcredit),
                                ],
                                comment=f"bursts of up to {beats} beats; writes to one bus word merge",
                            )
                        )
                    else:  # one beat a request: AW and W move together
                        client["awready"] = req_ready
                        client["wready"] = ctx.wire(p + "wready", 1)
                        ctx.unused.append(client["wready"])
                    items.append(
                        Always(
                            [
                                If(
                                    lnot(Ref("ap_rst_n")),
                                    [NonBlocking(bcount, Const(0, cw))],
                                    [
                                        NonBlocking(
                                            bcount,
                                            bcount + credit - cat(Const(0, cw - 1), take),
                                        )
                                    ],
                                )
                            ],
                            clock="ap_clk",
                        )
                    )
                    readies += [tag_in_ready, req_in_ready]
                    valids += [tag_out_valid, lor(lnot(tag_out), ne(bcount, Const(0, cw)))]
                    ctx.unused.append(
                        ctx.wire(
                            f"dbg_stall_{p}memory",
                            1,
                            land(tag_out_valid, tag_out, BinOp("==", bcount, Const(0, cw))),
                            comment="debug: waiting for a write response",
                        )
                    )
                    wr_clients.append(client)
            items.append(Assign(seg_out_ready[k], land(*readies)))
            items.append(Assign(seg_in_valid[k + 1], land(*valids)))

    # ---------------------------------------------------------------- control flow between blocks
    entry = sched.blocks[0]
    items.append(Blank())
    items.append(Comment("the dispatcher feeds the entry block"))
    items.append(Assign(blk_in_valid[0], disp_valid))
    items.append(Assign(disp_fire, land(disp_valid, blk_in_ready[0])))
    for v in entry.inputs:
        assert isinstance(v, Op)
        d = int(v.attrs["dim"])
        if v.opcode == "global_id":
            src: Expr = cat(Const(0, 32), base[d] + lid[d])
        elif v.opcode == "local_id":
            src = cat(Const(0, 32), lid[d])
        elif v.opcode == "group_id":
            src = cat(Const(0, 32), grp[d])
        else:
            raise AssertionError(v)
        items.append(Assign(sig[(0, 0, v, 0)], src))

    limit = sched.loop_limit
    cnt_w = clog2(limit + 1) + 1
    loop_count = [
        ctx.reg(
            f"loop{li}_count",
            cnt_w,
            f"work-items inside the loop at ^{sched.blocks[lp.header].block.name}",
        )
        for li, lp in enumerate(sched.loops)
    ]
    loop_room = [
        ctx.wire(f"loop{li}_room", 1, BinOp("<", loop_count[li], Const(limit, cnt_w)))
        for li in range(len(sched.loops))
    ]
    for li in range(len(sched.loops)):
        ctx.unused.append(
            ctx.wire(
                f"dbg_stall_loop{li}_full",
                1,
                lnot(loop_room[li]),
                comment="debug: the loop holds its limit of work-items",
            )
        )
    loop_inc: list[list[Expr]] = [[] for _ in sched.loops]
    loop_dec: list[list[Expr]] = [[] for _ in sched.loops]
    retires: list[Expr] = []
    edge_out: dict[int, tuple[Ref, Ref, Ref]] = {}  # edge -> (out_valid, out_ready, out_data)
    for bs in sched.blocks:
        bi = bs.index
        last = bs.segments[-1]
        term = bs.block.terminator
        assert term is not None
        out_edges = [(ei, e) for ei, e in enumerate(sched.edges) if e.src == bi]
        if term.opcode == "ret":
            items.append(Assign(blk_out_ready[bi], Const(1, 1)))
            retires.append(
                ctx.wire(f"{bpre[bi]}ret_fire", 1, land(blk_out_valid[bi], blk_out_ready[bi]))
            )
            continue
        items.append(Blank())
        items.append(
            Comment(f"branch out of ^{bs.block.name}" + (f": {term.loc}" if term.loc else ""))
        )
        if term.opcode == "cbr" and len(out_edges) == 2:
            cond = at(bi, len(bs.segments) - 1, term.operands[0], last.depth)
            cond_w = ctx.wire(f"{bpre[bi]}branch_cond", 1, cond)
            sel = {out_edges[0][0]: cond_w, out_edges[1][0]: lnot(cond_w)}
        else:
            sel = {out_edges[0][0]: Const(1, 1)}
        readies = []
        for ei, e in out_edges:
            p = f"e{ei}_"
            bits = sum(value_bits(v) for v in e.values)
            edge_data: Expr = (
                cat(
                    *[
                        at(bi, len(bs.segments) - 1, v, last.depth)
                        for v in e.values
                        if value_bits(v)
                    ]
                )
                if bits
                else Const(0, 1)
            )
            in_ready = ctx.wire(p + "in_ready", 1)
            push = ctx.wire(p + "push", 1, land(blk_out_valid[bi], sel[ei], in_ready))
            out_valid, out_ready = ctx.wire(p + "out_valid", 1), ctx.wire(p + "out_ready", 1)
            out_data = ctx.wire(p + "out_data", max(bits, 1))
            if not bits:
                ctx.unused.append(out_data)
            # only a back edge must hold every work-item of its loop (deadlock freedom)
            edepth = sched.edge_depth if e.back else sched.forward_edge_depth
            gate = e.dst in sched.barrier_blocks
            if gate:  # a barrier: hold the whole work-group
                edepth = 1 << clog2(2 * sched.barrier_capacity)
                fifo_valid = ctx.wire(p + "fifo_valid", 1)
            items.append(
                _fifo(
                    f"e{ei}_fifo",
                    max(bits, 1),
                    edepth,
                    push,
                    in_ready,
                    edge_data,
                    fifo_valid if gate else out_valid,
                    out_ready,
                    out_data,
                )
            )
            if gate:
                _barrier_gate(ctx, p, push, fifo_valid, out_valid, out_ready)
            readies.append(lor(lnot(sel[ei]), in_ready))
            edge_out[ei] = (out_valid, out_ready, out_data)
            for li in e.exits:
                loop_dec[li].append(push)
        items.append(Assign(blk_out_ready[bi], land(*readies)))

    forks = {lp.header: li for li, lp in enumerate(sched.loops) if lp.pipelined}
    for bs in sched.blocks[1:]:
        bi = bs.index
        if bi in forks:
            _loop_fork(ctx, forks[bi], bs, edge_out, loop_room[forks[bi]], loop_inc, sig)
            continue
        in_edges = [(ei, e) for ei, e in enumerate(sched.edges) if e.dst == bi]
        in_edges.sort(key=lambda ie: (not ie[1].back, ie[0]))  # loop back edges first: drain loops
        items.append(Blank())
        items.append(
            Comment(
                f"merge into ^{bs.block.name}: back edges first, loop entries limited to {limit} work-items"
            )
        )
        chosen: list[Ref] = []
        taken: Expr | None = None
        for ei, e in in_edges:
            out_valid, out_ready, _ = edge_out[ei]
            ok: Expr = out_valid
            for li in e.enters:
                ok = land(ok, loop_room[li])
            c = ctx.wire(f"e{ei}_chosen", 1, ok if taken is None else land(ok, lnot(taken)))
            taken = c if taken is None else lor(taken, c)
            chosen.append(c)
            items.append(Assign(out_ready, land(c, blk_in_ready[bi])))
            for li in e.enters:
                loop_inc[li].append(land(c, blk_in_ready[bi]))
        assert taken is not None
        items.append(Assign(blk_in_valid[bi], taken))
        lo = total_bits = sum(value_bits(v) for v in bs.inputs)
        for v in bs.inputs:
            w = value_bits(v)
            lo -= w
            if not w:
                continue
            merged: Expr = Const(0, w)
            for (ei, _), c in reversed(list(zip(in_edges, chosen, strict=True))):
                # a one-bit edge word is a scalar wire: Verilog cannot part-select it
                field = (
                    edge_out[ei][2] if total_bits == 1 else _sel(edge_out[ei][2], lo + w - 1, lo)
                )
                merged = Ternary(c, field, merged)
            items.append(Assign(sig[(bi, 0, v, 0)], merged))

    for li in range(len(sched.loops)):
        inc: Expr = (
            cat(Const(0, cnt_w - 1), lor(*loop_inc[li])) if loop_inc[li] else Const(0, cnt_w)
        )
        dec: Expr = Const(0, cnt_w)
        for leaving in loop_dec[li]:
            dec = BinOp("+", dec, cat(Const(0, cnt_w - 1), leaving))
        items.append(
            Always(
                [
                    If(
                        lnot(Ref("ap_rst_n")),
                        [NonBlocking(loop_count[li], Const(0, cnt_w))],
                        [
                            NonBlocking(
                                loop_count[li], BinOp("-", BinOp("+", loop_count[li], inc), dec)
                            )
                        ],
                    )
                ],
                clock="ap_clk",
            )
        )
    total: Expr = Const(0, 33)
    for ret_fire in retires:
        total = BinOp("+", total, cat(Const(0, 32), ret_fire))
    items.append(Assign(retire, total))
    # simulation's hang detection reads this: a design that stops counting is stuck
    fires = [land(blk_in_valid[b.index], blk_in_ready[b.index]) for b in sched.blocks]
    fires += [land(blk_out_valid[b.index], blk_out_ready[b.index]) for b in sched.blocks]
    progress = ctx.reg(
        "dbg_progress", 32, "debug: work-items entering or leaving block pipelines (wraps)"
    )
    ctx.unused.append(progress)
    items.append(
        Always(
            [
                If(
                    lnot(Ref("ap_rst_n")),
                    [NonBlocking(progress, Const(0, 32))],
                    [If(lor(*fires), [NonBlocking(progress, BinOp("+", progress, Const(1, 32)))])],
                )
            ],
            clock="ap_clk",
        )
    )

    # ---------------------------------------------------------------- __local memory
    for ram in sorted(ctx.locals.values(), key=lambda r: r.name):
        items.append(Blank())
        items.append(
            Memory(
                ram.name,
                ram.bits,
                ram.words,
                comment=f"__local {ram.source}: {ram.words} x {ram.bits} bits, one work-group at a time",
            )
        )
        writes: list[Stmt] = [
            If(we, [NonBlocking(Ref(ram.name)[idx], data)]) for we, idx, data in ram.writes
        ]
        if writes:
            items.append(Always(writes, clock="ap_clk"))

    if atomic_clients:  # one more read and write client: the atomic unit
        items.append(Blank())
        rd_atomic, wr_atomic = atomics.atomic_engine(ctx, atomic_clients, dw)
        rd_clients.append(rd_atomic)
        wr_clients.append(wr_atomic)

    # ---------------------------------------------------------------- AXI4 master
    items.append(Blank())
    items.append(Comment("AXI4 master: read and write arbiters (client index = AXI ID)"))
    ax = "m_axi_gmem_"
    modules: list[Module] = [
        lib.fifo_module(),
        *([] if cu else [lib.control_slave_module(regmap)]),
        *(ctx.units[n] for n in sorted(ctx.units)),
    ]
    if rd_clients:
        n = len(rd_clients)
        arb = lib.axi_read_arbiter_module(n, dw, idw)
        modules.append(arb)
        ctx.wire("rd_rdata", dw)
        cvalid = ctx.wire("rd_c_arvalid", n, _pack(rd_clients, "valid"))
        cready = ctx.wire("rd_c_arready", n)
        caddr = ctx.wire("rd_c_araddr", 64 * n, _pack(rd_clients, "addr"))
        csize = ctx.wire("rd_c_arsize", 3 * n, _pack(rd_clients, "size"))
        clens = [c.get("len", Const(0, 8)) for c in reversed(rd_clients)]
        clen = ctx.wire("rd_c_arlen", 8 * n, cat(*clens))
        crvalid = ctx.wire("rd_c_rvalid", n)
        crready = ctx.wire("rd_c_rready", n, _pack(rd_clients, "rready"))
        for i, client in enumerate(rd_clients):
            items.append(Assign(client["ready"], cready[i] if n > 1 else cready))
            items.append(Assign(client["rvalid"], crvalid[i] if n > 1 else crvalid))
        conns = [
            ("clk", Ref("ap_clk")),
            ("rst_n", Ref("ap_rst_n")),
            ("c_arvalid", cvalid),
            ("c_arready", cready),
            ("c_araddr", caddr),
            ("c_arsize", csize),
            ("c_arlen", clen),
            ("c_rvalid", crvalid),
            ("c_rready", crready),
            ("c_rdata", Ref("rd_rdata")),
        ]
        for s in (
            "arvalid",
            "arready",
            "araddr",
            "arid",
            "arlen",
            "arsize",
            "arburst",
            "rvalid",
            "rready",
            "rdata",
            "rid",
            "rresp",
            "rlast",
        ):
            conns.append(("m_" + s, Ref(ax + s)))
        items.append(Instance(arb.name, "rd_arb", [], conns))
    else:
        for s, w in (
            ("arvalid", 1),
            ("araddr", 64),
            ("arid", idw),
            ("arlen", 8),
            ("arsize", 3),
            ("arburst", 2),
        ):
            items.append(Assign(Ref(ax + s), Const(0, w)))
        items.append(Assign(Ref(ax + "rready"), Const(1, 1)))
        ctx.unused += [Ref(ax + s) for s in ("arready", "rvalid", "rdata", "rid", "rresp", "rlast")]
    if wr_clients:
        n = len(wr_clients)
        arb = lib.axi_write_arbiter_module(n, dw, idw)
        modules.append(arb)
        sw = dw // 8
        for client in wr_clients:
            if "valid" in client:  # a single-beat client (the atomic unit)
                client.update(awvalid=client["valid"], wvalid=client["valid"],
                              awready=client["ready"], len=Const(0, 8), last=Const(1, 1))  # fmt: skip
        cawready = ctx.wire("wr_c_awready", n)
        cwready = ctx.wire("wr_c_wready", n)
        cbdone = ctx.wire("wr_c_bdone", n)
        for j, client in enumerate(wr_clients):
            items.append(Assign(client["awready"], cawready[j] if n > 1 else cawready))
            if "wready" in client:
                items.append(Assign(client["wready"], cwready[j] if n > 1 else cwready))
            else:
                ctx.unused.append(cwready[j] if n > 1 else cwready)
            items.append(Assign(client["bdone"], cbdone[j] if n > 1 else cbdone))
        conns = [("clk", Ref("ap_clk")), ("rst_n", Ref("ap_rst_n"))]
        for port, key, w in (
            ("awvalid", "awvalid", 1),
            ("awaddr", "addr", 64),
            ("awsize", "size", 3),
            ("awlen", "len", 8),
            ("wvalid", "wvalid", 1),
            ("wdata", "data", dw),
            ("wstrb", "strb", sw),
            ("wlast", "last", 1),
        ):
            conns.append(("c_" + port, ctx.wire("wr_c_" + port, w * n, _pack(wr_clients, key))))
        conns += [("c_awready", cawready), ("c_wready", cwready), ("c_bdone", cbdone)]
        for s in (
            "awvalid",
            "awready",
            "awaddr",
            "awid",
            "awlen",
            "awsize",
            "awburst",
            "wvalid",
            "wready",
            "wdata",
            "wstrb",
            "wlast",
            "bvalid",
            "bready",
            "bid",
            "bresp",
        ):
            conns.append(("m_" + s, Ref(ax + s)))
        items.append(Instance(arb.name, "wr_arb", [], conns))
    else:
        for s, w in (
            ("awvalid", 1),
            ("awaddr", 64),
            ("awid", idw),
            ("awlen", 8),
            ("awsize", 3),
            ("awburst", 2),
            ("wvalid", 1),
            ("wdata", dw),
            ("wstrb", dw // 8),
            ("wlast", 1),
        ):
            items.append(Assign(Ref(ax + s), Const(0, w)))
        items.append(Assign(Ref(ax + "bready"), Const(1, 1)))
        ctx.unused += [Ref(ax + s) for s in ("awready", "wready", "bvalid", "bid", "bresp")]

    items.append(Blank())
    items.append(Wire("unused_ok", comment="bits some paths do not read (Verilator idiom)"))
    items.append(Assign(Ref("unused_ok"), reduce_and(cat(Const(0, 1), *ctx.unused, Const(0, 1)))))

    header = [
        f"{kernel.name}: generated by soff from {kernel.loc.file if kernel.loc else 'IR'}",
        "",
        "Ports and protocol: docs/interface.md"
        + (f" (AXI IDs are {idw} bits)" if idw != lib.ID_W else "")
        + ". Register map (AXI4-Lite, s_axi_control):",
        *("  " + line for line in regmap.describe()),
        "",
        "Datapath:",
        *("  " + line for line in sched.describe()),
    ]
    name = kernel.name + "_cu" if cu else kernel.name
    if cu:
        header[0] = f"{name}: one compute unit of {kernel.name} (see the top below)"
    top = Module(name, [], ports, items, header_comment="\n".join(header))
    return [top, *modules], regmap


def _loop_fork(
    ctx: _Ctx,
    li: int,
    bs,
    edge_out: dict[int, tuple[Ref, Ref, Ref]],
    room: Expr,
    loop_inc: list[list[Expr]],
    sig: dict,
) -> None:
    """The fork and join of a loop whose iterations are pipelined
    (:mod:`soff.hls.schedule.loop_pipeline`).

    The fork takes the work-item entering the loop and keeps its values (the
    header's inputs, with the induction variables' initial values); while the
    header's comparison holds, it sends one iteration per cycle into the header
    and steps the induction variables. The join swallows what comes back over
    the back edges and counts the iterations still out; once the comparison
    fails and none is out, the fork sends the work-item itself into the header,
    which takes it out of the loop."""
    sched = ctx.sched
    lp = sched.loops[li]
    plan = lp.pipeline
    assert plan is not None and plan.cond is not None
    bi = bs.index
    p = f"loop{li}_fork_"
    items = ctx.items
    items.append(Blank())
    items.append(
        Comment(
            f"loop ^{bs.block.name}: iterations pipelined. A fork issues one per cycle, "
            "the join counts them back, then the work-item leaves"
        )
    )
    bits = sum(value_bits(v) for v in bs.inputs)
    active = ctx.reg(p + "active", 1, "holds a work-item whose iterations it issues")
    data = ctx.reg(p + "data", bits, "the work-item's header inputs; induction variables step")
    out = ctx.reg(p + "out", 32, "iterations issued and not yet back")
    field_of: dict[Value, Expr] = {}
    lo = bits
    for v in bs.inputs:
        w = value_bits(v)
        lo -= w
        if w:
            field_of[v] = ctx.wire(f"{p}{ctx.vname(v)}", w, _sel(data, lo + w - 1, lo))

    def operand(v: Value) -> Expr:
        if is_uniform(v):
            return _uniform_expr(ctx, v)
        return field_of[v]

    cond = ctx.wire(
        p + "cond",
        1,
        _op_expr(plan.cond, [operand(v) for v in plan.cond.operands]),
        comment=f"the loop condition for the next iteration: {plan.cond.loc}",
    )
    # the entry edge fills the fork; back edges drain into the join
    entry_valid, entry_ready, entry_data = edge_out[plan.entry_edge]
    take = ctx.wire(p + "take", 1, land(entry_valid, lnot(active), room))
    items.append(Assign(entry_ready, take))
    loop_inc[li].append(take)
    back = 0
    returned: Expr = Const(0, 32)
    backs: list[tuple[Ref, Ref]] = []
    for ei, e in enumerate(sched.edges):
        if e.dst != bi or ei == plan.entry_edge:
            continue
        assert e.back, "a pipelined loop's header has one entry edge and back edges"
        valid, ready, bdata = edge_out[ei]
        items.append(Assign(ready, Const(1, 1)))
        ctx.unused.append(bdata)
        backs.append((valid, bdata))
        returned = BinOp("+", returned, cat(Const(0, 31), valid))
        back += 1
    # reductions: iterations start from the identity; the join combines what returns
    reduced: dict[Value, Expr] = {}
    red_regs: list[tuple[Ref, Expr, Const]] = []
    for phi, nxt in plan.reductions.items():
        if phi not in bs.inputs:
            continue  # the result is not used after the loop
        w = value_bits(phi)
        combine = REDUCTIONS[nxt.opcode]
        ident = Const(reduction_identity(nxt.opcode, phi.type), w)  # type: ignore[arg-type]
        sym = {"add": "+", "mul": "*", "and": "&", "or": "|", "xor": "^"}[combine]
        acc = ctx.reg(
            f"{p}{ctx.vname(phi)}_red",
            w,
            f"reduction `{ctx.vname(phi)}` ({nxt.loc}): contributions of the returned iterations",
        )
        at = bs.inputs.index(phi)
        lo = sum(value_bits(v) for v in bs.inputs[at + 1 :])
        acc_next: Expr = acc
        for valid, bdata in backs:
            field = (
                bdata
                if w == sum(value_bits(v) for v in bs.inputs) == 1
                else _sel(bdata, lo + w - 1, lo)
            )
            acc_next = BinOp(sym, acc_next, Ternary(valid, field, ident))
        red_regs.append((acc, acc_next, ident))
        total = ctx.wire(
            f"{p}{ctx.vname(phi)}_total",
            w,
            BinOp(sym, field_of[phi], acc),
            comment="the initial value combined with every iteration's contribution",
        )
        reduced[phi] = Ternary(Ref(p + "cond"), ident, total)
    ctx.wire(p + "back", 32, returned, comment="iterations returning over the back edges")
    fire = ctx.wire(p + "fire", 1)
    valid = land(active, lor(cond, BinOp("==", out, Const(0, 32))))
    items.append(Assign(ctx.blk_in_valid[bi], valid))
    items.append(Assign(fire, land(valid, ctx.blk_in_ready[bi])))
    issue = ctx.wire(p + "issue", 1, land(fire, cond), comment="an iteration (not the exit)")
    # the next induction values
    stepped: list[Expr] = []
    for v in bs.inputs:
        if not value_bits(v):
            continue
        nxt = plan.steps.get(v) if isinstance(v, Op) else None
        if nxt is None:
            stepped.append(field_of[v])
            continue
        ops = [field_of[v] if x is v else operand(x) for x in nxt.operands]
        stepped.append(ctx.wire(f"{p}{ctx.vname(v)}_next", value_bits(v), _op_expr(nxt, ops)))
    for v in bs.inputs:
        if value_bits(v):
            items.append(Assign(sig[(bi, 0, v, 0)], reduced.get(v, field_of[v])))
    red_stmts: list[Stmt] = [
        NonBlocking(acc, Ternary(take, ident, acc_next)) for acc, acc_next, ident in red_regs
    ]
    items.append(
        Always(
            [
                If(
                    lnot(Ref("ap_rst_n")),
                    [NonBlocking(active, Const(0, 1)), NonBlocking(out, Const(0, 32))],
                    [
                        *red_stmts,
                        If(take, [NonBlocking(active, Const(1, 1)), NonBlocking(data, entry_data)]),
                        If(
                            issue,
                            [NonBlocking(data, cat(*stepped))],
                            [If(fire, [NonBlocking(active, Const(0, 1))])],
                        ),
                        NonBlocking(
                            out,
                            BinOp("-", BinOp("+", out, cat(Const(0, 31), issue)), Ref(p + "back")),
                        ),
                    ],
                )
            ],
            clock="ap_clk",
        )
    )


def _pack(clients: list[dict[str, Expr]], key: str) -> Expr:
    """Client ``key`` signals as one vector, client 0 in the low bits (arbiter port order)."""
    return cat(*[c[key] for c in reversed(clients)])


def _fifo(
    name: str,
    width: int,
    depth: int,
    in_valid: Expr,
    in_ready: Expr,
    in_data: Expr,
    out_valid: Expr,
    out_ready: Expr,
    out_data: Expr,
) -> Instance:
    return lib.fifo_instance(
        name, width, depth, in_valid, in_ready, in_data, out_valid, out_ready, out_data,
        clk="ap_clk", rst_n="ap_rst_n",
    )  # fmt: skip


def emit_verilog(kernel: Kernel, sched: DatapathSchedule, board: Board) -> tuple[str, RegisterMap]:
    modules, regmap = build_top(kernel, sched, board)
    # one file holds the top and its soff_* library modules: waive only the
    # file-name-per-module rule
    text = "/* verilator lint_off DECLFILENAME */\n" + print_verilog(modules)
    return text, regmap
