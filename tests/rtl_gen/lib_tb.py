"""cocotb testbenches for the library modules of soff.rtl_gen.lib.

Launched by tests/rtl_gen/test_lib.py, which passes the configuration in
``SOFF_TB_*`` environment variables. Drivers follow the cocotbext-axi idiom:
after a rising edge, the signals read are the values the flops just sampled,
so a handshake is ``valid and ready`` read right after the edge.
"""

from __future__ import annotations

import os
import random
from collections import deque
from typing import Any

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, RisingEdge, Timer
from cocotbext.axi import (
    AxiLiteBus,
    AxiLiteMaster,
    AxiRamRead,
    AxiRamWrite,
    AxiReadBus,
    AxiWriteBus,
)

from soff.rtl_gen.regmap import CONTROL, GIE, IER, ISR, RegisterMap

Dut = Any


def _env_int(name: str) -> int:
    return int(os.environ[f"SOFF_TB_{name}"])


def _rng() -> random.Random:
    return random.Random(int(os.environ.get("SOFF_TB_SEED", "1")))


async def _start(dut: Dut, **inputs: int) -> None:
    """Start the clock, drive ``inputs``, and hold ``rst_n`` low for a few cycles."""
    Clock(dut.clk, 10, unit="ns").start(start_high=False)
    for name, value in inputs.items():
        getattr(dut, name).value = value
    dut.rst_n.value = 0
    await ClockCycles(dut.clk, 3)
    dut.rst_n.value = 1
    await RisingEdge(dut.clk)


def _bit(value: Any, i: int) -> int:
    return (int(value) >> i) & 1


# --------------------------------------------------------------------------- FIFO


@cocotb.test()
async def fifo_random(dut: Dut) -> None:
    """Random push/pop with back-pressure against a deque, then full-rate streaming."""
    width, depth = _env_int("WIDTH"), _env_int("DEPTH")
    mask = (1 << width) - 1
    rng = _rng()
    await _start(dut, in_valid=0, in_data=0, out_ready=0)
    model: deque[int] = deque()
    nxt = 0
    phases = [(0.5, 0.5, 300), (0.9, 0.2, 150), (0.2, 0.9, 150), (1.0, 1.0, 100)]
    for p_in, p_out, cycles in phases:
        pops = 0
        for _ in range(cycles):
            in_valid = rng.random() < p_in
            out_ready = rng.random() < p_out
            dut.in_valid.value = int(in_valid)
            dut.in_data.value = nxt & mask
            dut.out_ready.value = int(out_ready)
            await RisingEdge(dut.clk)
            in_ready, out_valid = int(dut.in_ready.value), int(dut.out_valid.value)
            assert in_ready == int(len(model) < depth), (
                f"in_ready={in_ready} with {len(model)} words"
            )
            assert out_valid == int(len(model) > 0), (
                f"out_valid={out_valid} with {len(model)} words"
            )
            if out_valid and out_ready:
                want = model.popleft()
                got = int(dut.out_data.value)
                assert got == want, f"popped {got:#x}, expected {want:#x}"
                pops += 1
            if in_valid and in_ready:
                model.append(nxt & mask)
                nxt += 1
        if p_in == 1.0 and p_out == 1.0:
            assert pops >= cycles - 2, f"streaming moved {pops} words in {cycles} cycles"
    assert nxt > 200, f"only {nxt} words pushed"


# --------------------------------------------------------------------------- control slave


async def _pulse(dut: Dut, name: str) -> None:
    getattr(dut, name).value = 1
    await RisingEdge(dut.clk)
    getattr(dut, name).value = 0
    await RisingEdge(dut.clk)


async def _raw_write(dut: Dut, addr: int, data: int, w_first: bool) -> None:
    """One AXI4-Lite write with W presented some cycles before AW (or the reverse)."""
    s = "s_axi_control_"
    first, second = ("w", "aw") if w_first else ("aw", "w")
    getattr(dut, s + "awaddr").value = addr
    getattr(dut, s + "wdata").value = data
    getattr(dut, s + "wstrb").value = 0xF
    getattr(dut, s + "bready").value = 1
    for ch in (first, second):
        getattr(dut, s + ch + "valid").value = 1
        while True:
            await RisingEdge(dut.clk)
            if int(getattr(dut, s + ch + "ready").value):
                break
        getattr(dut, s + ch + "valid").value = 0
        await ClockCycles(dut.clk, 2)
    while not int(getattr(dut, s + "bvalid").value):
        await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)


