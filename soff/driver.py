"""The one compile pipeline: source -> IR -> passes -> schedule -> Verilog.

The CLI, the Python API (:func:`soff.compile`) and the tests all go through
:func:`compile_design`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from soff.boards.board import Board, load_board
from soff.diagnostics import CompileError
from soff.hls.pass_manager import PassContext, PassManager, PassManagerOptions
from soff.hls.pipeline import default_pipeline, ftz_pipeline
from soff.hls.schedule.datapath import DatapathSchedule
from soff.ir.core import Kernel, Module
from soff.ir.printer import print_kernel
from soff.layout import RETURN_ARG, expand_struct_args, pointee_size, with_work_dim
from soff.rtl_gen.regmap import RegisterMap

_DTYPES = {
    "i8": np.int8,
    "u8": np.uint8,
    "i16": np.int16,
    "u16": np.uint16,
    "i32": np.int32,
    "u32": np.uint32,
    "i64": np.int64,
    "u64": np.uint64,
    "f16": np.float16,
    "f32": np.float32,
    "f64": np.float64,
    "u1": np.bool_,
}


def ir_dtype(type_text: str) -> np.dtype | None:
    """The numpy dtype of an IR scalar type name (None for aggregates)."""
    t = _DTYPES.get(type_text)
    return np.dtype(t) if t is not None else None


#: the default cycle limit of a C function's simulation (soff.frontend.cfunc)
SINGLE_WORK_ITEM_TIMEOUT = 20_000_000


@dataclass(frozen=True)
class KernelArg:
    name: str
    type: str
    kind: str  # "pointer" or "scalar"
    space: str | None = None


@dataclass(frozen=True)
class KernelInfo:
    """A kernel's signature, as users see it."""

    name: str
    args: tuple[KernelArg, ...]
    #: a C function run by one work-item (soff.frontend.cfunc): NDRange 1/1 by default
    single_work_item: bool = False
    #: the IR type of its return value (held in the hidden RETURN_ARG buffer), or None
    returns: str | None = None

    @classmethod
    def of(cls, kernel: Kernel) -> KernelInfo:
        from soff.ir.types import PtrType

        args = []
        for a in kernel.args:
            if isinstance(a.type, PtrType):
                args.append(KernelArg(a.name or "", str(a.type.pointee), "pointer", a.type.space))
            else:
                args.append(KernelArg(a.name or "", str(a.type), "scalar"))
        returns = next((a.type for a in args if a.name == RETURN_ARG), None)
        single = bool(kernel.attrs.get("single_work_item", False))
        return cls(kernel.name, tuple(args), single, returns)


