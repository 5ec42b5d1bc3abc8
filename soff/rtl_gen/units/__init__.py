"""The operator library: pipelined IEEE-754 and integer-division units.

:func:`unit` generates one unit as a :class:`soff.rtl_gen.vast.Module` with ports
``clk``, ``ce`` (clock enable: every register advances only when it is high),
the operands ``a``, ``b`` (and ``c`` for ``fma``) and the result ``y``. A result
appears ``latency`` enabled cycles after its operands; a new operation may start
every cycle. :func:`default_latency` is the table the boards copy.

Operations (``fmt`` is ``"f32"`` or ``"f64"`` unless said otherwise):

=========  ==================================================================
fadd fsub  a +/- b
fmul       a * b; ``mult=`` "dsp" (default: multipliers synthesis maps to DSP blocks)
           or "lut" (an adder tree, no DSP: faster on ECP5, about 1,300 LUT4 more)
fdiv       a / b (correctly rounded)
fsqrt      sqrt(a) (correctly rounded; input ``a`` only)
fma        a * b + c with a single rounding
fcmp       1-bit result; ``pred=`` eq ne lt le gt ge; NaN: false, ``ne`` true
fmin fmax  OpenCL: one NaN operand gives the other, two give NaN; -0 < +0
fcvt       ``src=`` the other float format -> ``fmt``
itof       ``src=`` "i8".."i64" / "u8".."u64" -> ``fmt``, round to nearest even
ftoi       ``fmt`` -> ``dst=`` integer type, truncating; out of range saturates
           (negative -> 0 for unsigned), NaN -> 0
floor ceil trunc round rint
           to an integral value (round: halfway cases away from zero; rint: to even);
           exact, zeros keep their sign
copysign   ``a`` with ``b``'s sign (bits: a NaN's payload is kept)
fdim       ``a - b`` if ``a > b``, else +0; NaN if either is NaN
ldexp      ``a * 2**b``, ``b`` a 32-bit signed integer (rounded if subnormal)
ilogb logb the unbiased exponent (ilogb: i32, INT_MIN for 0, INT_MAX for inf/NaN;
           logb: a float, -inf for 0)
fmod remainder
           ``f32`` only; exact (C99 fmod, IEEE remainder), by long division
exp2 exp exp10 log2 log log10 sin cos pow powr cbrt atan
           ``f32`` only; within 0.52 ulp of the exact result (measured), exact
           for exp2 of integers and log2(1); OpenCL special values
div rem    ``fmt`` is the integer type ("i8".."u64"); x/0 = -1, x%0 = x,
           MIN/-1 = MIN, MIN%-1 = 0
=========  ==================================================================

Every result is rounded to nearest even; subnormal inputs and outputs are exact; a
NaN result is the canonical quiet NaN (0x7FC00000, 0x7FF8000000000000).
"""

from __future__ import annotations

from dataclasses import dataclass

from soff.rtl_gen.units import fmath, fmod, fp, ftrans, intdiv
from soff.rtl_gen.units.pipe import Pipe
from soff.rtl_gen.vast import Module

__all__ = ["Unit", "unit", "default_latency", "FLOAT_OPS", "INT_TYPES", "DEFAULT_LATENCY"]

FLOAT_OPS = (
    "fadd",
    "fsub",
    "fmul",
    "fdiv",
    "fsqrt",
    "fma",
    "fcmp",
    "fmin",
    "fmax",
    "fcvt",
    "itof",
    "ftoi",
    "floor",
    "ceil",
    "trunc",
    "round",
    "rint",
    "copysign",
    "fdim",
    "exp2",
    "exp",
    "exp10",
    "log2",
    "log",
    "log10",
    "sin",
    "cos",
    "pow",
    "powr",
    "cbrt",
    "atan",
    "ldexp",
    "ilogb",
    "logb",
    "fmod",
    "remainder",
)
INT_TYPES = tuple(f"{s}{w}" for w in (8, 16, 32, 64) for s in "iu")

