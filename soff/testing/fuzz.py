"""Differential fuzzing: generated kernels run in the IR interpreter, the Verilator
simulation of the generated Verilog, and (when pyopencl + PoCL are installed) PoCL.

    python -m soff.testing.fuzz --count N --seed S [--keep DIR] [--no-reduce]
    soff fuzz --count N --seed S [--keep DIR]

Failures (mismatch, hang, crash, compile error on a program that should compile)
are saved as ``<keep>/fuzz_<seed>.cl`` (reduced), ``fuzz_<seed>.orig.cl`` and
``fuzz_<seed>.json`` (sizes, arguments, failure kind), the format that
``tests/regressions/test_regressions.py`` replays.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from soff.testing.fuzz_gen import Features, Program, args_from_json, generate

# kinds of outcome
OK = "ok"
FRONTEND = "frontend-error"  # the front end rejects or crashes on a generated (valid) program
INTERP = "interp-error"  # the interpreter fails on the front end's IR
COMPILE = "compile-error"  # HLS / RTL generation rejects or crashes
HANG = "hang"
SIM_ERROR = "sim-error"
MISMATCH = "mismatch"  # hardware != interpreter
POCL_MISMATCH = "pocl-mismatch"  # PoCL != interpreter
POCL_ERROR = "pocl-error"
#: a note, not a failure: optimised PoCL differs from the interpreter but PoCL with
#: -cl-opt-disable agrees. Generated kernels are free of UB, so a result that
#: depends on the optimisation level is a bug in PoCL's compiler (PoCL 3.1 with
#: LLVM 15 drops a work-item's store to an output element when it reads the
#: element back after another store: tests/regressions/pocl_opt_store_forwarding.cl)
POCL_MISCOMPILE = "pocl-miscompile"
#: a note: Icarus ran out of wall time before the cycle bound (a big design on a busy
#: machine says nothing about the design), so Verilator simulated it instead
ICARUS_TOO_SLOW = "icarus-too-slow"
VINTERP_MISMATCH = "vinterp-mismatch"  # soff.ir.vinterp != the reference interpreter
UNSUPPORTED = "unsupported"  # a clean "not supported yet in hardware": a generator limit, not a bug


@dataclass
class Outcome:
    kind: str
    detail: str = ""
    seconds: float = 0.0
    cycles: int | None = None
    notes: list[str] = field(default_factory=list)  # e.g. POCL_MISCOMPILE, with the kind ok

    @property
    def failed(self) -> bool:
        return self.kind != OK

    def bug_key(self) -> str:
        """A coarse key for de-duplicating failures in one campaign (one reduction per key)."""
        text = re.sub(r"\^[\w.]+|'[^']*'|<[^>]*>|\b\d+\b", "", self.signature())
        return text[:120]

    def signature(self) -> str:
        """What must stay the same while reducing: the kind, plus the error's shape."""
        if self.kind in (MISMATCH, POCL_MISMATCH, VINTERP_MISMATCH, HANG):
            return self.kind
        text = re.sub(r"%[\w.]+|\b[vpchi]\d+\b|\b(in|out|s)\d+\b|\d+", "#", self.detail.splitlines()[0] if self.detail else "")
        text = re.sub(r"^[^:]*:#:#: ", "", text)
        return f"{self.kind}: {text[:200]}"


# ----------------------------------------------------------------------------- PoCL
_POCL: Any = None


