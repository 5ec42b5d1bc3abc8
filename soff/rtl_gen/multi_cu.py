"""Compute-unit replication (``--num-cu N``): N copies of a kernel's datapath.

The top keeps the single-CU interface (docs/interface.md): one AXI4-Lite
control slave and one AXI4 master. Inside it:

* a **work-group dispatcher** walks the NDRange's work-groups and hands each to
  the first free compute unit (a CU takes a new group while it finishes the
  last work-items of the previous one, so a busy CU loses no cycle);
* N instances of ``<kernel>_cu`` (:func:`soff.rtl_gen.top.build_top` with
  ``cu=True``): each has its own work-item dispatcher, datapath, local memories,
  barrier gates and AXI4 master (``ID_W``-bit IDs, docs/interface.md);
* an **AXI4 interconnect** shares the one memory master: round-robin per
  channel, the CU index prepended to the AXI ID (so the top's ID is
  ``ID_W + clog2(N)`` bits wide) and responses routed back by it.

Memory is shared rather than given one master per CU: a board's memory
channels are few and the simulator models one; the cost is that memory-bound
kernels gain nothing from more CUs (compute-bound ones do).
"""

from __future__ import annotations

from soff.boards.board import Board
from soff.diagnostics import UnsupportedError
from soff.hls.schedule.datapath import DatapathSchedule
from soff.ir.core import Kernel
from soff.rtl_gen import lib
from soff.rtl_gen.regmap import RegisterMap
from soff.rtl_gen.top import AXI_PORTS, axi_width
from soff.rtl_gen.vast import (
    Always,
    Assign,
    BinOp,
    Blank,
    Comment,
    Const,
    Expr,
    If,
    Instance,
    Item,
    Module,
    NonBlocking,
    Port,
    Ref,
    Reg,
    Repl,
    Stmt,
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
    reduce_or,
)

MAX_CU = 16

# (channel signal, direction seen from the master, width; "D"/"S"/"I" = data/strobe/ID width):
# the kernel top's AXI4 master ports, read channels and write channels
_CHANNELS = [(sig, "out" if d == "output" else "in", w) for sig, d, w in AXI_PORTS]
_RD = [c for c in _CHANNELS if c[0].startswith(("ar", "r"))]
_WR = [c for c in _CHANNELS if not c[0].startswith(("ar", "r"))]
# response payloads every CU sees (valid/ready are per CU)
_SHARED = {"rdata", "rresp", "rlast", "rid", "bresp", "bid"}
_HANDSHAKE_IN = {"arready", "rvalid", "awready", "wready", "bvalid"}  # per-CU, from the ic


def _rr_grant(n: int, req: Expr, last: Ref, prefix: str) -> tuple[list[Item], Ref, Ref]:
    """Round-robin grant among ``req[n-1:0]`` starting after ``last``:
    returns the items and the one-hot grant and granted-index signals."""
    iw = index_bits(n)
    onehot, idx = Ref(prefix + "onehot"), Ref(prefix + "idx")
    items: list[Item] = [Wire(onehot.name, n), Wire(idx.name, iw)]
    # rotate so that the client after ``last`` has the highest priority: for each
    # possible ``last`` a fixed-priority pick, selected by a case-like mux chain
    grant: Expr = Const(0, n)
    index: Expr = Const(0, iw)
    for p in reversed(range(n)):
        order = [(p + 1 + k) % n for k in range(n)]
        g: Expr = Const(0, n)
        i: Expr = Const(0, iw)
        for j in reversed(order):
            g = Ternary(req[j], Const(1 << j, n), g)
            i = Ternary(req[j], Const(j, iw), i)
        grant = Ternary(eq(last, Const(p, iw)), g, grant) if p < n - 1 else g
        index = Ternary(eq(last, Const(p, iw)), i, index) if p < n - 1 else i
    items += [Assign(onehot, grant), Assign(idx, index)]
    return items, onehot, idx


def _pick(src: Expr, j: int, w: int, n: int) -> Expr:
    return src if n == 1 else src[(j + 1) * w - 1 : j * w]