@dataclass
class Design:
    """A compiled kernel: its Verilog, register map, IR and report."""

    kernel: KernelInfo
    verilog: str
    regmap: RegisterMap
    ir: str
    board: Board
    schedule: DatapathSchedule | None = None
    timings: dict[str, float] = field(default_factory=dict)
    num_cu: int = 1  # compute units (--num-cu)
    #: the ``extern __shared__`` size a CUDA kernel was compiled with (None: not given)
    shared_bytes: int | None = None
    #: the front end's IR of the kernel (before the HLS passes): what
    #: ``simulate(..., simulator="interp")`` runs
    source_ir: str = ""
    #: compiles the same kernel with another ``shared_bytes`` (and ``__local``
    #: argument sizes, the second argument); set by compile_design
    recompile: Callable[..., Design] | None = field(default=None, repr=False, compare=False)
    #: bytes of each ``__local`` pointer argument's RAM (soff.hls.local_args)
    local_arg_bytes: dict[str, int] = field(default_factory=dict)
    #: work-items per group the private-array RAMs hold (soff.hls.private_arrays; 0: none)
    private_capacity: int = 0
    #: yosys numbers for the report (:meth:`measure`), or why there are none
    synthesis: dict[str, Any] | None = None

    def measure(self) -> dict[str, Any]:
        """Synthesise the design with yosys for its board (no place and route; cached)
        and keep the resource counts for the report; failures are kept as ``error``."""
        from soff.boards.synth import SynthError, ToolMissingError, synthesis_summary

        try:
            self.synthesis = synthesis_summary(self.verilog, self.top, self.board)
        except ToolMissingError:
            self.synthesis = {
                "error": "yosys is not installed (pip install 'soff[synth]'); "
                "resources below are estimates"
            }
        except SynthError as e:
            self.synthesis = {"error": e.message}
        return self.synthesis

    @property
    def top(self) -> str:
        return self.kernel.name

    @property
    def report(self) -> str:
        """The compile report as aligned text (``--report``; see :mod:`soff.report`)."""
        from soff.report import report_text

        return report_text(self)

    def report_data(self) -> dict[str, Any]:
        """The compile report as plain data (what ``--report-json`` writes)."""
        from soff.report import report_data

        return report_data(self)

    def _local_sizes(self, args: Mapping[str, Any]) -> dict[str, int]:
        """The ``Local(nbytes)`` sizes ``args`` give the ``__local`` pointer arguments
        (the compiled sizes for those not given)."""
        from soff.ir.interp import Local

        sizes = dict(self.local_arg_bytes)
        for name in self.local_arg_bytes:
            value = args.get(name)
            if isinstance(value, Local):
                sizes[name] = value.nbytes
            elif name in args:
                raise ValueError(
                    f"argument '{name}' is a __local pointer and needs soff.Local(nbytes), "
                    f"not {type(value).__name__}"
                )
        return sizes

    def check_args(self, args: Mapping[str, Any]) -> None:
        """Reject buffers whose dtype does not match the kernel's pointee type."""
        for a in self.kernel.args:
            if a.kind != "pointer" or a.name not in args or a.name in self.local_arg_bytes:
                continue
            value = args[a.name]
            if not isinstance(value, np.ndarray):
                raise ValueError(
                    f"argument '{a.name}' is a pointer to {a.type} and needs a numpy array, "
                    f"not {type(value).__name__}"
                )
            want = ir_dtype(a.type)
            struct_size = pointee_size(a.type)
            if struct_size and value.nbytes % struct_size:
                raise ValueError(
                    f"argument '{a.name}' points to {a.type.split('{')[0]} ({struct_size} bytes), "
                    f"but the array holds {value.nbytes} bytes, not a multiple of that"
                )
            if want is not None and value.dtype != want:
                raise ValueError(
                    f"argument '{a.name}' points to {a.type} (numpy {want}), "
                    f"but the array has dtype {value.dtype}"
                )
            if value.ndim > 1 and not value.flags.c_contiguous:
                raise ValueError(f"argument '{a.name}' must be a C-contiguous array")

    def write(self, path: str | Path) -> None:
        Path(path).write_text(self.verilog)

    def simulate(
        self,
        global_size: int | Sequence[int] | None = None,
        local_size: int | Sequence[int] | None = None,
        args: Mapping[str, np.ndarray | int | float] | None = None,
        simulator: str = "verilator",
        timeout_cycles: int | None = None,
        *,
        grid: int | Sequence[int] | None = None,
        block: int | Sequence[int] | None = None,
        shared_bytes: int | None = None,
    ):
        """Run the circuit on numpy arrays; returns a :class:`soff.sim.SimResult`
        with ``outputs`` (every buffer after the run) and ``cycles``.
        ``simulator`` is ``"verilator"``, ``"icarus"``, or ``"interp"``: the
        kernel's IR in the interpreter instead of the circuit (``cycles`` None).

        The NDRange is ``global_size``/``local_size``, or a CUDA launch's
        ``grid``/``block`` (see :func:`launch_sizes`). ``shared_bytes`` different
        from the size a CUDA kernel's ``extern __shared__`` memory was compiled
        with compiles the kernel again with that size."""
        if self.kernel.single_work_item:
            if global_size is None and grid is None:
                global_size, local_size = 1, 1
            if timeout_cycles is None:  # a whole program, not one work-item's few cycles
                timeout_cycles = SINGLE_WORK_ITEM_TIMEOUT
        if self.kernel.returns is not None:  # the hidden buffer of a C function's value
            args = dict(args or {})
            want = ir_dtype(self.kernel.returns)
            args.setdefault(RETURN_ARG, np.zeros(1, want))
            result = self._simulate(
                global_size, local_size, args, simulator, timeout_cycles,
                grid=grid, block=block, shared_bytes=shared_bytes,
            )  # fmt: skip
            ret = result.outputs.pop(RETURN_ARG, None)
            if ret is not None:
                result.return_value = ret.reshape(-1)[0].item()
            return result
        return self._simulate(
            global_size, local_size, args, simulator, timeout_cycles,
            grid=grid, block=block, shared_bytes=shared_bytes,
        )  # fmt: skip

    def _simulate(
        self,
        global_size: int | Sequence[int] | None,
        local_size: int | Sequence[int] | None,
        args: Mapping[str, np.ndarray | int | float] | None,
        simulator: str,
        timeout_cycles: int | None,
        *,
        grid: int | Sequence[int] | None = None,
        block: int | Sequence[int] | None = None,
        shared_bytes: int | None = None,
    ):
        from soff.sim.api import simulate

        global_size, local_size = launch_sizes(global_size, local_size, grid, block)
        if (
            shared_bytes is not None
            and self.shared_bytes is not None
            and shared_bytes != self.shared_bytes
            and self.recompile is not None
        ):
            return self.recompile(shared_bytes).simulate(
                global_size, local_size, args, simulator, timeout_cycles
            )
        args = with_work_dim([a.name for a in self.kernel.args], args or {}, global_size)
        if any("." in a.name for a in self.kernel.args):  # structs passed by value
            names = [a.name for a in self.kernel.args]
            args = {k.replace(".", "_"): v for k, v in expand_struct_args(names, args).items()}
        if simulator == "interp":  # the IR interpreter: no circuit, no cycle count
            from soff.sim.api import simulate_interp

            local = {a.name for a in self.kernel.args if a.space == "local"}
            self.check_args({n: v for n, v in args.items() if n not in local})
            ir = self.source_ir or self.ir
            return simulate_interp(ir, args, global_size, local_size, self.regmap)
        local = self._local_sizes(args)
        if local != self.local_arg_bytes and self.recompile is not None:
            return self.recompile(self.shared_bytes, local).simulate(
                global_size, local_size, args, simulator, timeout_cycles
            )
        self.check_args(args)
        sched = self.schedule
        if self.private_capacity and local_size is not None:
            items = int(np.prod([local_size] if isinstance(local_size, int) else local_size))
            if items > self.private_capacity:
                raise ValueError(
                    f"kernel '{self.kernel.name}' keeps private arrays for at most "
                    f"{self.private_capacity} work-items of a group; local size {local_size} "
                    f"has {items} (declare reqd_work_group_size to size them)"
                )
        if sched is not None and sched.barrier_blocks and local_size is not None:
            sizes = [local_size] if isinstance(local_size, int) else list(local_size)
            items = 1
            for n in sizes:
                items *= int(n)
            if items > sched.barrier_capacity:
                raise ValueError(
                    f"kernel '{self.kernel.name}' has barriers that hold at most "
                    f"{sched.barrier_capacity} work-items; local size {tuple(sizes)} has {items} "
                    "(declare reqd_work_group_size to size them)"
                )
        for name in self.local_arg_bytes:  # the circuit ignores the register
            if name in args:
                args[name] = np.zeros(1, np.uint8)
        result = simulate(
            self.verilog,
            self.regmap,
            args,
            global_size,
            local_size,
            simulator=simulator,
            timeout_cycles=timeout_cycles,
            toplevel=self.top,
        )
        for name in self.local_arg_bytes:  # on-chip: nothing to give back
            result.outputs.pop(name, None)
        return result