def pocl_available() -> bool:
    """Whether pyopencl finds an OpenCL runtime (PoCL) that builds kernels."""
    global _POCL
    if _POCL is None:
        try:
            import os
            import warnings

            os.environ.setdefault("PYOPENCL_COMPILER_OUTPUT", "0")
            warnings.filterwarnings("ignore", module="pyopencl")
            # Debian's pocl-opencl-icd registers in /etc/OpenCL/vendors, which the
            # ICD loader bundled with the pyopencl wheel reads only when told to
            if "OCL_ICD_VENDORS" not in os.environ and os.path.isdir("/etc/OpenCL/vendors"):
                os.environ["OCL_ICD_VENDORS"] = "/etc/OpenCL/vendors"
            import pyopencl as cl

            _POCL = False
            for platform in cl.get_platforms():
                for device in platform.get_devices():
                    try:  # a runtime that cannot build kernels (e.g. "unknown target CPU") is no use
                        ctx = cl.Context(devices=[device])
                        cl.Program(ctx, "__kernel void k(__global int *a) { a[0] = 1; }").build()
                    except Exception:  # noqa: BLE001
                        continue
                    _POCL = (cl, ctx, cl.CommandQueue(ctx))
                    break
                if _POCL:
                    break
        except Exception:  # noqa: BLE001 - PoCL is optional
            _POCL = False
    return bool(_POCL)


def run_pocl(source: str, kernel: str, arg_names: Sequence[str], args: Mapping[str, Any],
             global_size: Sequence[int], local_size: Sequence[int],
             optimize: bool = True, options: Sequence[str] = ()) -> dict[str, np.ndarray]:
    """Run ``kernel`` of ``source`` in PoCL (after :func:`pocl_available`); ``options``
    are more build options (``-D``, ``-I``). Returns every buffer argument after the run."""
    cl, ctx, queue = _POCL
    options = ["-cl-std=CL1.2", "-w", *options] + ([] if optimize else ["-cl-opt-disable"])
    prg = cl.Program(ctx, source).build(options=options)
    k = getattr(prg, kernel)
    bufs = {}
    call = []
    mf = cl.mem_flags
    for name in arg_names:
        v = args[name]
        if isinstance(v, np.ndarray):
            host = v.copy()
            bufs[name] = (host, cl.Buffer(ctx, mf.READ_WRITE | mf.COPY_HOST_PTR, hostbuf=host))
            call.append(bufs[name][1])
        else:
            call.append(v)
    k(queue, tuple(global_size), tuple(local_size), *call)
    out = {}
    for name, (host, buf) in bufs.items():
        cl.enqueue_copy(queue, host, buf)
        out[name] = host
    queue.finish()
    return out


def _pocl_args(kernel_ir: Any, args: Mapping[str, Any]) -> dict[str, Any]:
    """Scalars as numpy scalars of the argument's type (pyopencl needs the width)."""
    from soff.driver import ir_dtype
    from soff.ir.types import PtrType

    out = dict(args)
    for a in kernel_ir.args:
        if not isinstance(a.type, PtrType) and a.name in args:  # flattened/hidden: not given
            dt = ir_dtype(str(a.type))
            if dt is not None:
                out[a.name] = dt.type(args[a.name])
    return out


