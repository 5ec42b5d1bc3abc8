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
from cocotb.triggers import ClockCycles, RisingEdge
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
    """Random concurrent single-beat writes (random strobes) into per-client regions."""
    n, dw = _env_int("N"), _env_int("DW")
    nb = dw // 8
    size = nb.bit_length() - 1
    region = RAM_SIZE // n // nb * nb
    rng = _rng()
    await _start(dut, c_valid=0, c_addr=0, c_size=0, c_data=0, c_strb=0)
    ram = AxiRamWrite(
        AxiWriteBus.from_prefix(dut, "m"),
        dut.clk,
        dut.rst_n,
        reset_active_level=False,
        size=RAM_SIZE,
    )
    model = bytearray(RAM_SIZE)
    ram.write(0, bytes(model))

    pending: list[tuple[int, int, int] | None] = [None] * n  # (addr, data, strb)
    accepted, bdone = [0] * n, [0] * n
    phases = [(0.4, 300), (1.0, 32 * n), (0.0, 100)]
    for p_req, cycles in phases:
        fair_start = list(accepted)
        for _ in range(cycles):
            for i in range(n):
                if pending[i] is None and rng.random() < p_req:
                    addr = i * region + rng.randrange(region // nb) * nb
                    pending[i] = (addr, rng.getrandbits(dw), rng.getrandbits(nb))
            reqs = [p or (0, 0, 0) for p in pending]
            dut.c_valid.value = _pack([int(p is not None) for p in pending], 1)
            dut.c_addr.value = _pack([r[0] for r in reqs], 64)
            dut.c_size.value = _pack([size] * n, 3)
            dut.c_data.value = _pack([r[1] for r in reqs], dw)
            dut.c_strb.value = _pack([r[2] for r in reqs], nb)
            await RisingEdge(dut.clk)
            ready, bd = dut.c_ready.value, int(dut.c_bdone.value)
            assert bin(int(ready)).count("1") <= 1, "one grant per cycle"
            assert bin(bd).count("1") <= 1, "c_bdone is one-hot"
            for i in range(n):
                req = pending[i]
                if req is not None and _bit(ready, i):
                    addr, data, strb = req
                    for b in range(nb):
                        if strb >> b & 1:
                            model[addr + b] = (data >> (8 * b)) & 0xFF
                    pending[i] = None
                    accepted[i] += 1
                bdone[i] += _bit(bd, i)
        if p_req == 1.0 and n > 1:
            shares = [a - s for a, s in zip(accepted, fair_start, strict=True)]
            assert max(shares) - min(shares) <= 1, f"unfair grants {shares}"
            assert sum(shares) >= cycles * 9 // 10, f"{sum(shares)} grants in {cycles} cycles"
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