@cocotb.test()
async def control_slave(dut: Dut) -> None:
    """Arguments (incl. 64-bit and byte strobes), ap_start/ap_ready, done clear-on-read, ISR."""
    regmap = RegisterMap.from_json(os.environ["SOFF_TB_REGMAP"])
    rng = _rng()
    await _start(dut, ap_done=0, ap_idle=1, ap_ready=0)
    axil = AxiLiteMaster(
        AxiLiteBus.from_prefix(dut, "s_axi_control"), dut.clk, dut.rst_n, reset_active_level=False
    )

    values = {}
    for r in regmap.registers:
        assert int(getattr(dut, f"arg_{r.name}").value) == 0
        values[r.name] = rng.getrandbits(r.bits)
        nbytes = 8 if r.bits > 32 else 4
        await axil.write(r.offset, values[r.name].to_bytes(nbytes, "little"))
    for r in regmap.registers:
        assert int(getattr(dut, f"arg_{r.name}").value) == values[r.name], r.name
        lo = await axil.read_dword(r.offset)
        assert lo == values[r.name] & 0xFFFFFFFF, r.name
        if r.bits > 32:
            hi = await axil.read_dword(r.offset + 4)
            assert hi == values[r.name] >> 32, r.name

    # byte strobes: one byte of the widest register
    wide = max(regmap.registers, key=lambda r: r.bits)
    await axil.write(wide.offset + 1, b"\xa5")
    want = (values[wide.name] & ~(0xFF << 8)) | (0xA5 << 8)
    assert int(getattr(dut, f"arg_{wide.name}").value) == want

    # ap_start is a level until the kernel pulses ap_ready
    assert int(dut.ap_start.value) == 0
    await axil.write_dword(CONTROL, 1)
    await ClockCycles(dut.clk, 3)
    assert int(dut.ap_start.value) == 1
    assert (await axil.read_dword(CONTROL)) & 1 == 1
    await _pulse(dut, "ap_ready")
    assert int(dut.ap_start.value) == 0
    ctrl = await axil.read_dword(CONTROL)
    assert ctrl & 0b101 == 0b100, f"control={ctrl:#x}: start clear, idle set"

    # ap_done is sticky and cleared by reading 0x00
    await _pulse(dut, "ap_done")
    assert (await axil.read_dword(CONTROL)) & 2 == 2
    assert (await axil.read_dword(CONTROL)) & 2 == 0

    # interrupts: ISR set by enabled pulses, toggled by writes; GIE gates the line
    await axil.write_dword(IER, 0b11)
    await _pulse(dut, "ap_done")
    assert await axil.read_dword(ISR) == 0b01
    assert int(dut.interrupt.value) == 0, "GIE is off"
    await axil.write_dword(GIE, 1)
    await RisingEdge(dut.clk)
    assert int(dut.interrupt.value) == 1
    await axil.write_dword(ISR, 0b01)
    assert await axil.read_dword(ISR) == 0
    assert int(dut.interrupt.value) == 0
    await axil.write_dword(ISR, 0b10)
    assert await axil.read_dword(ISR) == 0b10
    assert int(dut.interrupt.value) == 1
    await axil.write_dword(ISR, 0b10)
    assert await axil.read_dword(ISR) == 0
    await axil.write_dword(IER, 0b10)
    await _pulse(dut, "ap_done")
    assert await axil.read_dword(ISR) == 0, "done interrupt disabled"
    await _pulse(dut, "ap_ready")
    assert await axil.read_dword(ISR) == 0b10
    assert int(dut.interrupt.value) == 1

    # W before AW and AW before W, driven by hand (last: the master's B queue would see these)
    arg = getattr(dut, f"arg_{wide.name}")
    await _raw_write(dut, wide.offset, 0x12345678, w_first=True)
    assert int(arg.value) & 0xFFFFFFFF == 0x12345678
    await _raw_write(dut, wide.offset, 0x9ABCDEF0, w_first=False)
    assert int(arg.value) & 0xFFFFFFFF == 0x9ABCDEF0


# --------------------------------------------------------------------------- arbiters

RAM_SIZE = 1 << 14


def _pack(fields: list[int], width: int) -> int:
    out = 0
    for i, v in enumerate(fields):
        out |= v << (i * width)
    return out


