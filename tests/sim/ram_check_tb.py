"""cocotb tests of soff_sim_axi_ram's AXI checks, counters and per-burst cost.

Launched by test_ram_checks.py, which names the case in ``$SOFF_RAM_CASE``:
``cross4k`` (a read burst across a 4 KiB boundary), ``wlast`` (WLAST on the
first beat of a two-beat write), or ``counters`` (legal traffic: the counters
and, with the TXN_GAP parameter in ``$SOFF_RAM_GAP``, the idle cycles between
read bursts).
"""

from __future__ import annotations

import os

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, RisingEdge


async def _reset(dut: object) -> None:
    Clock(dut.clk, 10, unit="ns").start()
    for name in ("arvalid", "awvalid", "wvalid", "dump", "araddr", "arlen", "arsize", "arburst",
                 "arid", "awaddr", "awlen", "awsize", "awburst", "awid", "wdata", "wstrb",
                 "wlast"):  # fmt: skip
        getattr(dut, name).value = 0
    dut.rready.value = 1
    dut.bready.value = 1
    dut.rst_n.value = 0
    await ClockCycles(dut.clk, 3)
    dut.rst_n.value = 1
    await RisingEdge(dut.clk)


async def _ar(dut: object, addr: int, length: int, size: int = 3) -> None:
    dut.araddr.value, dut.arlen.value, dut.arsize.value = addr, length - 1, size
    dut.arburst.value, dut.arvalid.value = 1, 1
    await RisingEdge(dut.clk)
    while not int(dut.arready.value):
        await RisingEdge(dut.clk)
    dut.arvalid.value = 0


@cocotb.test()
async def ram_check(dut: object) -> None:
    case = os.environ["SOFF_RAM_CASE"]
    await _reset(dut)
    if case == "cross4k":
        await _ar(dut, 0xFF8, 2)  # beats at 0xFF8 and 0x1000
        await ClockCycles(dut.clk, 20)
        raise AssertionError("the RAM accepted a burst across 4 KiB")
    if case == "wlast":
        dut.awaddr.value, dut.awlen.value, dut.awsize.value, dut.awburst.value = 0x100, 1, 3, 1
        dut.awvalid.value = 1
        dut.wvalid.value, dut.wdata.value, dut.wstrb.value, dut.wlast.value = 1, 5, 0xFF, 1
        await ClockCycles(dut.clk, 20)
        raise AssertionError("the RAM accepted WLAST on the first of two beats")
    assert case == "counters", case
    gap = int(os.environ["SOFF_RAM_GAP"])
    starts: list[int] = []  # cycle of each burst's first beat
    cycle = 0

    async def watch() -> None:
        nonlocal cycle
        first = True
        while True:
            await RisingEdge(dut.clk)
            cycle += 1
            if int(dut.rvalid.value) and int(dut.rready.value):
                if first:
                    starts.append(cycle)
                first = bool(int(dut.rlast.value))

    cocotb.start_soon(watch())
    await _ar(dut, 0x0, 1)
    await _ar(dut, 0xFC0, 8)  # ends exactly at the page boundary: legal
    await _ar(dut, 0x2000, 4)
    await ClockCycles(dut.clk, 40)
    assert int(dut.ar_count.value) == 3 and int(dut.r_beats.value) == 13
    assert int(dut.aw_count.value) == 0 and int(dut.w_beats.value) == 0
    # back-to-back bursts: the next starts right after the last beat plus the gap
    assert starts[2] - starts[1] == 8 + gap, starts