def _select(src: Expr, onehot: Expr, n: int, w: int) -> Expr:
    """The ``w``-bit field of the client whose ``onehot`` bit is set (AND-OR mux)."""
    terms = [Repl(w, onehot[j]) & _pick(src, j, w, n) for j in range(n)]
    out = terms[0]
    for t in terms[1:]:
        out = out | t
    return out


def interconnect_module(n: int, dw: int, id_w: int = lib.ID_W) -> Module:
    """``soff_axi_ic_<n>_<dw>[_id<w>]``: N AXI4 masters (soff compute units) onto one.

    The masters' IDs are ``id_w`` bits (the suffix names it unless it is
    ``lib.ID_W``); the master side's are ``id_w + clog2(n)``.

    Reads: round-robin over the ARs into an output register; ``m_arid =
    {cu, arid}``; R beats go back to the CU named by the ID's high bits.
    Writes: a CU's AW and its first W beat are taken together (soff's write
    arbiter presents them together), round-robin, into output registers; the
    W register then takes the rest of that burst from the same CU, up to
    WLAST, before another write is granted (AXI4 W beats are not
    interleaved); B goes back by the ID's high bits.
    """
    if not 2 <= n <= MAX_CU:
        raise ValueError(f"an interconnect joins 2 to {MAX_CU} masters, not {n}")
    iw, sw = index_bits(n), dw // 8
    idw = id_w + iw
    ports = [Port("clk", "input"), Port("rst_n", "input")]
    for sig, d, w in _RD + _WR:
        width = axi_width(w, dw, id_w)
        shared = sig in _SHARED
        ports.append(
            Port(
                "s_" + sig,
                "input" if d == "out" else "output",
                width if shared else n * width,
            )
        )
    for sig, d, w in _RD + _WR:
        width = axi_width(w, dw, id_w) + (iw if sig in ("arid", "rid", "awid", "bid") else 0)
        ports.append(Port("m_" + sig, "output" if d == "out" else "input", width))
    # outputs driven from registers are declared as regs below; Port keeps them wires,
    # so the registered copies get their own names
    items: list[Item] = []

    # ---------------------------------------------------------------- read address
    items.append(Comment("read address: round-robin over the CUs' ARs, CU index prepended to ARID"))
    ar_last = Ref("ar_last")
    items.append(Reg("ar_last", iw, comment="the last CU granted a read"))
    ritems, ar_grant, ar_idx = _rr_grant(n, Ref("s_arvalid"), ar_last, "ar_")
    items += ritems
    ar_load = Ref("ar_load")
    items += [
        Reg("ar_valid_q"),
        Reg("ar_addr_q", lib.ADDR_W),
        Reg("ar_id_q", idw),
        Reg("ar_len_q", 8),
        Reg("ar_size_q", 3),
        Reg("ar_burst_q", 2),
        Wire("ar_load"),
        Assign(ar_load, lor(lnot(Ref("ar_valid_q")), Ref("m_arready")), comment="register free"),
        Assign(Ref("s_arready"), Repl(n, ar_load) & ar_grant),
        Always(
            [
                If(
                    lnot(Ref("rst_n")),
                    [
                        NonBlocking(Ref("ar_valid_q"), Const(0, 1)),
                        NonBlocking(ar_last, Const(n - 1, iw)),
                    ],
                    [
                        If(
                            ar_load,
                            [
                                NonBlocking(Ref("ar_valid_q"), reduce_or(Ref("s_arvalid"))),
                                If(
                                    reduce_or(Ref("s_arvalid")),
                                    [
                                        NonBlocking(
                                            Ref("ar_addr_q"),
                                            _select(Ref("s_araddr"), ar_grant, n, lib.ADDR_W),
                                        ),
                                        NonBlocking(
                                            Ref("ar_id_q"),
                                            cat(
                                                ar_idx,
                                                _select(Ref("s_arid"), ar_grant, n, id_w),
                                            ),
                                        ),
                                        NonBlocking(
                                            Ref("ar_len_q"), _select(Ref("s_arlen"), ar_grant, n, 8)
                                        ),
                                        NonBlocking(
                                            Ref("ar_size_q"),
                                            _select(Ref("s_arsize"), ar_grant, n, 3),
                                        ),
                                        NonBlocking(
                                            Ref("ar_burst_q"),
                                            _select(Ref("s_arburst"), ar_grant, n, 2),
                                        ),
                                        NonBlocking(ar_last, ar_idx),
                                    ],
                                ),
                            ],
                        )
                    ],
                )
            ],
            clock="clk",
        ),
        Assign(Ref("m_arvalid"), Ref("ar_valid_q")),
        Assign(Ref("m_araddr"), Ref("ar_addr_q")),
        Assign(Ref("m_arid"), Ref("ar_id_q")),
        Assign(Ref("m_arlen"), Ref("ar_len_q")),
        Assign(Ref("m_arsize"), Ref("ar_size_q")),
        Assign(Ref("m_arburst"), Ref("ar_burst_q")),
        Blank(),
        Comment("read data: back to the CU named by RID's high bits"),
        Wire("r_cu", n),
        Assign(Ref("r_cu"), _onehot(n, Ref("m_rid")[idw - 1 : id_w], iw)),
        Assign(Ref("s_rvalid"), Repl(n, Ref("m_rvalid")) & Ref("r_cu")),
        Assign(Ref("m_rready"), land(Ref("m_rvalid"), reduce_or(Ref("s_rready") & Ref("r_cu")))),
        Assign(Ref("s_rdata"), Ref("m_rdata")),
        Assign(Ref("s_rresp"), Ref("m_rresp")),
        Assign(Ref("s_rlast"), Ref("m_rlast")),
        Assign(Ref("s_rid"), Ref("m_rid")[id_w - 1 : 0]),
    ]

    # ---------------------------------------------------------------- writes
    items.append(Blank())
    items.append(
        Comment("write address + data: a CU's AW and first W beat move together, then its burst")
    )
    aw_last = Ref("aw_last")
    items.append(Reg("aw_last", iw, comment="the last CU granted a write"))
    req = Ref("w_req")
    items += [Wire("w_req", n), Assign(req, Ref("s_awvalid") & Ref("s_wvalid"))]
    witems, w_grant, w_idx = _rr_grant(n, req, aw_last, "w_")
    items += witems
    awv, wv, w_load = Ref("aw_valid_q"), Ref("w_valid_q"), Ref("w_load")
    busy, owner, more = Ref("w_busy"), Ref("w_owner"), Ref("w_more")
    owner_hot = Ref("w_owner_hot")  # a named wire: yosys does not take a concatenation's bits
    items += [
        Reg("w_busy", comment="the W register is taking the rest of a granted burst"),
        Reg("w_owner", iw, comment="from this CU"),
        Wire("w_owner_hot", n),
        Assign(owner_hot, _onehot(n, owner, iw)),
        Wire("w_more"),
        Reg("aw_valid_q"),
        Reg("aw_addr_q", lib.ADDR_W),
        Reg("aw_id_q", idw),
        Reg("aw_len_q", 8),
        Reg("aw_size_q", 3),
        Reg("aw_burst_q", 2),
        Reg("w_valid_q"),
        Reg("w_data_q", dw),
        Reg("w_strb_q", sw),
        Reg("w_last_q"),
        Wire("w_load"),
        Assign(
            w_load,
            land(lor(lnot(awv), Ref("m_awready")), lor(lnot(wv), Ref("m_wready")), lnot(busy)),
            comment="both registers free, no burst in progress",
        ),
        Assign(
            more,
            land(busy, lor(lnot(wv), Ref("m_wready")), reduce_or(Ref("s_wvalid") & owner_hot)),
            comment="the next beat of the burst in progress",
        ),
        Assign(Ref("s_awready"), Repl(n, w_load) & w_grant),
        Assign(Ref("s_wready"), (Repl(n, w_load) & w_grant) | (Repl(n, more) & owner_hot)),
        Always(
            [
                If(
                    lnot(Ref("rst_n")),
                    [
                        NonBlocking(awv, Const(0, 1)),
                        NonBlocking(wv, Const(0, 1)),
                        NonBlocking(aw_last, Const(n - 1, iw)),
                        NonBlocking(busy, Const(0, 1)),
                        NonBlocking(owner, Const(0, iw)),
                    ],
                    [
                        If(Ref("m_awready"), [NonBlocking(awv, Const(0, 1))]),
                        If(Ref("m_wready"), [NonBlocking(wv, Const(0, 1))]),
                        If(
                            land(w_load, reduce_or(req)),
                            [
                                NonBlocking(awv, Const(1, 1)),
                                NonBlocking(wv, Const(1, 1)),
                                NonBlocking(
                                    Ref("aw_addr_q"),
                                    _select(Ref("s_awaddr"), w_grant, n, lib.ADDR_W),
                                ),
                                NonBlocking(
                                    Ref("aw_id_q"),
                                    cat(w_idx, _select(Ref("s_awid"), w_grant, n, id_w)),
                                ),
                                NonBlocking(
                                    Ref("aw_len_q"), _select(Ref("s_awlen"), w_grant, n, 8)
                                ),
                                NonBlocking(
                                    Ref("aw_size_q"), _select(Ref("s_awsize"), w_grant, n, 3)
                                ),
                                NonBlocking(
                                    Ref("aw_burst_q"), _select(Ref("s_awburst"), w_grant, n, 2)
                                ),
                                NonBlocking(
                                    Ref("w_data_q"), _select(Ref("s_wdata"), w_grant, n, dw)
                                ),
                                NonBlocking(
                                    Ref("w_strb_q"), _select(Ref("s_wstrb"), w_grant, n, sw)
                                ),
                                NonBlocking(
                                    Ref("w_last_q"), _select(Ref("s_wlast"), w_grant, n, 1)
                                ),
                                NonBlocking(busy, lnot(_select(Ref("s_wlast"), w_grant, n, 1))),
                                NonBlocking(owner, w_idx),
                                NonBlocking(aw_last, w_idx),
                            ],
                            [
                                If(
                                    more,
                                    [
                                        NonBlocking(wv, Const(1, 1)),
                                        NonBlocking(
                                            Ref("w_data_q"),
                                            _select(Ref("s_wdata"), owner_hot, n, dw),
                                        ),
                                        NonBlocking(
                                            Ref("w_strb_q"),
                                            _select(Ref("s_wstrb"), owner_hot, n, sw),
                                        ),
                                        NonBlocking(
                                            Ref("w_last_q"),
                                            _select(Ref("s_wlast"), owner_hot, n, 1),
                                        ),
                                        NonBlocking(
                                            busy, lnot(_select(Ref("s_wlast"), owner_hot, n, 1))
                                        ),
                                    ],
                                )
                            ],
                        ),
                    ],
                )
            ],
            clock="clk",
        ),
        Assign(Ref("m_awvalid"), awv),
        Assign(Ref("m_awaddr"), Ref("aw_addr_q")),
        Assign(Ref("m_awid"), Ref("aw_id_q")),
        Assign(Ref("m_awlen"), Ref("aw_len_q")),
        Assign(Ref("m_awsize"), Ref("aw_size_q")),
        Assign(Ref("m_awburst"), Ref("aw_burst_q")),
        Assign(Ref("m_wvalid"), wv),
        Assign(Ref("m_wdata"), Ref("w_data_q")),
        Assign(Ref("m_wstrb"), Ref("w_strb_q")),
        Assign(Ref("m_wlast"), Ref("w_last_q")),
        Blank(),
        Comment("write responses: back to the CU named by BID's high bits"),
        Wire("b_cu", n),
        Assign(Ref("b_cu"), _onehot(n, Ref("m_bid")[idw - 1 : id_w], iw)),
        Assign(Ref("s_bvalid"), Repl(n, Ref("m_bvalid")) & Ref("b_cu")),
        Assign(Ref("m_bready"), land(Ref("m_bvalid"), reduce_or(Ref("s_bready") & Ref("b_cu")))),
        Assign(Ref("s_bresp"), Ref("m_bresp")),
        Assign(Ref("s_bid"), Ref("m_bid")[id_w - 1 : 0]),
    ]
    return Module(
        f"soff_axi_ic_{n}_{dw}" + ("" if id_w == lib.ID_W else f"_id{id_w}"),
        [],
        ports,
        items,
        f"AXI4 interconnect: {n} soff compute units onto one master ({dw}-bit data, "
        f"{idw}-bit IDs = {{CU, ID}})",
    )


