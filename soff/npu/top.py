"""One accelerator top for a whole :class:`soff.npu.codegen.Plan`.

Every layer kernel becomes a stage of :mod:`soff.rtl_gen.sequencer`: the top
runs them in plan order on one ap_start, behind the kernel interface (one
AXI4-Lite control slave, one AXI4 master ``m_axi_gmem``, docs/interface.md).
Every tensor the layers exchange lives in global memory — the model's inputs
and outputs, the activations between layers, and the weights of layers whose
weights are streamed (``weight_storage == "global"``); weights kept on chip
are ROMs inside their stage. Each of those buffers has one 64-bit pointer
register; the host writes the buffers' addresses there, loads inputs and
streamed weights, starts the top and reads the outputs after ap_done.

The *memory map* (:func:`memory_map`) is the layout soff's simulation harness
uses and the one documented in the top's header: buffers in plan order, each
at a 4 KiB-aligned byte offset from 0x1000 (address 0 stays free). A host may
place them anywhere else by writing other pointers.

Register names are the buffers' names made into Verilog identifiers
(``fc1.w`` → ``fc1_w``). The 1-D NDRanges of the plan are padded to 3-D.
``stage_cycles_<i>`` inside the top counts the cycles of layer i (simulation
reads them; synthesis removes them, nothing uses them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from soff.diagnostics import CompileError
from soff.npu.codegen import Plan

#: alignment of the buffers in the memory map (the simulator's page)
ALIGN = 4096
FIRST_ADDRESS = 0x1000


@dataclass
class Slot:
    """One buffer of the top: where its pointer register is and where it sits."""

    buffer: str  # the plan's buffer name
    register: str  # its pointer register (a Verilog identifier)
    reg_offset: int  # AXI4-Lite byte offset of the pointer's low word
    address: int  # byte address in the reference memory map
    nbytes: int
    dtype: str
    shape: tuple[int, ...]
    role: str


@dataclass
class NpuTop:
    """The Verilog of the whole-model top, its register map and memory map."""

    name: str
    verilog: str
    regmap: Any  # soff.rtl_gen.regmap.RegisterMap
    slots: list[Slot]
    #: layer name per stage, in order (stage i counts in ``stage_cycles_<i>``)
    stages: list[str] = field(default_factory=list)

    def slot(self, buffer: str) -> Slot:
        return next(s for s in self.slots if s.buffer == buffer)

    def map_lines(self) -> list[str]:
        """The register and memory map as text lines."""
        w = max(len(s.register) for s in self.slots)
        lines = ["Buffers (pointer register, reference address, bytes, role, shape):"]
        for s in self.slots:
            lines.append(
                f"  0x{s.reg_offset:02X} {s.register.ljust(w)}  @0x{s.address:08X}  "
                f"{s.nbytes:>8} B  {s.role:<10} {s.dtype}{list(s.shape)}"
            )
        return lines

    def to_dict(self) -> dict[str, Any]:
        return {
            "top": self.name,
            "buffers": [
                {
                    "buffer": s.buffer,
                    "register": s.register,
                    "register_offset": s.reg_offset,
                    "address": s.address,
                    "bytes": s.nbytes,
                    "role": s.role,
                    "dtype": s.dtype,
                    "shape": list(s.shape),
                }  # fmt: skip
                for s in self.slots
            ],
            "stages": list(self.stages),
        }


def _ident(name: str) -> str:
    s = re.sub(r"\W", "_", name)
    return s if s and not s[0].isdigit() else "_" + s


def register_names(plan: Plan) -> dict[str, str]:
    """Buffer name → a distinct Verilog identifier for its pointer register."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for b in plan.buffers:
        r = _ident(b)
        while r in used or r.startswith("ap_") or r.endswith(("_size_0", "_size_1", "_size_2")):
            r += "_"
        used.add(r)
        out[b] = r
    return out


def memory_map(plan: Plan) -> list[tuple[str, int, int]]:
    """(buffer, byte address, bytes) in plan order, 4 KiB aligned from 0x1000."""
    out, addr = [], FIRST_ADDRESS
    for b in plan.buffers.values():
        nbytes = b.size * np.dtype(b.dtype).itemsize
        out.append((b.name, addr, nbytes))
        addr += -(-max(nbytes, 1) // ALIGN) * ALIGN
    return out


def top_name(plan: Plan) -> str:
    name = _ident(plan.name) + "_npu"
    kernels = {lk.kernel_name for lk in plan.layers}
    while name in kernels:
        name += "_top"
    return name


def build_npu_top(plan: Plan, designs: list[Any], board: Any) -> NpuTop:
    """The top running every layer of ``plan`` (``designs``: one compiled soff
    Design per layer kernel, in order) on ``board``."""
    from soff.rtl_gen.sequencer import Stage, emit_sequencer

    if not plan.layers:
        raise CompileError(f"npu: model '{plan.name}' has no layer that computes anything")
    regs = register_names(plan)
    stages = []
    for lk, d in zip(plan.layers, designs, strict=True):
        if d.schedule is None:
            raise CompileError(f"npu: layer '{lk.name}' compiled without a datapath schedule")
        gs = (*lk.global_size, 1, 1)
        ls = (*lk.local_size, 1, 1)
        bindings = {a: (regs[v] if isinstance(v, str) else v) for a, v in lk.args}
        stages.append(
            Stage(
                d.schedule.kernel,
                d.schedule,
                (gs[0], gs[1], gs[2]),
                (ls[0], ls[1], ls[2]),
                bindings,  # type: ignore[arg-type]
                lk.num_cu,
            )
        )
    name = top_name(plan)
    placed = memory_map(plan)
    notes = ["Memory map (reference layout; the pointers may point anywhere):"]
    for buf, addr, nbytes in placed:
        b = plan.buffers[buf]
        notes.append(
            f"  {regs[buf]}: 0x{addr:08X}, {nbytes} bytes, {b.role} {b.dtype}{list(b.shape)}"
        )
    notes.append("Layers: " + ", ".join(f"{i}: {lk.name} ({lk.op})" for i, lk in
                                        enumerate(plan.layers)))  # fmt: skip
    verilog, regmap = emit_sequencer(name, stages, [regs[b] for b in plan.buffers], board, notes)
    slots = []
    for buf, addr, nbytes in placed:
        b = plan.buffers[buf]
        slots.append(
            Slot(buf, regs[buf], regmap[regs[buf]].offset, addr, nbytes, b.dtype, b.shape, b.role)
        )
    return NpuTop(name, verilog, regmap, slots, [lk.name for lk in plan.layers])


def default_timeout(plan: Plan) -> int:
    """A generous cycle limit for one inference (only a hang should reach it)."""
    total = 10_000
    for lk in plan.layers:
        items = int(np.prod(lk.global_size))
        total += 2_000 + 200 * (items + plan.buffers[lk.output].size) + 20 * lk.macs
    return total