# ----------------------------------------------------------------------------- one check
def check(source: str, kernel: str, args: Mapping[str, Any], global_size: Sequence[int],
          local_size: Sequence[int], *, hardware: bool = True, pocl: bool | None = None,
          filename: str = "fuzz.cl", simulator: str = "verilator", simulate: bool = True) -> Outcome:
    """Run one kernel everywhere and compare. Never raises."""
    import soff
    from soff.frontend import compile_source
    from soff.ir.interp import run_kernel

    t0 = time.perf_counter()
    gsz, lsz = tuple(global_size), tuple(local_size)

    notes: list[str] = []

    def done(kind: str, detail: str = "", cycles: int | None = None) -> Outcome:
        return Outcome(kind, detail, time.perf_counter() - t0, cycles, notes)

    try:
        module = compile_source(source, filename)
        kir = next(k for k in module.kernels if k.name == kernel)
        from soff.ir.verifier import verify_kernel

        verify_kernel(kir)  # the front end's IR must be valid
    except Exception as e:  # noqa: BLE001
        return done(FRONTEND, f"{type(e).__name__}: {e}")
    try:
        expect = run_kernel(kir, {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in args.items()}, gsz, lsz)
    except Exception as e:  # noqa: BLE001
        return done(INTERP, f"{type(e).__name__}: {e}")
    try:  # the vectorised interpreter (the default above) against the reference one
        ref = run_kernel(kir, {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in args.items()}, gsz, lsz,
                         vectorize=False)
    except Exception as e:  # noqa: BLE001
        return done(INTERP, f"reference interpreter: {type(e).__name__}: {e}")
    diff = _compare(ref, expect)
    if diff:
        return done(VINTERP_MISMATCH, "the vectorised interpreter differs from the reference: " + diff)

    if pocl is None:
        pocl = pocl_available()
    if pocl and pocl_available():
        names = [a.name or "" for a in kir.args]
        try:
            got = run_pocl(source, kernel, names, _pocl_args(kir, args), gsz, lsz)
            diff = _compare(expect, got)
            if diff:  # PoCL's optimiser, or a real disagreement?
                plain = run_pocl(source, kernel, names, _pocl_args(kir, args), gsz, lsz, optimize=False)
                if _compare(expect, plain):
                    return done(POCL_MISMATCH, "PoCL differs from the interpreter: " + diff)
                notes.append(POCL_MISCOMPILE)
        except Exception as e:  # noqa: BLE001
            return done(POCL_ERROR, f"{type(e).__name__}: {str(e)[:2000]}")

    if not hardware:
        return done(OK)
    try:
        design = soff.compile(source, kernel=kernel, filename=filename)
    except Exception as e:  # noqa: BLE001
        from soff.diagnostics import UnsupportedError

        if isinstance(e, UnsupportedError) and "supported yet" in str(e):
            return done(UNSUPPORTED, f"{type(e).__name__}: {e}")
        return done(COMPILE, f"{type(e).__name__}: {e}")
    if not simulate:
        return done(OK)
    from soff.sim.errors import SimulationError, SimulationHang

    try:
        bound = cycle_bound(design, args, gsz, lsz)
    except Exception:  # noqa: BLE001 - the scheduled IR does not interpret: the default bound
        bound = None

    def sim(simulator: str) -> Any:
        return design.simulate(gsz, lsz, {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in args.items()},
                               simulator=simulator, timeout_cycles=bound)

    try:
        try:
            res = sim(simulator)
        except SimulationError as e:
            # Icarus runs out of wall time before the cycle bound on big designs (on a
            # busy machine): the run says nothing about the design; Verilator decides
            if simulator != "icarus" or "of wall time" not in str(e):
                raise
            notes.append(ICARUS_TOO_SLOW)
            res = sim("verilator")
    except SimulationHang as e:
        return done(HANG, str(e))
    except SimulationError as e:
        return done(SIM_ERROR, str(e)[:4000])
    except Exception as e:  # noqa: BLE001
        return done(SIM_ERROR, f"{type(e).__name__}: {e}")
    diff = _compare(expect, res.outputs)
    if diff:
        return done(MISMATCH, "hardware differs from the interpreter: " + diff, res.cycles)
    return done(OK, cycles=res.cycles)