def _onehot(n: int, idx: Expr, iw: int) -> Expr:
    return cat(*(eq(idx, Const(i, iw)) for i in reversed(range(n))))


def group_odometer(
    grp: list[Ref], base: list[Ref], gsz: list[Expr], lsz: list[Expr], left: Ref
) -> tuple[list[Stmt], list[Stmt]]:
    """The work-group walk of a dispatcher: statements that step the group ids
    ``grp`` and first global ids ``base`` to the next group (clearing ``left``
    after the last), and statements that reset them to the first group."""
    grp_last = [BinOp(">=", base[d] + lsz[d], gsz[d]) for d in range(3)]

    def step(d: int) -> list[Stmt]:
        if d == 3:
            return [NonBlocking(left, Const(0, 1))]
        return [
            If(
                grp_last[d],
                [NonBlocking(base[d], Const(0, 32)), NonBlocking(grp[d], Const(0, 32))]
                + step(d + 1),
                [
                    NonBlocking(base[d], base[d] + lsz[d]),
                    NonBlocking(grp[d], grp[d] + Const(1, 32)),
                ],
            )
        ]

    zero = [
        st
        for d in range(3)
        for st in (NonBlocking(grp[d], Const(0, 32)), NonBlocking(base[d], Const(0, 32)))
    ]
    return step(0), zero


