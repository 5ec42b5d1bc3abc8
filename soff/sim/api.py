"""``simulate()``: run a generated kernel top on numpy data and get the results back."""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from soff.ir.interp import default_local_size  # the same rule as the interpreter
from soff.rtl_gen.regmap import RegisterMap
from soff.sim import runner, verilog_mem
from soff.sim.driver import PAGE, pad3, scalar_bits
from soff.sim.errors import SimulationError, SimulationHang

TEST_MODULE = "soff.sim.tb.kernel_test"
PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the directory holding 'soff'


@dataclass
class SimResult:
    """Outputs of one simulated kernel launch.

    ``wall_seconds`` is the wall time the simulator spent from the start write
    to ap_done; ``total_seconds`` is the whole :func:`simulate` call (build,
    simulator start-up, data transfer included). ``built`` is False when a
    cached build was reused. ``cycles`` is None when the IR interpreter ran the
    kernel instead (:func:`simulate_interp`).
    """

    outputs: dict[str, np.ndarray]
    cycles: int | None
    wall_seconds: float
    total_seconds: float = 0.0
    built: bool = False
    build_dir: Path | None = None
    #: what a C function compiled as a kernel returned (soff.frontend.cfunc; else None)
    return_value: int | float | None = None
    #: the values of the top's internal signals named by ``simulate(probes=...)`` after ap_done
    probes: dict[str, int] = field(default_factory=dict)

    @property
    def cycles_per_second(self) -> float:
        if self.cycles is None or self.wall_seconds <= 0:
            return 0.0
        return self.cycles / self.wall_seconds


def simulate_interp(
    kernel_ir: str,
    args: Mapping[str, Any],
    global_size: int | Sequence[int],
    local_size: int | Sequence[int] | None = None,
    regmap: RegisterMap | None = None,
) -> SimResult:
    """Run a kernel's IR text in the IR interpreter (:func:`soff.ir.interp.run_kernel`,
    vectorised) instead of a Verilog simulator: the same outputs (every buffer
    argument, with its dtype and shape), no cycle count. Bad arguments or sizes
    are :class:`ValueError`, as in :func:`simulate` (``regmap`` gives its messages
    for missing and unknown arguments)."""
    from soff.ir.interp import Local, run_kernel
    from soff.ir.parser import parse_kernel

    start = time.perf_counter()
    if regmap is not None:  # a __local argument's Local(nbytes) stands for no buffer
        _validate_args(regmap, {n: np.zeros(1) if isinstance(v, Local) else v
                                for n, v in args.items()})  # fmt: skip
    kernel = parse_kernel(kernel_ir)
    gs = (global_size,) if isinstance(global_size, int) else tuple(int(g) for g in global_size)
    ls = None
    if local_size is not None:
        ls = (local_size,) if isinstance(local_size, int) else tuple(int(n) for n in local_size)
    t0 = time.perf_counter()
    try:
        outputs = run_kernel(kernel, args, gs, ls)
    except TypeError as e:  # an argument of the wrong kind (run_kernel's checks)
        raise ValueError(str(e)) from None
    return SimResult(
        outputs=outputs,
        cycles=None,
        wall_seconds=time.perf_counter() - t0,
        total_seconds=time.perf_counter() - start,
    )


def default_timeout(global_size: tuple[int, int, int]) -> int:
    items = global_size[0] * global_size[1] * global_size[2]
    return 1000 + 200 * items


#: with the default bound, a design whose progress counter (``dbg_progress``: work-items
#: entering or leaving block pipelines) stays the same this many cycles is stuck
STALL_WINDOW = 20_000


def default_cycle_cap(global_size: tuple[int, int, int]) -> int:
    """The bound on a design that keeps moving (long loops) when no bound is given."""
    return max(20 * default_timeout(global_size), 2_000_000)