def block_visits(kernel: Any, args: Mapping[str, Any], global_size: Sequence[int],
                 local_size: Sequence[int]) -> list[list[int]] | None:
    """How often each work-item enters each block of ``kernel`` (the scheduled IR, in
    the order of ``DatapathSchedule.blocks``), from the reference interpreter; None
    for kernels with barriers or ``__local`` memory (work-groups run in lock-step)."""
    from soff.ir import interp
    from soff.layout import with_work_dim

    names = [a.name or "" for a in kernel.args]
    args = with_work_dim(names, args, tuple(global_size))
    gsize, g3, l3, n3 = interp.launch_sizes(kernel, args, tuple(global_size), tuple(local_size))
    wi = [0] * 18  # the layout run_kernel uses: ids, then sizes
    comp = interp._Compiler(kernel, wi, len(gsize))
    fns = comp.compile()
    if comp.barriers or comp.local_allocas or any(isinstance(v, interp.Local) for v in args.values()):
        return None
    base: list[Any] = [None] * len(comp.slot)
    for a in kernel.args:
        base[comp.slot[a]] = interp._arg_value(a, args[a.name or ""], {})
    for slot, v in comp.consts.items():
        base[slot] = v
    wi[9:18] = (*g3, *l3, *n3)
    out: list[list[int]] = []
    with np.errstate(all="ignore"):
        for z in range(g3[2]):
            for y in range(g3[1]):
                for x in range(g3[0]):
                    wi[0:9] = (x, y, z, x % l3[0], y % l3[1], z % l3[2],
                               x // l3[0], y // l3[1], z // l3[2])
                    r, count, b = base[:], [0] * len(fns), 0
                    while b >= 0:
                        count[b] += 1
                        b = fns[b](r, wi)
                    out.append(count)
    return out


#: cycles a work-item spends on a memory boundary and on a control-flow edge FIFO
#: in the estimate of :func:`cycle_bound` (the simulated memory answers in 4)
_MEMORY_CYCLES = 8
_EDGE_CYCLES = 2


def cycle_bound(design: Any, args: Mapping[str, Any], global_size: Sequence[int],
                local_size: Sequence[int]) -> int | None:
    """The cycle bound after which a simulation counts as a hang.

    The simulator's default (1000 + 200 per work-item) is far too short for a
    kernel whose work-items go round loops with deep pipelines (a 64-bit divider
    in a loop header: 69 stages a trip; seeds 20227 and 20694 finished correctly
    in 19,410 and 8,194 cycles against bounds of 10,600 and 7,400). From the
    interpreter's count of block visits: ``latency`` is the longest work-item's
    trip through the pipelines (stages, memory boundaries, edge FIFOs), paid once
    per wave of ``loop_limit`` work-items (no more are inside a loop at once);
    ``busiest`` is the most visits any block takes (a block takes one work-item
    a cycle). Twice their sum, on top of the default, separates a slow design
    from a stuck one; a deadlock or an endless loop never finishes."""
    from soff.sim.api import default_timeout

    sched = design.schedule
    if sched is None or design.kernel.single_work_item:
        return None  # simulate's own default
    g3 = tuple(global_size) + (1,) * (3 - len(global_size))
    base = default_timeout(g3)  # type: ignore[arg-type]
    visits = block_visits(sched.kernel, args, global_size, local_size)
    if not visits:
        return base
    cost = [sum(s.depth for s in b.segments) + _MEMORY_CYCLES * len(b.memory_ops) + _EDGE_CYCLES
            for b in sched.blocks]
    latency = max(sum(c * n for c, n in zip(cost, v, strict=True)) for v in visits)
    busiest = max(sum(col) for col in zip(*visits, strict=True))
    waves = -(-len(visits) // max(1, sched.loop_limit)) if sched.loops else 1
    return base + 2 * (latency * waves + busiest)


def _compare(expect: Mapping[str, np.ndarray], got: Mapping[str, np.ndarray]) -> str:
    msgs = []
    for name, want in expect.items():
        have = np.asarray(got[name])
        if have.shape != want.shape or not np.array_equal(have, want):
            bad: Any = np.nonzero(have.reshape(-1) != want.reshape(-1))[0] if have.shape == want.shape else []
            first = ", ".join(f"[{i}] want {want.reshape(-1)[i]} got {have.reshape(-1)[i]}" for i in bad[:4])
            msgs.append(f"buffer {name}: {len(bad)} element(s) differ ({first})")
    return "; ".join(msgs)


def check_program(p: Program, **kw: Any) -> Outcome:
    return check(p.source, p.kernel, p.make_args(), p.global_size, p.local_size, **kw)


def check_saved(cl_path: str | Path, **kw: Any) -> Outcome:
    """Replay a saved regression (``X.cl`` next to ``X.json``)."""
    cl_path = Path(cl_path)
    spec = json.loads(cl_path.with_suffix(".json").read_text())
    kw.setdefault("simulator", spec.get("simulator", "verilator"))
    return check(cl_path.read_text(), spec["kernel"], args_from_json(spec), spec["global_size"],
                 spec["local_size"], filename=cl_path.name, **kw)


# ----------------------------------------------------------------------------- save + reduce
def save_failure(p: Program, outcome: Outcome, keep: Path, reduce_seconds: float = 300.0,
                 log: Callable[[str], None] = print, hardware: bool = True,
                 simulator: str = "verilator") -> Path:
    """Save ``p`` and its reduction; the reduction and the replay use ``simulator``
    (the failure may be the simulator's: Icarus rejects what Verilator accepts)."""
    from soff.testing.reduce import reduce_source

    keep.mkdir(parents=True, exist_ok=True)
    stem = keep / f"fuzz_{p.seed}"
    args = p.make_args()
    spec = p.to_json(args)
    spec["kind"] = outcome.kind
    spec["detail"] = outcome.detail[:2000]
    if simulator != "verilator":
        spec["simulator"] = simulator
    (stem.parent / f"{stem.name}.orig.cl").write_text(p.source)
    reduced = p.source
    if reduce_seconds > 0:
        sig = outcome.signature()
        needs_hw = outcome.kind in (COMPILE, UNSUPPORTED, HANG, SIM_ERROR, MISMATCH)
        needs_sim = outcome.kind in (HANG, SIM_ERROR, MISMATCH)

        def still_fails(src: str) -> bool:
            o = check(src, p.kernel, args, p.global_size, p.local_size,
                      hardware=needs_hw and hardware, simulate=needs_sim,
                      pocl=outcome.kind in (POCL_MISMATCH, POCL_ERROR), simulator=simulator)
            return o.signature() == sig

        t0 = time.perf_counter()
        reduced = reduce_source(p.source, still_fails, reduce_seconds, log=lambda s: log("    " + s))
        log(f"  reduced {len(p.source.splitlines())} -> {len(reduced.splitlines())} lines "
            f"in {time.perf_counter() - t0:.0f} s")
    stem.with_suffix(".cl").write_text(reduced)
    stem.with_suffix(".json").write_text(json.dumps(spec, indent=1) + "\n")
    return stem.with_suffix(".cl")


@dataclass
class Summary:
    ran: int = 0
    failed: int = 0
    seconds: float = 0.0
    kinds: dict[str, int] = field(default_factory=dict)
    notes: dict[str, int] = field(default_factory=dict)
    failures: list[tuple[int, Outcome]] = field(default_factory=list)
    clean_run: int = 0  # consecutive kernels that passed, up to the last one
    longest_clean_run: int = 0


def run(count: int, seed: int, keep: Path | None = None, reduce_seconds: float = 300.0,
        hardware: bool = True, pocl: bool | None = None, log: Callable[[str], None] = print,
        stop_after: float | None = None, features: Features | None = None,
        simulator: str = "verilator") -> Summary:
    """Generate and check ``count`` kernels with seeds ``seed``, ``seed + 1``, ..."""
    s = Summary()
    if pocl is None:
        pocl = pocl_available()
    log(f"soff fuzz: {count} kernel(s) from seed {seed}; interpreter"
        f"{f' vs hardware ({simulator.capitalize()})' if hardware else ''}{' vs PoCL' if pocl else ''}")
    t_start = time.perf_counter()
    seen: dict[str, int] = {}
    for i in range(count):
        if stop_after is not None and time.perf_counter() - t_start > stop_after:
            log("time limit reached")
            break
        sd = seed + i
        try:
            p = generate(sd, features)
        except Exception:  # noqa: BLE001 - a generator bug is worth seeing, not stopping for
            log(f"[{i + 1}/{count}] seed {sd}: GENERATOR ERROR\n{traceback.format_exc()}")
            continue
        o = check_program(p, hardware=hardware, pocl=pocl, simulator=simulator)
        s.ran += 1
        s.kinds[o.kind] = s.kinds.get(o.kind, 0) + 1
        cyc = f", {o.cycles} cycles" if o.cycles is not None else ""
        for n in o.notes:
            s.notes[n] = s.notes.get(n, 0) + 1
        note = "".join(f", {n}" for n in o.notes)
        log(f"[{i + 1}/{count}] seed {sd}: {o.kind} ({o.seconds:.1f} s{cyc}{note})"
            + (f"\n    {o.detail.splitlines()[0][:300] if o.detail else ''}" if o.failed else ""))
        s.clean_run = 0 if o.failed else s.clean_run + 1
        s.longest_clean_run = max(s.longest_clean_run, s.clean_run)
        if o.failed:
            s.failed += 1
            s.failures.append((sd, o))
            key = o.bug_key()
            if o.kind == UNSUPPORTED:
                log("    (a hardware limit the generator should respect; not saved)")
            elif keep is not None and key in seen:
                log(f"    (same kind of failure as seed {seen[key]}; not reduced)")
            elif keep is not None:
                seen[key] = sd
                path = save_failure(p, o, keep, reduce_seconds, log, hardware=hardware, simulator=simulator)
                log(f"    saved {path}")
    s.seconds = time.perf_counter() - t_start
    per = s.seconds / max(s.ran, 1)
    notes = "".join(f", {k} {v}" for k, v in sorted(s.notes.items()))
    log(f"summary: {s.ran} ran, {s.failed} failed ({', '.join(f'{k} {v}' for k, v in sorted(s.kinds.items()))}"
        f"{'; noted: ' + notes[2:] if notes else ''}); longest clean run {s.longest_clean_run}; "
        f"{s.seconds:.0f} s, {per:.1f} s per kernel")
    return s


def main(argv: Sequence[str] | None = None, prog: str = "soff fuzz") -> int:
    ap = argparse.ArgumentParser(prog=prog, description="differential fuzzing of soff with generated kernels")
    ap.add_argument("--count", type=int, default=10, help="number of kernels (default 10)")
    ap.add_argument("--seed", type=int, default=0, help="first seed (default 0)")
    ap.add_argument("--keep", metavar="DIR", help="save failing kernels (reduced) in DIR")
    ap.add_argument("--reduce-seconds", type=float, default=300.0, help="time bound per reduction (0: no reduction)")
    ap.add_argument("--no-hardware", action="store_true", help="interpreter (and PoCL) only, no Verilator")
    ap.add_argument("--no-pocl", action="store_true", help="do not use PoCL even when pyopencl is installed")
    ap.add_argument("--simulator", choices=("verilator", "icarus"), default="verilator",
                    help="hardware simulator (icarus: no C++ build per kernel, slower cycles)")
    ap.add_argument("--time-limit", type=float, help="stop starting new kernels after this many seconds")
    ap.add_argument("--no-loop-cond-logic", action="store_true",
                    help="no &&, ||, ?: or calls in loop conditions (avoids the known front-end bug)")
    ap.add_argument("--print", dest="print_seed", type=int, metavar="SEED", help="print the kernel for SEED and exit")
    a = ap.parse_args(argv)
    features = Features(loop_cond_logic=not a.no_loop_cond_logic)
    if a.print_seed is not None:
        p = generate(a.print_seed, features)
        print(p.source, end="")
        print(json.dumps({k: v for k, v in p.to_json().items() if k != "args"}))
        return 0
    s = run(a.count, a.seed, Path(a.keep) if a.keep else None, a.reduce_seconds,
            hardware=not a.no_hardware, pocl=False if a.no_pocl else None,
            log=lambda m: print(m, flush=True), stop_after=a.time_limit, features=features,
            simulator=a.simulator)
    return 1 if s.failed else 0


if __name__ == "__main__":
    sys.exit(main(prog="python -m soff.testing.fuzz"))
