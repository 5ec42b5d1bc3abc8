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

from soff.rtl_gen.units.fp import (
    F32,
    _inf,
    _product,
    _qnan,
    normalize,
    round_pack,
    unpack,
    unpack_norm,
)
from soff.rtl_gen.units.pipe import (
    Pipe,
    V,
    add,
    band,
    bnot,
    bor,
    bxor,
    catv,
    const,
    eq,
    geu,
    ltu,
    mul,
    mux,
    ne,
    neg,
    sext,
    sub,
    zeros,
    zext,
)
from soff.rtl_gen.vast import BinOp, Const, IndexedSlice, Int, Ref, Repl

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
    return _exp_core_model(-x if s else x)


def _exp_core_model(xs: int) -> int:
    """2**(xs·2**-30) rounded, for |xs| < 2**38."""
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
    total = _log_total_model(m | ((e != 0) << 23), max(e, 1) - 127)
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


def _log_total_model(mm: int, ee: int) -> int:
    """log2(mm·2**(ee - 23)) as a signed integer with 66 fraction bits (mm > 0)."""
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
    return ((ee + h) << LOG_FB) + (_LOG_T[i] << (LOG_FB - LOG_T_BITS)) + (-lv if sr else lv)


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
    r = _exp_core(p, xs)
    zero_or_inf = mux(u.s, zeros(32), _inf(F32, const(0, 1)))
    p.output(mux(u.nan, _qnan(F32), mux(big, zero_or_inf, r)), 1.0)
    return p


def _exp_core(p: Pipe, xs: V) -> V:
    """2**(xs·2**-30) rounded to binary32 (``xs`` 41-bit two's complement, |xs| < 2**38)."""
    xw = xs.w - 1
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
    return round_pack(p, F32, const(0, 1), n, q[32:0], const(0, 1))


def gen_log(fn: str) -> Pipe:
    """binary32 ``log2(x)·k`` for fn log2, log, log10 (see the module docstring)."""
    if fn not in LOG_FUNCS:
        raise ValueError(f"logarithm must be one of {', '.join(LOG_FUNCS)}, not '{fn}'")
    p = Pipe()
    a = p.input("a", 32)
    u, mn, ea = unpack_norm(p, F32, a, "a")
    nan = p.let("nan", bor(u.nan, band(u.s, bnot(u.zero))))
    total = _log_total(p, mn, ea)
    p.cut(2.0)
    w = total.w
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


def _log_total(p: Pipe, mn: V, ea: V) -> V:
    """log2(mn·2**(ea - 23)) as a 78-bit two's complement number with 66 fraction bits
    (``mn`` normalised, ``ea`` its signed exponent)."""
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
    return p.let("total", add(add(et, tt, w), mux(sr, neg(lw), lw), w))


# --------------------------------------------------------------------------- sin, cos
#
# sin and cos of binary32 x: a Payne-Hanek reduction, then polynomials.
# y = |x|·2/π mod 4 comes from the 24-bit significand times a 96-bit window of the
# bits of 2/π chosen by the exponent (a 256-entry table): the product's low 96 bits
# are y with 94 fraction bits (the omitted bits of 2/π add less than 2**-70). The
# nearest quadrant q and r = y - q (|r| <= 1/2) give θ = r·π/2; sin θ = θ·S(θ²) and
# cos θ = C(θ²), Taylor polynomials to θ**12 evaluated in 40-bit fixed point by
# Horner's rule (all partial sums positive), θ normalised first so that sin keeps
# its relative precision near the multiples of π. |x| < 2**-12 gives sin x = x and
# cos x = 1 (within 0.16 and 0.5 ulp).

TRIG_FUNCS = ("sin", "cos")
_SMALL_EU = 115  # biased exponent of 2**-12


def _pi(bits: int) -> Fraction:
    """π to about ``bits`` bits (Machin's formula in exact rationals)."""

    def atan_inv(n: int) -> Fraction:
        total, term, k, sign = Fraction(0), Fraction(1, n), 1, 1
        while term > Fraction(1, 2 ** (bits + 8)):
            total += sign * term / k
            term /= n * n
            k += 2
            sign = -sign
        return total

    return 16 * atan_inv(5) - 4 * atan_inv(239)


PI = _pi(260)
_TWO_OVER_PI = (2 / PI).numerator * 2**260 // (2 / PI).denominator  # floor(2/π · 2**260)


