"""binary32 exponentials and logarithms: ``exp2 exp exp10`` and ``log2 log log10``.

Each unit computes in fixed point with ~30 bits more than the result needs, then
rounds once with :func:`soff.rtl_gen.units.fp.round_pack`, so the error is the
final rounding (0.5 ulp) plus a few hundredths of an ulp (docs/operators.md
gives the measured maxima). Every generator has a bit-exact Python model
(:func:`exp_model`, :func:`log_model`) that the unit tests compare the simulated
hardware with, and whose error against numpy they measure on many more inputs.

exp2(x·k), k = 1, log2(e) or log2(10): ``X = |x|·k`` as a fixed-point number with
30 fraction bits (one multiplication by k to 42 bits), negated for x < 0; its
integer part ``n`` is the result's exponent and its fraction ``f`` gives
``2**f = T1[f1]·T2[f2]·(1 + f3·ln 2)``, two 256-entry tables of 2**(i/256) and
2**(j/65536) and a first-order term for the last 14 bits (the second-order term is
below 2**-33). Integers x give exact powers of two.

log2(x)·k: x = 2**E·M, M in [1, 2); with i = the top 8 fraction bits of M and
h = (M >= 1.5), M' = M / 2**h lies in [0.75, 1.5), ``r = M'·inv[i] - 1`` exactly
(inv[i] ~ 1/centre of the bucket, 10 fraction bits; 1 for the buckets next to
1.0, so x near 1 loses nothing), and ``log2(x) = E + h + T[i] + log2(1 + r)`` with
``T[i] = -log2(inv[i])`` (40 fraction bits) and ``log2(1 + r) = r·(c1 - c2·r + c3·r² -
c4·r³)`` for |r| < 2**-8, evaluated in sign-magnitude with 32-bit coefficients.
The sum has 66 fraction bits; it is normalised, multiplied by k (k = ln 2 or
log10 2, to 41 bits) and rounded.
"""

from __future__ import annotations

import math
from fractions import Fraction

from soff.rtl_gen.units.fp import F32, _inf, _qnan, normalize, round_pack, unpack, unpack_norm
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
    ltu,
    mul,
    mux,
    neg,
    sext,
    sub,
    zeros,
    zext,
)
from soff.rtl_gen.vast import BinOp, Const, IndexedSlice, Ref

EXP_FUNCS = ("exp2", "exp", "exp10")
LOG_FUNCS = ("log2", "log", "log10")

# --------------------------------------------------------------------------- constants


def _ln(q: Fraction, bits: int = 90) -> Fraction:
    """ln(q) for q near 1 to about ``bits`` bits: 2·atanh((q - 1) / (q + 1))."""
    z = (q - 1) / (q + 1)
    total, term, k = Fraction(0), z, 1
    while abs(term) > Fraction(1, 2**bits):
        total += term / k
        term *= z * z
        k += 2
    return 2 * total


LN2 = _ln(Fraction(2))
LN10 = 3 * LN2 + _ln(Fraction(5, 4))
#: the constant k of exp2(x·k) and log2(x)·k, per function
SCALE = {
    "exp2": Fraction(1), "exp": 1 / LN2, "exp10": LN10 / LN2,
    "log2": Fraction(1), "log": LN2, "log10": LN2 / LN10,
}  # fmt: skip


EXP_KB = 40  # fraction bits of the exp scale constant
LOG_KB = 40
FX = 30  # fraction bits of x·k
T_BITS = 31  # fraction bits of the 2**f tables (values in [1, 2): 32 bits)
LN2K = round(LN2 * 2**18)  # ln 2 to 18 bits, for the first-order term
_EXP_T1 = [round(2 ** (i / 256) * 2**T_BITS) for i in range(256)]
_EXP_T2 = [round(2 ** (j / 65536) * 2**T_BITS) for j in range(256)]


def _exp_k(fn: str) -> int:
    return round(SCALE[fn] * 2**EXP_KB)