def _validate_args(regmap: RegisterMap, args: Mapping[str, Any]) -> None:
    kernel = regmap.kernel
    names = [r.name for r in regmap.args]
    missing = [n for n in names if n not in args]
    if missing:
        raise ValueError(
            f"kernel '{kernel}' needs argument(s) {', '.join(repr(n) for n in missing)}; "
            f"its arguments are {', '.join(names)}"
        )
    extra = [n for n in args if n not in names]
    if extra:
        raise ValueError(
            f"kernel '{kernel}' has no argument(s) {', '.join(repr(n) for n in extra)}; "
            f"its arguments are {', '.join(names)}"
        )
    for reg in regmap.args:
        value = args[reg.name]
        if reg.kind == "pointer":
            if not isinstance(value, np.ndarray):
                raise ValueError(
                    f"argument '{reg.name}' is a pointer and must be a numpy array, "
                    f"not {type(value).__name__}"
                )
            if value.dtype.hasobject:
                raise ValueError(f"argument '{reg.name}' must hold numbers, not {value.dtype}")
        else:
            if isinstance(value, np.ndarray) or not isinstance(
                value, (int, float, bool, np.integer, np.floating, np.bool_)
            ):
                raise ValueError(
                    f"argument '{reg.name}' is a {reg.bits}-bit scalar and must be a number, "
                    f"not {type(value).__name__}"
                )
            scalar_bits(reg.name, value, reg.bits)  # range and width checks


def _json_scalar(value: Any) -> int | float:
    if isinstance(value, (float, np.floating)):
        return float(value)
    return int(value)


