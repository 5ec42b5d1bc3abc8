"""Library hardware modules, built with :mod:`soff.rtl_gen.vast`.

Every module here has clock ``clk`` and synchronous active-low reset
``rst_n``, is lint-clean under ``verilator --lint-only -Wall``, and has a name
starting with ``soff_``. A generated design emits the ones it instantiates in
the same file as its top.
"""

from __future__ import annotations

from soff.rtl_gen import regmap as rm
from soff.rtl_gen.vast import (
    Always,
    AlwaysComb,
    Assign,
    BinOp,
    Blocking,
    Call,
    Case,
    Const,
    Expr,
    If,
    Index,
    IndexedSlice,
    Instance,
    Int,
    Item,
    LocalParam,
    Memory,
    Module,
    NonBlocking,
    Parameter,
    Port,
    Ref,
    Reg,
    Repl,
    Stmt,
    Ternary,
    UnOp,
    Wire,
    cat,
    clog2,
    eq,
    index_bits,
    land,
    lnot,
    lor,
    mux,
    ne,
    reduce_and,
    reduce_or,
)

ADDR_W = 64  # AXI4 master address width (docs/interface.md)
ID_W = 4  # the narrowest AXI4 ID width; the arbiters use the client index as ID
MAX_CLIENTS = 256  # read or write clients of one arbiter (8-bit IDs)
BURST_INCR = 0b01


def _in(name: str, width: int | Expr = 1) -> Port:
    return Port(name, "input", width)


def _out(name: str, width: int | Expr = 1, reg: bool = False) -> Port:
    return Port(name, "output", width, is_reg=reg)


def _clk_rst() -> list[Port]:
    return [_in("clk"), _in("rst_n")]


def _unused_items(*sigs: Expr) -> list[Item]:
    """``wire unused_ok = &{1'b0, sigs..., 1'b0};`` (Verilator exempts "unused" names)."""
    return [
        Wire("unused_ok", comment="inputs deliberately ignored"),
        Assign(Ref("unused_ok"), reduce_and(cat(Const(0, 1), *sigs, Const(0, 1)))),
    ]


def _zero(width: int | Expr) -> Expr:
    if isinstance(width, int):
        return Const(0, width)
    return Repl(width, Const(0, 1))


# --------------------------------------------------------------------------- FIFO


def fifo_module() -> Module:
    """``soff_fifo #(WIDTH, DEPTH)``: a first-word-fall-through FIFO.

    DEPTH must be a power of two >= 2. ``in_ready`` is ``!full`` and does not
    depend on ``out_ready``; a push and a pop can happen in the same cycle, so
    a non-empty FIFO streams one word per cycle. Storage is a reg array read
    asynchronously (LUTRAM on FPGAs).
    """
    width, depth = Ref("WIDTH"), Ref("DEPTH")
    aw, pw = Ref("AW"), Ref("PW")
    wr, rd = Ref("wr_ptr"), Ref("rd_ptr")
    mem = Ref("mem")
    ports = _clk_rst() + [
        _in("in_valid"),
        _out("in_ready"),
        _in("in_data", width),
        _out("out_valid"),
        _in("out_ready"),
        _out("out_data", width),
    ]
    one = cat(Repl(aw, Const(0, 1)), Const(1, 1))
    push, pop = Ref("push"), Ref("pop")
    items: list[Item] = [
        LocalParam("AW", Call("$clog2", (depth,)), comment="address bits"),
        LocalParam("PW", aw + 1, comment="pointer bits: one extra to tell full from empty"),
        Memory("mem", width, depth),
        Reg("wr_ptr", pw),
        Reg("rd_ptr", pw),
        Wire("full"),
        Wire("empty"),
        Wire("push"),
        Wire("pop"),
        Assign(
            Ref("full"),
            land(
                ne(wr[aw], rd[aw]),
                eq(wr[aw - 1 : 0], rd[aw - 1 : 0]),
            ),
        ),
        Assign(Ref("empty"), eq(wr, rd)),
        Assign(Ref("in_ready"), lnot(Ref("full"))),
        Assign(Ref("out_valid"), lnot(Ref("empty"))),
        Assign(push, land(Ref("in_valid"), lnot(Ref("full")))),
        Assign(pop, land(lnot(Ref("empty")), Ref("out_ready"))),
        Assign(Ref("out_data"), mem[rd[aw - 1 : 0]]),
        Always(
            [If(push, [NonBlocking(mem[wr[aw - 1 : 0]], Ref("in_data"))])],
            comment="storage: no reset, so it maps to RAM",
        ),
        Always(
            [
                If(
                    lnot(Ref("rst_n")),
                    [NonBlocking(wr, _zero(pw)), NonBlocking(rd, _zero(pw))],
                    [
                        If(push, [NonBlocking(wr, wr + one)]),
                        If(pop, [NonBlocking(rd, rd + one)]),
                    ],
                )
            ]
        ),
    ]
    return Module(
        "soff_fifo",
        [Parameter("WIDTH", 32), Parameter("DEPTH", 2)],
        ports,
        items,
        header_comment="First-word-fall-through FIFO; DEPTH is a power of two >= 2.",
    )


# --------------------------------------------------------------------------- AXI4-Lite control slave


def _word(offset: int) -> Const:
    """The word address (``addr[11:2]``) of a byte offset."""
    return Const(offset >> 2, rm.ADDR_BITS - 2)