# log2 tables
INV_BITS = 10
LOG_T_BITS = 40
LOG_FB = 66  # fraction bits of the log sum
_C = [round(Fraction(2**32) / (k * LN2)) for k in (1, 2, 3, 4)]


def _log_tables() -> tuple[list[int], list[int]]:
    inv, tab = [], []
    for i in range(256):
        h = i >= 128
        lo = (1 + i / 256) / (2 if h else 1)
        hi = (1 + (i + 1) / 256) / (2 if h else 1)
        v = 1 << INV_BITS if i in (0, 255) else round(2**INV_BITS / ((lo + hi) / 2))
        inv.append(v)
        tab.append(round(-math.log2(v / 2**INV_BITS) * 2**LOG_T_BITS))
    return inv, tab


_LOG_INV, _LOG_T = _log_tables()


def _log_k(fn: str) -> tuple[int, int]:
    """(K, s): k·2**s in [1, 2) to LOG_KB fraction bits (log2: (0, 0), no multiply)."""
    k = SCALE[fn]
    if k == 1:
        return 0, 0
    sh = 0
    while k * 2**sh < 1:
        sh += 1
    return round(k * 2 ** (LOG_KB + sh)), sh


# --------------------------------------------------------------------------- models


def _round_pack_model(sign: int, e: int, m: int, mbits: int) -> int:
    """Round (-1)**sign · m · 2**(e - mbits + 1) (m's top bit at mbits - 1, or m = 0)
    to binary32, ties to even, like fp.round_pack with no sticky input."""
    if m == 0:
        return sign << 31
    value = Fraction(m) * Fraction(2) ** (e - mbits + 1)
    ee = max(e, -126)
    q = value / Fraction(2) ** (ee - 23)
    n = round(q)  # ties to even
    if n >= 1 << 24:
        n >>= 1  # (only when rounding carried into a new power of two: exact halving)
        ee += 1
    if ee > 127:
        return (sign << 31) | 0x7F800000
    if n < 1 << 23:
        return (sign << 31) | n
    return (sign << 31) | ((ee + 127) << 23) | (n - (1 << 23))


def exp_model(fn: str, bits: int) -> int:
    """The ``fn`` unit's output (bit pattern) for input bit pattern ``bits``."""
    s, e, m = bits >> 31, (bits >> 23) & 0xFF, bits & 0x7FFFFF
    if e == 255 and m:
        return F32.qnan
    if e >= 135:
        return 0 if s else 0x7F800000
    mm = m | ((e != 0) << 23)
    eu = max(e, 1)
    x = (mm * _exp_k(fn)) >> (160 - eu)
    if x >= 1 << 38:
        return 0 if s else 0x7F800000
    xs = -x if s else x
    n, f = xs >> FX, xs & ((1 << FX) - 1)
    p1 = (_EXP_T1[f >> 22] * _EXP_T2[(f >> 14) & 0xFF]) >> (2 * T_BITS - 32)
    d = (f & 0x3FFF) * LN2K
    q = p1 + ((p1 * d) >> 48)
    assert 1 << 32 <= q < 1 << 33
    return _round_pack_model(0, n, q, 33)


def log_model(fn: str, bits: int) -> int:
    s, e, m = bits >> 31, (bits >> 23) & 0xFF, bits & 0x7FFFFF
    if (e == 255 and m) or (s and (e or m)):
        return F32.qnan
    if e == 0 and m == 0:
        return 0xFF800000
    if e == 255:
        return 0x7F800000
    mm = m | ((e != 0) << 23)
    ee = max(e, 1) - 127
    while mm < 1 << 23:
        mm <<= 1
        ee -= 1
    i = (mm >> 15) & 0xFF
    h = mm >> 22 & 1
    mi = mm if h else mm << 1
    pr = mi * _LOG_INV[i]
    sr = pr < 1 << 34
    a = (1 << 34) - pr if sr else pr - (1 << 34)
    assert a < 1 << 26
    c1, c2, c3, c4 = _C

    def pm(x: int, t: int) -> int:
        return x + t if sr else x - t

    t4 = (a * c4) >> 34
    t3 = (a * pm(c3, t4)) >> 34
    t2 = (a * pm(c2, t3)) >> 34
    poly = pm(c1, t2)
    lv = a * poly
    total = ((ee + h) << LOG_FB) + (_LOG_T[i] << (LOG_FB - LOG_T_BITS)) + (-lv if sr else lv)
    sign = int(total < 0)
    mag = abs(total)
    if mag == 0:
        return 0
    top = mag.bit_length() - 1
    ex = top - LOG_FB
    kk, ksh = _log_k(fn)
    if kk:
        mt = mag >> (top - 39) if top >= 39 else mag << (39 - top)  # top 40 bits
        prod = mt * kk
        tb = prod.bit_length() - 1
        return _round_pack_model(sign, ex + tb - 79 - ksh, prod, tb + 1)
    return _round_pack_model(sign, ex, mag, top + 1)