def load_module(
    source: str | Path,
    defines: Mapping[str, str | None] | None = None,
    include_dirs: Sequence[str | Path] | None = None,
    filename: str | None = None,
    lang: str | None = None,
    shared_bytes: int | None = None,
    entry: str | None = None,
) -> Module:
    """Parse OpenCL C or CUDA C (a path, or source text) into IR (``entry``: a plain
    C function to compile as a single-work-item kernel too, soff.frontend.cfunc)."""
    from soff.frontend import compile_file, compile_source

    defs = dict(defines or {})
    incs = [str(d) for d in include_dirs or []]
    if _is_path(source):
        path = Path(source)
        if not path.is_file():
            raise CompileError(f"{path}: No such file or directory")
        return compile_file(str(path), defs, incs, lang, shared_bytes, entry)
    return compile_source(
        str(source), source_name(source, filename), defs, incs, lang, shared_bytes, entry
    )


def launch_sizes(
    global_size: int | Sequence[int] | None,
    local_size: int | Sequence[int] | None = None,
    grid: int | Sequence[int] | None = None,
    block: int | Sequence[int] | None = None,
) -> tuple[tuple[int, ...], tuple[int, ...] | None]:
    """The NDRange (global, local) of a launch given as OpenCL sizes or as a CUDA
    ``grid`` and ``block``: global = grid x block in each dimension, local = block.
    Sizes given both ways must agree."""

    def dims(x: int | Sequence[int], what: str) -> tuple[int, ...]:
        t = (int(x),) if isinstance(x, (int, np.integer)) else tuple(int(n) for n in x)
        if not 1 <= len(t) <= 3 or any(n < 1 for n in t):
            raise ValueError(f"{what} must be one to three positive integers, not {x}")
        return t

    def pad(t: tuple[int, ...]) -> tuple[int, ...]:
        return t + (1,) * (3 - len(t))

    if grid is None and block is None:
        if global_size is None:
            raise ValueError("give the NDRange: global_size (and local_size), or grid and block")
        return dims(global_size, "global size"), (
            None if local_size is None else dims(local_size, "local size")
        )
    if grid is None or block is None:
        raise ValueError("a CUDA launch needs both grid and block")
    g, b = dims(grid, "grid"), dims(block, "block")
    n = max(len(g), len(b))
    gs = tuple(x * y for x, y in zip(pad(g), pad(b), strict=True))[:n]
    ls = pad(b)[:n]
    if global_size is not None and pad(dims(global_size, "global size")) != pad(gs):
        raise ValueError(
            f"global size {dims(global_size, 'global size')} does not match "
            f"grid {g} x block {b} = {gs}"
        )
    if local_size is not None and pad(dims(local_size, "local size")) != pad(ls):
        raise ValueError(f"local size {dims(local_size, 'local size')} does not match block {b}")
    return gs, ls