def _two_over_pi_bit(j: int) -> int:
    """Bit j of 2/π (weight 2**-j); 0 for j <= 0."""
    return 0 if j <= 0 else (_TWO_OVER_PI >> (260 - j)) & 1


def _trig_window(eu: int) -> int:
    """Bits j = eu - 151 .. eu - 56 of 2/π as a 96-bit integer (msb first)."""
    v = 0
    for j in range(eu - 151, eu - 55):
        v = (v << 1) | _two_over_pi_bit(j)
    return v


_TRIG_W = [_trig_window(eu) for eu in range(256)]
_PIO2 = round(PI / 2 * 2**39)  # 40 bits
_PI2_4 = round(PI * PI / 4 * 2**40)  # 42 bits
_FACT = [math.factorial(k) for k in range(16)]
_S_COEF = [round(Fraction(2**40, _FACT[2 * k + 1])) for k in range(6)]  # 1, 1/3!, .. 1/11!
_C_COEF = [round(Fraction(2**40, _FACT[2 * k])) for k in range(7)]  # 1, 1/2!, .. 1/12!


def _horner(z: int, coef: list[int]) -> int:
    """1 - z(c1 - z(c2 - ...)) in 40-bit fixed point (coef[0] = 1)."""
    t = coef[-1]
    for c in reversed(coef[:-1]):
        t = c - ((z * t) >> 40)
    return t


def trig_model(fn: str, bits: int) -> int:
    s, e, m = bits >> 31, (bits >> 23) & 0xFF, bits & 0x7FFFFF
    if e == 255:
        return F32.qnan
    eu = max(e, 1)
    if eu < _SMALL_EU:
        return bits if fn == "sin" else 0x3F800000
    mm = m | (1 << 23)
    low = (mm * _TRIG_W[eu]) & ((1 << 96) - 1)
    q, fr = low >> 94, low & ((1 << 94) - 1)
    rneg = fr >> 93
    rm = (1 << 94) - fr if rneg else fr
    q = (q + rneg + (fn == "cos")) & 3
    use_cos = q & 1
    neg = (q >> 1) ^ (rneg & (1 - use_cos)) ^ (s & (fn == "sin"))
    if use_cos:
        r_fx = rm >> 54
        z = (((r_fx * r_fx) >> 40) * _PI2_4) >> 40
        c = _horner(z, _C_COEF)
        top = c >> 40
        return _round_pack_model(neg, 0 if top else -1, c, 41 if top else 40)
    if rm == 0:
        return neg << 31
    lz = 94 - rm.bit_length()
    mr = (rm << lz) >> 54  # 40 bits, top set
    th = mr * _PIO2
    t79 = th >> 79
    th40 = th >> 40 if t79 else th >> 39
    eth = -1 - lz + t79
    r_fx = rm >> 54
    z = (((r_fx * r_fx) >> 40) * _PI2_4) >> 40
    sv = _horner(z, _S_COEF)
    pr = th40 * sv
    t = pr.bit_length() - 1
    assert t in (78, 79)
    return _round_pack_model(neg, eth + t - 79, pr, t + 1)


def _horner_pipe(p: Pipe, z: V, coef: list[int], name: str) -> V:
    t = const(coef[-1], 41)
    for k, c in reversed(list(enumerate(coef[:-1]))):
        prod = p.let(f"{name}_m{k}", mul(z, t))
        p.cut(3.0)
        t = p.let(f"{name}_t{k}", sub(const(c, 41), prod[prod.w - 1 : 40], 41))
        p.cut(1.0)
    return t