# --------------------------------------------------------------------------- generators


def _rom(p: Pipe, name: str, idx: V, values: list[int], w: int) -> V:
    """``values[idx]`` (``w``-bit entries, two's complement) from a constant table."""
    assert len(values) == 1 << idx.w
    ew = 1 << (w - 1).bit_length()  # entries padded to a power of two
    packed = 0
    for k, v in enumerate(values):
        packed |= (v & ((1 << w) - 1)) << (k * ew)
    sh = (ew - 1).bit_length()
    tab = p.let(f"{name}_tab", V(Const(packed, len(values) * ew), len(values) * ew))
    assert isinstance(tab.e, Ref)
    base = catv(idx, zeros(sh)) if sh else idx
    return p.let(name, V(IndexedSlice(tab.e, base.e, w), w))


def gen_exp(fn: str) -> Pipe:
    """binary32 ``2**(x·k)`` for fn exp2, exp, exp10 (see the module docstring)."""
    if fn not in EXP_FUNCS:
        raise ValueError(f"exponential must be one of {', '.join(EXP_FUNCS)}, not '{fn}'")
    p = Pipe()
    a = p.input("a", 32)
    u = unpack(p, F32, a, "a")
    big_e = p.let("big_e", geu(u.e, const(135, 8)))
    sh = p.let("sh", sub(const(160, 8), u.eu))
    k = _exp_k(fn)
    if k == 1 << EXP_KB:
        mk = catv(u.m, zeros(EXP_KB))
    else:
        mk = mul(u.m, const(k, k.bit_length()))
    mk = p.let("mk", mk)
    p.cut(3.0)
    xw = 40
    x_sh = p.let("x_sh", V(BinOp(">>", mk.e, sh.e), mk.w))
    x = p.let("x", x_sh[xw - 1 : 0])
    big = p.let("big", bor(big_e, geu(x, const(1 << 38, xw))))
    p.cut(2.0)
    xs = p.let("xs", mux(u.s, neg(zext(x, xw + 1)), zext(x, xw + 1)))
    n = p.let("n", xs[xw:FX])  # 11 bits, signed
    f1 = p.let("f1", xs[FX - 1 : FX - 8])
    f2 = p.let("f2", xs[FX - 9 : FX - 16])
    f3 = p.let("f3", xs[FX - 17 : 0])
    t1 = _rom(p, "t1", f1, _EXP_T1, 32)
    t2 = _rom(p, "t2", f2, _EXP_T2, 32)
    d = p.let("d", mul(f3, const(LN2K, LN2K.bit_length())))
    p.cut(1.5)
    pr = p.let("pr", mul(t1, t2))
    p.cut(3.0)
    p1 = p.let("p1", pr[63 : 2 * T_BITS - 32])  # 34 bits, 32 fraction bits
    pd = p.let("pd", mul(p1, d[31:0] if d.w > 32 else d))
    p.cut(3.0)
    q = p.let("q", add(p1, zext(pd[pd.w - 1 : 48], 34)))
    p.cut(1.5)
    r = round_pack(p, F32, const(0, 1), n, q[32:0], const(0, 1))
    zero_or_inf = mux(u.s, zeros(32), _inf(F32, const(0, 1)))
    p.output(mux(u.nan, _qnan(F32), mux(big, zero_or_inf, r)), 1.0)
    return p