def _arg_words(r: rm.Register, w_data: Expr, w_strb: Expr) -> list[tuple[int, list[Stmt], Expr]]:
    """Per 32-bit word of register ``r``: (byte offset, byte-strobed writes, read value)."""
    arg = Ref(f"arg_{r.name}")
    out = []
    for w in range(r.words):
        lo_bit = 32 * w
        n = min(r.bits, lo_bit + 32) - lo_bit
        writes: list[Stmt] = []
        for k in range((n + 7) // 8):
            blo = lo_bit + 8 * k
            bhi = min(blo + 8, r.bits) - 1
            dst = arg if r.bits == 1 else arg[bhi:blo]
            src = w_data[8 * k] if bhi == blo else w_data[8 * k + bhi - blo : 8 * k]
            writes.append(If(w_strb[k], [NonBlocking(dst, src)]))
        value: Expr = arg if r.bits == 1 else arg[lo_bit + n - 1 : lo_bit]
        if n < 32:
            value = cat(Const(0, 32 - n), value)
        out.append((r.offset + 4 * w, writes, value))
    return out


def control_slave_module(regmap: rm.RegisterMap) -> Module:
    """``soff_<kernel>_control``: the AXI4-Lite control slave of docs/interface.md.

    Kernel side: ``ap_start`` (out, level, cleared by an ``ap_ready`` pulse),
    ``ap_done`` (in, pulse; sticky bit cleared when the host reads 0x00),
    ``ap_idle`` (in, level), ``ap_ready`` (in, pulse), ``interrupt`` (out) and
    one ``arg_<name>`` output per register of ``regmap``. AW and W are latched
    independently, so they may arrive in either order; one write and one read
    are in flight at a time.
    """
    p = "s_axi_control_"
    aw = rm.ADDR_BITS
    ports = _clk_rst() + [
        _in(p + "awvalid"),
        _out(p + "awready"),
        _in(p + "awaddr", aw),
        _in(p + "wvalid"),
        _out(p + "wready"),
        _in(p + "wdata", 32),
        _in(p + "wstrb", 4),
        _out(p + "bvalid", reg=True),
        _in(p + "bready"),
        _out(p + "bresp", 2),
        _in(p + "arvalid"),
        _out(p + "arready"),
        _in(p + "araddr", aw),
        _out(p + "rvalid", reg=True),
        _in(p + "rready"),
        _out(p + "rdata", 32, reg=True),
        _out(p + "rresp", 2),
        _out("ap_start", reg=True),
        _in("ap_done"),
        _in("ap_idle"),
        _in("ap_ready"),
        Port("interrupt", "output", lint_off=("SYMRSVDWORD",)),
    ]
    ports += [_out(f"arg_{r.name}", r.bits, reg=True) for r in regmap.registers]

    def s(name: str) -> Ref:
        return Ref(p + name)

    aw_have, aw_word = Ref("aw_have"), Ref("aw_word")
    w_have, w_data, w_strb = Ref("w_have"), Ref("w_data"), Ref("w_strb")
    do_write, ar_hs, isr_tog, isr_set = (
        Ref(n) for n in ("do_write", "ar_hs", "isr_tog", "isr_set")
    )
    start, done, gie, ier, isr = (Ref(n) for n in ("ap_start", "done_r", "gie", "ier", "isr"))
    ap_ready, ap_done, ap_idle = Ref("ap_ready"), Ref("ap_done"), Ref("ap_idle")
    rd_word = s("araddr")[aw - 1 : 2]
    rdata = s("rdata")

    write_cases: list[tuple[list[Expr], list[Stmt]]] = [
        ([_word(rm.CONTROL)], [If(land(w_strb[0], w_data[0]), [NonBlocking(start, Const(1, 1))])]),
        ([_word(rm.GIE)], [If(w_strb[0], [NonBlocking(gie, w_data[0])])]),
        ([_word(rm.IER)], [If(w_strb[0], [NonBlocking(ier, w_data[1:0])])]),
    ]
    read_cases: list[tuple[list[Expr], list[Stmt]]] = [
        (
            [_word(rm.CONTROL)],
            [NonBlocking(rdata, cat(Const(0, 28), ap_ready, ap_idle, done, start))],
        ),
        ([_word(rm.GIE)], [NonBlocking(rdata, cat(Const(0, 31), gie))]),
        ([_word(rm.IER)], [NonBlocking(rdata, cat(Const(0, 30), ier))]),
        ([_word(rm.ISR)], [NonBlocking(rdata, cat(Const(0, 30), isr))]),
    ]
    arg_resets: list[Stmt] = []
    for r in regmap.registers:
        arg_resets.append(NonBlocking(Ref(f"arg_{r.name}"), Const(0, r.bits)))
        for offset, writes, value in _arg_words(r, w_data, w_strb):
            write_cases.append(([_word(offset)], writes))
            read_cases.append(([_word(offset)], [NonBlocking(rdata, value)]))

    isr_write = land(do_write, eq(aw_word, _word(rm.ISR)), w_strb[0])
    resets: list[Stmt] = [
        NonBlocking(Ref(n), Const(0, w))
        for n, w in (
            ("aw_have", 1),
            ("aw_word", aw - 2),
            ("w_have", 1),
            ("w_data", 32),
            ("w_strb", 4),
            (p + "bvalid", 1),
            (p + "rvalid", 1),
            (p + "rdata", 32),
            ("ap_start", 1),
            ("done_r", 1),
            ("gie", 1),
            ("ier", 2),
            ("isr", 2),
        )
    ] + arg_resets
    body: list[Stmt] = [
        If(
            land(s("awvalid"), lnot(aw_have)),
            [NonBlocking(aw_have, Const(1, 1)), NonBlocking(aw_word, s("awaddr")[aw - 1 : 2])],
        ),
        If(
            land(s("wvalid"), lnot(w_have)),
            [
                NonBlocking(w_have, Const(1, 1)),
                NonBlocking(w_data, s("wdata")),
                NonBlocking(w_strb, s("wstrb")),
            ],
        ),
        If(land(s("bvalid"), s("bready")), [NonBlocking(s("bvalid"), Const(0, 1))]),
        If(ap_ready, [NonBlocking(start, Const(0, 1))]),
        If(land(ar_hs, eq(rd_word, _word(rm.CONTROL))), [NonBlocking(done, Const(0, 1))]),
        If(
            ap_done,
            [NonBlocking(done, Const(1, 1))],
            comment="a done pulse wins over clear-on-read",
        ),
        NonBlocking(isr, (isr ^ isr_tog) | isr_set),
        If(
            do_write,
            [
                NonBlocking(aw_have, Const(0, 1)),
                NonBlocking(w_have, Const(0, 1)),
                NonBlocking(s("bvalid"), Const(1, 1)),
                Case(aw_word, write_cases),
            ],
            comment="after the ap_ready clear, so a host start in the same cycle wins",
        ),
        If(land(s("rvalid"), s("rready")), [NonBlocking(s("rvalid"), Const(0, 1))]),
        If(
            ar_hs,
            [
                NonBlocking(s("rvalid"), Const(1, 1)),
                Case(rd_word, read_cases, [NonBlocking(rdata, Const(0, 32))]),
            ],
        ),
    ]
    items: list[Item] = [
        Reg("aw_have"),
        Reg("aw_word", aw - 2),
        Reg("w_have"),
        Reg("w_data", 32),
        Reg("w_strb", 4),
        Reg("done_r", comment="sticky ap_done, cleared when the host reads 0x00"),
        Reg("gie"),
        Reg("ier", 2),
        Reg("isr", 2),
        Wire("do_write"),
        Wire("ar_hs"),
        Wire("isr_tog", 2),
        Wire("isr_set", 2),
        Assign(s("awready"), lnot(aw_have)),
        Assign(s("wready"), lnot(w_have)),
        Assign(s("bresp"), Const(0, 2)),
        Assign(s("arready"), lnot(s("rvalid"))),
        Assign(s("rresp"), Const(0, 2)),
        Assign(do_write, land(aw_have, w_have, lnot(s("bvalid")))),
        Assign(ar_hs, land(s("arvalid"), lnot(s("rvalid")))),
        Assign(isr_tog, Repl(2, isr_write) & w_data[1:0]),
        Assign(isr_set, cat(ap_ready, ap_done) & ier),
        Assign(Ref("interrupt"), land(gie, reduce_or(ier & isr))),
        Always([If(lnot(Ref("rst_n")), resets, body)]),
    ]
    items += _unused_items(s("awaddr")[1:0], s("araddr")[1:0])
    header = [f"AXI4-Lite control slave of kernel '{regmap.kernel}'", *regmap.describe()]
    return Module(f"soff_{regmap.kernel}_control", [], ports, items, "\n".join(header))


# --------------------------------------------------------------------------- AXI4 arbiters


def id_width(n_clients: int) -> int:
    """AXI ID bits for ``n_clients`` read or write clients: at least :data:`ID_W`,
    more when the client indices need them (docs/interface.md)."""
    return max(ID_W, clog2(n_clients))


def _arb_suffix(id_w: int) -> str:
    """Module-name suffix of an arbiter with ``id_w``-bit IDs (none for :data:`ID_W`)."""
    return "" if id_w == ID_W else f"_id{id_w}"


def _check_arbiter(n_clients: int, data_w: int, id_w: int) -> None:
    if not 1 <= n_clients <= MAX_CLIENTS:
        raise ValueError(f"an arbiter takes 1 to {MAX_CLIENTS} clients, not {n_clients}")
    if not id_width(n_clients) <= id_w <= id_width(MAX_CLIENTS):
        raise ValueError(
            f"{n_clients} clients need {id_width(n_clients)} to {id_width(MAX_CLIENTS)} "
            f"ID bits, not {id_w}"
        )
    if data_w < 8 or data_w & (data_w - 1):
        raise ValueError(f"data width must be a power of two >= 8, not {data_w}")


def _round_robin(n: int, req: Expr, last: Expr, fields: list[tuple[str, Expr, int]]) -> list[Item]:
    """Combinational round-robin grant among ``req[n-1:0]``, starting after ``last``.

    Declares and drives ``g_any``, ``g_idx``, ``g_onehot`` and one ``g_<name>``
    per ``(name, source, width)`` field, where ``source`` is the clients'
    concatenated vector (client i at bits ``[i*width +: width]``).
    """
    iw = index_bits(n)

    def grant(j: int) -> list[Stmt]:
        stmts: list[Stmt] = [
            Blocking(Ref("g_any"), Const(1, 1)),
            Blocking(Ref("g_idx"), Const(j, iw)),
            Blocking(Ref("g_onehot"), Const(1 << j, n)),
        ]
        for name, src, w in fields:
            sel = src if n == 1 else src[(j + 1) * w - 1 : j * w]
            stmts.append(Blocking(Ref(f"g_{name}"), sel))
        return stmts

    def chain(after: int) -> list[Stmt]:
        order = [(after + 1 + k) % n for k in range(n)]
        stmts: list[Stmt] = []
        for j in reversed(order):
            cond = req if n == 1 else req[j]
            stmts = [If(cond, grant(j), stmts)]
        return stmts

    defaults: list[Stmt] = [
        Blocking(Ref("g_any"), Const(0, 1)),
        Blocking(Ref("g_idx"), Const(0, iw)),
        Blocking(Ref("g_onehot"), Const(0, n)),
    ]
    defaults += [Blocking(Ref(f"g_{name}"), Const(0, w)) for name, _, w in fields]
    if n == 1:
        select = chain(0)
    else:
        cases = [([Const(p, iw)], chain(p)) for p in range(n - 1)]
        select = [Case(last, cases, chain(n - 1))]
    items: list[Item] = [
        Reg("g_any", comment="round-robin grant: the first requester after the last granted"),
        Reg("g_idx", iw),
        Reg("g_onehot", n),
    ]
    items += [Reg(f"g_{name}", w) for name, _, w in fields]
    items.append(AlwaysComb(defaults + select))
    return items


def _track(n: int, stmt: Stmt) -> list[Stmt]:
    """``stmt`` if there is a round-robin pointer to update (more than one client)."""
    return [stmt] if n > 1 else []


def _id(idx: Expr, iw: int, id_w: int) -> Expr:
    return idx if iw == id_w else cat(Const(0, id_w - iw), idx)


def _id_onehot(n: int, id_sig: Expr, id_w: int) -> Expr:
    """``{id == n-1, ..., id == 0}``."""
    return cat(*(eq(id_sig, Const(i, id_w)) for i in reversed(range(n))))


def _stream_predictor(
    take: Expr, contiguous: Expr, closed: Expr, wasted: Expr
) -> tuple[list[Item], Expr]:
    """Whether a burst gatherer waits ``WAIT`` idle cycles before it sends a burst.

    Waiting pays off in a stream (the next request comes within a few
    cycles) and costs latency otherwise (a single work-item's loop whose
    next request waits for this one's answer). ``stream`` is set when a
    request opens a burst right after the previous one (``contiguous``)
    within ``WAIT`` cycles of its close (``closed``); it is cleared when a
    burst was sent after waiting for nothing (``wasted``: the timeout ended
    it with one request). Out of a stream a burst goes as soon as no request
    is there. Returns the items and the timeout condition.
    """
    stream, since = Ref("stream"), Ref("since")
    items: list[Item] = [
        Reg("stream", comment="requests stream: wait WAIT idle cycles before sending"),
        Reg("since", 8, comment="cycles since the last burst was sent (saturating)"),
        Always(
            [
                If(
                    lnot(Ref("rst_n")),
                    [NonBlocking(stream, Const(1, 1)), NonBlocking(since, Const(255, 8))],
                    [
                        If(
                            closed,
                            [NonBlocking(since, Const(0, 8))],
                            [
                                If(
                                    ne(since, Const(255, 8)),
                                    [NonBlocking(since, since + Const(1, 8))],
                                )
                            ],
                        ),
                        If(
                            land(take, contiguous, BinOp("<=", since, Ref("WAIT")[7:0])),
                            [NonBlocking(stream, Const(1, 1))],
                            [If(wasted, [NonBlocking(stream, Const(0, 1))])],
                        ),
                    ],
                )
            ]
        ),
    ]
    return items, lor(lnot(stream), eq(Ref("idle"), Ref("WAIT")[7:0]))


def read_burst_module(data_w: int) -> Module:
    """``soff_axi_rd_burst_<data_w>``: gathers a load unit's requests into INCR bursts.

    It sits between a load unit's request FIFO (``in_*``: byte address and
    size, one bus word each) and the read arbiter (``out_*``, with ``out_len``
    = beats - 1). A request opens a burst; each next request for the bus word
    right after the burst's last word joins it, until the burst has
    ``MAX_LEN + 1`` beats, its last word ends a 4 KiB page (AXI4: a burst
    never crosses one), a request for another word arrives, or no request came
    for ``WAIT`` cycles (while requests stream; else at once, see
    :func:`_stream_predictor`). Then the burst goes out. Beats come back one per
    request, in order, so the load unit's response FIFO is unchanged. A burst
    of one beat keeps the request's address and size; longer ones start at
    the first word's aligned address with the bus size. Nothing is read that
    no work-item asked for; the added latency is at most ``WAIT`` cycles after
    the last request of a burst (the load units' FIFOs cover it).
    """
    lb = clog2(data_w // 8)
    wb, pb = ADDR_W - lb, 12 - lb
    ports = _clk_rst() + [
        _in("in_valid"),
        _out("in_ready"),
        _in("in_addr", ADDR_W),
        _in("in_size", 3),
        _out("out_valid"),
        _in("out_ready"),
        _out("out_addr", ADDR_W),
        _out("out_len", 8),
        _out("out_size", 3),
    ]
    opn, idle, blen, last = Ref("open"), Ref("idle"), Ref("b_len"), Ref("b_last")
    in_valid, in_ready, word = Ref("in_valid"), Ref("in_ready"), Ref("in_word")
    ext, close, take = Ref("extend"), Ref("close"), Ref("take_new")
    aligned: Expr = cat(Ref("b_addr")[ADDR_W - 1 : lb], Const(0, lb)) if lb else Ref("b_addr")
    sent = land(close, Ref("out_ready"))
    pred_items, timeout = _stream_predictor(
        take,
        eq(word, last + Const(1, wb)),
        sent,
        land(sent, lnot(in_valid), lnot(Ref("full")), lnot(Ref("page_end")), eq(blen, Const(0, 8))),
    )
    items: list[Item] = [
        Wire("timeout"),
        Reg("open", comment="a burst is being gathered"),
        Reg("b_addr", ADDR_W, comment="its first request's address"),
        Reg("b_size", 3),
        Reg("b_len", 8, comment="beats - 1"),
        Reg("b_last", wb, comment="bus word of its last beat"),
        Reg("idle", 8, comment="cycles without a request since the last one joined"),
        Wire("in_word", wb),
        Wire("full"),
        Wire("page_end"),
        Wire("extend"),
        Wire("close"),
        Wire("take_new"),
        Assign(word, Ref("in_addr")[ADDR_W - 1 : lb]),
        Assign(Ref("full"), eq(blen, Ref("MAX_LEN")[7:0])),
        Assign(
            Ref("page_end"),
            reduce_and(last[pb - 1 : 0]),
            comment="the next word starts a 4 KiB page",
        ),
        Assign(
            ext,
            land(
                opn,
                in_valid,
                eq(word, last + Const(1, wb)),
                lnot(Ref("full")),
                lnot(Ref("page_end")),
            ),
            comment="the request reads the word after the burst: one more beat",
        ),
        Assign(
            close,
            land(
                opn,
                lnot(ext),
                lor(Ref("full"), Ref("page_end"), in_valid, Ref("timeout")),
            ),
            comment="the burst is complete: send it",
        ),
        Assign(in_ready, lor(lnot(opn), ext, land(close, Ref("out_ready")))),
        Assign(take, land(in_valid, in_ready, lnot(ext)), comment="the request opens a burst"),
        Assign(Ref("out_valid"), close),
        *pred_items,
        Assign(Ref("timeout"), timeout),
        Assign(Ref("out_len"), blen),
        Assign(Ref("out_addr"), mux(eq(blen, Const(0, 8)), Ref("b_addr"), aligned)),
        Assign(Ref("out_size"), mux(eq(blen, Const(0, 8)), Ref("b_size"), Const(lb, 3))),
        Always(
            [
                If(
                    lnot(Ref("rst_n")),
                    [
                        NonBlocking(opn, Const(0, 1)),
                        NonBlocking(Ref("b_addr"), Const(0, ADDR_W)),
                        NonBlocking(Ref("b_size"), Const(0, 3)),
                        NonBlocking(blen, Const(0, 8)),
                        NonBlocking(last, Const(0, wb)),
                        NonBlocking(idle, Const(0, 8)),
                    ],
                    [
                        If(
                            ext,
                            [
                                NonBlocking(blen, blen + Const(1, 8)),
                                NonBlocking(last, word),
                                NonBlocking(idle, Const(0, 8)),
                            ],
                            [
                                If(
                                    take,
                                    [
                                        NonBlocking(opn, Const(1, 1)),
                                        NonBlocking(Ref("b_addr"), Ref("in_addr")),
                                        NonBlocking(Ref("b_size"), Ref("in_size")),
                                        NonBlocking(blen, Const(0, 8)),
                                        NonBlocking(last, word),
                                        NonBlocking(idle, Const(0, 8)),
                                    ],
                                    [
                                        If(
                                            land(close, Ref("out_ready")),
                                            [NonBlocking(opn, Const(0, 1))],
                                            [
                                                If(
                                                    land(opn, ne(idle, Ref("WAIT")[7:0])),
                                                    [NonBlocking(idle, idle + Const(1, 8))],
                                                )
                                            ],
                                        )
                                    ],
                                )
                            ],
                        )
                    ],
                )
            ]
        ),
    ]
    return Module(
        f"soff_axi_rd_burst_{data_w}",
        [Parameter("MAX_LEN", 15), Parameter("WAIT", 2)],
        ports,
        items,
        header_comment=(
            f"Read burst gatherer ({data_w}-bit bus): consecutive bus words of one load unit "
            "become one INCR burst of up to MAX_LEN + 1 beats within a 4 KiB page"
        ),
    )


def write_burst_module(data_w: int, depth: int) -> Module:
    """``soff_axi_wr_burst_<data_w>_<depth>``: gathers a store unit's writes into INCR bursts.

    It sits between a store unit's request FIFO (``in_*``: byte address,
    data in its byte lanes, strobes) and the write arbiter. Requests for the
    bus word of the current beat merge into it (strobes OR-ed, a later
    request's bytes win); a request for the next word starts the next beat of
    the burst. The burst closes as a read burst does (``MAX_LEN + 1`` beats,
    the end of a 4 KiB page, a request for another word, ``WAIT`` idle
    cycles while requests stream), or when it holds ``depth`` requests. A closed burst is one AW
    (aligned address, bus size, ``aw_len``) and its beats in a FIFO
    (``w_*``, ``w_last`` on the last); the AW is offered with its first beat
    already there. Its write response (``bdone``) completes every request it
    merged: ``credit`` is that number in the cycle of ``bdone`` (else 0).
    """
    sw, lb = data_w // 8, clog2(data_w // 8)
    wb, pb, cw = ADDR_W - lb, 12 - lb, clog2(depth + 1)
    bw = data_w + sw + 1  # a beat in the FIFO: {last, data, strb}
    ports = _clk_rst() + [
        _in("in_valid"),
        _out("in_ready"),
        _in("in_addr", ADDR_W),
        _in("in_data", data_w),
        _in("in_strb", sw),
        _out("aw_valid"),
        _in("aw_ready"),
        _out("aw_addr", ADDR_W),
        _out("aw_len", 8),
        _out("aw_size", 3),
        _out("w_valid"),
        _in("w_ready"),
        _out("w_data", data_w),
        _out("w_strb", sw),
        _out("w_last"),
        _in("bdone"),
        _out("credit", cw),
    ]
    opn, idle, blen, count = Ref("open"), Ref("idle"), Ref("b_len"), Ref("count")
    cur, cdata, cstrb = Ref("cur_word"), Ref("cur_data"), Ref("cur_strb")
    in_valid, in_ready, word = Ref("in_valid"), Ref("in_ready"), Ref("in_word")
    in_data, in_strb = Ref("in_data"), Ref("in_strb")
    merge, nxt, close, closing, take = (
        Ref("merge"),
        Ref("next_beat"),
        Ref("close"),
        Ref("closing"),
        Ref("take_new"),
    )
    dv, aw_fire = Ref("d_valid"), Ref("aw_fire")
    first = Ref("first_word")
    merged = cat(
        *(
            Ternary(
                in_strb[i] if sw > 1 else in_strb,
                in_data[8 * i + 7 : 8 * i],
                cdata[8 * i + 7 : 8 * i],
            )
            for i in reversed(range(sw))
        )
    )
    room = ne(count, Const(depth, cw))
    pred_items, timeout = _stream_predictor(
        take,
        lor(eq(word, cur), eq(word, cur + Const(1, wb))),
        closing,
        land(closing, lnot(in_valid), eq(count, Const(1, cw))),
    )

    def fifo(
        name: str, width: Expr | int, fdepth: Expr | int, conns: list[tuple[str, Expr]]
    ) -> Instance:
        return Instance(
            "soff_fifo",
            name,
            [("WIDTH", width), ("DEPTH", fdepth)],
            [("clk", Ref("clk")), ("rst_n", Ref("rst_n")), *conns],
        )

    items: list[Item] = [
        Reg("open", comment="a burst is being gathered"),
        Reg("first_word", wb, comment="its first bus word"),
        Reg("b_len", 8, comment="beats - 1"),
        Reg("count", cw, comment="requests merged into it"),
        Reg("cur_word", wb, comment="the beat being filled"),
        Reg("cur_data", data_w),
        Reg("cur_strb", sw),
        Reg("idle", 8, comment="cycles without a request since the last one joined"),
        Reg("d_valid", comment="a closed burst waiting for its AW handshake"),
        Reg("d_addr", ADDR_W),
        Reg("d_len", 8),
        Reg("d_count", cw),
        Wire("timeout"),
        *pred_items,
        Assign(Ref("timeout"), timeout),
        Wire("in_word", wb),
        Wire("full"),
        Wire("page_end"),
        Wire("merge"),
        Wire("next_beat"),
        Wire("close"),
        Wire("closing"),
        Wire("take_new"),
        Wire("aw_fire"),
        Wire("beat_ready"),
        Wire("beat_in", bw),
        Wire("beat_valid"),
        Wire("beat_out", bw),
        Wire("cred_ready"),
        Wire("cred_valid"),
        Wire("cred_out", cw),
        Assign(word, Ref("in_addr")[ADDR_W - 1 : lb]),
        Assign(Ref("full"), eq(blen, Ref("MAX_LEN")[7:0])),
        Assign(
            Ref("page_end"),
            reduce_and(cur[pb - 1 : 0]),
            comment="the next word starts a 4 KiB page",
        ),
        Assign(
            merge,
            land(opn, in_valid, eq(word, cur), room),
            comment="the request writes the current beat's word",
        ),
        Assign(
            nxt,
            land(
                opn,
                in_valid,
                eq(word, cur + Const(1, wb)),
                room,
                lnot(Ref("full")),
                lnot(Ref("page_end")),
                Ref("beat_ready"),
            ),
            comment="the request writes the next word: the current beat is complete",
        ),
        Assign(
            close,
            land(
                opn,
                lnot(merge),
                lnot(nxt),
                lor(Ref("full"), Ref("page_end"), in_valid, Ref("timeout"), lnot(room)),
            ),
            comment="the burst is complete",
        ),
        Assign(aw_fire, land(Ref("aw_valid"), Ref("aw_ready"))),
        Assign(
            closing,
            land(close, lor(lnot(dv), aw_fire), Ref("beat_ready")),
            comment="its last beat goes to the FIFO, its AW to the output register",
        ),
        Assign(in_ready, lor(lnot(opn), merge, nxt, closing)),
        Assign(
            take,
            land(in_valid, in_ready, lnot(merge), lnot(nxt)),
            comment="the request opens a burst",
        ),
        Assign(Ref("beat_in"), cat(closing, cdata, cstrb)),
        fifo(
            "beats",
            bw,
            BinOp("*", Ref("MAX_LEN") + Int(1), Int(2)),
            [
                ("in_valid", lor(nxt, closing)),
                ("in_ready", Ref("beat_ready")),
                ("in_data", Ref("beat_in")),
                ("out_valid", Ref("beat_valid")),
                ("out_ready", Ref("w_ready")),
                ("out_data", Ref("beat_out")),
            ],
        ),
        Assign(Ref("w_valid"), Ref("beat_valid")),
        Assign(Ref("w_last"), Ref("beat_out")[bw - 1]),
        Assign(Ref("w_data"), Ref("beat_out")[bw - 2 : sw]),
        Assign(Ref("w_strb"), Ref("beat_out")[sw - 1 : 0]),
        Assign(Ref("aw_valid"), land(dv, Ref("cred_ready"))),
        Assign(Ref("aw_addr"), Ref("d_addr")),
        Assign(Ref("aw_len"), Ref("d_len")),
        Assign(Ref("aw_size"), Const(lb, 3)),
        fifo(
            "credits",
            cw,
            depth,
            [
                ("in_valid", aw_fire),
                ("in_ready", Ref("cred_ready")),
                ("in_data", Ref("d_count")),
                ("out_valid", Ref("cred_valid")),
                ("out_ready", Ref("bdone")),
                ("out_data", Ref("cred_out")),
            ],
        ),
        Assign(
            Ref("credit"),
            mux(land(Ref("bdone"), Ref("cred_valid")), Ref("cred_out"), Const(0, cw)),
            comment="a write response completes the requests of the oldest burst",
        ),
        Always(
            [
                If(
                    lnot(Ref("rst_n")),
                    [
                        NonBlocking(opn, Const(0, 1)),
                        NonBlocking(first, Const(0, wb)),
                        NonBlocking(blen, Const(0, 8)),
                        NonBlocking(count, Const(0, cw)),
                        NonBlocking(cur, Const(0, wb)),
                        NonBlocking(cdata, Const(0, data_w)),
                        NonBlocking(cstrb, Const(0, sw)),
                        NonBlocking(idle, Const(0, 8)),
                        NonBlocking(dv, Const(0, 1)),
                        NonBlocking(Ref("d_addr"), Const(0, ADDR_W)),
                        NonBlocking(Ref("d_len"), Const(0, 8)),
                        NonBlocking(Ref("d_count"), Const(0, cw)),
                    ],
                    [
                        If(
                            closing,
                            [
                                NonBlocking(dv, Const(1, 1)),
                                NonBlocking(
                                    Ref("d_addr"), cat(first, Const(0, lb)) if lb else first
                                ),
                                NonBlocking(Ref("d_len"), blen),
                                NonBlocking(Ref("d_count"), count),
                            ],
                            [If(aw_fire, [NonBlocking(dv, Const(0, 1))])],
                        ),
                        If(
                            take,
                            [
                                NonBlocking(opn, Const(1, 1)),
                                NonBlocking(first, word),
                                NonBlocking(blen, Const(0, 8)),
                                NonBlocking(count, Const(1, cw)),
                                NonBlocking(cur, word),
                                NonBlocking(cdata, in_data),
                                NonBlocking(cstrb, in_strb),
                                NonBlocking(idle, Const(0, 8)),
                            ],
                            [
                                If(
                                    merge,
                                    [
                                        NonBlocking(cdata, merged),
                                        NonBlocking(cstrb, cstrb | in_strb),
                                        NonBlocking(count, count + Const(1, cw)),
                                        NonBlocking(idle, Const(0, 8)),
                                    ],
                                    [
                                        If(
                                            nxt,
                                            [
                                                NonBlocking(blen, blen + Const(1, 8)),
                                                NonBlocking(count, count + Const(1, cw)),
                                                NonBlocking(cur, word),
                                                NonBlocking(cdata, in_data),
                                                NonBlocking(cstrb, in_strb),
                                                NonBlocking(idle, Const(0, 8)),
                                            ],
                                            [
                                                If(
                                                    closing,
                                                    [NonBlocking(opn, Const(0, 1))],
                                                    [
                                                        If(
                                                            land(opn, ne(idle, Ref("WAIT")[7:0])),
                                                            [NonBlocking(idle, idle + Const(1, 8))],
                                                        )
                                                    ],
                                                )
                                            ],
                                        )
                                    ],
                                )
                            ],
                        ),
                    ],
                )
            ]
        ),
    ]
    items += _unused_items(Ref("cred_valid"), *([Ref("in_addr")[lb - 1 : 0]] if lb else []))
    return Module(
        f"soff_axi_wr_burst_{data_w}_{depth}",
        [Parameter("MAX_LEN", 15), Parameter("WAIT", 2)],
        ports,
        items,
        header_comment=(
            f"Write burst gatherer ({data_w}-bit bus, up to {depth} requests a burst): "
            "writes to one bus word merge, consecutive words become one INCR burst "
            "of up to MAX_LEN + 1 beats within a 4 KiB page (uses soff_fifo)"
        ),
    )


def burst_beats(depth: int, lanes: int, data_w: int, write: bool = False) -> int:
    """Most beats a memory unit with ``depth`` requests in flight gathers into
    a burst when ``lanes`` work-items share a bus word: a power of two that
    keeps a burst's requests within half of ``depth`` (the other half covers
    the memory latency) while it is gathered, plus, for a write, while its
    beats go out after it closed; at most 256 beats and one 4 KiB page."""
    per_beat = lanes + 1 if write else lanes
    beats = 1
    while (beats * 2) * per_beat <= depth // 2 and beats * 2 <= min(256, 4096 * 8 // data_w):
        beats *= 2
    return beats


def axi_read_arbiter_module(n_clients: int, data_w: int, id_w: int = ID_W) -> Module:
    """``soff_axi_rd_arb_<n>_<data_w>``: N read clients onto one AXI4 master.

    Client i's request is ``c_arvalid[i] / c_arready[i] / c_araddr[i*64 +: 64] /
    c_arsize[i*3 +: 3] / c_arlen[i*8 +: 8]`` (a burst of ``c_arlen + 1`` beats;
    0 for a single beat); the granted request goes through an output register
    (held stable until ``m_arready``) with ``m_arid = i`` (``id_w`` bits, at
    least :func:`id_width` of the clients; ``_id<w>`` ends the module name unless
    it is :data:`ID_W`). Read data is routed back by RID: ``c_rvalid`` is
    one-hot, ``c_rdata`` is shared and ``m_rready = c_rready[rid]``.
    Round-robin, one request per cycle.
    """
    _check_arbiter(n_clients, data_w, id_w)
    n, iw = n_clients, index_bits(n_clients)
    ports = _clk_rst() + [
        _in("c_arvalid", n),
        _out("c_arready", n),
        _in("c_araddr", n * ADDR_W),
        _in("c_arsize", n * 3),
        _in("c_arlen", n * 8),
        _out("c_rvalid", n),
        _in("c_rready", n),
        _out("c_rdata", data_w),
        _out("m_arvalid", reg=True),
        _in("m_arready"),
        _out("m_araddr", ADDR_W, reg=True),
        _out("m_arid", id_w, reg=True),
        _out("m_arlen", 8, reg=True),
        _out("m_arsize", 3, reg=True),
        _out("m_arburst", 2),
        _in("m_rvalid"),
        _out("m_rready"),
        _in("m_rdata", data_w),
        _in("m_rid", id_w),
        _in("m_rresp", 2),
        _in("m_rlast"),
    ]
    load, last = Ref("load"), Ref("rr_last")
    items: list[Item] = [Wire("load"), Wire("rid_onehot", n)]
    if n > 1:
        items.append(Reg("rr_last", iw, comment="the last client granted"))
    items += _round_robin(
        n,
        Ref("c_arvalid"),
        last,
        [
            ("addr", Ref("c_araddr"), ADDR_W),
            ("size", Ref("c_arsize"), 3),
            ("len", Ref("c_arlen"), 8),
        ],
    )
    items += [
        Assign(load, lor(lnot(Ref("m_arvalid")), Ref("m_arready")), comment="output register free"),
        Assign(Ref("c_arready"), Repl(n, load) & Ref("g_onehot")),
        Assign(Ref("m_arburst"), Const(BURST_INCR, 2)),
        Always(
            [
                If(
                    lnot(Ref("rst_n")),
                    [
                        NonBlocking(Ref("m_arvalid"), Const(0, 1)),
                        NonBlocking(Ref("m_araddr"), Const(0, ADDR_W)),
                        NonBlocking(Ref("m_arid"), Const(0, id_w)),
                        NonBlocking(Ref("m_arsize"), Const(0, 3)),
                        NonBlocking(Ref("m_arlen"), Const(0, 8)),
                        *_track(n, NonBlocking(last, Const(n - 1, iw))),
                    ],
                    [
                        If(
                            load,
                            [
                                NonBlocking(Ref("m_arvalid"), Ref("g_any")),
                                If(
                                    Ref("g_any"),
                                    [
                                        NonBlocking(Ref("m_araddr"), Ref("g_addr")),
                                        NonBlocking(Ref("m_arid"), _id(Ref("g_idx"), iw, id_w)),
                                        NonBlocking(Ref("m_arsize"), Ref("g_size")),
                                        NonBlocking(Ref("m_arlen"), Ref("g_len")),
                                        *_track(n, NonBlocking(last, Ref("g_idx"))),
                                    ],
                                ),
                            ],
                        )
                    ],
                )
            ]
        ),
        Assign(
            Ref("rid_onehot"), _id_onehot(n, Ref("m_rid"), id_w), comment="read data routed by RID"
        ),
        Assign(Ref("c_rvalid"), Repl(n, Ref("m_rvalid")) & Ref("rid_onehot")),
        # gated by RVALID so that an X on an idle RID (4-state simulators) never reaches RREADY
        Assign(
            Ref("m_rready"), land(Ref("m_rvalid"), reduce_or(Ref("c_rready") & Ref("rid_onehot")))
        ),
        Assign(Ref("c_rdata"), Ref("m_rdata")),
    ]
    items += _unused_items(Ref("m_rresp"), Ref("m_rlast"))
    return Module(
        f"soff_axi_rd_arb_{n}_{data_w}{_arb_suffix(id_w)}",
        [],
        ports,
        items,
        f"Round-robin arbiter: {n} read clients onto one AXI4 master ({data_w}-bit data)",
    )


def axi_write_arbiter_module(n_clients: int, data_w: int, id_w: int = ID_W) -> Module:
    """``soff_axi_wr_arb_<n>_<data_w>``: N write clients onto one AXI4 master.

    Client i offers a write burst as ``c_awvalid[i] / c_awready[i] /
    c_awaddr[i*64 +: 64] / c_awsize[i*3 +: 3] / c_awlen[i*8 +: 8]`` and its
    beats as ``c_wvalid[i] / c_wready[i] / c_wdata[i*W +: W] /
    c_wstrb[i*W/8 +: W/8] / c_wlast[i]``, data already in its byte lanes. A
    client takes part in the round robin when its AW and its first beat are
    both valid; the grant loads the AW and the W output registers together
    (``c_awready`` and ``c_wready``), then the W register takes the client's
    further beats, one per cycle, until the one with ``c_wlast`` (no other
    write is granted meanwhile: AXI4 W beats are not interleaved). A
    single-beat client drives ``c_awvalid = c_wvalid`` and ``c_wlast = 1``.
    Write responses come back as one-hot ``c_bdone`` pulses routed by BID;
    ``m_bready`` is always 1. IDs are ``id_w`` bits, as in
    :func:`axi_read_arbiter_module`.
    """
    _check_arbiter(n_clients, data_w, id_w)
    n, iw, sw = n_clients, index_bits(n_clients), data_w // 8
    ports = _clk_rst() + [
        _in("c_awvalid", n),
        _out("c_awready", n),
        _in("c_awaddr", n * ADDR_W),
        _in("c_awsize", n * 3),
        _in("c_awlen", n * 8),
        _in("c_wvalid", n),
        _out("c_wready", n),
        _in("c_wdata", n * data_w),
        _in("c_wstrb", n * sw),
        _in("c_wlast", n),
        _out("c_bdone", n),
        _out("m_awvalid", reg=True),
        _in("m_awready"),
        _out("m_awaddr", ADDR_W, reg=True),
        _out("m_awid", id_w, reg=True),
        _out("m_awlen", 8, reg=True),
        _out("m_awsize", 3, reg=True),
        _out("m_awburst", 2),
        _out("m_wvalid", reg=True),
        _in("m_wready"),
        _out("m_wdata", data_w, reg=True),
        _out("m_wstrb", sw, reg=True),
        _out("m_wlast", reg=True),
        _in("m_bvalid"),
        _out("m_bready"),
        _in("m_bid", id_w),
        _in("m_bresp", 2),
    ]
    load, last = Ref("load"), Ref("rr_last")
    awv, wv = Ref("m_awvalid"), Ref("m_wvalid")
    busy, owner, more = Ref("w_busy"), Ref("w_owner"), Ref("w_more")

    def owned(sig: str, w: int) -> Expr:
        """Client ``w_owner``'s ``w``-bit field of ``sig``."""
        if n == 1:
            return Ref(sig)
        return IndexedSlice(Ref(sig), BinOp("*", owner, Int(w)), w)

    items: list[Item] = [
        Wire("load"),
        Wire("w_free"),
        Wire("w_more"),
        Reg("w_busy", comment="the W register is taking the rest of a granted burst"),
        *([Reg("w_owner", iw, comment="from this client")] if n > 1 else []),
        Wire("owner_onehot", n),
        Wire("req", n),
        Assign(Ref("req"), Ref("c_awvalid") & Ref("c_wvalid"), comment="an AW and its first beat"),
    ]
    if n > 1:
        items.append(Reg("rr_last", iw, comment="the last client granted"))
    items += _round_robin(
        n,
        Ref("req"),
        last,
        [
            ("addr", Ref("c_awaddr"), ADDR_W),
            ("size", Ref("c_awsize"), 3),
            ("len", Ref("c_awlen"), 8),
            ("data", Ref("c_wdata"), data_w),
            ("strb", Ref("c_wstrb"), sw),
            ("last", Ref("c_wlast"), 1),
        ],
    )
    items += [
        Assign(Ref("w_free"), lor(lnot(wv), Ref("m_wready")), comment="W register free"),
        Assign(
            load,
            land(lor(lnot(awv), Ref("m_awready")), Ref("w_free"), lnot(busy)),
            comment="AW and W registers free, no burst in progress",
        ),
        Assign(
            Ref("owner_onehot"),
            _id_onehot(n, owner, iw) if n > 1 else Const(1, 1),
        ),
        Assign(
            more,
            land(busy, Ref("w_free"), reduce_or(Ref("c_wvalid") & Ref("owner_onehot"))),
            comment="the next beat of the burst in progress",
        ),
        Assign(Ref("c_awready"), Repl(n, load) & Ref("g_onehot")),
        Assign(
            Ref("c_wready"),
            (Repl(n, load) & Ref("g_onehot")) | (Repl(n, more) & Ref("owner_onehot")),
        ),
        Assign(Ref("m_awburst"), Const(BURST_INCR, 2)),
        Assign(Ref("m_bready"), Const(1, 1)),
        Always(
            [
                If(
                    lnot(Ref("rst_n")),
                    [
                        NonBlocking(awv, Const(0, 1)),
                        NonBlocking(Ref("m_awaddr"), Const(0, ADDR_W)),
                        NonBlocking(Ref("m_awid"), Const(0, id_w)),
                        NonBlocking(Ref("m_awlen"), Const(0, 8)),
                        NonBlocking(Ref("m_awsize"), Const(0, 3)),
                        NonBlocking(wv, Const(0, 1)),
                        NonBlocking(Ref("m_wdata"), Const(0, data_w)),
                        NonBlocking(Ref("m_wstrb"), Const(0, sw)),
                        NonBlocking(Ref("m_wlast"), Const(0, 1)),
                        NonBlocking(busy, Const(0, 1)),
                        *_track(n, NonBlocking(owner, Const(0, iw))),
                        *_track(n, NonBlocking(last, Const(n - 1, iw))),
                    ],
                    [
                        If(Ref("m_awready"), [NonBlocking(awv, Const(0, 1))]),
                        If(Ref("m_wready"), [NonBlocking(wv, Const(0, 1))]),
                        If(
                            land(load, Ref("g_any")),
                            [
                                NonBlocking(awv, Const(1, 1)),
                                NonBlocking(Ref("m_awaddr"), Ref("g_addr")),
                                NonBlocking(Ref("m_awid"), _id(Ref("g_idx"), iw, id_w)),
                                NonBlocking(Ref("m_awlen"), Ref("g_len")),
                                NonBlocking(Ref("m_awsize"), Ref("g_size")),
                                NonBlocking(wv, Const(1, 1)),
                                NonBlocking(Ref("m_wdata"), Ref("g_data")),
                                NonBlocking(Ref("m_wstrb"), Ref("g_strb")),
                                NonBlocking(Ref("m_wlast"), Ref("g_last")),
                                NonBlocking(busy, lnot(Ref("g_last"))),
                                *_track(n, NonBlocking(owner, Ref("g_idx"))),
                                *_track(n, NonBlocking(last, Ref("g_idx"))),
                            ],
                            [
                                If(
                                    more,
                                    [
                                        NonBlocking(wv, Const(1, 1)),
                                        NonBlocking(Ref("m_wdata"), owned("c_wdata", data_w)),
                                        NonBlocking(Ref("m_wstrb"), owned("c_wstrb", sw)),
                                        NonBlocking(Ref("m_wlast"), owned("c_wlast", 1)),
                                        NonBlocking(busy, lnot(owned("c_wlast", 1))),
                                    ],
                                )
                            ],
                        ),
                    ],
                )
            ]
        ),
        Assign(
            Ref("c_bdone"),
            Repl(n, Ref("m_bvalid")) & _id_onehot(n, Ref("m_bid"), id_w),
            comment="write responses routed by BID",
        ),
    ]
    items += _unused_items(Ref("m_bresp"))
    return Module(
        f"soff_axi_wr_arb_{n}_{data_w}{_arb_suffix(id_w)}",
        [],
        ports,
        items,
        f"Round-robin arbiter: {n} write clients (bursts) onto one AXI4 master ({data_w}-bit data)",
    )


# --------------------------------------------------------------------------- atomic unit

_AT_IDLE, _AT_READ, _AT_RWAIT, _AT_WRITE, _AT_BWAIT, _AT_DONE, _AT_COMPUTE = range(7)


def atomic_engine_module(
    n_clients: int, data_w: int, new_latency: int = 0, forward: bool = False
) -> Module:
    """``soff_atomic_<n>_<data_w>[_l<lat>][_fwd]``: the kernel's one global atomic unit.

    It serialises every global atomic of the kernel, one in flight: it takes a
    request from client i (``c_valid[i]``, ``c_addr[i*64 +: 64]``,
    ``c_size[i*3 +: 3]``; round-robin), reads the word (a read client of the
    AXI arbiter: ``rd_*``), shows the old value shifted to bit 0 on ``old``,
    writes back the client's new value ``c_new[i*W +: W]`` (computed from
    ``old`` and the client's operands, in its low bits; a write client:
    ``wr_*``), waits for the write response, and then pulses ``c_done[i]``
    once ``c_room[i]`` (the client pops its request and keeps ``old``). So
    each atomic's read sees every earlier atomic's write. With ``new_latency``,
    ``c_new`` comes from pipelined units (float add): the unit waits that many
    cycles after ``old`` settles before it writes.

    With ``forward`` (only when nothing but atomics writes the buffers atomics
    reach, so the unit knows the memory's contents after its own writes), the
    unit keeps the bus word it wrote last; an atomic on that word skips the read
    and its round trip. The ``flush`` input (the kernel's start) forgets it.
    """
    _check_arbiter(n_clients, data_w, id_width(n_clients))
    n, iw, sw = n_clients, index_bits(n_clients), data_w // 8
    lane = index_bits(sw) if sw > 1 else 1
    ports = _clk_rst() + [
        _in("c_valid", n),
        _in("c_addr", n * ADDR_W),
        _in("c_size", n * 3),
        _in("c_new", n * data_w),
        _in("c_room", n),
        _out("c_done", n),
        _out("old", data_w, reg=True),
        _out("rd_valid"),
        _in("rd_ready"),
        _out("rd_addr", ADDR_W),
        _out("rd_size", 3),
        _in("rd_rvalid"),
        _out("rd_rready"),
        _in("rd_rdata", data_w),
        _out("wr_valid"),
        _in("wr_ready"),
        _out("wr_addr", ADDR_W),
        _out("wr_size", 3),
        _out("wr_data", data_w),
        _out("wr_strb", sw),
        _in("wr_bdone"),
    ]
    if forward:
        ports.append(_in("flush"))
    state, sel = Ref("state"), Ref("sel")
    addr, size = Ref("addr"), Ref("size")

    def st(s: int) -> Expr:
        return eq(state, Const(s, 3))

    offset = addr[lane - 1 : 0] if sw > 1 else Const(0, 1)
    shift = cat(offset, Const(0, 3))
    new: Expr = Ref("c_new") if n == 1 else Const(0, data_w)
    if n > 1:
        for j in reversed(range(n)):
            new = mux(eq(sel, Const(j, iw)), Ref("c_new")[(j + 1) * data_w - 1 : j * data_w], new)
    sel_room = Ref("c_room") if n == 1 else Index(Ref("c_room"), sel)
    fwd_grant: list[Stmt] = []
    fwd_items: list[Item] = []
    if forward:
        g_addr = Ref("g_addr")
        g_off = g_addr[lane - 1 : 0] if sw > 1 else Const(0, 1)
        g_word = g_addr[ADDR_W - 1 : lane] if sw > 1 else g_addr
        a_word = addr[ADDR_W - 1 : lane] if sw > 1 else addr
        fw = ADDR_W - lane if sw > 1 else ADDR_W
        after = [
            NonBlocking(Ref("old"), BinOp(">>", Ref("fwd_data"), cat(g_off, Const(0, 3)))),
            NonBlocking(Ref("word"), Ref("fwd_data")),
            *(
                [
                    NonBlocking(Ref("countdown"), Const(new_latency, 8)),
                    NonBlocking(state, Const(_AT_COMPUTE, 3)),
                ]
                if new_latency
                else [NonBlocking(state, Const(_AT_WRITE, 3))]
            ),
        ]
        fwd_grant = [
            If(
                land(Ref("fwd_valid"), eq(g_word, Ref("fwd_addr"))),
                after,
                [NonBlocking(state, Const(_AT_READ, 3))],
            )
        ]
        bitmask = cat(*(Repl(8, Index(Ref("wr_strb"), i)) for i in reversed(range(sw))))
        fwd_items = [
            Reg("word", data_w, comment="the bus word the atomic modifies (read or forwarded)"),
            Reg("fwd_valid", comment="fwd_data holds memory's word at fwd_addr"),
            Reg("fwd_addr", fw, comment="bus word address of the last write"),
            Reg("fwd_data", data_w, comment="that word after the write"),
            Wire("wmask", data_w),
            Assign(Ref("wmask"), bitmask),
            Always(
                [
                    If(
                        lor(lnot(Ref("rst_n")), Ref("flush")),
                        [NonBlocking(Ref("fwd_valid"), Const(0, 1))],
                        [
                            If(
                                land(st(_AT_WRITE), Ref("wr_ready")),
                                [
                                    NonBlocking(Ref("fwd_valid"), Const(1, 1)),
                                    NonBlocking(Ref("fwd_addr"), a_word),
                                    NonBlocking(
                                        Ref("fwd_data"),
                                        BinOp(
                                            "|",
                                            BinOp("&", Ref("word"), UnOp("~", Ref("wmask"))),
                                            BinOp("&", Ref("wr_data"), Ref("wmask")),
                                        ),
                                    ),
                                ],
                            )
                        ],
                    )
                ],
                comment="forwarding: nothing but this unit writes these buffers",
            ),
        ]
    items: list[Item] = [
        *fwd_items,
        Reg("state", 3, comment="idle, read, wait for data, write, wait for response, done"),
        *([Reg("countdown", 8, comment="cycles until c_new is valid")] if new_latency else []),
        Reg("sel", iw, comment="the client being served"),
        Reg("addr", ADDR_W),
        Reg("size", 3),
        Wire("strb_full", sw + 1, comment="one strobe bit per byte of the access"),
    ]
    if n > 1:
        items.append(Reg("rr_last", iw, comment="the last client served"))
    items += _round_robin(
        n,
        Ref("c_valid"),
        Ref("rr_last"),
        [("addr", Ref("c_addr"), ADDR_W), ("size", Ref("c_size"), 3)],
    )
    items += [
        Assign(Ref("rd_valid"), st(_AT_READ)),
        Assign(Ref("rd_addr"), addr),
        Assign(Ref("rd_size"), size),
        Assign(Ref("rd_rready"), st(_AT_RWAIT)),
        Assign(Ref("wr_valid"), st(_AT_WRITE)),
        Assign(Ref("wr_addr"), addr),
        Assign(Ref("wr_size"), size),
        Assign(Ref("wr_data"), BinOp("<<", new, shift)),
        Assign(
            Ref("strb_full"),
            BinOp(
                "-", BinOp("<<", Const(1, sw + 1), BinOp("<<", Const(1, 4), size)), Const(1, sw + 1)
            ),
        ),
        Assign(Ref("wr_strb"), BinOp("<<", Ref("strb_full")[sw - 1 : 0], offset)),
        Assign(
            Ref("c_done"),
            Repl(n, land(st(_AT_DONE), sel_room))
            & (BinOp("<<", Const(1, n), sel) if n > 1 else Const(1, 1)),
        ),
        Always(
            [
                If(
                    lnot(Ref("rst_n")),
                    [
                        NonBlocking(state, Const(_AT_IDLE, 3)),
                        NonBlocking(sel, Const(0, iw)),
                        NonBlocking(addr, Const(0, ADDR_W)),
                        NonBlocking(size, Const(0, 3)),
                        NonBlocking(Ref("old"), Const(0, data_w)),
                        *([NonBlocking(Ref("countdown"), Const(0, 8))] if new_latency else []),
                        *_track(n, NonBlocking(Ref("rr_last"), Const(n - 1, iw))),
                    ],
                    [
                        Case(
                            state,
                            [
                                (
                                    [Const(_AT_IDLE, 3)],
                                    [
                                        If(
                                            Ref("g_any"),
                                            [
                                                NonBlocking(sel, Ref("g_idx")),
                                                NonBlocking(addr, Ref("g_addr")),
                                                NonBlocking(size, Ref("g_size")),
                                                *_track(
                                                    n, NonBlocking(Ref("rr_last"), Ref("g_idx"))
                                                ),
                                                *(fwd_grant if forward else [
                                                    NonBlocking(state, Const(_AT_READ, 3))
                                                ]),
                                            ],
                                        )
                                    ],
                                ),
                                (
                                    [Const(_AT_READ, 3)],
                                    [
                                        If(
                                            Ref("rd_ready"),
                                            [NonBlocking(state, Const(_AT_RWAIT, 3))],
                                        )
                                    ],
                                ),
                                (
                                    [Const(_AT_RWAIT, 3)],
                                    [
                                        If(
                                            Ref("rd_rvalid"),
                                            [
                                                NonBlocking(
                                                    Ref("old"), BinOp(">>", Ref("rd_rdata"), shift)
                                                ),
                                                *(
                                                    [NonBlocking(Ref("word"), Ref("rd_rdata"))]
                                                    if forward
                                                    else []
                                                ),
                                                *(
                                                    [
                                                        NonBlocking(
                                                            Ref("countdown"), Const(new_latency, 8)
                                                        ),
                                                        NonBlocking(state, Const(_AT_COMPUTE, 3)),
                                                    ]
                                                    if new_latency
                                                    else [NonBlocking(state, Const(_AT_WRITE, 3))]
                                                ),
                                            ],
                                        )
                                    ],
                                ),
                                (
                                    [Const(_AT_WRITE, 3)],
                                    [
                                        If(
                                            Ref("wr_ready"),
                                            [NonBlocking(state, Const(_AT_BWAIT, 3))],
                                        )
                                    ],
                                ),
                                (
                                    [Const(_AT_BWAIT, 3)],
                                    [If(Ref("wr_bdone"), [NonBlocking(state, Const(_AT_DONE, 3))])],
                                ),
                                *(
                                    [
                                        (
                                            [Const(_AT_COMPUTE, 3)],
                                            [
                                                NonBlocking(
                                                    Ref("countdown"), Ref("countdown") - Const(1, 8)
                                                ),
                                                If(
                                                    eq(Ref("countdown"), Const(0, 8)),
                                                    [NonBlocking(state, Const(_AT_WRITE, 3))],
                                                ),
                                            ],
                                        )
                                    ]
                                    if new_latency
                                    else []
                                ),
                            ],
                            [If(sel_room, [NonBlocking(state, Const(_AT_IDLE, 3))])],
                        )
                    ],
                )
            ]
        ),
    ]
    items += _unused_items(
        Ref("g_onehot"),
        Ref("strb_full")[sw],
        addr[ADDR_W - 1 : lane] if sw > 1 else addr,
        *([sel] if n == 1 else []),
    )
    if not 0 <= new_latency < 255:
        raise ValueError(f"new-value latency must be 0 to 254 cycles, not {new_latency}")
    return Module(
        f"soff_atomic_{n}_{data_w}"
        + (f"_l{new_latency}" if new_latency else "")
        + ("_fwd" if forward else ""),
        [],
        ports,
        items,
        f"Global atomic unit: {n} clients, one read-modify-write in flight ({data_w}-bit data)",
    )


# --------------------------------------------------------------------------- read-only cache


def fifo_instance(
    name: str,
    width: int,
    depth: int,
    in_valid: Expr,
    in_ready: Expr,
    in_data: Expr,
    out_valid: Expr,
    out_ready: Expr,
    out_data: Expr,
    clk: str = "clk",
    rst_n: str = "rst_n",
) -> Instance:
    """An instance of :func:`fifo_module` (``soff_fifo``) clocked by ``clk``."""
    return Instance(
        "soff_fifo",
        name,
        [("WIDTH", width), ("DEPTH", depth)],
        [
            ("clk", Ref(clk)),
            ("rst_n", Ref(rst_n)),
            ("in_valid", in_valid),
            ("in_ready", in_ready),
            ("in_data", in_data),
            ("out_valid", out_valid),
            ("out_ready", out_ready),
            ("out_data", out_data),
        ],
    )


def read_cache_module(data_w: int, lines: int, depth: int) -> Module:
    """``soff_rd_cache_<data_w>_<lines>_<depth>``: a direct-mapped cache of bus words for
    one load unit whose buffer nothing in the kernel writes.

    Between the load unit's request FIFO (``in_*``: byte addresses) and the read
    arbiter (``mem_*``: single-beat reads of the aligned bus word; responses in
    order), it returns the bus word of every request in order on ``out_*``. A
    lookup reads the tag, valid bit and word of the request's line (one bus word;
    ``lines`` of them) in one cycle; the next cycle a hit queues the word it read
    and a miss queues a read of the word. Misses do not block: up to ``depth``
    requests wait in order, hits behind misses included, and a read's word fills
    its line when it returns (a line being filled reads as a miss, which fetches
    it again: nothing is ever read stale). A miss costs what the load unit
    without the cache pays, one beat; a hit costs no memory traffic. ``flush``
    (the kernel's start) invalidates every line: the host may have written the
    buffer between launches.
    """
    lb = clog2(data_w // 8)
    ib = clog2(lines)
    tw = ADDR_W - lb - ib
    name = f"soff_rd_cache_{data_w}_{lines}_{depth}"
    ports = _clk_rst() + [
        _in("flush"),
        _in("in_valid"),
        _out("in_ready"),
        _in("in_addr", ADDR_W),
        _out("mem_valid"),
        _in("mem_ready"),
        _out("mem_addr", ADDR_W),
        _in("mem_rvalid"),
        _out("mem_rready"),
        _in("mem_rdata", data_w),
        _out("out_valid"),
        _in("out_ready"),
        _out("out_data", data_w),
    ]
    in_addr = Ref("in_addr")
    s1v, s1a = Ref("s1_valid"), Ref("s1_addr")
    idx_in = in_addr[lb + ib - 1 : lb]
    accept, advance = Ref("accept"), Ref("advance")
    hit = Ref("hit")
    fill_idx, fill_tag = Ref("fill_info")[tw + ib - 1 : tw], Ref("fill_info")[tw - 1 : 0]
    fill = Ref("fill")
    valid = Ref("line_valid")
    aligned = cat(s1a[ADDR_W - 1 : lb], Const(0, lb)) if lb else s1a  # an 8-bit bus: every byte
    items: list[Item] = [
        Memory("tags", tw, lines, comment="tag of each line's word"),
        Memory("words", data_w, lines, comment="each line's bus word"),
        Reg("line_valid", lines, comment="lines holding a word"),
        Reg("s1_valid", comment="a lookup: tag, valid bit and word read last cycle"),
        Reg("s1_addr", ADDR_W),
        Reg("s1_tag", tw),
        Reg("s1_word", data_w),
        Reg("s1_line_valid"),
        Wire("accept"),
        Wire("advance"),
        Wire("hit"),
        Wire("pend_ready"),
        Wire("req_ready"),
        Wire("info_ready"),
        Wire("fill"),
        Wire("fill_info", tw + ib),
        Wire("fill_info_valid"),
        Wire("miss_valid"),
        Wire("miss_ready"),
        Wire("miss_word", data_w),
        Wire("pend_valid"),
        Wire("pend", data_w + 1),
        Wire("pend_pop"),
        Assign(hit, land(Ref("s1_line_valid"), eq(Ref("s1_tag"), s1a[ADDR_W - 1 : lb + ib]))),
        Assign(
            advance,
            land(s1v, Ref("pend_ready"), lor(hit, land(Ref("req_ready"), Ref("info_ready")))),
            comment="the lookup queues its answer (and a miss its read)",
        ),
        Assign(Ref("in_ready"), land(lnot(Ref("flush")), lor(lnot(s1v), advance))),
        Assign(accept, land(Ref("in_valid"), Ref("in_ready"))),
        Always(
            [
                If(
                    accept,
                    [
                        NonBlocking(Ref("s1_tag"), Ref("tags")[idx_in]),
                        NonBlocking(Ref("s1_word"), Ref("words")[idx_in]),
                        NonBlocking(Ref("s1_line_valid"), Index(valid, idx_in)),
                        NonBlocking(s1a, in_addr),
                    ],
                )
            ],
            comment="lookup: the arrays are read in one clocked step (block RAM)",
        ),
        Always(
            [
                If(
                    lnot(Ref("rst_n")),
                    [NonBlocking(s1v, Const(0, 1))],
                    [If(lor(accept, advance), [NonBlocking(s1v, accept)])],
                )
            ]
        ),
        fifo_instance(
            "pending",
            data_w + 1,
            depth,
            advance,
            Ref("pend_ready"),
            cat(hit, Ref("s1_word")),
            Ref("pend_valid"),
            Ref("pend_pop"),
            Ref("pend"),
        ),
        fifo_instance(
            "reads",
            ADDR_W,
            depth,
            land(advance, lnot(hit)),
            Ref("req_ready"),
            aligned,
            Ref("mem_valid"),
            Ref("mem_ready"),
            Ref("mem_addr"),
        ),
        fifo_instance(
            "fills",
            tw + ib,
            depth,
            land(advance, lnot(hit)),
            Ref("info_ready"),
            cat(s1a[lb + ib - 1 : lb], s1a[ADDR_W - 1 : lb + ib]),
            Ref("fill_info_valid"),
            fill,
            Ref("fill_info"),
        ),
        fifo_instance(
            "missed",
            data_w,
            depth,
            fill,
            Ref("miss_ready"),
            Ref("mem_rdata"),
            Ref("miss_valid"),
            land(Ref("pend_pop"), lnot(Ref("pend")[data_w])),
            Ref("miss_word"),
        ),
        Assign(Ref("mem_rready"), land(Ref("miss_ready"), Ref("fill_info_valid"))),
        Assign(fill, land(Ref("mem_rvalid"), Ref("mem_rready"))),
        Always(
            [
                If(
                    fill,
                    [
                        NonBlocking(Ref("tags")[fill_idx], fill_tag),
                        NonBlocking(Ref("words")[fill_idx], Ref("mem_rdata")),
                    ],
                )
            ],
            comment="a returning read fills its line (no reset: block RAM)",
        ),
        Always(
            [
                If(
                    lor(lnot(Ref("rst_n")), Ref("flush")),
                    [NonBlocking(valid, _zero(lines))],
                    [If(fill, [NonBlocking(Index(valid, fill_idx), Const(1, 1))])],
                )
            ]
        ),
        Assign(
            Ref("out_valid"),
            land(Ref("pend_valid"), lor(Ref("pend")[data_w], Ref("miss_valid"))),
        ),
        Assign(Ref("pend_pop"), land(Ref("out_valid"), Ref("out_ready"))),
        Assign(
            Ref("out_data"),
            Ternary(Ref("pend")[data_w], Ref("pend")[data_w - 1 : 0], Ref("miss_word")),
        ),
    ]
    if lb:
        items += _unused_items(s1a[lb - 1 : 0])
    return Module(
        name,
        [],
        ports,
        items,
        header_comment=f"Read-only cache: {lines} lines of one {data_w}-bit bus word, "
        f"{depth} requests in flight, in order.",
    )