def _is_path(source: str | Path) -> bool:
    """A Path, or a one-line string naming a source file (otherwise: source text)."""
    return isinstance(source, Path) or (
        "\n" not in source and source.endswith((".cl", ".c", ".h", ".cu", ".cuh"))
    )


def source_name(source: str | Path, filename: str | None = None) -> str:
    """The file name diagnostics use for ``source``."""
    return str(source) if _is_path(source) else filename or "<source>"


def select_kernel(module: Module, kernel: str | None, filename: str | None = None) -> Kernel:
    from soff.diagnostics import SourceLoc

    if not module.kernels:
        raise CompileError(
            "no __kernel function in the input", SourceLoc(filename, 1, 1) if filename else None
        )
    if kernel is None:
        if len(module.kernels) > 1:
            names = ", ".join(k.name for k in module.kernels)
            raise CompileError(
                f"the input has several kernels ({names}); choose one with -k/--kernel"
            )
        return module.kernels[0]
    for k in module.kernels:
        if k.name == kernel:
            return k
    names = ", ".join(k.name for k in module.kernels)
    raise CompileError(f"no kernel named '{kernel}' (kernels in the input: {names})")


def check_local_memory(kernel: Kernel, board: Board) -> None:
    """Reject ``__local`` arrays that need more on-chip RAM than ``board`` has
    (block RAM, UltraRAM and SPRAM; boards without resource figures are not checked)."""
    from soff.ir.types import PtrType

    r = board.resources
    kbits = r.get("bram_kbits", 0) + 288 * r.get("uram", 0) + 256 * r.get("spram", 0)
    if not kbits:
        return
    total = 0
    for op in kernel.ops():
        if op.opcode == "alloca" and isinstance(op.type, PtrType) and op.type.space == "local":
            total += op.type.pointee.size
            if total * 8 > kbits * 1024:
                raise CompileError(
                    f"__local memory of kernel '{kernel.name}' needs {total} bytes, more than "
                    f"the {kbits * 1024 // 8} bytes of on-chip RAM of target '{board.name}'",
                    op.loc,
                )