def build_multi_cu(
    kernel: Kernel, sched: DatapathSchedule, board: Board, num_cu: int
) -> tuple[list[Module], RegisterMap]:
    """The top of ``num_cu`` (>= 2) compute units: modules, top first."""
    from soff.rtl_gen.top import axi_id_width, build_top, control_interface

    if not 2 <= num_cu <= MAX_CU:
        raise UnsupportedError(f"--num-cu takes 1 to {MAX_CU}, not {num_cu}", kernel.loc)
    for op in kernel.ops():
        ptr = op.operands[0].type if op.operands else None
        if op.opcode == "atomic" and getattr(ptr, "space", "global") == "global":
            # each CU's atomic unit serialises only its own atomics
            raise UnsupportedError(
                "global atomics with more than one compute unit are not supported yet "
                "(compile with --num-cu 1)",
                op.loc,
            )
    cu_modules, regmap = build_top(kernel, sched, board, cu=True)
    n, iw, dw = num_cu, index_bits(num_cu), board.data_width
    id_w = axi_id_width(kernel, sched)
    ic = interconnect_module(n, dw, id_w)

    ports = [Port("ap_clk", "input"), Port("ap_rst_n", "input"), Port("interrupt", "output")]
    ctrl_ports, items, _args = control_interface(regmap)
    ports += ctrl_ports
    for suffix, direction, width in AXI_PORTS:
        ports.append(Port("m_axi_gmem_" + suffix, direction, axi_width(width, dw, id_w + iw)))

    # ---------------------------------------------------------------- work-groups
    items += [
        Blank(),
        Comment(f"work-group dispatcher: each work-group to the first free of {n} compute units"),
        Reg("busy", comment="between ap_start and ap_done"),
        Reg("left", comment="work-groups left to hand out"),
    ]
    grp = [Ref(f"wg_grp_{d}") for d in range(3)]
    base = [Ref(f"wg_base_{d}") for d in range(3)]
    items += [Reg(r.name, 32) for r in grp + base]
    gsz = [Ref(f"arg_global_size_{d}") for d in range(3)]
    lsz = [Ref(f"arg_local_size_{d}") for d in range(3)]
    busy, left = Ref("busy"), Ref("left")
    ready, valid, idle = Ref("wg_ready"), Ref("wg_valid"), Ref("cu_idle")
    items += [Wire("wg_ready", n), Wire("wg_valid", n), Wire("cu_idle", n), Wire("start")]
    items.append(Assign(Ref("start"), land(Ref("ap_start"), lnot(busy))))
    # the lowest-numbered ready CU gets the group
    first: list[Expr] = []
    for k in range(n):
        lower = [lnot(ready[j]) for j in range(k)]
        first.append(land(left, ready[k], *lower))
    items.append(Assign(valid, cat(*reversed(first))))
    fire = Ref("wg_fire")
    items += [Wire("wg_fire"), Assign(fire, land(left, reduce_or(ready)))]
    empty = lor(
        *(eq(gsz[d], Const(0, 32)) for d in range(3)),
        *(eq(lsz[d], Const(0, 32)) for d in range(3)),
    )

    advance, zero = group_odometer(grp, base, gsz, lsz, left)
    items.append(
        Always(
            [
                If(
                    lnot(Ref("ap_rst_n")),
                    [NonBlocking(busy, Const(0, 1)), NonBlocking(left, Const(0, 1)), *zero],
                    [
                        If(
                            Ref("start"),
                            [NonBlocking(busy, Const(1, 1)), NonBlocking(left, lnot(empty)), *zero],
                        ),
                        If(Ref("ap_done"), [NonBlocking(busy, Const(0, 1))]),
                        If(fire, advance),
                    ],
                )
            ],
            clock="ap_clk",
        )
    )
    items += [
        Assign(Ref("ap_ready"), Ref("start")),
        Assign(Ref("ap_idle"), lnot(busy)),
        Assign(Ref("ap_done"), land(busy, lnot(left), reduce_and(idle))),
    ]

    # ---------------------------------------------------------------- compute units
    for sig, _d, w in _RD + _WR:
        width = axi_width(w, dw, id_w)
        items.append(Wire(f"cu_axi_{sig}", width if sig in _SHARED else n * width))
    for k in range(n):
        conns: list[tuple[str, Expr | None]] = [
            ("ap_clk", Ref("ap_clk")),
            ("ap_rst_n", Ref("ap_rst_n")),
            ("cu_start", Ref("start")),
        ]
        conns += [("arg_" + r.name, Ref("arg_" + r.name)) for r in regmap.registers]
        conns += [("wg_valid", valid[k]), ("wg_ready", ready[k])]
        conns += [(r.name, r) for r in grp + base]
        conns.append(("cu_idle", idle[k]))
        for sig, _d, w in _RD + _WR:
            width = axi_width(w, dw, id_w)
            src = Ref(f"cu_axi_{sig}")
            conns.append(("m_axi_gmem_" + sig, src if sig in _SHARED else _pick(src, k, width, n)))
        items.append(Instance(cu_modules[0].name, f"cu{k}", [], conns))
    conns = [("clk", Ref("ap_clk")), ("rst_n", Ref("ap_rst_n"))]
    conns += [("s_" + sig, Ref(f"cu_axi_{sig}")) for sig, _d, _w in _RD + _WR]
    conns += [("m_" + sig, Ref("m_axi_gmem_" + sig)) for sig, _d, _w in _RD + _WR]
    items.append(Instance(ic.name, "gmem_ic", [], conns))

    header = [
        f"{kernel.name}: generated by soff from {kernel.loc.file if kernel.loc else 'IR'}, "
        f"{n} compute units",
        "",
        "Ports and protocol: docs/interface.md (AXI IDs are "
        f"{id_w + iw} bits: {{compute unit, ID}}). Register map (AXI4-Lite, s_axi_control):",
        *("  " + line for line in regmap.describe()),
    ]
    top = Module(kernel.name, [], ports, items, header_comment="\n".join(header))
    return [top, lib.control_slave_module(regmap), *cu_modules, ic], regmap


def emit_multi_cu(
    kernel: Kernel, sched: DatapathSchedule, board: Board, num_cu: int
) -> tuple[str, RegisterMap]:
    modules, regmap = build_multi_cu(kernel, sched, board, num_cu)
    text = "/* verilator lint_off DECLFILENAME */\n" + print_verilog(modules)
    return text, regmap