def gen_log(fn: str) -> Pipe:
    """binary32 ``log2(x)·k`` for fn log2, log, log10 (see the module docstring)."""
    if fn not in LOG_FUNCS:
        raise ValueError(f"logarithm must be one of {', '.join(LOG_FUNCS)}, not '{fn}'")
    p = Pipe()
    a = p.input("a", 32)
    u, mn, ea = unpack_norm(p, F32, a, "a")
    nan = p.let("nan", bor(u.nan, band(u.s, bnot(u.zero))))
    i = p.let("i", mn[22:15])
    h = p.let("h", mn[22])
    mi = p.let("mi", mux(h, zext(mn, 25), catv(mn, zeros(1))))
    inv = _rom(p, "inv", i, _LOG_INV, INV_BITS + 1)
    tv = _rom(p, "tv", i, _LOG_T, LOG_T_BITS + 2)
    ep = p.let("ep", add(ea, zext(h, ea.w)))
    p.cut(1.5)
    pr = p.let("pr", mul(mi, inv))  # 36 bits, 34 fraction bits
    p.cut(2.0)
    one = const(1 << 34, pr.w)
    sr = p.let("sr", ltu(pr, one))
    av = p.let("av", mux(sr, sub(one, pr), sub(pr, one)))
    a26 = p.let("a26", av[25:0])
    p.cut(1.5)
    c1, c2, c3, c4 = (const(c, 33) for c in _C)

    def pm(x: V, t: V) -> V:
        return mux(sr, add(x, t, 33), sub(x, t, 33))

    prev = c4
    for k, c in ((4, c3), (3, c2), (2, c1)):
        prod = p.let(f"m{k}", mul(a26, prev))
        p.cut(3.0)
        prev = p.let(f"q{k}", pm(c, zext(prod[prod.w - 1 : 34], 33)))
        p.cut(1.0)
    lv = p.let("lv", mul(a26, prev))  # 59 bits, 66 fraction bits
    p.cut(3.0)
    w = 78
    et = p.let("et", catv(sext(ep, w - LOG_FB), zeros(LOG_FB)))
    tt = p.let("tt", catv(sext(tv, w - (LOG_FB - LOG_T_BITS)), zeros(LOG_FB - LOG_T_BITS)))
    lw = p.let("lw", zext(lv, w))
    total = p.let("total", add(add(et, tt, w), mux(sr, neg(lw), lw), w))
    p.cut(2.0)
    sign = p.let("sign", total[w - 1])
    mag = p.let("mag", mux(sign, neg(total), total))
    p.cut(1.5)
    mn2, lz = normalize(p, mag, "nl")
    xw = F32.xw
    ex = p.let("ex", sub(const(w - 1 - LOG_FB, xw), zext(lz, xw)))
    zero = p.let("zero", eq(mag, 0))
    kk, ksh = _log_k(fn)
    if kk:
        mt = p.let("mt", mn2[w - 1 : w - 40])
        p.cut(1.0)
        prod = p.let("kp", mul(mt, const(kk, LOG_KB + 1)))  # 81 bits, top bit at 80 or 79
        p.cut(3.0)
        top = prod[prod.w - 1]
        mn2 = p.let("mk", mux(top, prod, catv(prod[prod.w - 2 : 0], zeros(1))))
        adj = mux(top, const(1 - ksh, xw), const(-ksh, xw))
        ex = p.let("ek", add(ex, adj, xw))
    p.cut(1.5)
    r = round_pack(p, F32, sign, ex, mn2, const(0, 1))
    special = mux(u.zero, _inf(F32, const(1, 1)), _inf(F32, const(0, 1)))
    res = mux(nan, _qnan(F32), mux(bor(u.zero, u.inf), special, mux(zero, zeros(32), r)))
    p.output(res, 1.0)
    return p
