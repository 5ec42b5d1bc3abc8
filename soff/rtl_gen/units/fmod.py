"""fmod and remainder (binary32): exact, by long division of the significands.

|a| = ma·2^(ea-23), |b| = mb·2^(eb-23) (normalised, subnormals included). For
d = ea - eb ≥ 0, ma·2^d mod mb takes one restoring step (shift, compare, subtract) per
bit of d: the pipeline has one step for every possible d (276 for binary32), the first
``MAX_STEPS - d`` of them idle, so a new operation starts every cycle whatever the
exponents. The remainder r (< mb) has the weight of mb's last bit, so
r·2^(eb-23) is exact; it is normalised and packed (``round_pack`` never rounds:
the result is a multiple of b's and a's last bits, at least the smallest subnormal).

``remainder`` (IEEE, quotient rounded to nearest even) takes |b| - r instead, with the
sign flipped, when 2r > mb or 2r = mb with an odd quotient (the last step's bit), and
handles d = -1 (|b|/2 ≤ |a| < |b| possible) apart: |b| - |a| when ma > mb. Otherwise
(d < 0 for fmod, d < -1 for remainder) the result is ``a``.

Special values (C99): NaN for a NaN operand, an infinite ``a`` or a zero ``b``; ``a``
for an infinite ``b`` or a zero ``a``.
"""

from __future__ import annotations

from soff.rtl_gen.units.fp import F32, Fmt, _qnan, normalize, round_pack, unpack_norm
from soff.rtl_gen.units.pipe import (
    Pipe,
    band,
    bnot,
    bor,
    bxor,
    catv,
    const,
    eq,
    geu,
    lts,
    mux,
    sub,
    zeros,
    zext,
)


def max_steps(f: Fmt) -> int:
    """The largest exponent difference: the top of the largest finite value over the
    smallest subnormal's bit."""
    return (f.bias) + (f.bias - 1 + f.mw)


def gen_fmod(f: Fmt = F32, remainder: bool = False) -> Pipe:
    if f != F32:
        raise ValueError("unit 'fmod'/'remainder' exists for f32 only")
    p = Pipe()
    a = p.input("a", f.n)
    b = p.input("b", f.n)
    ua, ma, ea = unpack_norm(p, f, a, "a")
    ub, mb, eb = unpack_norm(p, f, b, "b")
    nan = p.let("nan", bor(ua.nan, ub.nan, ua.inf, ub.zero))
    d = p.let("d", sub(ea, eb))
    keep = bor(ub.inf, ua.zero, lts(d, const(-1 if remainder else 0, f.xw)))
    p.cut(2.0)
    w = f.m + 1
    den = p.let("den", zext(mb, w))
    r0 = zext(ma, w)
    q = p.let("q0", geu(r0, den))
    r = p.let("r0", mux(q, sub(r0, den), r0))
    p.cut(1.0)
    n = max_steps(f)
    for i in range(1, n + 1):
        act = p.let(f"act{i}", lts(const(n - i, f.xw), d))  # d > n - i: the last d steps
        sh = catv(r[w - 2 : 0], zeros(1))
        ge = p.let(f"g{i}", geu(sh, den))
        r = p.let(f"r{i}", mux(act, mux(ge, sub(sh, den), sh), r))
        if i == n:
            q = p.let("qlast", mux(eq(d, 0), q, ge))
        p.cut(1.0)
    # the result in a frame whose last bit weighs 2^(eb-24): 2r
    mag = p.let("mag", catv(r[w - 2 : 0], zeros(1)))
    flip = const(0, 1)
    if remainder:
        two_b = catv(mb, zeros(1))  # |b| in the frame
        dpos = bnot(lts(d, const(0, f.xw)))
        over = bnot(geu(den, mag))  # 2r > mb
        tie = eq(mag, den)
        flip_hi = p.let("flip_hi", band(dpos, bor(over, band(tie, q))))
        dm1 = eq(d, const(-1, f.xw))
        flip_lo = p.let("flip_lo", band(dm1, bnot(geu(mb, ma))))  # |b|/2 < |a| < |b|
        keep = bor(keep, band(dm1, bnot(flip_lo)))
        m_hi = sub(two_b, mag)
        m_lo = sub(two_b, zext(ma, w))
        mag = p.let("magr", mux(flip_hi, m_hi, mux(flip_lo, m_lo, mag)))
        flip = p.let("flip", bor(flip_hi, flip_lo))
    keep = p.let("keep", keep)
    p.cut(1.0)
    mn, lz = normalize(p, mag, "rn")
    e = p.let("re", sub(eb, zext(lz, f.xw)))
    s = p.let("rs", bxor(ua.s, flip))
    rp = round_pack(p, f, s, e, mn, const(0, 1))
    res = mux(nan, _qnan(f), mux(keep, a, rp))
    p.output(res, 1.0)
    return p
