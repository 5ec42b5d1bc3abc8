"""cocotb tests that use KernelDriver step by step, as a user's own testbench would.

Launched by test_driver.py; the register map comes in ``$SOFF_TEST_REGMAP``.
"""

from __future__ import annotations

import os

import cocotb
import numpy as np

from soff.rtl_gen.regmap import RegisterMap
from soff.sim.driver import PAGE, KernelDriver
from soff.sim.errors import SimulationHang


def make_driver(dut: object) -> KernelDriver:
    return KernelDriver(
        dut, RegisterMap.from_json(os.environ["SOFF_TEST_REGMAP"]), mem_size=1 << 20
    )


@cocotb.test()
async def step_by_step(dut: object) -> None:
    drv = make_driver(dut)
    src = np.arange(5000, dtype=np.int32) - 2500  # crosses a page boundary
    a = await drv.write_buffer(src)
    b = await drv.write_buffer(np.zeros_like(src))
    assert a % PAGE == 0 and b % PAGE == 0 and b >= a + src.nbytes
    await drv.set_arg("src", a)
    await drv.set_arg("dst", b)
    await drv.set_arg("n", 7)
    await drv.set_ndrange((7,), (7,))
    assert await drv.read_reg(drv.regmap["global_size_1"].offset) == 1
    assert await drv.read_reg(drv.regmap["n"].offset) == 7
    cycles = await drv.run(10_000)
    assert cycles > 7
    out = await drv.read_buffer(b, np.int32, src.size)
    assert (out[:7] == src[:7]).all() and not out[7:].any()
    # ap_done was cleared by the read; the kernel is idle again
    assert await drv.read_reg(0x00) & 0x6 == 0x4

    # a second launch on the same driver; negative n copies nothing
    await drv.set_arg("n", -3)
    assert await drv.read_reg(drv.regmap["n"].offset) == 0xFFFFFFFD
    await drv.run(1000)
    outputs, cycles = await drv.launch(
        {"src": src, "dst": np.zeros_like(src), "n": 5000}, (5000,), None, 100_000
    )
    assert (outputs["dst"] == src).all()


@cocotb.test()
async def hang_names_stalls(dut: object) -> None:
    drv = make_driver(dut)
    try:
        await drv.launch(
            {"src": np.ones(64, np.int32), "dst": np.zeros(64, np.int32), "n": 64}, 64, 64, 20
        )
    except SimulationHang as exc:
        assert "within 20 cycles" in str(exc) and "dbg_stall_" in str(exc), str(exc)
    else:
        raise AssertionError("no SimulationHang")


@cocotb.test()
async def bad_arguments(dut: object) -> None:
    drv = make_driver(dut)
    for name, value, message in [
        ("nope", 1, "has no argument 'nope'"),
        ("n", "4", "must be a number"),
        ("n", 2**32, "does not fit in 32 bits"),
        ("src", -4, "is a pointer"),
    ]:
        try:
            await drv.set_arg(name, value)
        except ValueError as exc:
            assert message in str(exc), str(exc)
        else:
            raise AssertionError(f"set_arg({name!r}, {value!r}) accepted")
