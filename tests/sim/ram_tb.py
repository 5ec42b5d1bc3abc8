"""cocotb test of soff_sim_axi_ram alone: cocotbext-axi's AxiMaster against a bytearray.

Launched by test_verilog_mem.py. ``$SOFF_RAM_IN`` is the hex file the RAM was
loaded from (also given as +soff_mem_in), ``$SOFF_RAM_OUT`` its dump file
(+soff_mem_out), ``$SOFF_RAM_BYTES`` the RAM size and ``$SOFF_RAM_SEED`` the seed.
"""

from __future__ import annotations

import os
import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, RisingEdge

from soff.sim.verilog_mem import read_dump


def _pauses(rng: random.Random, busy: float):
    while True:
        yield rng.random() < busy


@cocotb.test()
async def random_bursts(dut: object) -> None:
    from cocotbext.axi import AxiBus, AxiMaster

    nbytes = int(os.environ["SOFF_RAM_BYTES"])
    rng = random.Random(int(os.environ["SOFF_RAM_SEED"]))
    data_w = len(dut.wdata)
    nb = data_w // 8
    model = bytearray(read_dump(os.environ["SOFF_RAM_IN"], data_w))
    assert len(model) == nbytes

    Clock(dut.clk, 10, unit="ns").start()
    dut.rst_n.value = 0
    dut.dump.value = 0
    master = AxiMaster(AxiBus.from_entity(dut), dut.clk, dut.rst_n, reset_active_level=False)
    # back-pressure on R and B, gaps on AW, W and AR (so W often precedes AW)
    master.read_if.r_channel.set_pause_generator(_pauses(rng, 0.4))
    master.write_if.b_channel.set_pause_generator(_pauses(rng, 0.3))
    master.write_if.aw_channel.set_pause_generator(_pauses(rng, 0.6))
    master.write_if.w_channel.set_pause_generator(_pauses(rng, 0.2))
    master.read_if.ar_channel.set_pause_generator(_pauses(rng, 0.2))
    await ClockCycles(dut.clk, 5)
    dut.rst_n.value = 1
    await ClockCycles(dut.clk, 2)

    def random_op() -> tuple[int, int, int]:
        size = rng.randrange(0, nb.bit_length())  # 1 .. nb bytes per beat
        length = rng.choice([1, 2, 3, 7, rng.randrange(1, 64), rng.randrange(64, 3000)])
        addr = rng.randrange(0, nbytes - length)
        return addr, length, size

    for _ in range(8):
        # several writes in flight at once, to disjoint regions
        regions: list[tuple[int, int, int]] = []
        while len(regions) < 4:
            addr, length, size = random_op()
            if all(addr + length <= a or a + n <= addr for a, n, _ in regions):
                regions.append((addr, length, size))
        writes = []
        for addr, length, size in regions:
            data = bytes(rng.getrandbits(8) for _ in range(length))
            model[addr : addr + length] = data
            writes.append(cocotb.start_soon(master.write(addr, data, size=size)))
        for w in writes:
            await w
        # several reads in flight at once (outstanding ARs), some over the writes
        reads = []
        for addr, length, size in regions[:2] + [random_op() for _ in range(3)]:
            reads.append((addr, length, cocotb.start_soon(master.read(addr, length, size=size))))
        for addr, length, task in reads:
            got = bytes((await task).data)
            assert got == bytes(model[addr : addr + length]), f"read 0x{addr:x}+{length}"

    dut.dump_lo.value = 0
    dut.dump_hi.value = nbytes // nb - 1
    dut.dump.value = 1
    await RisingEdge(dut.clk)
    dut.dump.value = 0
    await RisingEdge(dut.clk)
    assert read_dump(os.environ["SOFF_RAM_OUT"], data_w) == bytes(model)