def gen_trig(fn: str) -> Pipe:
    """binary32 sin or cos (see the comment above :func:`trig_model`)."""
    if fn not in TRIG_FUNCS:
        raise ValueError(f"trigonometric function must be sin or cos, not '{fn}'")
    p = Pipe()
    a = p.input("a", 32)
    u = unpack(p, F32, a, "a")
    small = p.let("tiny_x", ltu(u.eu, const(_SMALL_EU, 8)))
    win = _rom(p, "win", u.e, _TRIG_W, 96)
    p.cut(1.5)
    full = _product(p, win, u.m, "yprod")  # 120 bits
    low = p.let("low", full[95:0])
    p.cut(2.0)
    rneg = p.let("rneg", low[93])
    fr = p.let("fr", zext(low[93:0], 94))
    rm = p.let("rm", mux(rneg, neg(fr), fr))  # 2**94 - fr (fr >= 2**93 here) or fr
    cos_off = 1 if fn == "cos" else 0
    q = p.let("q", add(add(low[95:94], zext(rneg, 2), 2), const(cos_off, 2), 2))
    use_cos = p.let("use_cos", q[0])
    negs = bxor(q[1], band(rneg, bnot(use_cos)))
    sgn = p.let("sgn", bxor(negs, u.s) if fn == "sin" else negs)
    rz = p.let("rz", eq(rm, 0))
    p.cut(1.5)
    r_fx = p.let("r_fx", rm[93:54])
    rr = p.let("rr", mul(r_fx, r_fx))
    p.cut(3.0)
    zp = p.let("zp", mul(rr[79:40], const(_PI2_4, 42)))
    p.cut(3.0)
    z = p.let("z", zp[79:40])
    poly = _horner_pipe(p, z, _C_COEF if fn == "cos" else _S_COEF, "pc")
    other = _horner_pipe(p, z, _S_COEF if fn == "cos" else _C_COEF, "po")
    sv, cv = (other, poly) if fn == "cos" else (poly, other)
    # θ = |r|·π/2 normalised (computed alongside the polynomials)
    mr, lz = normalize(p, rm, "nr")
    th = p.let("th", mul(mr[93:54], const(_PIO2, 40)))
    p.cut(3.0)
    t79 = th[79]
    th40 = p.let("th40", mux(t79, th[79:40], th[78:39]))
    xw = F32.xw
    eth = p.let("eth", sub(zext(t79, xw), add(zext(lz, xw), const(1, xw), xw), xw))
    pr = p.let("pr", mul(th40, sv))  # 81 bits, top at 79 or 78
    p.cut(3.0)
    tp = pr[79]
    ms = p.let("ms", mux(tp, pr[79:0], catv(pr[78:0], zeros(1))))
    es = p.let("es", sub(eth, mux(tp, const(0, xw), const(1, xw)), xw))
    ctop = cv[40]
    mc = p.let("mc", mux(ctop, catv(cv, zeros(39)), catv(cv[39:0], zeros(40))))
    ec = mux(ctop, const(0, xw), const(-1, xw))
    m_sel = p.let("m_sel", mux(use_cos, mc, ms))
    e_sel = p.let("e_sel", mux(use_cos, ec, es))
    p.cut(1.5)
    r = round_pack(p, F32, sgn, e_sel, m_sel, const(0, 1))
    small_res = a if fn == "sin" else const(0x3F800000, 32)
    zero_res = catv(sgn, zeros(31))
    res = mux(
        bor(u.inf, u.nan),
        _qnan(F32),
        mux(small, small_res, mux(band(rz, bnot(use_cos)), zero_res, r)),
    )
    p.output(res, 1.0)
    return p


# --------------------------------------------------------------------------- pow
#
# pow(x, y) = ±2**(y·log2|x|): the logarithm's 66-fraction-bit sum (as in log2) times
# y's significand, shifted to 30 fraction bits by y's exponent, is the input of the
# exponential's core; C99's special cases (Annex F.9.4.4, OpenCL 1.2 section 7.5.1)
# are picked around it. |y·log2|x|| >= 256 saturates to 0 or inf.

_ONE = 0x3F800000


def _y_class(ey: int, my: int) -> tuple[bool, bool]:
    """(y is an integer, y is an odd integer) for y's exponent field and significand
    (with the hidden bit); y != 0 and finite."""
    if ey >= 127 + 24:
        return True, False
    if ey < 127:
        return False, False
    k = 150 - ey  # fraction bits of the significand
    whole = my & ((1 << k) - 1) == 0
    return whole, whole and bool((my >> k) & 1)