def compile_design(
    source: str | Path,
    kernel: str | None = None,
    defines: Mapping[str, str | None] | None = None,
    include_dirs: Sequence[str | Path] | None = None,
    target: str | None = None,
    pipeline: str | None = None,
    pm_options: PassManagerOptions | None = None,
    filename: str | None = None,
    emit: str = "verilog",
    lang: str | None = None,
    shared_bytes: int | None = None,
    num_cu: int | str = 1,
    local_arg_bytes: Mapping[str, int] | None = None,
    ftz: bool = False,
) -> Design:
    """Compile one kernel of ``source`` for ``target`` into a :class:`Design`.

    ``ftz`` flushes subnormal float operands and stored results to zero (the
    ``flush-subnormals`` pass before ``expand-math``; off by default: subnormals exact).

    ``num_cu`` replicates the datapath (:mod:`soff.rtl_gen.multi_cu`); ``"auto"``
    picks the largest count whose estimated resources fit the board.
    ``local_arg_bytes`` sizes the RAMs of ``__local`` pointer arguments
    (:mod:`soff.hls.local_args`)."""
    from soff.hls.local_args import bind_local_args
    from soff.hls.printf import drop_printf
    from soff.hls.private_arrays import lower_private_arrays
    from soff.rtl_gen.top import emit_verilog, kernel_regmap

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    board = load_board(target)
    module = load_module(source, defines, include_dirs, filename, lang, shared_bytes, kernel)
    k = select_kernel(module, kernel, source_name(source, filename))
    module = Module([k], module.source)
    source_ir = print_kernel(k)
    timings["frontend"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    ctx = PassContext(board=board)
    if ftz:
        pipeline = ftz_pipeline(pipeline)
    passes = default_pipeline(pipeline)
    local_bytes: dict[str, int] = {}
    private_capacity = 0
    if emit == "ir":
        passes = [p for p in passes if p.name != "schedule"]
    else:
        drop_printf(k)
        local_bytes = bind_local_args(k, local_arg_bytes)
        private_capacity = lower_private_arrays(k)
        check_local_memory(k, board)
    PassManager(passes, pm_options).run(module, ctx)
    timings["hls"] = time.perf_counter() - t0
    ir_text = print_kernel(k)
    sched = ctx.results.get("schedule", {}).get(k.name)
    if emit == "ir" or sched is None:
        design = Design(KernelInfo.of(k), "", kernel_regmap(k), ir_text, board, None, timings)
        design.source_ir = source_ir
        return design

    t0 = time.perf_counter()
    n_cu = _num_cu(num_cu, k, sched, board)
    if n_cu > 1:
        from soff.rtl_gen.multi_cu import emit_multi_cu

        verilog, regmap = emit_multi_cu(k, sched, board, n_cu)
    else:
        verilog, regmap = emit_verilog(k, sched, board)
    timings["rtl"] = time.perf_counter() - t0
    design = Design(KernelInfo.of(k), verilog, regmap, ir_text, board, sched, timings, n_cu)
    design.shared_bytes = shared_bytes
    design.source_ir = source_ir
    design.local_arg_bytes = local_bytes
    design.private_capacity = private_capacity
    design.recompile = lambda n=shared_bytes, local=None: compile_design(
        source, kernel, defines, include_dirs, target, pipeline, pm_options, filename,
        emit, lang=lang, shared_bytes=n, num_cu=num_cu,
        local_arg_bytes=local if local is not None else local_arg_bytes,
    )  # fmt: skip
    return design


def _num_cu(num_cu: int | str, k: Kernel, sched, board) -> int:
    """The compute-unit count ``num_cu`` asks for (an int, or ``"auto"``)."""
    from soff.diagnostics import UnsupportedError
    from soff.hls.schedule.datapath import has_global_atomics
    from soff.rtl_gen.multi_cu import MAX_CU

    if num_cu == "auto":
        from soff.boards.cu_fit import auto_num_cu

        # one atomic unit per compute unit would not be atomic across them
        return 1 if has_global_atomics(k) else auto_num_cu(k, sched, board)
    try:
        n = int(num_cu)
    except (TypeError, ValueError):
        raise CompileError(f"--num-cu takes a number or 'auto', not '{num_cu}'") from None
    if not 1 <= n <= MAX_CU:
        raise CompileError(f"--num-cu takes 1 to {MAX_CU} (or 'auto'), not {n}")
    if n > 1 and has_global_atomics(k):
        raise UnsupportedError(
            f"kernel '{k.name}' has atomics on global memory: more than one compute unit "
            "is not supported yet (each would have its own atomic unit)",
            k.loc,
        )
    return n


def compile(  # noqa: A001 - the public API name
    path_or_source: str | Path,
    kernel: str | None = None,
    defines: Mapping[str, str | None] | None = None,
    include_dirs: Sequence[str | Path] | None = None,
    target: str | None = None,
    **options: Any,
) -> Design:
    """Compile an OpenCL C kernel (a file path or source text) into a :class:`Design`."""
    return compile_design(path_or_source, kernel, defines, include_dirs, target, **options)
