"""A cocotb driver for generated kernel tops (docs/interface.md).

Use it from your own cocotb testbench::

    drv = KernelDriver(dut, regmap)
    await drv.start()                      # clock, reset, AXI models
    outputs, cycles = await drv.launch({"src": a, "dst": b, "n": len(a)}, (len(a),))

or step by step with :meth:`write_buffer`, :meth:`set_arg`,
:meth:`set_ndrange`, :meth:`run` and :meth:`read_buffer`.
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from soff.rtl_gen.regmap import CONTROL, GIE, IER, ISR, RegisterMap
from soff.sim.errors import SimulationHang

PAGE = 4096
CLOCK_PERIOD_NS = 10
RESET_CYCLES = 8
DEFAULT_MEM_SIZE = 1 << 26  # 64 MiB, allocated lazily by the RAM model


def pad3(sizes: int | Sequence[int], what: str) -> tuple[int, int, int]:
    """``sizes`` as a 3-tuple padded with 1; each entry a positive integer."""
    if isinstance(sizes, (int, np.integer)):
        sizes = (int(sizes),)
    sizes = tuple(sizes)
    if not 1 <= len(sizes) <= 3:
        raise ValueError(f"{what} must have 1 to 3 dimensions, not {len(sizes)}")
    for s in sizes:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1:
            raise ValueError(f"{what} must hold positive integers, not {sizes!r}")
    padded = tuple(int(s) for s in sizes) + (1,) * (3 - len(sizes))
    return padded  # type: ignore[return-value]


def scalar_bits(name: str, value: Any, bits: int) -> int:
    """The register image of a scalar: ints as two's complement, floats as IEEE."""
    if isinstance(value, (bool, np.bool_)):
        value = int(value)
    if isinstance(value, (float, np.floating)):
        if bits == 32:
            return int(struct.unpack("<I", struct.pack("<f", float(value)))[0])
        if bits == 64:
            return int(struct.unpack("<Q", struct.pack("<d", float(value)))[0])
        raise ValueError(f"argument '{name}' is {bits} bits wide; a float needs 32 or 64")
    if not isinstance(value, (int, np.integer)):
        raise ValueError(f"argument '{name}' must be a number, not {type(value).__name__}")
    value = int(value)
    if not -(1 << (bits - 1)) <= value < (1 << bits):
        raise ValueError(f"argument '{name}' = {value} does not fit in {bits} bits")
    return value & ((1 << bits) - 1)


