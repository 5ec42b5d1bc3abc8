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

The result JSON has ``status`` ("ok", "hang" or "error"), ``cycles``,
``wall_seconds`` (from the start write to ap_done) and ``message``. The test
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

JOB_ENV = "SOFF_SIM_JOB"


@cocotb.test()
async def run_job(dut: Any) -> None:
    job = json.loads(Path(os.environ[JOB_ENV]).read_text())
    result: dict[str, Any] = {"status": "error", "cycles": 0, "wall_seconds": 0.0, "message": ""}
    try:
        regmap = RegisterMap.from_json(job["regmap"])
        args: dict[str, Any] = {name: np.load(path) for name, path in job["buffers"].items()}
        args.update(job["scalars"])
        drv = KernelDriver(dut, regmap, mem_size=int(job["mem_size"]))
        await drv.start()
        start = time.perf_counter()
        outputs, cycles = await drv.launch(
            args, tuple(job["global_size"]), tuple(job["local_size"]), int(job["timeout_cycles"])
        )
        result["wall_seconds"] = time.perf_counter() - start
        for name, path in job["outputs"].items():
            np.save(path, outputs[name])
        result.update(status="ok", cycles=cycles)
    except SimulationHang as exc:
        result.update(status="hang", message=str(exc))
    except Exception as exc:  # reported to the launcher, which raises it there
        result.update(message=f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
    Path(job["result"]).write_text(json.dumps(result))
