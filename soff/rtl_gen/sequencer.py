"""A top that runs several kernels one after another: the NPU's layer sequencer.

Each stage is one compiled kernel with a fixed NDRange and fixed argument
bindings (a buffer of the top, or a constant). The top looks like a kernel
whose arguments are the buffers (one 64-bit pointer register each, Vitis
register map, docs/interface.md), so ``soff.sim.api.simulate`` and users'
host code drive it like any kernel, with a one-item NDRange.

Inside: the AXI4-Lite control slave; one compute unit per stage
(``<kernel>_cu``, :func:`soff.rtl_gen.top.build_top` with ``cu=True``); a
sequencer that starts stage 0 on ap_start, hands its work-groups to its CU
(the group odometer of :mod:`soff.rtl_gen.multi_cu`, with the stage's
constant NDRange), waits until the CU is idle — every store of the stage has
its write response, so the next stage reads the finished data — and moves on;
ap_done after the last stage. ``stage_cycles_<i>`` counts the cycles stage i
ran (from its CU's start to the cycle it is done), for simulation and on-chip
debug: nothing reads them, so synthesis removes them. The stages share the AXI4 master through the
interconnect of :mod:`soff.rtl_gen.multi_cu` (stage index in the ID's high
bits); only the running stage issues requests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from soff.boards.board import Board
from soff.diagnostics import CompileError
from soff.hls.schedule.datapath import DatapathSchedule, has_global_atomics
from soff.ir.core import Kernel
from soff.ir.types import IntType, PtrType
from soff.rtl_gen import lib
from soff.rtl_gen.multi_cu import (
    _RD,
    _SHARED,
    _WR,
    MAX_CU,
    _pick,
    group_odometer,
    interconnect_module,
)
from soff.rtl_gen.regmap import RegisterMap
from soff.rtl_gen.vast import (
    Always,
    Assign,
    Blank,
    Comment,
    Const,
    Expr,
    If,
    Instance,
    Module,
    NonBlocking,
    Port,
    Ref,
    Reg,
    Ternary,
    Wire,
    cat,
    eq,
    index_bits,
    land,
    lnot,
    lor,
    print_verilog,
    reduce_and,
)


@dataclass
class Stage:
    """One kernel launch of the sequence."""

    kernel: Kernel
    schedule: DatapathSchedule
    global_size: tuple[int, int, int]
    local_size: tuple[int, int, int]
    #: kernel argument -> the top's buffer name (pointers) or a number (scalars)
    bindings: Mapping[str, str | int] = field(default_factory=dict)
    #: compute units: the stage's work-groups go to the first free copy
    num_cu: int = 1


def sequencer_regmap(name: str, buffers: Sequence[str]) -> RegisterMap:
    return RegisterMap.build(name, [(b, 64, "pointer", False) for b in buffers])


def _check(name: str, stages: Sequence[Stage], buffers: Sequence[str]) -> None:
    if not stages:
        raise CompileError(f"sequence '{name}' has no stages")
    seen: set[str] = set()
    for st in stages:
        k = st.kernel
        if k.name in seen or k.name == name:
            raise CompileError(f"sequence '{name}': kernel name '{k.name}' is used twice")
        seen.add(k.name)
        if has_global_atomics(k):
            raise CompileError(f"sequence '{name}': kernel '{k.name}' has global atomics")
        if not 1 <= st.num_cu <= MAX_CU:
            raise CompileError(
                f"sequence '{name}': kernel '{k.name}' needs 1 to {MAX_CU} compute units, "
                f"not {st.num_cu}"
            )
        for d in range(3):
            g, loc = st.global_size[d], st.local_size[d]
            if g < 1 or loc < 1 or g % loc:
                raise CompileError(
                    f"sequence '{name}': kernel '{k.name}' NDRange {st.global_size} / "
                    f"{st.local_size} is empty or not a multiple"
                )
        for a in k.args:
            arg = a.name or f"arg{a.index}"
            if arg not in st.bindings:
                raise CompileError(
                    f"sequence '{name}': kernel '{k.name}' argument '{arg}' is unbound"
                )
            value = st.bindings[arg]
            if isinstance(a.type, PtrType):
                if a.type.space != "global" or value not in buffers:
                    raise CompileError(
                        f"sequence '{name}': kernel '{k.name}' argument '{arg}' must be bound "
                        f"to one of the buffers ({', '.join(buffers)}), not {value!r}"
                    )
            elif not isinstance(value, int) or isinstance(value, bool):
                raise CompileError(
                    f"sequence '{name}': kernel '{k.name}' scalar '{arg}' needs an integer "
                    f"constant (bit pattern), not {value!r}"
                )


def build_sequencer(
    name: str,
    stages: Sequence[Stage],
    buffers: Sequence[str],
    board: Board,
    notes: Sequence[str] = (),
) -> tuple[list[Module], RegisterMap]:
    """Modules (top first) of a top named ``name`` running ``stages`` in order;
    ``notes`` are extra lines for the top's header comment."""
    from soff.rtl_gen.top import AXI_PORTS, axi_id_width, axi_width, build_top, control_interface

    _check(name, stages, buffers)
    regmap = sequencer_regmap(name, buffers)
    n, dw = len(stages), board.data_width
    # compute units, all stages' together: stage i has units first[i] .. first[i] + num_cu - 1
    first = [sum(st.num_cu for st in stages[:i]) for i in range(n)]
    ncu = sum(st.num_cu for st in stages)
    iw = index_bits(ncu) if ncu > 1 else 0
    id_w = max(axi_id_width(st.kernel, st.schedule) for st in stages)  # every unit's IDs

    def bit(sig: str, j: int) -> Expr:
        return Ref(sig) if ncu == 1 else Ref(sig)[j]

    def units(i: int) -> range:
        return range(first[i], first[i] + stages[i].num_cu)

    sw = max(index_bits(n + 1), 1)

    ports = [Port("ap_clk", "input"), Port("ap_rst_n", "input"), Port("interrupt", "output")]
    ctrl_ports, items, args = control_interface(regmap)
    ports += ctrl_ports
    for suffix, direction, width in AXI_PORTS:
        ports.append(Port("m_axi_gmem_" + suffix, direction, axi_width(width, dw, id_w + iw)))

    # ---------------------------------------------------------------- sequencer
    stage, busy, left = Ref("stage"), Ref("busy"), Ref("left")
    grp = [Ref(f"wg_grp_{d}") for d in range(3)]
    base = [Ref(f"wg_base_{d}") for d in range(3)]
    items += [
        Blank(),
        Comment(f"sequencer: {n} stages, each a kernel with a fixed NDRange, one after another"),
        Reg("busy", comment="between ap_start and ap_done"),
        Reg("stage", sw, comment="the running stage"),
        Reg("left", comment="work-groups of the running stage left to hand out"),
        *(Reg(r.name, 32) for r in grp + base),
        *(Reg(f"stage_cycles_{i}", 32, comment=f"cycles stage {i} ran") for i in range(n)),
        Wire("cu_ready", ncu),
        Wire("cu_idle", ncu),
        Wire("cu_start", ncu),
        Wire("wg_valid", ncu),
        Wire("start"),
        Wire("stage_done"),
        Wire("wg_fire"),
    ]

    def per_stage(values: list[int], width: int) -> Expr:
        """The running stage's constant out of ``values``."""
        out: Expr = Const(values[-1], width)
        for i in reversed(range(n - 1)):
            out = Ternary(eq(stage, Const(i, sw)), Const(values[i], width), out)
        return out

    gsz = [per_stage([st.global_size[d] for st in stages], 32) for d in range(3)]
    lsz = [per_stage([st.local_size[d] for st in stages], 32) for d in range(3)]

    def any_ready(i: int) -> Expr:
        return lor(*(bit("cu_ready", j) for j in units(i)))

    def all_idle(i: int) -> Expr:
        return land(*(bit("cu_idle", j) for j in units(i)))

    ready_bit, idle_bit = any_ready(0), all_idle(0)
    for i in range(1, n):
        ready_bit = Ternary(eq(stage, Const(i, sw)), any_ready(i), ready_bit)
        idle_bit = Ternary(eq(stage, Const(i, sw)), all_idle(i), idle_bit)

    def free(u: int) -> Expr:
        return land(bit("cu_ready", u), bit("cu_idle", u))

    def valid(i: int, j: int) -> Expr:
        """Unit j of stage i takes the group: the stage's lowest-numbered idle unit,
        else (all busy) its lowest-numbered ready one — a unit takes the next group
        while it finishes the last, but an idle one goes first, so groups spread."""
        if stages[i].num_cu == 1:
            return land(busy, left, eq(stage, Const(i, sw)))
        lower_free = [lnot(free(u)) for u in range(first[i], j)]
        lower_ready = [lnot(bit("cu_ready", u)) for u in range(first[i], j)]
        any_free = lor(*(free(u) for u in units(i)))
        pick = Ternary(any_free, land(free(j), *lower_free), land(bit("cu_ready", j), *lower_ready))
        return land(busy, left, eq(stage, Const(i, sw)), pick)

    def stage_start(i: int) -> Expr:
        return Ref("start") if i == 0 else land(Ref("stage_done"), eq(stage, Const(i - 1, sw)))

    items += [
        Assign(Ref("start"), land(Ref("ap_start"), lnot(busy))),
        Assign(Ref("wg_fire"), land(busy, left, ready_bit)),
        Assign(Ref("stage_done"), land(busy, lnot(left), idle_bit)),
        Assign(
            Ref("wg_valid"),
            cat(*(valid(i, j) for i in reversed(range(n)) for j in reversed(units(i)))),
        ),
        Assign(
            Ref("cu_start"),
            cat(*(stage_start(i) for i in reversed(range(n)) for _ in units(i))),
            comment="a stage's CU starts (resets its barrier gates and loop counters)",
        ),
        Assign(Ref("ap_ready"), Ref("start")),
        Assign(Ref("ap_idle"), lnot(busy)),
        Assign(Ref("ap_done"), land(Ref("stage_done"), eq(stage, Const(n - 1, sw)))),
    ]
    advance, zero = group_odometer(grp, base, gsz, lsz, left)
    cycle_regs = [Ref(f"stage_cycles_{i}") for i in range(n)]
    cyc_zero = [NonBlocking(c, Const(0, 32)) for c in cycle_regs]
    cyc_count = [
        If(land(busy, eq(stage, Const(i, sw))), [NonBlocking(c, c + Const(1, 32))])
        for i, c in enumerate(cycle_regs)
    ]
    items.append(
        Always(
            [
                If(
                    lnot(Ref("ap_rst_n")),
                    [
                        NonBlocking(busy, Const(0, 1)),
                        NonBlocking(left, Const(0, 1)),
                        NonBlocking(stage, Const(0, sw)),
                        *zero,
                        *cyc_zero,
                    ],
                    [
                        If(
                            Ref("start"),
                            [
                                NonBlocking(busy, Const(1, 1)),
                                NonBlocking(left, Const(1, 1)),
                                NonBlocking(stage, Const(0, sw)),
                                *zero,
                                *cyc_zero,
                            ],
                        ),
                        *cyc_count,
                        If(Ref("wg_fire"), advance),
                        If(
                            Ref("stage_done"),
                            [
                                If(
                                    eq(stage, Const(n - 1, sw)),
                                    [NonBlocking(busy, Const(0, 1))],
                                    [
                                        NonBlocking(stage, stage + Const(1, sw)),
                                        NonBlocking(left, Const(1, 1)),
                                        *zero,
                                    ],
                                )
                            ],
                        ),
                    ],
                )
            ],
            clock="ap_clk",
        )
    )

    # ---------------------------------------------------------------- stages
    modules: dict[str, Module] = {}
    ax = "m_axi_gmem_" if ncu == 1 else "cu_axi_"
    if ncu > 1:
        for sig, _d, w in _RD + _WR:
            width = axi_width(w, dw, id_w)
            items.append(Wire(f"cu_axi_{sig}", width if sig in _SHARED else ncu * width))
    for i, st in enumerate(stages):
        k = st.kernel
        cu_mods, kmap = build_top(k, st.schedule, board, cu=True, id_w=id_w)
        for m in cu_mods:
            if m.name in modules and print_verilog([modules[m.name]]) != print_verilog([m]):
                raise CompileError(
                    f"sequence '{name}': two kernels need different modules named '{m.name}'"
                )
            modules.setdefault(m.name, m)
        shared: list[tuple[str, Expr | None]] = []
        ktypes = {(a.name or f"arg{a.index}"): a.type for a in k.args}
        for r in kmap.registers:
            if r.kind == "ndrange":
                which, d = r.name.rsplit("_", 1)
                size = st.global_size if which == "global_size" else st.local_size
                shared.append(("arg_" + r.name, Const(size[int(d)], r.bits)))
                continue
            value = st.bindings[r.name]
            if isinstance(value, str):
                shared.append(("arg_" + r.name, Ref("arg_" + value)))
            else:
                t = ktypes[r.name]
                bits = t.bits if isinstance(t, IntType) else r.bits
                shared.append(("arg_" + r.name, Const(int(value) & ((1 << bits) - 1), r.bits)))
        items.append(
            Comment(
                f"stage {i}: {k.name}, NDRange {st.global_size} / {st.local_size}"
                + (f", {st.num_cu} compute units" if st.num_cu > 1 else "")
                + (f" ({k.loc})" if k.loc else "")
            )
        )
        for j in units(i):
            conns: list[tuple[str, Expr | None]] = [
                ("ap_clk", Ref("ap_clk")),
                ("ap_rst_n", Ref("ap_rst_n")),
                ("cu_start", bit("cu_start", j)),
                *shared,
                ("wg_valid", bit("wg_valid", j)),
                ("wg_ready", bit("cu_ready", j)),
            ]
            conns += [(r.name, r) for r in grp + base]
            conns.append(("cu_idle", bit("cu_idle", j)))
            for sig, _d, w in _RD + _WR:
                width = axi_width(w, dw, id_w)
                src = Ref(ax + sig)
                pick = src if ncu == 1 or sig in _SHARED else _pick(src, j, width, ncu)
                conns.append(("m_axi_gmem_" + sig, pick))
            inst = f"stage{i}" if st.num_cu == 1 else f"stage{i}_cu{j - first[i]}"
            items.append(Instance(f"{k.name}_cu", inst, [], conns))
    if ncu > 1:
        ic = interconnect_module(ncu, dw, id_w)
        modules[ic.name] = ic
        conns = [("clk", Ref("ap_clk")), ("rst_n", Ref("ap_rst_n"))]
        conns += [("s_" + sig, Ref(f"cu_axi_{sig}")) for sig, _d, _w in _RD + _WR]
        conns += [("m_" + sig, Ref("m_axi_gmem_" + sig)) for sig, _d, _w in _RD + _WR]
        items.append(Instance(ic.name, "gmem_ic", [], conns))
    # the top's NDRange registers are not used (each stage has its own sizes)
    items += [
        Wire("unused_ok", comment="bits some paths do not read (Verilator idiom)"),
        Assign(Ref("unused_ok"), reduce_and(cat(Const(0, 1), *args, *cycle_regs, Const(0, 1)))),
    ]
    header = [
        f"{name}: generated by soff, {n} kernels in sequence",
        "",
        f"Ports and protocol: docs/interface.md (AXI IDs are {id_w + iw} bits"
        + (": {compute unit, ID}, units numbered stage by stage)." if ncu > 1 else ")."),
        "Register map (AXI4-Lite, s_axi_control): one pointer per buffer",
        *("  " + line for line in regmap.describe()),
        "Stages:",
        *(
            f"  {i}: {st.kernel.name} NDRange {st.global_size} / {st.local_size}"
            + (f", {st.num_cu} compute units" if st.num_cu > 1 else "")
            for i, st in enumerate(stages)
        ),
        *notes,
    ]
    top = Module(name, [], ports, items, header_comment="\n".join(header))
    return [top, lib.control_slave_module(regmap), *modules.values()], regmap


def emit_sequencer(
    name: str,
    stages: Sequence[Stage],
    buffers: Sequence[str],
    board: Board,
    notes: Sequence[str] = (),
) -> tuple[str, RegisterMap]:
    modules, regmap = build_sequencer(name, stages, buffers, board, notes)
    return "/* verilator lint_off DECLFILENAME */\n" + print_verilog(modules), regmap
