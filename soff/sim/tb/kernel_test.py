"""One cocotb test: run a kernel as described by the job file in ``$SOFF_SIM_JOB``.

The job (JSON, written by :func:`soff.sim.api.simulate`) holds::

    regmap         RegisterMap.to_json() text
    buffers        {name: path of an .npy file}      pointer arguments
    scalars        {name: int or float}               scalar arguments
    global_size    [g0, g1, g2]
    local_size     [l0, l1, l2]
    timeout_cycles int
    mem_size       bytes of simulated RAM
    outputs        {name: path to write the .npy to}
    result         path of the result JSON to write
    memory         "python" (cocotbext-axi AxiRam, the default) or "verilog"
    probes         [names of the kernel top's internal signals to read after ap_done]

With ``memory = "verilog"`` the DUT is the :mod:`soff.sim.verilog_mem` wrapper,
whose RAM was loaded from a hex file; the job then also holds::

    addresses      {name: byte address of the buffer in the RAM}
    data_width     bits of the m_axi_gmem data bus
    dump           path the RAM's $writememh dump goes to

The result JSON has ``status`` ("ok", "hang" or "error"), ``cycles``,
``wall_seconds`` (from the start write to ap_done), ``message`` and
``probes`` ({name: value}). The test
itself passes whenever the result was written, so the launcher, not cocotb,
decides what a hang means.
"""

from __future__ import annotations

import json
import os
import time
import traceback
from pathlib import Path
from typing import Any

import cocotb
import numpy as np

from soff.rtl_gen.regmap import RegisterMap
from soff.sim.driver import KernelDriver
from soff.sim.errors import SimulationHang
from soff.sim.verilog_mem import read_dump

JOB_ENV = "SOFF_SIM_JOB"


async def _launch_verilog_mem(
    drv: KernelDriver, job: dict[str, Any], args: dict[str, Any]
) -> tuple[dict[str, np.ndarray], int]:
    """Set the arguments (buffers are already in the RAM), run, dump the RAM, read the buffers."""
    from cocotb.triggers import RisingEdge

    dut = drv.dut
    dut.soff_dump.value = 0
    addresses = {name: int(a) for name, a in job["addresses"].items()}
    for reg in drv.regmap.args:
        value = addresses[reg.name] if reg.kind == "pointer" else args[reg.name]
        await drv.set_arg(reg.name, value)
    await drv.set_ndrange(tuple(job["global_size"]), tuple(job["local_size"]))
    cycles = await drv.run(
        int(job["timeout_cycles"]), job.get("stall_window"), job.get("fallback_timeout")
    )
    nb = int(job["data_width"]) // 8
    outputs: dict[str, np.ndarray] = {}
    if addresses:
        lo = min(addresses.values()) // nb
        hi = max(addresses[n] + max(args[n].nbytes, 1) for n in addresses)
        dut.soff_dump_lo.value = lo
        dut.soff_dump_hi.value = -(-hi // nb) - 1
        dut.soff_dump.value = 1
        await RisingEdge(drv.clk)
        dut.soff_dump.value = 0
        await RisingEdge(drv.clk)
        image = read_dump(job["dump"], int(job["data_width"]), lo=lo)
        for name, addr in addresses.items():
            array = args[name]
            off = addr - lo * nb
            flat = np.frombuffer(image[off : off + array.nbytes], dtype=array.dtype)
            outputs[name] = flat.reshape(array.shape).copy()
    return outputs, cycles


@cocotb.test()
async def run_job(dut: Any) -> None:
    job = json.loads(Path(os.environ[JOB_ENV]).read_text())
    result: dict[str, Any] = {"status": "error", "cycles": 0, "wall_seconds": 0.0, "message": ""}
    try:
        regmap = RegisterMap.from_json(job["regmap"])
        args: dict[str, Any] = {name: np.load(path) for name, path in job["buffers"].items()}
        args.update(job["scalars"])
        if job.get("memory", "python") == "verilog":
            drv = KernelDriver(dut, regmap, python_ram=False, stall_scope=dut.kernel)
            await drv.start()
            start = time.perf_counter()
            outputs, cycles = await _launch_verilog_mem(drv, job, args)
            scope = dut.kernel
        else:
            drv = KernelDriver(dut, regmap, mem_size=int(job["mem_size"]))
            await drv.start()
            start = time.perf_counter()
            outputs, cycles = await drv.launch(
                args,
                tuple(job["global_size"]),
                tuple(job["local_size"]),
                int(job["timeout_cycles"]),
                job.get("stall_window"),
                job.get("fallback_timeout"),
            )
            scope = dut
        result["wall_seconds"] = time.perf_counter() - start
        for name, path in job["outputs"].items():
            np.save(path, outputs[name])
        # "gmem.<name>": a counter of the Verilog RAM (soff.sim.verilog_mem), else the kernel's
        result["probes"] = {
            p: int((getattr(dut.gmem, p[5:]) if p.startswith("gmem.") else getattr(scope, p)).value)
            for p in job.get("probes", [])
        }
        result.update(status="ok", cycles=cycles)
    except SimulationHang as exc:
        result.update(status="hang", message=str(exc))
    except Exception as exc:  # reported to the launcher, which raises it there
        result.update(message=f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
    Path(job["result"]).write_text(json.dumps(result))