class KernelDriver:
    """Clock, reset, AXI memory and AXI-Lite control for one kernel under test."""

    def __init__(
        self,
        dut: Any,
        regmap: RegisterMap,
        clk: str = "ap_clk",
        rst_n: str = "ap_rst_n",
        mem_size: int = DEFAULT_MEM_SIZE,
        period_ns: int = CLOCK_PERIOD_NS,
        quiet: bool = True,
        python_ram: bool = True,
        stall_scope: Any = None,
    ) -> None:
        """``quiet`` keeps the AXI models from logging every transaction (slow).

        ``python_ram=False`` attaches no cocotbext-axi ``AxiRam`` (the design
        brings its own memory, e.g. :mod:`soff.sim.verilog_mem`; then
        :meth:`write_buffer` and :meth:`read_buffer` are unavailable).
        ``stall_scope`` is where :meth:`stall_signals` looks (default ``dut``).
        """
        self.dut = dut
        self.python_ram = python_ram
        self.stall_scope = dut if stall_scope is None else stall_scope
        self.regmap = regmap
        self.clk = getattr(dut, clk)
        self.rst_n = getattr(dut, rst_n)
        self.mem_size = mem_size
        self.period_ns = period_ns
        self.ram: Any = None
        self.ctrl: Any = None
        self._next_addr = PAGE  # keep address 0 free: it reads as NULL
        self._started = False
        self.quiet = quiet

    async def start(self) -> None:
        """Start the clock, attach the AXI models and apply reset."""
        from cocotb.clock import Clock
        from cocotb.triggers import ClockCycles
        from cocotbext.axi import AxiBus, AxiLiteBus, AxiLiteMaster, AxiRam

        if self._started:
            return
        self._started = True
        Clock(self.clk, self.period_ns, unit="ns").start()  # runs as its own task
        self.rst_n.value = 0
        if self.python_ram:
            self.ram = AxiRam(
                AxiBus.from_prefix(self.dut, "m_axi_gmem"),
                self.clk,
                self.rst_n,
                reset_active_level=False,
                size=self.mem_size,
            )
            self._define_idle_ids()
        self.ctrl = AxiLiteMaster(
            AxiLiteBus.from_prefix(self.dut, "s_axi_control"),
            self.clk,
            self.rst_n,
            reset_active_level=False,
        )
        if self.quiet:
            for model in (self.ram, self.ctrl) if self.ram is not None else (self.ctrl,):
                for channel in (model.write_if, model.read_if):
                    channel.log.setLevel(logging.WARNING)
        await ClockCycles(self.clk, RESET_CYCLES)
        self.rst_n.value = 1
        await ClockCycles(self.clk, 2)

    def _define_idle_ids(self) -> None:
        """Drive the AxiRam's RID and BID to 0 instead of X until its first beat.

        cocotbext-axi's stream sources drive their payload signals X while idle
        (``_init_x``). Generated read arbiters route ``m_axi_gmem_rready`` by
        RID even while RVALID is low (``m_rready = |(c_rready & rid_onehot)``),
        so under a 4-state simulator (Icarus) RREADY is X until the first read
        beat and cocotbext-axi's R source fails with "Cannot convert Logic('X')
        to bool" when it samples it. A real slave drives defined levels;
        Verilator (2-state) sees 0 anyway. The payload stays as driven until
        the source's first beat, after which it holds the last beat's values.
        """
        for name in ("m_axi_gmem_rid", "m_axi_gmem_bid"):
            handle = getattr(self.dut, name, None)
            if handle is not None:
                handle.setimmediatevalue(0)

    # -- memory ---------------------------------------------------------

    def alloc(self, nbytes: int) -> int:
        """Reserve ``nbytes`` of RAM, 4 KiB aligned; return the address."""
        addr = self._next_addr
        size = max(PAGE, -(-nbytes // PAGE) * PAGE)
        if addr + size > self.mem_size:
            raise MemoryError(
                f"buffers need more than the simulated RAM's {self.mem_size} bytes; raise mem_size"
            )
        self._next_addr = addr + size
        return addr

    async def write_buffer(self, array: np.ndarray, addr: int | None = None) -> int:
        """Copy ``array`` into the RAM (at a fresh allocation unless ``addr``); return its address."""
        await self.start()
        self._need_ram()
        data = np.ascontiguousarray(array).tobytes()
        if addr is None:
            addr = self.alloc(len(data))
        self.ram.write(addr, data)
        return addr

    async def read_buffer(self, addr: int, dtype: Any, count: int) -> np.ndarray:
        """``count`` elements of ``dtype`` from the RAM at ``addr``."""
        await self.start()
        self._need_ram()
        dt = np.dtype(dtype)
        data = self.ram.read(addr, dt.itemsize * count)
        return np.frombuffer(bytes(data), dtype=dt, count=count).copy()

    def _need_ram(self) -> None:
        if self.ram is None:
            raise RuntimeError("this KernelDriver has no Python RAM (python_ram=False)")

    # -- control registers ----------------------------------------------

    async def write_reg(self, offset: int, value: int) -> None:
        await self.start()
        await self.ctrl.write_dword(offset, value & 0xFFFFFFFF)

    async def read_reg(self, offset: int) -> int:
        await self.start()
        return int(await self.ctrl.read_dword(offset))

    async def set_arg(self, name: str, value: Any) -> None:
        """Write kernel argument ``name``: an address for pointers, a number for scalars."""
        try:
            reg = self.regmap[name]
        except KeyError:
            known = ", ".join(r.name for r in self.regmap.args)
            raise ValueError(
                f"kernel '{self.regmap.kernel}' has no argument '{name}' (it has: {known})"
            ) from None
        if reg.kind == "pointer":
            if not isinstance(value, (int, np.integer)) or value < 0:
                raise ValueError(
                    f"argument '{name}' is a pointer; give it an address, not {value!r}"
                )
            image = int(value) & ((1 << 64) - 1)
            words = 2
        else:
            image = scalar_bits(name, value, reg.bits)
            words = reg.words
        for i in range(words):
            await self.write_reg(reg.offset + 4 * i, image >> (32 * i))

    async def set_ndrange(
        self, global_size: int | Sequence[int], local_size: int | Sequence[int] | None = None
    ) -> None:
        """Write ``global_size_0/1/2`` and ``local_size_0/1/2`` (padded with 1)."""
        gs = pad3(global_size, "global_size")
        ls = pad3(local_size if local_size is not None else (1,), "local_size")
        for d in range(3):
            await self.write_reg(self.regmap[f"global_size_{d}"].offset, gs[d])
            await self.write_reg(self.regmap[f"local_size_{d}"].offset, ls[d])

    # -- running ----------------------------------------------------------

    def stall_signals(self) -> list[str]:
        """Names of the DUT's ``dbg_stall_*`` signals that are currently high."""
        high: list[str] = []
        try:
            handles = list(self.stall_scope)
        except Exception:  # not every simulator can iterate a scope
            return high
        for h in handles:
            name = getattr(h, "_name", "") or ""
            if not name.startswith("dbg_stall_"):
                continue
            try:
                if int(h.value) != 0:
                    high.append(name)
            except (ValueError, TypeError):
                high.append(f"{name}=X")
        return sorted(high)

    def progress_count(self) -> int | None:
        """The sum of the design's ``dbg_progress`` counters (one per compute unit:
        work-items entering or leaving block pipelines), or None if it has none."""
        scope = self.stall_scope
        handles = []
        if hasattr(scope, "dbg_progress"):
            handles.append(scope.dbg_progress)
        else:
            k = 0
            while hasattr(scope, f"cu{k}") and hasattr(getattr(scope, f"cu{k}"), "dbg_progress"):
                handles.append(getattr(scope, f"cu{k}").dbg_progress)
                k += 1
        if not handles:
            return None
        try:
            return sum(int(h.value) for h in handles)
        except (ValueError, TypeError):
            return None

    async def run(
        self, timeout_cycles: int, stall_window: int | None = None, fallback: int | None = None
    ) -> int:
        """Start the kernel and wait for ap_done; return the cycles from the start write.

        Completion is seen on the ``interrupt`` port (GIE and IER bit0 are
        enabled here), so waiting costs no AXI-Lite traffic; the done bit is
        then read (and so cleared) and the ISR cleared. Raises
        :class:`SimulationHang` after ``timeout_cycles`` cycles, or, with
        ``stall_window``, as soon as the design's progress counter
        (:meth:`progress_count`) stays the same for ``stall_window`` cycles; a
        design without the counter then gets ``fallback`` cycles instead.
        """
        from cocotb.triggers import First, RisingEdge, Timer
        from cocotb.utils import get_sim_time

        await self.start()
        await self.write_reg(GIE, 1)
        await self.write_reg(IER, 1)
        await RisingEdge(self.clk)
        t0 = get_sim_time(unit="ns")
        await self.write_reg(CONTROL, 1)
        irq = self.dut.interrupt
        last = self.progress_count() if stall_window else None
        if stall_window and last is None and fallback:
            timeout_cycles = fallback
        while not int(irq.value):
            remaining = max(1, timeout_cycles * self.period_ns - (get_sim_time(unit="ns") - t0))
            window = remaining if last is None else min(remaining, stall_window * self.period_ns)
            fired = await First(RisingEdge(irq), Timer(window, unit="ns"))
            if isinstance(fired, RisingEdge) or int(irq.value):
                break
            if window == remaining:
                await self._hang(timeout_cycles)
            now = self.progress_count()
            if now == last:
                elapsed = round((get_sim_time(unit="ns") - t0) / self.period_ns)
                await self._hang(timeout_cycles, stuck=(stall_window, elapsed))
            last = now
        cycles = round((get_sim_time(unit="ns") - t0) / self.period_ns)
        await self.read_reg(CONTROL)  # clears ap_done
        isr = await self.read_reg(ISR)
        if isr:
            await self.write_reg(ISR, isr)  # toggle-on-write clears the set bits
        await self.write_reg(GIE, 0)
        return cycles

    async def _hang(self, timeout_cycles: int, stuck: tuple[int, int] | None = None) -> None:
        stalls = self.stall_signals()
        control = await self.read_reg(CONTROL)
        if stuck is not None:
            msg = (
                f"kernel '{self.regmap.kernel}' is stuck: no work-item moved for "
                f"{stuck[0]} cycles (at cycle {stuck[1]})"
            )
        else:
            msg = f"kernel '{self.regmap.kernel}' did not finish within {timeout_cycles} cycles"
        if control & 0x2:
            msg += " (ap_done is set but 'interrupt' never rose: check GIE/IER/ISR logic)"
        else:
            msg += f" (control register = 0x{control:x})"
        if stalls:
            msg += "; stalled: " + ", ".join(stalls)
        if stuck is None:
            msg += (
                "; a kernel that is only slow (long loops, slow units) needs a larger bound: "
                "timeout_cycles=N in Python, --timeout-cycles N on the command line"
            )
        raise SimulationHang(msg)

    async def launch(
        self,
        args: Mapping[str, Any],
        global_size: int | Sequence[int],
        local_size: int | Sequence[int] | None = None,
        timeout_cycles: int = 100_000,
        stall_window: int | None = None,
        fallback: int | None = None,
    ) -> tuple[dict[str, np.ndarray], int]:
        """Write every buffer, set every argument, run, read every buffer back.

        ``args`` maps each kernel argument to a numpy array (pointers) or a
        number (scalars). Returns ``(outputs, cycles)``, outputs keyed by the
        pointer arguments' names.
        """
        await self.start()
        buffers: dict[str, tuple[int, np.ndarray]] = {}
        for reg in self.regmap.args:
            if reg.name not in args:
                raise ValueError(f"kernel '{self.regmap.kernel}' needs argument '{reg.name}'")
            value = args[reg.name]
            if reg.kind == "pointer":
                if not isinstance(value, np.ndarray):
                    raise ValueError(
                        f"argument '{reg.name}' is a pointer and needs a numpy array, "
                        f"not {type(value).__name__}"
                    )
                addr = await self.write_buffer(value)
                buffers[reg.name] = (addr, value)
                await self.set_arg(reg.name, addr)
            else:
                await self.set_arg(reg.name, value)
        await self.set_ndrange(global_size, local_size)
        cycles = await self.run(timeout_cycles, stall_window, fallback)
        outputs = {}
        for name, (addr, array) in buffers.items():
            flat = await self.read_buffer(addr, array.dtype, array.size)
            outputs[name] = flat.reshape(array.shape)
        return outputs, cycles