#: Default latency per (op, fmt) at 200 MHz on a generic FPGA; ``itof``/``ftoi``/``fcvt``
#: are keyed by the float format, ``div``/``rem`` by the integer type.
DEFAULT_LATENCY: dict[tuple[str, str], int] = {}
# On ECP5-6 (yosys + nextpnr, benchmarks/operators.py): fadd.f32 at 11 stages 158 MHz
# (10: 152, seed-dependent); fmul.f32 at 9 stages 142 MHz, bound by the MULT18X18D's
# combinational path (yosys packs no DSP registers on ECP5: 3.9 ns + routing, about
# 140 MHz for any latency); fdiv/fsqrt: about one stage per quotient/root bit
_TABLE = {
    "f32": dict(fadd=11, fsub=11, fmul=9, fma=10, fdiv=30, fsqrt=28, fcmp=1, fmin=1, fmax=1,
                fcvt=3, itof=5, ftoi=3, floor=2, ceil=2, trunc=2, round=2, rint=2,
                copysign=1, fdim=9, ldexp=3, ilogb=2, logb=3),
    "f64": dict(fadd=9, fsub=9, fmul=9, fma=12, fdiv=60, fsqrt=58, fcmp=1, fmin=1, fmax=1,
                fcvt=3, itof=6, ftoi=4, floor=2, ceil=2, trunc=2, round=2, rint=2,
                copysign=1, fdim=10, ldexp=3, ilogb=2, logb=3),
}  # fmt: skip
# binary32 only (soff.rtl_gen.units.ftrans)
_TABLE["f32"].update(
    exp2=8,
    exp=9,
    exp10=9,
    log2=12,
    log=14,
    log10=14,
    sin=20,
    cos=20,
    pow=28,
    powr=28,
    cbrt=26,
    atan=24,
    fmod=72,  # 276 division steps, about four per stage
    remainder=72,
)
#: default latency of ``fmul`` with ``mult="lut"``: ECP5-6, nextpnr seeds 1/2/3 at 13
#: stages: 177/148/158 MHz (12: 147-151; the adder tree is then off the critical path,
#: which is round_pack's exponent logic)
LUT_FMUL_LATENCY = {"f32": 13, "f64": 15}
for _f, _lat in _TABLE.items():
    for _op, _l in _lat.items():
        DEFAULT_LATENCY[(_op, _f)] = _l
for _t in INT_TYPES:
    for _op in ("div", "rem"):
        DEFAULT_LATENCY[(_op, _t)] = int(_t[1:]) + 2


@dataclass(frozen=True)
class Unit:
    """A generated unit: its module, latency and port names."""

    op: str
    fmt: str
    latency: int
    module: Module
    inputs: tuple[str, ...]
    input_widths: tuple[int, ...]
    output_width: int
    options: tuple[tuple[str, str], ...] = ()

    @property
    def name(self) -> str:
        return self.module.name


def _int_type(t: str, what: str) -> tuple[int, bool]:
    if t not in INT_TYPES:
        raise ValueError(f"{what} must be one of {', '.join(INT_TYPES)}, not '{t}'")
    return int(t[1:]), t[0] == "i"


def _float_fmt(fmt: str) -> fp.Fmt:
    if fmt not in fp.FORMATS:
        raise ValueError(f"float format must be f32 or f64, not '{fmt}'")
    return fp.FORMATS[fmt]


def default_latency(op: str, fmt: str) -> int:
    """The default latency of ``op`` on ``fmt`` (see :data:`DEFAULT_LATENCY`)."""
    try:
        return DEFAULT_LATENCY[(op, fmt)]
    except KeyError:
        raise ValueError(f"no unit '{op}' for '{fmt}'") from None


