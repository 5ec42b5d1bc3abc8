"""The ``soff`` command: a compiler that feels like gcc, plus ``sim`` and ``testbench``.

soff KERNEL.cl -o OUT.v [-k NAME] [-D X[=Y]] [-I DIR] [--target BOARD] [--emit ir|verilog] [--report]
soff sim KERNEL.cl -k NAME --global N[,N[,N]] [--local ...] --arg NAME=VALUE ... [--out NAME=FILE.npy] [--json]
soff sim KERNEL.cu -k NAME --grid X[,Y[,Z]] --block X[,Y[,Z]] [--shared-bytes N] --arg ...
soff testbench KERNEL.cl -k NAME -o DIR
soff boards
soff npu MODEL.onnx|MODEL.npu -o npu.v [--target BOARD] [--precision float32|int8] [--report]
soff npu-sim MODEL.onnx --input x=@x.npy [--out y=y.npy] [--precision float32|int8] [--json]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from soff.diagnostics import CompileError


class UsageError(Exception):
    """A bad command line (reported like argparse does, exit 1)."""


class ArgumentParser(argparse.ArgumentParser):
    """argparse that reports bad command lines with exit status 1 (like gcc)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        _fail(f"{self.prog}: error: {message}")


def _defines(items: Sequence[str] | None) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for item in items or []:
        name, eq, value = item.partition("=")
        if not name:
            raise UsageError(f"-D needs a macro name, not '{item}'")
        out[name] = value if eq else None
    return out


def _add_compile_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("source", help="OpenCL C source file (.cl), or CUDA C (.cu)")
    p.add_argument("-k", "--kernel", help="kernel to compile (needed when the file has several)")
    p.add_argument(
        "-D", dest="defines", action="append", metavar="NAME[=VALUE]", help="define a macro"
    )
    p.add_argument(
        "-I", dest="include_dirs", action="append", metavar="DIR", help="add an include directory"
    )
    p.add_argument(
        "--target", metavar="BOARD", help="target board (see `soff boards`; default: generic)"
    )
    p.add_argument(
        "-p",
        "--passes",
        metavar="PIPELINE",
        help="comma-separated pass pipeline (default: the standard one)",
    )
    p.add_argument(
        "--ftz",
        action="store_true",
        help="flush subnormal float operands and results to zero (default: exact subnormals)",
    )
    p.add_argument(
        "--no-verify", action="store_true", help="do not run the IR verifier between passes"
    )
    p.add_argument(
        "--print-ir-after",
        action="append",
        default=[],
        metavar="PASS",
        help="print the IR after PASS to stderr",
    )
    p.add_argument(
        "--print-ir-after-all", action="store_true", help="print the IR after every pass to stderr"
    )
    p.add_argument("--dump-ir-dir", metavar="DIR", help="write the IR after every pass into DIR")
    p.add_argument("--stop-after", metavar="PASS", help="stop the pass pipeline after PASS")
    p.add_argument(
        "-x",
        "--lang",
        choices=("opencl", "cuda"),
        help="source language (default: cuda for .cu/.cuh files, else opencl)",
    )
    p.add_argument(
        "--shared-bytes",
        type=int,
        metavar="N",
        help="CUDA C: bytes of dynamic shared memory for extern __shared__ arrays",
    )
    p.add_argument(
        "--num-cu",
        default="1",
        metavar="N|auto",
        help="compute units: replicate the datapath N times (1-16), or 'auto': "
        "the most that fit the target board (default: 1)",
    )


def _compile(args: argparse.Namespace, emit: str = "verilog"):
    from soff.driver import compile_design
    from soff.hls.pass_manager import PassManagerOptions

    opts = PassManagerOptions(
        verify=not args.no_verify,
        print_ir_after=set(args.print_ir_after),
        print_ir_after_all=args.print_ir_after_all,
        dump_ir_dir=Path(args.dump_ir_dir) if args.dump_ir_dir else None,
        stop_after=args.stop_after,
        printer=lambda s: print(s, file=sys.stderr),
    )
    source = Path(args.source)
    if not source.is_file():
        raise CompileError(f"{source}: No such file or directory")
    return compile_design(
        source,
        kernel=args.kernel,
        defines=_defines(args.defines),
        include_dirs=args.include_dirs,
        target=args.target,
        pipeline=args.passes,
        pm_options=opts,
        emit=emit,
        lang=args.lang,
        shared_bytes=args.shared_bytes,
        num_cu=args.num_cu,
        ftz=args.ftz,
    )