def pow_model(xb: int, yb: int, fn: str = "pow") -> int:
    """The pow (or powr) unit's output for input bit patterns ``xb`` (x), ``yb`` (y)."""
    sx, ex, mx = xb >> 31, (xb >> 23) & 0xFF, xb & 0x7FFFFF
    sy, ey, my = yb >> 31, (yb >> 23) & 0xFF, yb & 0x7FFFFF
    if fn == "powr":  # OpenCL 1.2, 7.5.1: pow for x >= 0, NaN in the undefined cases
        xzero, yzero, yinf = xb & 0x7FFFFFFF == 0, yb & 0x7FFFFFFF == 0, ey == 255 and my == 0
        nan = (ex == 255 and mx != 0) or (ey == 255 and my != 0) or (sx and not xzero)
        nan = nan or (xzero and yzero) or (xb == 0x7F800000 and yzero) or (xb == _ONE and yinf)
        if nan:
            return F32.qnan
        if yzero or xb == _ONE:
            return _ONE
        if xzero:
            return 0x7F800000 if sy else 0
        xb &= 0x7FFFFFFF
        sx = 0
    if yb & 0x7FFFFFFF == 0 or xb == _ONE:
        return _ONE
    xnan, ynan = ex == 255 and mx != 0, ey == 255 and my != 0
    if xnan or ynan:
        return F32.qnan
    xinf, yinf = ex == 255, ey == 255
    yint, yodd = (True, False) if yinf else _y_class(ey, my | ((ey != 0) << 23))
    neg = sx & int(yodd)
    ax = xb & 0x7FFFFFFF
    if yinf:
        if ax == _ONE:
            return _ONE
        return 0 if (ax < _ONE) != bool(sy) else 0x7F800000
    if ax == 0:
        return (neg << 31) | (0x7F800000 if sy else 0)
    if xinf:
        return (neg << 31) | (0 if sy else 0x7F800000)
    if sx and not yint:
        return F32.qnan
    total = _log_total_model(mx | ((ex != 0) << 23), max(ex, 1) - 127)
    prod = abs(total) * (my | ((ey != 0) << 23))
    st = (total < 0) != bool(sy)
    sh = 186 - max(ey, 1)
    t = prod >> sh if sh >= 0 else prod << -sh
    if t >= 1 << 38:
        return (neg << 31) | (0 if st else 0x7F800000)
    return (neg << 31) | _exp_core_model(-t if st else t)


POW_FUNCS = ("pow", "powr")


def gen_pow(fn: str = "pow") -> Pipe:
    """binary32 ``pow(a, b)`` or ``powr(a, b)`` (see the comment above :func:`pow_model`)."""
    if fn not in POW_FUNCS:
        raise ValueError(f"power function must be pow or powr, not '{fn}'")
    p = Pipe()
    a = p.input("a", 32)
    b = p.input("b", 32)
    ux, mn, ea = unpack_norm(p, F32, a, "x")
    uy = unpack(p, F32, b, "y")
    # y's class: k = 150 - e fraction bits in the significand when 127 <= e < 151
    big_y = p.let("big_y", geu(uy.e, const(151, 8)))
    lt1_y = p.let("lt1_y", ltu(uy.e, const(127, 8)))
    k = p.let("k", sub(const(150, 8), uy.e))
    kk = p.let("kk", k[4:0])
    fmask = p.let("fmask", bnot(V(BinOp("<<", const(-1, 24).e, kk.e), 24)))
    whole = p.let("whole", eq(band(uy.m, fmask), 0))
    oddbit = p.let("oddbit", V(BinOp(">>", uy.m.e, kk.e), 24))
    yint = p.let("yint", bor(big_y, uy.inf, band(bnot(lt1_y), whole)))
    yodd = p.let("yodd", band(bnot(big_y), bnot(lt1_y), bnot(uy.inf), whole, oddbit[0]))
    neg_r = p.let("neg_r", band(ux.s, yodd))
    ax_lt1 = p.let("ax_lt1", ltu(a[30:0], const(_ONE, 31)))
    ax_one = p.let("ax_one", eq(a[30:0], _ONE))
    one_res = p.let("one_res", bor(uy.zero, eq(a, _ONE), band(uy.inf, ax_one)))
    nan_res = p.let(
        "nan_res", bor(ux.nan, uy.nan, band(ux.s, bnot(yint), bnot(ux.zero), bnot(ux.inf)))
    )
    p.cut(1.5)
    total = _log_total(p, mn, ea)
    p.cut(2.0)
    w = total.w
    sl = p.let("sl", total[w - 1])
    mag = p.let("mag_l", mux(sl, neg(total), total))
    st = p.let("st", bxor(sl, uy.s))
    p.cut(1.5)
    prod = p.let("yl", mul(mag, uy.m))  # 101 bits
    p.cut(3.0)
    sh_neg = p.let("sh_neg", ltu(const(186, 8), uy.eu))
    sh = p.let("sh", sub(const(186, 8), uy.eu))
    tv = p.let("tv", V(BinOp(">>", prod.e, sh.e), prod.w))
    p.cut(2.0)
    sat = p.let("sat", mux(sh_neg, ne(prod, 0), ne(tv[prod.w - 1 : 38], 0)))
    t = p.let("t", zext(tv[37:0], 41))
    xs = p.let("xs", mux(st, neg(t), t))
    p.cut(1.5)
    r = _exp_core(p, xs)
    inf = _inf(F32, const(0, 1))
    sat_res = mux(st, zeros(32), inf)
    core = mux(sat, sat_res, r)
    # y = ±inf: |x| < 1 and y = +inf, or |x| > 1 and y = -inf, give 0
    yinf_res = mux(bxor(ax_lt1, uy.s), zeros(32), inf)
    zero_inf = mux(ux.zero, mux(uy.s, inf, zeros(32)), mux(uy.s, zeros(32), inf))
    mag_res = p.let("mag_res", mux(uy.inf, yinf_res, mux(bor(ux.zero, ux.inf), zero_inf, core)))
    signed = catv(neg_r, mag_res[30:0])
    if fn == "powr":
        xzero_y = band(ux.zero, uy.zero)
        pinf_y0 = band(eq(a, 0x7F800000), uy.zero)
        nan_r = bor(ux.nan, uy.nan, band(ux.s, bnot(ux.zero)), xzero_y, pinf_y0)
        nan_r = p.let("nan_r", bor(nan_r, band(eq(a, _ONE), uy.inf)))
        one_r = bor(uy.zero, eq(a, _ONE))
        zero_r = mux(uy.s, inf, zeros(32))
        res = mux(nan_r, _qnan(F32), mux(one_r, const(_ONE, 32), mux(ux.zero, zero_r, mag_res)))
    else:
        res = mux(one_res, const(_ONE, 32), mux(nan_res, _qnan(F32), signed))
    p.output(res, 1.0)
    return p