def _generate(op: str, fmt: str, opts: dict[str, object]) -> tuple[Pipe, str]:
    """The unit's logic and the name stem (without latency)."""

    def opt(key: str) -> str:
        if key not in opts:
            raise ValueError(f"unit '{op}' needs the option {key}=")
        return str(opts.pop(key))

    if op in ("div", "rem"):
        w, signed = _int_type(fmt, "integer type")
        return intdiv.gen_idiv(w, signed, op == "rem"), f"soff_{op}_{fmt}"
    f = _float_fmt(fmt)
    if op in ("fadd", "fsub"):
        return fp.gen_fadd(f, op == "fsub"), f"soff_{op}_{fmt}"
    if op == "fmul":
        mult = str(opts.pop("mult", "dsp"))
        stem = f"soff_fmul_{fmt}" if mult == "dsp" else f"soff_fmul_{mult}_{fmt}"
        return fp.gen_fmul(f, mult), stem
    if op == "fma":
        return fp.gen_fma(f), f"soff_fma_{fmt}"
    if op == "fdiv":
        return fp.gen_fdiv(f), f"soff_fdiv_{fmt}"
    if op == "fsqrt":
        return fp.gen_fsqrt(f), f"soff_fsqrt_{fmt}"
    if op == "fcmp":
        pred = opt("pred")
        return fp.gen_fcmp(f, pred), f"soff_fcmp_{pred}_{fmt}"
    if op in ("fmin", "fmax"):
        return fp.gen_fminmax(f, op == "fmax"), f"soff_{op}_{fmt}"
    if op == "fcvt":
        src = opt("src")
        sf = _float_fmt(src)
        if sf == f:
            raise ValueError(f"fcvt from {src} to {fmt} converts nothing")
        return fp.gen_fcvt(sf, f), f"soff_fcvt_{src}_{fmt}"
    if op in fmath.ROUND_MODES:
        return fmath.gen_fround(f, op), f"soff_{op}_{fmt}"
    if op in ("ilogb", "logb"):
        gen = fmath.gen_ilogb if op == "ilogb" else fmath.gen_logb
        return gen(f), f"soff_{op}_{fmt}"
    if op == "ldexp":
        return fmath.gen_ldexp(f), f"soff_ldexp_{fmt}"
    if op in ("fmod", "remainder"):
        if fmt != "f32":
            raise ValueError(f"unit '{op}' exists for f32 only, not '{fmt}'")
        return fmod.gen_fmod(f, op == "remainder"), f"soff_{op}_f32"
    if op == "copysign":
        return fmath.gen_copysign(f), f"soff_copysign_{fmt}"
    if op == "fdim":
        return fp.gen_fdim(f), f"soff_fdim_{fmt}"
    if op in ("cbrt", "atan"):
        if fmt != "f32":
            raise ValueError(f"unit '{op}' exists for f32 only, not '{fmt}'")
        return (ftrans.gen_cbrt() if op == "cbrt" else ftrans.gen_atan()), f"soff_{op}_f32"
    if op in ftrans.POW_FUNCS:
        if fmt != "f32":
            raise ValueError(f"unit '{op}' exists for f32 only, not '{fmt}'")
        return ftrans.gen_pow(op), f"soff_{op}_f32"
    if op in ftrans.EXP_FUNCS + ftrans.LOG_FUNCS + ftrans.TRIG_FUNCS:
        if fmt != "f32":
            raise ValueError(f"unit '{op}' exists for f32 only, not '{fmt}'")
        gen = (
            ftrans.gen_exp
            if op in ftrans.EXP_FUNCS
            else ftrans.gen_log
            if op in ftrans.LOG_FUNCS
            else ftrans.gen_trig
        )
        return gen(op), f"soff_{op}_{fmt}"
    if op == "itof":
        src = opt("src")
        w, signed = _int_type(src, "itof source")
        return fp.gen_itof(f, w, signed), f"soff_itof_{src}_{fmt}"
    if op == "ftoi":
        dst = opt("dst")
        w, signed = _int_type(dst, "ftoi destination")
        return fp.gen_ftoi(f, w, signed), f"soff_ftoi_{fmt}_{dst}"
    raise ValueError(f"unknown unit '{op}' (known: {', '.join(FLOAT_OPS)}, div, rem)")


def unit(op: str, fmt: str, latency: int | None = None, **opts: object) -> Unit:
    """Generate unit ``op`` on format ``fmt`` with ``latency`` pipeline stages
    (default: :func:`default_latency`). Options: ``pred`` (fcmp), ``src`` (fcvt, itof),
    ``dst`` (ftoi), ``mult`` (fmul)."""
    rest = dict(opts)
    pipe, stem = _generate(op, fmt, rest)
    if rest:
        raise ValueError(f"unit '{op}' has no option(s) {', '.join(sorted(rest))}")
    if latency is None and op == "fmul" and opts.get("mult", "dsp") == "lut":
        latency = LUT_FMUL_LATENCY[fmt]
    lat = default_latency(op, fmt) if latency is None else latency
    if not isinstance(lat, int) or lat < 1:
        raise ValueError(f"latency must be an integer >= 1, not {lat!r}")
    name = f"{stem}_l{lat}"
    desc = " ".join([op, fmt, *(f"{k}={v}" for k, v in sorted(opts.items()))])
    module = pipe.module(name, lat, comment=f"{desc}, latency {lat} (generated by soff)")
    widths = tuple(w for _, w in pipe.ports)
    assert pipe.out is not None
    options = tuple(sorted((k, str(v)) for k, v in opts.items()))
    inputs = tuple(n for n, _ in pipe.ports)
    return Unit(op, fmt, lat, module, inputs, widths, pipe.out[1], options)