@cocotb.test()
async def read_arbiter(dut: Dut) -> None:
    """Random concurrent single-beat reads from N clients, checked against the RAM."""
    n, dw = _env_int("N"), _env_int("DW")
    nb = dw // 8
    size = nb.bit_length() - 1
    rng = _rng()
    await _start(dut, c_arvalid=0, c_araddr=0, c_arsize=0, c_rready=0)
    ram = AxiRamRead(
        AxiReadBus.from_prefix(dut, "m"),
        dut.clk,
        dut.rst_n,
        reset_active_level=False,
        size=RAM_SIZE,
    )
    ram.write(0, bytes(rng.getrandbits(8) for _ in range(RAM_SIZE)))

    pending: list[int | None] = [None] * n  # address being requested
    expect: list[deque[int]] = [deque() for _ in range(n)]
    grants, done = [0] * n, [0] * n
    phases = [(0.4, 0.7, 300), (1.0, 1.0, 32 * n), (0.0, 1.0, 200)]
    for p_req, p_rdy, cycles in phases:
        fair_start = list(grants)
        for _ in range(cycles):
            for i in range(n):
                if pending[i] is None and rng.random() < p_req:
                    pending[i] = rng.randrange(RAM_SIZE // nb) * nb
            rready = [int(rng.random() < p_rdy) for _ in range(n)]
            dut.c_arvalid.value = _pack([int(a is not None) for a in pending], 1)
            dut.c_araddr.value = _pack([a or 0 for a in pending], 64)
            dut.c_arsize.value = _pack([size] * n, 3)
            dut.c_rready.value = _pack(rready, 1)
            await RisingEdge(dut.clk)
            arready, rvalid = dut.c_arready.value, dut.c_rvalid.value
            assert bin(int(arready)).count("1") <= 1, "one grant per cycle"
            for i in range(n):
                addr = pending[i]
                if addr is not None and _bit(arready, i):
                    expect[i].append(addr)
                    pending[i] = None
                    grants[i] += 1
                if _bit(rvalid, i) and rready[i]:
                    assert expect[i], f"client {i} got data it did not ask for"
                    a = expect[i].popleft()
                    got = int(dut.c_rdata.value)
                    want = int.from_bytes(ram.read(a, nb), "little")
                    assert got == want, f"client {i} @{a:#x}: {got:#x} != {want:#x}"
                    done[i] += 1
        if p_req == 1.0 and n > 1:
            shares = [g - s for g, s in zip(grants, fair_start, strict=True)]
            assert max(shares) - min(shares) <= 1, f"unfair grants {shares}"
            assert sum(shares) >= cycles * 9 // 10, f"{sum(shares)} grants in {cycles} cycles"
    assert all(not q for q in expect), "reads left unanswered"
    assert grants == done and min(done) > 0, f"grants {grants} done {done}"


@cocotb.test()
async def write_arbiter(dut: Dut) -> None:
    """Random concurrent write bursts (1-4 beats, random strobes, beats after
    the first offered with random gaps) into per-client regions; single-beat
    writes are the 1-beat case."""
    n, dw = _env_int("N"), _env_int("DW")
    nb = dw // 8
    size = nb.bit_length() - 1
    region = RAM_SIZE // n // nb * nb
    rng = _rng()
    await _start(dut, c_awvalid=0, c_awaddr=0, c_awsize=0, c_awlen=0, c_wvalid=0, c_wdata=0,
                 c_wstrb=0, c_wlast=0)  # fmt: skip
    ram = AxiRamWrite(
        AxiWriteBus.from_prefix(dut, "m"),
        dut.clk,
        dut.rst_n,
        reset_active_level=False,
        size=RAM_SIZE,
    )
    model = bytearray(RAM_SIZE)
    ram.write(0, bytes(model))

    # per client: the burst being offered: [addr, beats [(data, strb)], next beat, AW taken]
    pending: list[list[Any] | None] = [None] * n
    accepted, bdone, beats_in = [0] * n, [0] * n, 0
    owner = None  # the client whose burst the W channel is taking
    phases = [(0.4, 0.7, 300), (1.0, 1.0, 64 * n), (0.0, 1.0, 100)]
    for p_req, p_beat, cycles in phases:
        fair_start, beats_start = list(accepted), beats_in
        for _ in range(cycles):
            for i in range(n):
                if pending[i] is None and rng.random() < p_req:
                    length = rng.randrange(1, 5)
                    words = region // nb
                    w = rng.randrange(words - length + 1)
                    addr = i * region + w * nb
                    if (addr >> 12) != ((addr + length * nb - 1) >> 12):
                        addr = (addr + length * nb - 1) >> 12 << 12  # start on the next page
                    data = [(rng.getrandbits(dw), rng.getrandbits(nb)) for _ in range(length)]
                    pending[i] = [addr, data, 0, False]
            offer = [p or [0, [(0, 0)], 0, False] for p in pending]
            wv = [int(p is not None and (p[2] == 0 or rng.random() < p_beat)) for p in pending]
            dut.c_awvalid.value = _pack([int(p is not None and not p[3]) for p in pending], 1)
            dut.c_awaddr.value = _pack([o[0] for o in offer], 64)
            dut.c_awsize.value = _pack([size] * n, 3)
            dut.c_awlen.value = _pack([len(o[1]) - 1 for o in offer], 8)
            dut.c_wvalid.value = _pack(wv, 1)
            dut.c_wdata.value = _pack([o[1][o[2]][0] for o in offer], dw)
            dut.c_wstrb.value = _pack([o[1][o[2]][1] for o in offer], nb)
            dut.c_wlast.value = _pack([int(o[2] == len(o[1]) - 1) for o in offer], 1)
            await RisingEdge(dut.clk)
            awready, wready = int(dut.c_awready.value), int(dut.c_wready.value)
            bd = int(dut.c_bdone.value)
            assert bin(awready).count("1") <= 1, "one AW grant per cycle"
            assert bin(wready).count("1") <= 1, "one W beat per cycle"
            assert bin(bd).count("1") <= 1, "c_bdone is one-hot"
            for i in range(n):
                req = pending[i]
                if req is not None and _bit(awready, i):
                    assert owner is None and req[2] == 0 and _bit(wready, i), "AW without beat 0"
                    req[3] = True
                    accepted[i] += 1
                    owner = i
                if req is not None and _bit(wready, i):
                    assert owner == i and wv[i], f"beat taken from client {i}, not {owner}"
                    data, strb = req[1][req[2]]
                    addr = req[0] + req[2] * nb
                    for b in range(nb):
                        if strb >> b & 1:
                            model[addr + b] = (data >> (8 * b)) & 0xFF
                    beats_in += 1
                    req[2] += 1
                    if req[2] == len(req[1]):
                        pending[i], owner = None, None
                bdone[i] += _bit(bd, i)
        if p_req == 1.0 and n > 1:
            shares = [a - s for a, s in zip(accepted, fair_start, strict=True)]
            assert max(shares) - min(shares) <= 1, f"unfair grants {shares}"
            moved = beats_in - beats_start
            assert moved >= cycles * 9 // 10, f"{moved} beats in {cycles} cycles"
    assert accepted == bdone and min(bdone) > 0, f"accepted {accepted}, responses {bdone}"
    assert ram.read(0, RAM_SIZE) == bytes(model), "RAM contents differ from the model"


# --------------------------------------------------------------------------- read bursts


@cocotb.test()
async def read_burst(dut: Dut) -> None:
    """soff_axi_rd_burst: random request streams (runs of consecutive bus words,
    some across 4 KiB pages, jumps, repeats, pauses) under random backpressure.
    The bursts must replay exactly the requested words in order, obey AXI4
    (<= MAX_LEN + 1 beats, no 4 KiB crossing), keep a single beat's address and
    size, and leave no request waiting longer than WAIT cycles without input."""
    max_len, wait, dw = _env_int("MAX_LEN"), _env_int("WAIT"), _env_int("DW")
    nb = dw // 8
    lb = nb.bit_length() - 1
    rng = _rng()
    await _start(dut, in_valid=0, in_addr=0, in_size=0, out_ready=0)

    # the request stream: (byte address, size)
    # a long run across page boundaries first, then runs of random length
    first_page = 0x1000 // nb
    reqs: list[tuple[int, int]] = [(w * nb, lb) for w in range(first_page - 5, first_page + 600)]
    word = first_page + 599
    while len(reqs) < 3000:
        kind = rng.random()
        if kind < 0.6:
            word += 1
        elif kind < 0.7:
            word = (0x1000 * rng.randrange(1, 64)) // nb - rng.randrange(1, 4)  # near a page end
        elif kind < 0.8:
            pass  # the same word again (a load that does not reuse words)
        else:
            word = rng.randrange(1 << 20)
        size = rng.randrange(lb + 1)
        reqs.append((word * nb + rng.randrange(nb >> size) * (1 << size), size))

    sent: list[int] = []  # words, in beat order
    bursts: list[int] = []
    it, pending = 0, None
    phases = [(1.0, 1.0, 1000), (0.5, 0.7, 2000), (0.9, 0.3, 2000), (1.0, 1.0, 10**6)]
    idle_since_input = 0
    for p_in, p_out, cycles in phases:
        for _ in range(cycles):
            if pending is None and it < len(reqs) and rng.random() < p_in:
                pending = reqs[it]
            rdy = int(rng.random() < p_out)
            dut.in_valid.value = int(pending is not None)
            dut.in_addr.value = pending[0] if pending else 0
            dut.in_size.value = pending[1] if pending else 0
            dut.out_ready.value = rdy
            await RisingEdge(dut.clk)
            if pending is not None and int(dut.in_ready.value):
                pending, it = None, it + 1
                idle_since_input = 0
            else:
                idle_since_input += 1
            if int(dut.out_valid.value) and rdy:
                addr, blen, size = (int(dut.out_addr.value), int(dut.out_len.value),
                                    int(dut.out_size.value))  # fmt: skip
                assert blen <= max_len, f"burst of {blen + 1} beats"
                first = addr // nb
                if blen == 0:
                    a, s = reqs[len(sent)]
                    assert (addr, size) == (a, s), f"single beat {addr:#x}/{size} != {a:#x}/{s}"
                else:
                    assert size == lb and addr % nb == 0, f"burst {addr:#x} size {size}"
                assert (first * nb) >> 12 == ((first + blen) * nb) >> 12, (
                    f"burst {addr:#x} + {blen + 1} beats crosses 4 KiB"
                )
                sent += range(first, first + blen + 1)
                bursts.append(blen + 1)
                want = [a // nb for a, _ in reqs[len(sent) - blen - 1 : len(sent)]]
                assert list(range(first, first + blen + 1)) == want, (
                    f"burst {addr:#x}+{blen + 1} does not match requests {want}"
                )
            if it == len(reqs) and p_in == 1.0 and cycles > 10**5:
                assert idle_since_input <= wait + 3 or len(sent) == len(reqs), (
                    "a request waits longer than WAIT cycles"
                )
                if len(sent) == len(reqs):
                    break
    assert len(sent) == len(reqs), f"{len(sent)} of {len(reqs)} requests sent"
    # the first phase streams back to back: mostly full bursts
    assert max(bursts) == min(max_len + 1, 4096 // nb)
    runs = sum(1 for i in range(1, len(reqs)) if reqs[i][0] // nb != reqs[i - 1][0] // nb + 1)
    assert len(bursts) < len(reqs), f"{len(bursts)} bursts for {len(reqs)} requests ({runs} runs)"


@cocotb.test()
async def write_burst(dut: Dut) -> None:
    """soff_axi_wr_burst: random writes (runs of consecutive elements, several
    to one bus word, jumps, page ends, pauses) drained by a model of the write
    arbiter and memory with random backpressure and response delays. Memory
    must end as the writes in order leave it; bursts obey AXI4 (<= MAX_LEN + 1
    beats, WLAST on the last, no 4 KiB crossing); every request is completed
    by exactly one credit, never before its burst's response (the store unit
    keeps at most DEPTH requests outstanding; the model does too)."""
    max_len, wait, dw, depth = (_env_int(k) for k in ("MAX_LEN", "WAIT", "DW", "DEPTH"))
    nb = dw // 8
    rng = _rng()
    await _start(dut, in_valid=0, in_addr=0, in_data=0, in_strb=0, aw_ready=0, w_ready=0, bdone=0)

    size = 4  # 4-byte elements: two work-items per 64-bit word
    first_page = 0x1000 // size
    elems = list(range(first_page - 7, first_page + 900))  # a long run across pages
    e = elems[-1]
    while len(elems) < 4000:
        r = rng.random()
        if r < 0.7:
            e += 1
        elif r < 0.8:
            e = (0x1000 * rng.randrange(2, 16)) // size - rng.randrange(1, 6)
        elif r < 0.85:
            pass  # the same element again: the later value wins
        else:
            e = rng.randrange(0x1000 // size, 0x10000 // size)
        elems.append(e)
    reqs = []
    model = bytearray(0x10000)
    for e in elems:
        addr, value = e * size, rng.getrandbits(8 * size)
        lane = addr % nb
        reqs.append((addr, value << (8 * lane), ((1 << size) - 1) << lane))
        model[addr : addr + size] = value.to_bytes(size, "little")
    mem = bytearray(0x10000)

    it, pending = 0, None
    outstanding = 0  # requests accepted, not credited
    bursts: deque[list[int]] = deque()  # AW taken: [addr, beats left, beat index]
    responses: deque[int] = deque()  # cycle each written burst's response may come
    lens: list[int] = []
    cycle, credited, idle_since_input = 0, 0, 0
    phases = [(1.0, 1.0, 1500), (0.6, 0.6, 3000), (0.9, 0.4, 3000), (1.0, 1.0, 10**6)]
    for p_in, p_out, cycles in phases:
        for _ in range(cycles):
            cycle += 1
            # the store unit keeps at most DEPTH requests outstanding
            if pending is None and it < len(reqs) and outstanding < depth and rng.random() < p_in:
                pending = reqs[it]
            b = int(bool(responses) and responses[0] <= cycle)
            dut.in_valid.value = int(pending is not None)
            dut.in_addr.value = pending[0] if pending else 0
            dut.in_data.value = pending[1] if pending else 0
            dut.in_strb.value = pending[2] if pending else 0
            dut.bdone.value = b
            dut.aw_ready.value = 0
            dut.w_ready.value = 0
            # the write arbiter: an AW together with its first beat, then the rest of its
            # beats; nothing else meanwhile
            await Timer(1, unit="ns")
            if bursts:
                aw_rdy, w_rdy = 0, int(rng.random() < p_out)
            else:
                if int(dut.aw_valid.value):
                    assert int(dut.w_valid.value), "an AW offered without its first beat"
                aw_rdy = w_rdy = int(int(dut.aw_valid.value) and rng.random() < p_out)
            dut.aw_ready.value = aw_rdy
            dut.w_ready.value = w_rdy
            await RisingEdge(dut.clk)
            credit = int(dut.credit.value)
            if b:
                responses.popleft()
                assert credit >= 1, "a write response completes at least one request"
            else:
                assert credit == 0, "a credit without a write response"
            outstanding -= credit
            credited += credit
            assert outstanding >= 0, "more credits than requests"
            if pending is not None and int(dut.in_ready.value):
                pending, it = None, it + 1
                outstanding += 1
                idle_since_input = 0
            else:
                idle_since_input += 1
            assert outstanding <= depth, f"{outstanding} requests outstanding"
            if int(dut.aw_valid.value) and aw_rdy:
                addr, blen = int(dut.aw_addr.value), int(dut.aw_len.value)
                assert int(dut.aw_size.value) == nb.bit_length() - 1 and addr % nb == 0
                assert blen <= max_len, f"burst of {blen + 1} beats"
                assert addr >> 12 == (addr + (blen + 1) * nb - 1) >> 12, f"{addr:#x} crosses 4 KiB"
                bursts.append([addr, blen + 1, 0])
                lens.append(blen + 1)
            if int(dut.w_valid.value) and w_rdy:
                assert bursts, "a W beat before its AW"  # (the arbiter takes AW with beat 0)
                burst = bursts[0]
                data, strb = int(dut.w_data.value), int(dut.w_strb.value)
                base = burst[0] + burst[2] * nb
                for k in range(nb):
                    if strb >> k & 1:
                        mem[base + k] = (data >> (8 * k)) & 0xFF
                burst[2] += 1
                assert int(dut.w_last.value) == (burst[2] == burst[1]), "WLAST misplaced"
                if burst[2] == burst[1]:
                    bursts.popleft()
                    responses.append(cycle + rng.randrange(1, 8))
            if it == len(reqs) and cycles > 10**5:
                if outstanding == 0 and not responses:
                    break
                assert idle_since_input < 200, "requests left waiting"
    assert it == len(reqs) and credited == len(reqs), f"{credited} credits for {len(reqs)} requests"
    assert mem == model, "memory differs from the writes in order"
    # the longest: MAX_LEN + 1 beats, a page, or DEPTH requests (two a beat here)
    assert max(lens) == min(max_len + 1, 4096 // nb, depth // (nb // size)), max(lens)
    assert len(lens) < len(reqs) // 2, f"{len(lens)} bursts for {len(reqs)} requests"