# --------------------------------------------------------------------------- cbrt
#
# cbrt(x) = ±2**(log2|x| / 3): the logarithm's sum times 1/3 (42 bits) is the
# exponential's fixed-point input (|log2|x|| / 3 < 50, never saturating).

_THIRD = round(Fraction(2**42, 3))


def cbrt_model(bits: int) -> int:
    s, e, m = bits >> 31, (bits >> 23) & 0xFF, bits & 0x7FFFFF
    if e == 255:
        return F32.qnan if m else bits
    if e == 0 and m == 0:
        return bits
    total = _log_total_model(m | ((e != 0) << 23), max(e, 1) - 127)
    t = (abs(total) * _THIRD) >> (LOG_FB + 42 - FX)
    return (s << 31) | _exp_core_model(-t if total < 0 else t)


def gen_cbrt() -> Pipe:
    """binary32 cube root (see the comment above :func:`cbrt_model`)."""
    p = Pipe()
    a = p.input("a", 32)
    u, mn, ea = unpack_norm(p, F32, a, "a")
    total = _log_total(p, mn, ea)
    p.cut(2.0)
    w = total.w
    sl = p.let("sl", total[w - 1])
    mag = p.let("mag_l", mux(sl, neg(total), total))
    p.cut(1.5)
    prod = p.let("third", mul(mag, const(_THIRD, 41)))
    p.cut(3.0)
    t = p.let("t", zext(prod[LOG_FB + 42 - FX + 37 : LOG_FB + 42 - FX], 41))
    xs = p.let("xs", mux(sl, neg(t), t))
    p.cut(1.5)
    r = _exp_core(p, xs)
    special = mux(u.nan, _qnan(F32), a)  # ±0, ±inf as they are
    res = mux(bor(u.nan, u.inf, u.zero), special, catv(u.s, r[30:0]))
    p.output(res, 1.0)
    return p


# --------------------------------------------------------------------------- atan
#
# atan(x) by CORDIC in vectoring mode: the vector (2**-s, |x|·2**-s), s = max(E, 0) + 1
# for x = M·2**E, in 60-fraction-bit fixed point, is rotated onto the axis in 44
# shift-and-add steps while z sums ±atan(2**-i) (62 fraction bits). |x| < 2**-12
# gives x (within 0.16 ulp), |x| >= 2**40 and ±inf give ±π/2 rounded.

