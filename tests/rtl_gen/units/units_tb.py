"""cocotb testbench for the operator units: streams vectors into a bundle of units
(``soff_tb_*``: shared inputs ``a b c``, one output ``y<i>`` per unit) with random
clock-enable stalls, and compares every result with the expected bit pattern.

Launched by test_units.py, which passes ``SOFF_TB_VECTORS`` (an .npz with ``a b c``
and ``y<i>``) and ``SOFF_TB_META`` (JSON: per output its name and latency).
Mismatches (at most 50) are written to ``mismatches.json`` in the test directory.
"""

from __future__ import annotations

import json
import os
import random
from typing import Any

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge

Dut = Any


@cocotb.test()
async def stream_vectors(dut: Dut) -> None:
    data = np.load(os.environ["SOFF_TB_VECTORS"])
    meta = json.loads(os.environ["SOFF_TB_META"])
    rng = random.Random(int(os.environ.get("SOFF_TB_SEED", "1")))
    p_ce = float(os.environ.get("SOFF_TB_CE", "0.75"))
    ins = {k: data[k].tolist() for k in ("a", "b", "c")}
    n = len(ins["a"])
    outs = [
        (getattr(dut, f"y{i}"), o["latency"], data[f"y{i}"].tolist(), o["name"])
        for i, o in enumerate(meta)
    ]
    ports = {k: getattr(dut, k) for k in ("a", "b", "c")}
    max_l = max(o["latency"] for o in meta)
    Clock(dut.clk, 10, unit="ns").start(start_high=False)
    dut.ce.value = 0
    issued = 0
    ce_prev = 0
    checked = 0
    bad: list[dict[str, Any]] = []
    while issued < n + max_l:
        await FallingEdge(dut.clk)
        if ce_prev:
            issued += 1
            for sig, lat, want, name in outs:
                idx = issued - lat
                if 0 <= idx < n:
                    got = int(sig.value)
                    checked += 1
                    if got != want[idx] and len(bad) < 50:
                        bad.append(
                            {
                                "unit": name,
                                "index": idx,
                                "a": hex(ins["a"][idx]),
                                "b": hex(ins["b"][idx]),
                                "c": hex(ins["c"][idx]),
                                "got": hex(got),
                                "want": hex(want[idx]),
                            }
                        )
        ce = 1 if rng.random() < p_ce else 0
        if ce and issued < n:
            for k, port in ports.items():
                port.value = ins[k][issued]
        else:  # garbage while stalled (or draining): must not enter the pipeline
            for port in ports.values():
                port.value = rng.getrandbits(64)
        dut.ce.value = ce
        ce_prev = ce
    with open("mismatches.json", "w") as fh:
        json.dump({"checked": checked, "mismatches": bad}, fh, indent=1)
    assert not bad, f"{len(bad)}+ mismatches, first: {bad[0]}"