def simulate(
    verilog: str | Path,
    regmap: RegisterMap,
    args: Mapping[str, np.ndarray | int | float],
    global_size: int | Sequence[int],
    local_size: int | Sequence[int] | None = None,
    simulator: str = "verilator",
    timeout_cycles: int | None = None,
    build_root: str | Path | None = None,
    toplevel: str | None = None,
    keep_dir: str | Path | None = None,
    memory: str = "verilog",
    probes: Sequence[str] = (),
) -> SimResult:
    """Run kernel ``regmap.kernel`` from ``verilog`` (a file, or source text) on ``args``.

    ``args`` maps every kernel argument to a numpy array (pointer arguments)
    or a number (scalars). Returns the final contents of every buffer. The
    build is cached (see :mod:`soff.sim.runner`); ``keep_dir`` keeps the job,
    log and results there instead of a temporary directory. Raises
    :class:`ValueError` for bad arguments, :class:`SimulationHang` when
    ap_done does not come within ``timeout_cycles`` (default
    :func:`default_cycle_cap`: at least 2,000,000) or as soon as no work-item
    enters or leaves a block pipeline for :data:`STALL_WINDOW` cycles (a
    deadlock; designs without soff's progress counter get
    :func:`default_timeout` cycles by default), :class:`SimulationError` when the simulator
    or testbench fails. ``probes`` names signals of the top (e.g. counters
    that no port shows) to read after ap_done, into ``SimResult.probes``.
    """
    start = time.perf_counter()
    if memory not in ("verilog", "python"):
        raise ValueError(f"memory must be 'verilog' or 'python', not {memory!r}")
    source_text: str | None = None
    if isinstance(verilog, str) and "endmodule" in verilog:
        source_text = verilog  # Verilog source, not a path
    elif not Path(verilog).is_file():
        raise FileNotFoundError(f"Verilog file '{verilog}' does not exist")
    _validate_args(regmap, args)
    gs = pad3(global_size, "global_size")
    ls = default_local_size(gs) if local_size is None else pad3(local_size, "local_size")
    for d in range(3):
        if gs[d] % ls[d]:
            raise ValueError(f"local_size {ls} does not divide global_size {gs} in dimension {d}")
    fallback: int | None = None
    if timeout_cycles is None:
        timeout_cycles = default_cycle_cap(gs)
        fallback = default_timeout(gs)  # for designs without a progress counter
    if (
        isinstance(timeout_cycles, bool)
        or not isinstance(timeout_cycles, int)
        or timeout_cycles < 1
    ):
        raise ValueError(f"timeout_cycles must be a positive integer, not {timeout_cycles!r}")

    buffers: dict[str, np.ndarray] = {
        r.name: np.asarray(args[r.name]) for r in regmap.args if r.kind == "pointer"
    }
    addresses: dict[str, int] = {}
    mem = PAGE  # keep address 0 free: it reads as NULL (the layout of KernelDriver.alloc)
    for name, array in buffers.items():
        addresses[name] = mem
        mem += -(-max(array.nbytes, 1) // PAGE) * PAGE
    with tempfile.TemporaryDirectory(prefix="soff-sim-") as tmp:
        work = Path(keep_dir) if keep_dir is not None else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        job: dict[str, Any] = {
            "regmap": regmap.to_json(),
            "buffers": {},
            "outputs": {},
            "scalars": {
                r.name: _json_scalar(args[r.name]) for r in regmap.args if r.kind != "pointer"
            },
            "global_size": list(gs),
            "local_size": list(ls),
            "timeout_cycles": timeout_cycles,
            "stall_window": STALL_WINDOW,
            "fallback_timeout": fallback,
            "mem_size": max(mem, 1 << 20),
            "result": str(work / "result.json"),
            "probes": list(probes),
        }
        for name, array in buffers.items():
            path = work / f"in_{name}.npy"
            np.save(path, array)
            job["buffers"][name] = str(path)
            job["outputs"][name] = str(work / f"out_{name}.npy")
        job_file = work / "job.json"
        job_file.write_text(json.dumps(job, indent=1))
        result_file = Path(job["result"])
        result_file.unlink(missing_ok=True)
        kernel = toplevel or regmap.kernel
        if source_text is not None:
            verilog = work / f"{kernel}.v"
            verilog.write_text(source_text)
        top = kernel
        plusargs: list[str] = []
        if memory == "verilog":
            text = source_text if source_text is not None else Path(verilog).read_text()
            nbytes = verilog_mem.mem_bytes(mem)
            data_w = verilog_mem.data_width(text, kernel)
            top = verilog_mem.TOP
            verilog = work / f"{top}.v"
            verilog.write_text(verilog_mem.sources(text, kernel, nbytes))
            hex_in, dump = work / "mem_in.hex", work / "mem_out.hex"
            verilog_mem.write_hex(
                hex_in,
                [(addresses[n], np.ascontiguousarray(a).tobytes()) for n, a in buffers.items()],
                data_w,
            )
            dump.unlink(missing_ok=True)
            job.update(
                memory="verilog",
                mem_size=nbytes,
                addresses=addresses,
                data_width=data_w,
                dump=str(dump),
            )
            job_file.write_text(json.dumps(job, indent=1))
            plusargs = [f"+soff_mem_in={hex_in}", f"+soff_mem_out={dump}"]

        run = runner.build_and_run(
            verilog,
            top,
            TEST_MODULE,
            test_dir=work,
            python_path=[PACKAGE_ROOT],
            simulator=simulator,
            build_root=build_root,
            extra_env={"SOFF_SIM_JOB": str(job_file)},
            # Wall-clock backstop in case the simulator itself wedges.
            timeout=300.0 + timeout_cycles / 1000.0,
            plusargs=plusargs,
            name=kernel,
        )
        if not result_file.exists():
            raise SimulationError(
                f"the testbench wrote no result; log {run.log_file}:\n" + runner._tail(run.log_file)
            )
        result = json.loads(result_file.read_text())
        if result["status"] == "hang":
            raise SimulationHang(result["message"])
        if result["status"] != "ok":
            raise SimulationError(f"the testbench failed: {result['message']}")
        outputs = {name: np.load(path) for name, path in job["outputs"].items()}

    return SimResult(
        outputs=outputs,
        cycles=int(result["cycles"]),
        wall_seconds=float(result["wall_seconds"]),
        total_seconds=time.perf_counter() - start,
        built=run.built,
        build_dir=run.build_dir,
        probes={k: int(v) for k, v in result.get("probes", {}).items()},
    )