_CF, _CN, _CZ = 60, 44, 62


def _atan_pow2(k: int, bits: int = 80) -> Fraction:
    """atan(2**-k) for k >= 1, by its series in exact rationals."""
    x = Fraction(1, 2**k)
    total, term, j, sign = Fraction(0), x, 1, 1
    while term > Fraction(1, 2 ** (bits + 4)):
        total += sign * term / j
        term *= x * x
        j += 2
        sign = -sign
    return total


_ATAN_T = [round(PI / 4 * 2**_CZ)] + [round(_atan_pow2(k) * 2**_CZ) for k in range(1, _CN)]
_PIO2_F32 = 0x3FC90FDB


def atan_model(bits: int) -> int:
    s, e, m = bits >> 31, (bits >> 23) & 0xFF, bits & 0x7FFFFF
    if e == 255 and m:
        return F32.qnan
    if e < 127 - 12:
        return bits
    if e >= 127 + 40:
        return (s << 31) | _PIO2_F32
    big_e = e - 127
    x = 1 << (_CF - max(big_e, 0) - 1)
    y = (m | (1 << 23)) << (_CF - 24 + min(big_e, 0))
    z = 0
    for i in range(_CN):
        if y >= 0:
            x, y, z = x + (y >> i), y - (x >> i), z + _ATAN_T[i]
        else:
            x, y, z = x - (y >> i), y + (x >> i), z - _ATAN_T[i]
    if z <= 0:
        return s << 31
    top = z.bit_length() - 1
    return (s << 31) | _round_pack_model(0, top - _CZ, z, top + 1)


def gen_atan() -> Pipe:
    """binary32 atan (see the comment above :func:`atan_model`)."""
    p = Pipe()
    a = p.input("a", 32)
    u = unpack(p, F32, a, "a")
    tiny = p.let("tiny_x", ltu(u.e, const(127 - 12, 8)))
    huge = p.let("huge_x", geu(u.e, const(127 + 40, 8)))
    pos_e = p.let("pos_e", geu(u.e, const(127, 8)))
    # x0 = 2**(CF - 1 - max(E, 0)); y0 = M << (CF - 24 + min(E, 0))
    xs_amt = p.let("xs_amt", mux(pos_e, sub(u.e, const(127, 8)), zeros(8)))
    ys_amt = p.let("ys_amt", mux(pos_e, const(_CF - 24, 8), sub(u.e, const(127 - (_CF - 24), 8))))
    xw = yw = _CF + 2
    zw = _CZ + 2
    x = p.let("cx0", V(BinOp(">>", const(1 << (_CF - 1), xw).e, xs_amt.e), xw))
    y = p.let("cy0", V(BinOp("<<", zext(u.m, yw).e, ys_amt.e), yw))
    z: V = const(0, zw)
    p.cut(1.5)
    for i in range(_CN):
        neg_y = y[yw - 1]
        ysh = catv(V(Repl(Int(i), neg_y.e), i), y[yw - 1 : i]) if i else y
        xsh = zext(x[xw - 1 : i], xw) if i else x
        t = const(_ATAN_T[i], zw)
        x, y, z = (
            p.let(f"cx{i + 1}", mux(neg_y, sub(x, ysh, xw), add(x, ysh, xw))),
            p.let(f"cy{i + 1}", mux(neg_y, add(y, zext(xsh, yw), yw), sub(y, zext(xsh, yw), yw))),
            p.let(f"cz{i + 1}", mux(neg_y, sub(z, t, zw), add(z, t, zw))),
        )
        p.cut(2.0)
    zpos = p.let("zpos", band(bnot(z[zw - 1]), ne(z, 0)))
    mn, lz = normalize(p, z, "zn")
    e = p.let("ze", sub(const(zw - 1 - _CZ, F32.xw), zext(lz, F32.xw)))
    r = round_pack(p, F32, u.s, e, mn, const(0, 1))
    signed_zero = catv(u.s, zeros(31))
    pio2 = catv(u.s, const(_PIO2_F32, 31))
    res = mux(u.nan, _qnan(F32), mux(tiny, a, mux(huge, pio2, mux(zpos, r, signed_zero))))
    p.output(res, 1.0)
    return p