def _output_dir(path: Path) -> Path:
    """The directory ``path`` goes into; an error if it does not exist or ``path`` is one."""
    if not str(path) or path.is_dir():
        raise CompileError(f"cannot write '{path}': it is a directory")
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise CompileError(f"cannot write '{path}': directory '{directory}' does not exist")
    return directory


#: files this run of :func:`main` has written; removed again if the run fails
_written: list[Path] = []


def _write_atomic(path: Path, text: str | bytes) -> None:
    """Write ``text`` to ``path`` only as a whole: no partial output on failure."""
    path = Path(path)
    directory = _output_dir(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    except OSError as e:
        raise CompileError(f"cannot write '{path}': {e.strerror}") from None
    try:
        with os.fdopen(fd, "wb" if isinstance(text, bytes) else "w") as f:
            f.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; outputs are ordinary files
        os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise CompileError(f"cannot write '{path}': {e.strerror}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _written.append(path)


# --------------------------------------------------------------------------- compile


def compile_main(argv: Sequence[str]) -> int:
    p = ArgumentParser(
        prog="soff",
        description="Compile an OpenCL C kernel (or CUDA C, or a plain C function with -k) "
        "into a pipelined Verilog circuit. Other commands (each has --help): soff sim (run a "
        "kernel's circuit on .npy arrays), soff testbench, soff boards, soff synth, "
        "soff project, soff fuzz, soff npu and soff npu-sim (an NPU for an ONNX or .npu model).",
    )
    _add_compile_options(p)
    p.add_argument(
        "-o", "--output", metavar="FILE", help="output file (default: KERNEL.v, or - for stdout)"
    )
    p.add_argument(
        "--emit",
        choices=("verilog", "ir"),
        default="verilog",
        help="what to write (default: verilog)",
    )
    p.add_argument(
        "--report",
        action="store_true",
        help="print the compile report (register map, datapath, timing) to stderr",
    )
    p.add_argument("--report-json", metavar="FILE", help="write the compile report as JSON to FILE")
    p.add_argument(
        "--report-html",
        metavar="FILE",
        help="write the report and a picture of the pipeline schedule as one HTML page "
        "(needs matplotlib: pip install soff[report])",
    )
    p.add_argument(
        "--report-plot",
        metavar="FILE",
        help="write the pipeline schedule picture to FILE (.png or .svg; needs matplotlib)",
    )
    p.add_argument(
        "--no-synth",
        action="store_true",
        help="with a report and --target, skip the yosys synthesis that measures resources",
    )
    p.add_argument("--version", action="version", version="soff 0.1.0")
    args = p.parse_args(argv)
    out = args.output
    if out is None:
        out = Path(args.source).stem + (".ir" if args.emit == "ir" else ".v")
    if out != "-" and Path(out).resolve() == Path(args.source).resolve():
        raise UsageError(f"the output file '{out}' is the input file")
    # check every destination before any work (compiling, synthesis) and before
    # writing any, so a bad one fails fast and leaves no output behind
    for dest in (out, args.report_json, args.report_html, args.report_plot):
        if dest is not None and dest != "-":
            _output_dir(Path(dest))
    design = _compile(args, emit=args.emit)
    text = design.ir if args.emit == "ir" else design.verilog
    wants_report = args.report or args.report_json is not None or args.report_html is not None
    if wants_report and args.target and design.verilog and not args.no_synth:
        if design.board.synth.get("yosys"):
            print(f"soff: synthesising with yosys for {design.board.name} ...", file=sys.stderr)
            design.measure()
    report_json = (
        json.dumps(design.report_data(), indent=2) + "\n" if args.report_json is not None else ""
    )
    pictures = _report_pictures(design, args.report_html, args.report_plot)
    if out == "-":
        sys.stdout.write(text)
    else:
        _write_atomic(Path(out), text)
    if args.report:
        print(design.report, file=sys.stderr, end="")
    if args.report_json is not None:
        _write_atomic(Path(args.report_json), report_json)
    for path, content in pictures.items():
        _write_atomic(path, content)
    return 0


def _report_pictures(design: Any, html: str | None, plot: str | None) -> dict[Path, str | bytes]:
    """``--report-html`` and ``--report-plot`` contents, made before anything is written."""
    if not (html or plot):
        return {}
    from soff import report

    if plot and Path(plot).suffix.lower() not in (".png", ".svg"):
        raise UsageError(f"--report-plot writes .png or .svg, not '{plot}'")
    if design.schedule is None:
        raise UsageError("--report-html and --report-plot draw the schedule: not with --emit ir")
    report.require_matplotlib()
    data = design.report_data()
    out: dict[Path, str | bytes] = {}
    if html:
        out[Path(html)] = report.report_html(data).encode()
    if plot:
        out[Path(plot)] = report.plot_bytes(data, Path(plot).suffix.lower()[1:])
    return out


# --------------------------------------------------------------------------- sim


def _sizes(text: str, what: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(x, 0) for x in text.split(","))
    except ValueError:
        raise UsageError(f"{what} must be N[,N[,N]], not '{text}'") from None
    if not 1 <= len(sizes) <= 3 or any(s < 1 for s in sizes):
        raise UsageError(f"{what} must be one to three positive integers, not '{text}'")
    return sizes


def parse_arg_value(name: str, text: str) -> Any:
    """``@file.npy``, ``zeros:DTYPE:COUNT``, ``local:BYTES`` or a number."""
    if text.startswith("local:"):
        from soff.ir.interp import Local

        try:
            nbytes = int(text[6:], 0)
        except ValueError:
            raise UsageError(f"--arg {name}: expected local:BYTES, not '{text}'") from None
        if nbytes < 1:
            raise UsageError(f"--arg {name}: a __local argument needs at least one byte")
        return Local(nbytes)
    if text.startswith("@"):
        path = Path(text[1:])
        if not path.is_file():
            raise UsageError(f"--arg {name}: file '{path}' does not exist")
        try:
            return np.load(path, allow_pickle=False)
        except Exception as e:  # numpy raises several kinds for bad files
            raise UsageError(f"--arg {name}: '{path}' is not a .npy array ({e})") from None
    if text.startswith("zeros:"):
        parts = text.split(":")
        if len(parts) != 3:
            raise UsageError(f"--arg {name}: expected zeros:DTYPE:COUNT, not '{text}'")
        try:
            dtype = np.dtype(parts[1])
        except TypeError:
            raise UsageError(f"--arg {name}: unknown dtype '{parts[1]}'") from None
        try:
            count = int(parts[2], 0)
        except ValueError:
            raise UsageError(f"--arg {name}: count must be an integer, not '{parts[2]}'") from None
        if count < 0:
            raise UsageError(f"--arg {name}: count must not be negative")
        return np.zeros(count, dtype=dtype)
    try:
        return int(text, 0)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        raise UsageError(
            f"--arg {name}: '{text}' is not a number, @file.npy, zeros:DTYPE:COUNT or local:BYTES"
        ) from None


def _check_sim_values(design: Any, values: dict[str, Any]) -> None:
    """Command-line values the kernel's arguments cannot take (before any simulation):
    an empty or 0-d array for a buffer, an array for a scalar."""
    for a in design.kernel.args:
        value = values.get(a.name)
        if not isinstance(value, np.ndarray):
            continue
        if a.kind == "pointer" and (value.ndim == 0 or value.size == 0):
            raise UsageError(
                f"--arg {a.name}: the buffer is empty; '{a.name}' needs at least one {a.type}"
            )
        if a.kind != "pointer":
            raise UsageError(
                f"--arg {a.name}: '{a.name}' is a {a.type} scalar, not a buffer; give a number"
            )


def _opcode(value: Any) -> str | None:
    return getattr(value, "opcode", None)  # None for kernel arguments


def _check_buffer_sizes(
    args: argparse.Namespace, values: dict[str, Any], gs: Sequence[int]
) -> None:
    """Buffers too small for the NDRange, found before simulation: an access
    ``p[get_global_id(d)]`` that every work-item makes (one in the kernel's entry
    block) needs ``global_size[d]`` elements of ``p``. Other accesses are not checked."""
    from soff.driver import load_module, select_kernel
    from soff.ir.types import PtrType

    module = load_module(
        Path(args.source),
        _defines(args.defines),
        args.include_dirs,
        lang=args.lang,
        shared_bytes=args.shared_bytes,
        entry=args.kernel,
    )
    kernel = select_kernel(module, args.kernel)
    buffers = {
        id(a): a.name
        for a in kernel.args
        if isinstance(a.type, PtrType) and a.type.space in ("global", "constant")
    }
    for op in kernel.entry.ops:
        if op.opcode not in ("load", "store") or _opcode(op.operands[0]) != "ptradd":
            continue
        base, index = op.operands[0].operands
        while _opcode(index) == "cast":
            index = index.operands[0]
        name = buffers.get(id(base))
        value = values.get(name or "")
        if _opcode(index) != "global_id" or not isinstance(value, np.ndarray):
            continue
        dim = int(index.attrs.get("dim", 0))
        need = gs[dim] if dim < len(gs) else 1
        assert isinstance(base.type, PtrType)
        if value.nbytes < need * base.type.pointee.size:
            raise UsageError(
                f"--arg {name}: the buffer is too small: {value.size} elements, but every "
                f"work-item accesses {name}[get_global_id({dim})] ({op.loc}) and the global "
                f"size is {need}"
            )


def sim_main(argv: Sequence[str]) -> int:
    p = ArgumentParser(
        prog="soff sim",
        description="Compile a kernel and run its circuit in simulation on .npy inputs; print the cycle count.",
    )
    _add_compile_options(p)
    p.add_argument(
        "--global",
        dest="global_size",
        metavar="N[,N[,N]]",
        help="global NDRange size (or --grid and --block)",
    )
    p.add_argument(
        "--local",
        dest="local_size",
        metavar="N[,N[,N]]",
        help="work-group size (default: chosen by soff)",
    )
    p.add_argument(
        "--grid", metavar="X[,Y[,Z]]", help="CUDA grid size in blocks (global = grid x block)"
    )
    p.add_argument("--block", metavar="X[,Y[,Z]]", help="CUDA block size (the work-group size)")
    p.add_argument(
        "--arg",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a kernel argument: @file.npy, zeros:DTYPE:COUNT, local:BYTES (a __local pointer) or a number",
    )
    p.add_argument(
        "--out",
        action="append",
        default=[],
        metavar="NAME=FILE.npy",
        help="save buffer NAME after the run",
    )
    p.add_argument(
        "--json", action="store_true", help='print one JSON object {"kernel", "cycles", "outputs"}'
    )
    p.add_argument(
        "--engine",
        choices=("verilator", "icarus", "interp"),
        default="verilator",
        help="simulator (default: verilator); interp: the kernel's IR in the interpreter, "
        "no circuit and no cycle count",
    )
    p.add_argument(
        "--timeout-cycles",
        type=int,
        metavar="N",
        help="give up after N cycles (default: 20 x (1,000 + 200 per work-item), at least "
        "2,000,000); a design whose work-items stop moving for 20,000 cycles is reported "
        "as stuck at once",
    )
    args = p.parse_args(argv)

    from soff.driver import launch_sizes

    no_ndrange = not args.global_size and not (args.grid or args.block)
    if no_ndrange and not args.kernel:  # only a C function (-k) runs without one
        raise UsageError(
            "give the NDRange: --global N[,N[,N]] (and --local), or --grid and --block"
        )
    sizes = [
        _sizes(text, opt) if text else None
        for text, opt in (
            (args.global_size, "--global"),
            (args.local_size, "--local"),
            (args.grid, "--grid"),
            (args.block, "--block"),
        )
    ]
    try:
        gs, ls = launch_sizes(*sizes) if not no_ndrange else ((1,), (1,))
    except ValueError as e:
        raise UsageError(str(e)) from None
    values: dict[str, Any] = {}
    for item in args.arg:
        name, eq, text = item.partition("=")
        if not eq or not name:
            raise UsageError(f"--arg expects NAME=VALUE, not '{item}'")
        if name in values:
            raise UsageError(f"--arg {name} given twice")
        values[name] = parse_arg_value(name, text)
    outs: dict[str, Path] = {}
    for item in args.out:
        name, eq, path = item.partition("=")
        if not eq or not name or not path:
            raise UsageError(f"--out expects NAME=FILE.npy, not '{item}'")
        outs[name] = Path(path)
    # the interpreter needs no circuit: the front end and the IR passes only
    design = _compile(args, emit="ir" if args.engine == "interp" else "verilog")
    if no_ndrange and not design.kernel.single_work_item:
        raise UsageError(
            "give the NDRange: --global N[,N[,N]] (and --local), or --grid and --block "
            "(only a C function compiled with -k runs by one work-item without one)"
        )
    buffers = {a.name for a in design.kernel.args if a.kind == "pointer"}
    for name, path in outs.items():
        if name not in buffers:
            raise UsageError(
                f"--out {name}: kernel '{design.kernel.name}' has no buffer argument '{name}' "
                f"(buffers: {', '.join(sorted(buffers)) or 'none'})"
            )
        if not path.parent.is_dir() and str(path.parent):
            raise UsageError(f"--out {name}: directory '{path.parent}' does not exist")
        if path.is_dir():
            raise UsageError(f"--out {name}: '{path}' is a directory")
    _check_sim_values(design, values)
    _check_buffer_sizes(args, values, gs)
    from soff.ir.printf import printf_output

    try:  # the argument checks come first, before any simulator build
        # the interpreter's printf output: stdout, or stderr under --json
        with printf_output(sys.stderr if args.json else sys.stdout):
            result = design.simulate(
                gs, ls, values, simulator=args.engine, timeout_cycles=args.timeout_cycles
            )
    except ValueError as e:
        raise UsageError(str(e)) from None
    for name, path in outs.items():
        buf = io.BytesIO()
        np.save(buf, result.outputs[name])
        _write_atomic(path, buf.getvalue())
    if args.json:
        print(
            json.dumps(
                {
                    "kernel": design.kernel.name,
                    "cycles": result.cycles,
                    "outputs": {name: str(path) for name, path in outs.items()},
                    "global_size": list(gs),
                    "local_size": list(ls) if ls else None,
                    "wall_seconds": round(result.wall_seconds, 6),
                    **(
                        {"return": result.return_value} if design.kernel.returns is not None else {}
                    ),
                }
            )
        )
    else:
        items = int(np.prod(gs))
        if result.cycles is None:
            print(f"{design.kernel.name}: {items} work-items interpreted (no cycle count)")
        else:
            print(
                f"{design.kernel.name}: {result.cycles} cycles for {items} work-items "
                f"({result.cycles / items:.3f} cycles/work-item)"
            )
        if design.kernel.returns is not None:
            print(f"  returned {result.return_value}")
        for name, path in outs.items():
            print(f"  {name} -> {path}")
    return 0


# --------------------------------------------------------------------------- other commands


def testbench_main(argv: Sequence[str]) -> int:
    from soff.sim.testbench import write_testbench

    p = ArgumentParser(
        prog="soff testbench",
        description="Write a kernel's Verilog with a starter cocotb test and pytest launcher into DIR.",
    )
    _add_compile_options(p)
    p.add_argument(
        "-o", "--output", required=True, metavar="DIR", help="directory to create or fill"
    )
    args = p.parse_args(argv)
    design = _compile(args)
    try:
        paths = write_testbench(design, Path(args.output))
    except ValueError as e:  # the directory cannot be made or written
        raise UsageError(str(e)) from None
    for path in paths:
        print(path)
    return 0


def boards_main(argv: Sequence[str]) -> int:
    from soff.boards import board_names, load_board

    p = ArgumentParser(prog="soff boards", description="List the target boards.")
    p.parse_args(argv)
    rows = [("target", "part", "clock", "memory", "flow")]
    for name in board_names():
        b = load_board(name)
        rows.append((name, b.part, f"{b.clock_mhz:g} MHz", b.memory_summary, b.flow))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    return 0


def synth_main(argv: Sequence[str]) -> int:
    from soff.boards.synth import synth_design

    p = ArgumentParser(
        prog="soff synth",
        description="Compile a kernel, then synthesise it with yosys (and place and route it "
        "with nextpnr on ECP5/iCE40); report LUTs, FFs, BRAMs, DSPs and Fmax. "
        "Vendor targets get estimates from yosys alone.",
    )
    _add_compile_options(p)
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    p.add_argument(
        "--no-pnr", action="store_true", help="stop after yosys (no place-and-route, no Fmax)"
    )
    p.add_argument("--keep", metavar="DIR", help="keep the tools' inputs, logs and reports in DIR")
    p.add_argument(
        "--timeout", type=float, metavar="SECONDS", help="give up on a tool after SECONDS"
    )
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    args = p.parse_args(argv)
    design = _compile(args)

    def progress(stage: str, elapsed: float) -> None:
        print(f"soff synth: {stage} ({elapsed:.0f} s)", file=sys.stderr, flush=True)

    result = synth_design(
        design,
        place_and_route=not args.no_pnr,
        workdir=args.keep,
        progress=None if args.quiet else progress,
        timeout=args.timeout,
    )
    if args.json:
        print(json.dumps(result.to_json()))
    else:
        print("\n".join(result.describe()))
    return 0


def project_main(argv: Sequence[str]) -> int:
    from soff.boards.vendors import write_project

    p = ArgumentParser(
        prog="soff project",
        description="Compile a kernel and write a vendor project for the target into DIR: "
        "a Vitis RTL kernel (xilinx-*), a Quartus project (intel-*), and a FuseSoC .core file.",
    )
    _add_compile_options(p)
    p.add_argument(
        "-o", "--output", required=True, metavar="DIR", help="directory to create or fill"
    )
    args = p.parse_args(argv)
    design = _compile(args)
    for path in write_project(design, Path(args.output)):
        print(path)
    return 0


def fuzz_main(argv: Sequence[str]) -> int:
    """``soff fuzz --count N --seed S [--keep DIR]``: differential fuzzing (see docs/fuzzing.md)."""
    from soff.testing.fuzz import main as fuzz

    return fuzz(argv, prog="soff fuzz")


def npu_main(argv: Sequence[str]) -> int:
    """``soff npu MODEL -o npu.v``: see soff/npu/command.py and docs/npu.md."""
    from soff.npu.command import main as npu

    return npu(argv, parser_class=ArgumentParser, write=_write_atomic)


def npu_sim_main(argv: Sequence[str]) -> int:
    """``soff npu-sim MODEL --input x=@x.npy``: see soff/npu/command.py and docs/npu.md."""
    from soff.npu.command import sim_main

    return sim_main(argv, parser_class=ArgumentParser, write=_write_atomic)


def _fail(message: str) -> NoReturn:
    _remove_outputs()
    print(message, file=sys.stderr)
    sys.exit(1)


#: exit status of an internal error (a bug in soff); user errors exit with 1
INTERNAL_ERROR_STATUS = 2
BUG_REPORT_HINT = (
    "this is a bug in soff: please report it with the input file and the command line "
    "(SOFF_DEBUG=1 shows the Python traceback)"
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. Errors in the input or on the command line print a
    gcc-style message and exit with status 1; an unexpected exception (a bug in
    soff) prints ``soff: internal error: ...`` and exits with status 2. Either
    way the files this run wrote are removed again: no partial output."""
    argv = list(sys.argv[1:] if argv is None else argv)
    commands = {
        "sim": sim_main, "testbench": testbench_main, "boards": boards_main,
        "synth": synth_main, "project": project_main, "fuzz": fuzz_main,
        "npu": npu_main, "npu-sim": npu_sim_main,
    }  # fmt: skip
    _written.clear()
    try:
        if argv and argv[0] in commands:
            return commands[argv[0]](argv[1:])
        return compile_main(argv)
    except SystemExit as e:
        if e.code not in (0, None):
            _remove_outputs()
        raise
    except CompileError as e:
        _fail(str(e))
    except UsageError as e:
        _fail(f"soff: error: {e}")
    except OSError as e:  # the file system said no (permissions, disk full, ...)
        what = f"{e.filename}: " if e.filename else ""
        _fail(f"soff: error: {what}{e.strerror or e}")
    except MemoryError:
        _fail("soff: error: out of memory")
    except KeyboardInterrupt:
        _fail("soff: interrupted")
    except Exception as e:  # noqa: BLE001 - the last line of defence: no traceback for users
        from soff.ir.interp import InterpError
        from soff.sim.errors import SimulationError, SimulationHang

        if isinstance(e, (SimulationHang, SimulationError)):
            _fail(f"soff: error: {e}")
        if isinstance(e, InterpError):  # --engine interp: the kernel did something undefined
            _fail(f"{e.loc}: error: {e.message}" if e.loc else f"soff: error: {e.message}")
        _remove_outputs()
        if os.environ.get("SOFF_DEBUG"):
            raise
        print(f"soff: internal error: {type(e).__name__}: {e}", file=sys.stderr)
        print(f"soff: note: {BUG_REPORT_HINT}", file=sys.stderr)
        sys.exit(INTERNAL_ERROR_STATUS)
    return 0


def _remove_outputs() -> None:
    for path in _written:
        path.unlink(missing_ok=True)
    _written.clear()
