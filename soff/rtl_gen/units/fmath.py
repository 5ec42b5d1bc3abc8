"""Math-function units: rounding to an integral value and copysign (bit manipulation,
exact), and the binary32 transcendentals (see :mod:`soff.rtl_gen.units.ftrans`)."""

from __future__ import annotations

from soff.rtl_gen.units.fp import Fmt, _qnan, normalize, round_pack, unpack, unpack_norm
from soff.rtl_gen.units.pipe import (
    Pipe,
    V,
    add,
    band,
    bnot,
    bor,
    catv,
    const,
    eq,
    geu,
    lts,
    ltu,
    mux,
    ne,
    ones,
    sext,
    sub,
    zeros,
    zext,
)
from soff.rtl_gen.vast import BinOp

ROUND_MODES = ("floor", "ceil", "trunc", "round", "rint")


def _shl(x: V, amt: V) -> V:
    return V(BinOp("<<", x.e, amt.e), x.w)


def _shr(x: V, amt: V) -> V:
    return V(BinOp(">>", x.e, amt.e), x.w)


def gen_fround(f: Fmt, mode: str) -> Pipe:
    """``mode`` of ``a`` to an integral value in the same format: floor, ceil, trunc,
    round (halfway cases away from zero) or rint (halfway cases to even). Exact; the
    sign of a zero result is the operand's; NaN gives the canonical NaN."""
    if mode not in ROUND_MODES:
        raise ValueError(f"rounding mode must be one of {', '.join(ROUND_MODES)}, not '{mode}'")
    p = Pipe()
    n, ew, mw, bias = f.n, f.ew, f.mw, f.bias
    a = p.input("a", n)
    u = unpack(p, f, a, "a")
    s = u.s
    # integral already (|a| >= 2**mw), or inf/NaN
    whole = p.let("whole", geu(u.e, const(bias + mw, ew)))
    tiny = p.let("tiny", ltu(u.e, const(bias, ew)))  # |a| < 1
    half_up = p.let("half_up", eq(u.e, const(bias - 1, ew)))  # 0.5 <= |a| < 1
    # fraction bits below the binary point: k = bias + mw - e, 1..mw in the middle case
    kw = mw.bit_length()
    k_full = p.let("k_full", sub(const(bias + mw, ew), u.e))
    k = p.let("k", k_full[kw - 1 : 0])
    mask = p.let("mask", bnot(_shl(ones(n), k)))
    frac = p.let("frac", band(a, mask))
    half = p.let("half", _shl(const(1, n), sub(k, const(1, kw))))
    nz = p.let("nz", ne(frac, 0))
    p.cut(1.5)
    if mode == "trunc":
        inc = const(0, 1)
    elif mode == "floor":
        inc = band(s, nz)
    elif mode == "ceil":
        inc = band(bnot(s), nz)
    elif mode == "round":
        inc = geu(frac, half)
    else:
        sig = p.let("sig", _shr(catv(const(1, 1), a[mw - 1 : 0]), k))
        inc = bor(ltu(half, frac), band(eq(frac, half), sig[0]))
    inc = p.let("inc", inc)
    mid = p.let("mid", add(band(a, bnot(mask)), mux(inc, add(mask, const(1, n)), zeros(n))))
    zero_s = catv(s, zeros(n - 1))
    one_s = catv(s, const(bias, ew), zeros(mw))
    is_zero = u.zero
    if mode == "trunc":
        small = zero_s
    elif mode == "floor":
        small = mux(band(s, bnot(is_zero)), one_s, zero_s)
    elif mode == "ceil":
        small = mux(band(bnot(s), bnot(is_zero)), one_s, zero_s)
    elif mode == "round":
        small = mux(half_up, one_s, zero_s)
    else:
        small = mux(band(half_up, ne(a[mw - 1 : 0], 0)), one_s, zero_s)
    res = mux(u.nan, _qnan(f), mux(whole, a, mux(tiny, small, mid)))
    p.output(res, 1.0)
    return p


def gen_copysign(f: Fmt) -> Pipe:
    """``a`` with the sign of ``b`` (a bit operation: NaN payloads are kept)."""
    p = Pipe()
    a = p.input("a", f.n)
    b = p.input("b", f.n)
    p.output(catv(b.msb, a[f.n - 2 : 0]), 0.2)
    return p


def gen_ldexp(f: Fmt) -> Pipe:
    """``a · 2**b`` (``b`` a 32-bit signed integer), rounded to nearest even where the
    result is subnormal, else exact; overflow to infinity; NaN gives the canonical NaN."""
    p = Pipe()
    a = p.input("a", f.n)
    b = p.input("b", 32)
    u, mn, ea = unpack_norm(p, f, a, "a")
    # clamp b to ±(2**(ew+1)): beyond it the result is 0 or inf whatever a is
    lim = 1 << (f.ew + 1)
    xw = f.ew + 4
    hi = p.let("k_hi", bnot(lts(b, const(lim, 32))))
    lo = p.let("k_lo", lts(b, const(-lim, 32)))
    k = p.let("k", mux(hi, const(lim, xw), mux(lo, const(-lim, xw), b[xw - 1 : 0])))
    e = p.let("e", add(sext(ea, xw), k, xw))
    p.cut(1.5)
    r = round_pack(p, f, u.s, e, mn, const(0, 1))
    special = mux(u.nan, _qnan(f), a)  # ±0 and ±inf unchanged
    p.output(mux(bor(u.nan, u.inf, u.zero), special, r), 1.0)
    return p


def gen_ilogb(f: Fmt) -> Pipe:
    """The unbiased exponent of ``a`` as a 32-bit signed integer (subnormals
    normalised); -2**31 for ±0, 2**31 - 1 for ±inf and NaN (OpenCL FP_ILOGB0/NAN)."""
    p = Pipe()
    a = p.input("a", f.n)
    u, _, ea = unpack_norm(p, f, a, "a")
    special = mux(u.zero, const(-(2**31), 32), const(2**31 - 1, 32))
    p.output(mux(bor(u.zero, u.inf, u.nan), special, sext(ea, 32)), 1.0)
    return p


def gen_logb(f: Fmt) -> Pipe:
    """The unbiased exponent of ``a`` as a float (exact); -inf for ±0, +inf for ±inf."""
    p = Pipe()
    a = p.input("a", f.n)
    u, _, ea = unpack_norm(p, f, a, "a")
    s = p.let("es", ea.msb)
    mag = p.let("emag", mux(s, V(BinOp("-", const(0, ea.w).e, ea.e), ea.w), ea))
    p.cut(1.5)
    mn, lz = normalize(p, mag, "en")
    e = p.let("ee", sub(const(ea.w - 1, f.xw), zext(lz, f.xw)))
    r = round_pack(p, f, s, e, mn, const(0, 1))
    inf = catv(u.zero, ones(f.ew), const(0, f.mw))
    p.output(mux(u.nan, _qnan(f), mux(bor(u.zero, u.inf), inf, r)), 1.0)
    return p
