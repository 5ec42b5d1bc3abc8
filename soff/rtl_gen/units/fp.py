"""IEEE-754 binary32/binary64 unit generators, parameterised by exponent and
fraction width.

Every arithmetic unit follows one shape: unpack the operands, compute the exact
result as (sign, unbiased exponent of the leading bit, normalised significand,
sticky bit), then :func:`round_pack` rounds to nearest even, with subnormal
results, overflow to infinity and signed zeros handled there. A NaN result is
the canonical quiet NaN.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    lts,
    ltu,
    mul,
    mux,
    ne,
    neg,
    red_or,
    sext,
    sub,
    zeros,
    zext,
)
from soff.rtl_gen.vast import Ref, Repl


@dataclass(frozen=True)
class Fmt:
    name: str
    ew: int  # exponent bits
    mw: int  # fraction bits (without the hidden bit)

    @property
    def n(self) -> int:
        return 1 + self.ew + self.mw

    @property
    def m(self) -> int:
        """Significand bits with the hidden bit."""
        return self.mw + 1

    @property
    def bias(self) -> int:
        return (1 << (self.ew - 1)) - 1

    @property
    def xw(self) -> int:
        """Width of the signed exponent arithmetic (room for products and quotients
        of subnormals)."""
        return self.ew + 3

    @property
    def qnan(self) -> int:
        return ((1 << (self.ew + 1)) - 1) << (self.mw - 1)


F32 = Fmt("f32", 8, 23)
F64 = Fmt("f64", 11, 52)
FORMATS = {"f32": F32, "f64": F64}


# --------------------------------------------------------------------------- building blocks


def _named(p: Pipe, x: V, name: str) -> V:
    """``x`` itself if it is a signal, else a wire holding it (so bits can be selected)."""
    return x if isinstance(x.e, Ref) else p.let(name, x)


# Cut weights approximate the delay of a segment on an FPGA in LUT levels (one LUT4
# and its routing, about 1 ns on ECP5); a carry chain of n bits counts 1.5 + n/40, a
# DSP multiplier 5 (its combinational path alone is about 4 ns on ECP5 plus routing).
_NORM_LEVEL = {1: 1.2, 2: 1.5, 4: 2.0, 8: 2.5}


#: weight of the segment after round_pack's last cut: the rounding add, the
#: zero/overflow mux and the caller's NaN/infinity mux
_RP_OUT = 4.0


def _chain(w: int) -> float:
    """Weight of a ``w``-bit carry chain (add, subtract, magnitude compare)."""
    return 1.5 + w / 40


def normalize(p: Pipe, x: V, name: str) -> tuple[V, V]:
    """Shift ``x`` left until its top bit is set: (shifted, leading-zero count).
    For ``x == 0`` the count is meaningless."""
    return normalize_many(p, [(x, name)])[0]


def _shl(x: V, s: int) -> V:
    """``x << s`` at the width of ``x`` (``x`` a signal)."""
    if s == 0:
        return x
    if s >= x.w:
        return zeros(x.w)
    return catv(x[x.w - 1 - s : 0], zeros(s))


def lzc(p: Pipe, x: V, nb: int, name: str) -> V:
    """Leading zeros of ``x`` (``nb`` bits; meaningless for ``x == 0``) by a tree: each
    group of 4 bits gives a valid bit and a 2-bit count in one LUT level, then pairs of
    groups merge in one more level each."""
    pw = 1 << nb
    pad = _named(p, catv(x, const(-1, pw - x.w)) if pw > x.w else x, f"{name}_pad")
    if nb == 1:
        return p.let(f"{name}_c", bnot(pad[1]))
    nodes: list[tuple[V, V]] = []
    for g in range(pw // 4):
        hi = pw - 1 - 4 * g
        b3, b2, b1 = pad[hi], pad[hi - 1], pad[hi - 2]
        v = p.let(f"{name}_v0_{g}", red_or(pad[hi : hi - 3]))
        c1 = bnot(bor(b3, b2))
        c0 = band(bnot(b3), bor(b2, bnot(b1)))
        nodes.append((v, p.let(f"{name}_c0_{g}", catv(c1, c0))))
    level = 0
    while len(nodes) > 1:
        level += 1
        nxt = []
        for i in range(0, len(nodes), 2):
            (vh, ch), (vl, cl) = nodes[i], nodes[i + 1]
            v = p.let(f"{name}_v{level}_{i // 2}", bor(vh, vl))
            c = mux(vh, catv(zeros(1), ch), catv(const(1, 1), cl))
            nxt.append((v, p.let(f"{name}_c{level}_{i // 2}", c)))
        nodes = nxt
    return nodes[0][1]


def normalize_many(p: Pipe, xs: list[tuple[V, str]]) -> list[tuple[V, V]]:
    """:func:`normalize` of independent values side by side: a leading-zero count
    (:func:`lzc`), a cut, then the shift, two bits of the count (a 4:1 mux) per level."""
    cur = [_named(p, x, f"{name}_x") for x, name in xs]
    nbs = [(x.w - 1).bit_length() for x in cur]
    lzs = [
        p.let(f"{name}_lz", lzc(p, x, nb, f"{name}_lc")) if nb else const(0, 1)
        for x, nb, (_, name) in zip(cur, nbs, xs, strict=True)
    ]
    # a 4-input group, then a 2:1 merge per level
    p.cut(1.0 + max(nbs) - 2 if max(nbs) > 2 else 1.0)
    for j in range((max(nbs) + 1) // 2):
        for i, (_, name) in enumerate(xs):
            hi = nbs[i] - 1 - 2 * j
            if hi < 0:
                continue
            lz, x = lzs[i], cur[i]
            if hi >= 1:
                s_hi, s_lo = 1 << hi, 1 << (hi - 1)
                sel = mux(
                    lz[hi],
                    mux(lz[hi - 1], _shl(x, s_hi + s_lo), _shl(x, s_hi)),
                    mux(lz[hi - 1], _shl(x, s_lo), x),
                )
            else:
                sel = mux(lz[0], _shl(x, 1), x)
            cur[i] = p.let(f"{name}_n{hi}", sel)
        # a 4:1 mux (LUT4 + PFUMX) whose selects fan out to every bit
        p.cut(1.5)
    return list(zip(cur, lzs, strict=True))


def shr_sticky(p: Pipe, x: V, amt: V, name: str, big: V | None = None) -> tuple[V, V]:
    """``x >> amt`` (``amt`` unsigned, any size) and the OR of the bits shifted out.
    ``big``, if given, is ``amt >= x.w`` computed by the caller."""
    x = _named(p, x, f"{name}_x")
    amt = _named(p, amt, f"{name}_amt")
    w = x.w
    nb = w.bit_length()  # 2**nb > w
    if big is not None:
        pass
    elif amt.w > nb:
        big = p.let(
            f"{name}_big", bor(red_or(amt[amt.w - 1 : nb]), geu(amt[nb - 1 : 0], const(w, nb)))
        )
    else:
        big = p.let(f"{name}_big", geu(zext(amt, nb), const(w, nb)))
    cur, st = x, const(0, 1)
    for k in range(min(nb, amt.w)):
        s = 1 << k
        if s >= w:
            break
        bit = amt[k]
        st = p.let(f"{name}_st{k}", bor(st, band(bit, red_or(cur[s - 1 : 0]))))
        cur = p.let(f"{name}_r{k}", mux(bit, catv(zeros(s), cur[w - 1 : s]), cur))
        p.cut(1.2 if s < 8 else 1.7)
    y = p.let(f"{name}_y", mux(big, zeros(w), cur))
    sticky = p.let(f"{name}_s", mux(big, red_or(x), st))
    return y, sticky


def round_pack(p: Pipe, f: Fmt, s: V, e: V, m: V, sticky: V, name: str = "rp") -> V:
    """Round ``(-1)**s * 0.1m * 2**(e+1)`` (``m`` normalised: top bit set, or zero;
    ``e`` signed, the exponent of the top bit of ``m``) to nearest even in format ``f``.
    A zero ``m`` gives a signed zero."""
    if m.w < f.m + 2:
        m = catv(m, zeros(f.m + 2 - m.w))
    m = _named(p, m, f"{name}_m")
    w = m.w
    xw = max(f.xw, e.w)
    # the biased exponent, the overflow and subnormal tests and the denormalising shift
    # all straight from e, side by side (eb = e + bias; sh = 1 - eb)
    ex = _named(p, sext(e, xw), f"{name}_e")
    eb = p.let(f"{name}_eb", add(ex, const(f.bias, xw)))
    ovf = p.let(f"{name}_ovf", bnot(lts(ex, const((1 << f.ew) - 1 - f.bias, xw))))
    sub_ = p.let(f"{name}_sub", lts(ex, const(1 - f.bias, xw)))
    sh_raw = p.let(f"{name}_shr", sub(const(1 - f.bias, xw), ex))
    # sh >= w: everything shifted out
    big = p.let(f"{name}_big", lts(ex, const(2 - f.bias - w, xw)))
    zero = p.let(f"{name}_zero", eq(m, 0))
    p.cut(_chain(xw) + 1.5)  # four compares and a subtraction, each a carry chain
    sh = p.let(f"{name}_sh", mux(sub_, sh_raw, zeros(xw)))
    md, st2 = shr_sticky(p, m, sh, f"{name}_dn", big)
    p.cut(1.2)
    ef = p.let(f"{name}_ef", mux(sub_, zeros(f.ew), eb[f.ew - 1 : 0]))
    frac = md[w - 2 : w - f.m]
    lsb = md[w - f.m]
    g = md[w - f.m - 1]
    rest = bor(red_or(md[w - f.m - 2 : 0]), sticky, st2) if w - f.m - 2 >= 0 else bor(sticky, st2)
    up = p.let(f"{name}_up", band(g, bor(rest, lsb)))
    p.cut(3.0)
    body = p.let(f"{name}_body", add(catv(ef, frac), up))
    inf = catv(s, const(-1, f.ew), zeros(f.mw))
    res = mux(zero, catv(s, zeros(f.n - 1)), mux(ovf, inf, catv(s, body)))
    return p.let(f"{name}_res", res)


@dataclass
class Unpacked:
    s: V
    e: V  # exponent field
    eu: V  # effective biased exponent (1 for subnormals)
    m: V  # significand with hidden bit
    nan: V
    inf: V
    zero: V
    snan: V


def unpack(p: Pipe, f: Fmt, x: V, name: str) -> Unpacked:
    s = p.let(f"{name}_s", x[f.n - 1])
    e = p.let(f"{name}_e", x[f.n - 2 : f.mw])
    frac = x[f.mw - 1 : 0]
    e0 = p.let(f"{name}_e0", eq(e, 0))
    e1 = p.let(f"{name}_e1", eq(e, (1 << f.ew) - 1))
    f0 = p.let(f"{name}_f0", eq(frac, 0))
    return Unpacked(
        s=s,
        e=e,
        eu=p.let(f"{name}_eu", mux(e0, const(1, f.ew), e)),
        m=p.let(f"{name}_m", catv(bnot(e0), frac)),
        nan=p.let(f"{name}_nan", band(e1, bnot(f0))),
        inf=p.let(f"{name}_inf", band(e1, f0)),
        zero=p.let(f"{name}_zero", band(e0, f0)),
        snan=p.let(f"{name}_snan", band(e1, bnot(f0), bnot(x[f.mw - 1]))),
    )


def unpack_norm(p: Pipe, f: Fmt, x: V, name: str) -> tuple[Unpacked, V, V]:
    """Unpack and normalise: (fields, significand with top bit set, signed unbiased
    exponent of that bit)."""
    return unpack_norm_many(p, f, [(x, name)])[0]


def unpack_norm_many(p: Pipe, f: Fmt, xs: list[tuple[V, str]]) -> list[tuple[Unpacked, V, V]]:
    """:func:`unpack_norm` of several operands, normalised side by side."""
    us = [unpack(p, f, x, name) for x, name in xs]
    norms = normalize_many(p, [(u.m, f"{name}_nm") for u, (_, name) in zip(us, xs, strict=True)])
    out = []
    for u, (mn, lz), (_, name) in zip(us, norms, xs, strict=True):
        e = sub(sub(zext(u.eu, f.xw), const(f.bias, f.xw)), zext(lz, f.xw))
        out.append((u, mn, p.let(f"{name}_x", e)))
    return out


def _qnan(f: Fmt) -> V:
    return const(f.qnan, f.n)


def _inf(f: Fmt, s: V) -> V:
    return catv(s, const(-1, f.ew), zeros(f.mw))


# --------------------------------------------------------------------------- add / sub


def gen_fadd(f: Fmt, subtract: bool) -> Pipe:
    p = Pipe()
    a = p.input("a", f.n)
    b = p.input("b", f.n)
    p.output(_fadd(p, f, a, b, subtract)[0], _RP_OUT)
    return p


def gen_fdim(f: Fmt) -> Pipe:
    """OpenCL fdim: ``a - b`` if ``a > b``, else +0; NaN if either operand is NaN."""
    p = Pipe()
    a = p.input("a", f.n)
    b = p.input("b", f.n)
    diff, ua, ub = _fadd(p, f, a, b, True)
    amag, bmag = a[f.n - 2 : 0], b[f.n - 2 : 0]
    both0 = eq(bor(amag, bmag), 0)
    a_gt_b = p.let(
        "a_gt_b",
        mux(bxor(ua.s, ub.s), band(ub.s, bnot(both0)), mux(ua.s, ltu(amag, bmag), ltu(bmag, amag))),
    )
    res = mux(bor(ua.nan, ub.nan), _qnan(f), mux(a_gt_b, diff, zeros(f.n)))
    p.output(res, _RP_OUT)
    return p


def _fadd(p: Pipe, f: Fmt, a: V, b: V, subtract: bool) -> tuple[V, Unpacked, Unpacked]:
    """``a + b`` (or ``a - b``) rounded, and the unpacked operands."""
    ua = unpack(p, f, a, "a")
    ub = unpack(p, f, b, "b")
    sa = ua.s
    sb = p.let("sb", bnot(ub.s)) if subtract else ub.s
    amag, bmag = a[f.n - 2 : 0], b[f.n - 2 : 0]
    swap = p.let("swap", ltu(amag, bmag))
    eff_sub = p.let("eff_sub", bxor(sa, sb))
    s_big = p.let("s_big", mux(swap, sb, sa))
    eu_big = p.let("eu_big", mux(swap, ub.eu, ua.eu))
    m_big = p.let("m_big", mux(swap, ub.m, ua.m))
    m_sm = p.let("m_sm", mux(swap, ua.m, ub.m))
    # both exponent differences next to the magnitude compare, then a mux
    d_ab = p.let("d_ab", sub(ua.eu, ub.eu))
    d_ba = p.let("d_ba", sub(ub.eu, ua.eu))
    d = p.let("d", mux(swap, d_ba, d_ab))
    nan = p.let("nan", bor(ua.nan, ub.nan, band(ua.inf, ub.inf, eff_sub)))
    inf = p.let("inf", bor(ua.inf, ub.inf))
    s_inf = p.let("s_inf", mux(ua.inf, sa, sb))
    s_zero = p.let("s_zero", band(sa, sb))
    p.cut(_chain(f.n) + 1.0)
    e0 = p.let("e0", sub(zext(eu_big, f.xw), const(f.bias - 1, f.xw)))
    w = f.m + 4
    x_big = p.let("x_big", catv(zeros(1), m_big, zeros(3)))
    x_sm, st = shr_sticky(p, catv(zeros(1), m_sm, zeros(3)), d, "al")
    x_al = p.let("x_al", bor(x_sm, zext(st, w)))
    p.cut(1.5)
    # x_big -/+ x_al in one carry chain: {x_big, 1} + {x_al ^ eff_sub, eff_sub}, top w bits
    x_op = p.let("x_op", bxor(x_al, mux(eff_sub, const(-1, w), zeros(w))))
    tot1 = p.let("sum1", add(catv(x_big, const(1, 1)), catv(x_op, eff_sub)))
    total = p.let("sum", tot1[w:1])
    p.cut(_chain(w + 1) + 1.0)
    n, lz = normalize(p, total, "nrm")
    e = p.let("e", sub(e0, zext(lz, f.xw)))
    s = p.let("s", mux(eq(total, 0), s_zero, s_big))
    p.cut(_chain(f.xw))
    r = round_pack(p, f, s, e, n, const(0, 1))
    return p.let("sum_res", mux(nan, _qnan(f), mux(inf, _inf(f, s_inf), r))), ua, ub


# --------------------------------------------------------------------------- mul


def _chunks(w: int, most: int) -> list[tuple[int, int]]:
    """``(lo, width)`` of the fewest pieces of at most ``most`` bits covering ``w`` bits,
    as equal as possible."""
    n = -(-w // most)
    size = -(-w // n)
    return [(lo, min(size, w - lo)) for lo in range(0, w, size)]


def _sum_tree(p: Pipe, terms: list[tuple[int, V]], w: int, name: str, level_weight: float) -> V:
    """The ``w``-bit sum of ``terms`` (bit offset, value) by a binary adder tree with a
    cut after each level (weight: the widest adder's carry chain plus ``level_weight``)."""
    level = 0
    while len(terms) > 1:
        terms.sort(key=lambda t: t[0])
        nxt: list[tuple[int, V]] = []
        widest = 0
        for i in range(0, len(terms) - 1, 2):
            (lo_a, va), (lo_b, vb) = terms[i], terms[i + 1]
            sw = min(w - lo_a, max(va.w, vb.w + lo_b - lo_a) + 1)
            sv = add(zext(va, sw), catv(vb, zeros(lo_b - lo_a)) if lo_b > lo_a else vb, sw)
            nxt.append((lo_a, p.let(f"{name}_s{level}_{i // 2}", sv)))
            widest = max(widest, sw)
        if len(terms) % 2:  # the odd one waits for the next level (named: a signal)
            lo, v = terms[-1]
            nxt.append((lo, v if isinstance(v.e, Ref) else p.let(f"{name}_r{level}", v)))
        terms = nxt
        level += 1
        if len(terms) > 1:
            p.cut(_chain(widest) + level_weight)
    lo, v = terms[0]
    return p.let(f"{name}", catv(v, zeros(lo)) if lo else v)


def _product(p: Pipe, x: V, y: V, name: str) -> V:
    """``x * y`` from partial products of at most 18 x 17 bits (one ECP5 MULT18X18D,
    one Xilinx DSP48 each), alone in their segment, then summed by an adder tree with a
    cut after each level."""
    terms: list[tuple[int, V]] = []
    for xlo, xw in _chunks(x.w, 18):
        for ylo, yw in _chunks(y.w, 17):
            xs = x[xlo + xw - 1 : xlo]
            ys = y[ylo + yw - 1 : ylo]
            terms.append((xlo + ylo, p.let(f"{name}_pp{xlo}_{ylo}", mul(xs, ys))))
    p.cut(5.0)
    return _sum_tree(p, terms, x.w + y.w, name, 0.0)


def _product_lut(p: Pipe, x: V, y: V, name: str) -> V:
    """``x * y`` without multipliers (so yosys maps no DSP): one AND row per bit of
    ``y``, the first level adding rows in pairs (the ANDs fold into the adder's LUTs),
    then a binary adder tree with a cut after each level. On ECP5 a carry chain is
    much faster than a MULT18X18D's combinational path; measured there, a level is
    two routed nets around its LUT and chain (1.5 more than the chain)."""
    terms = [(j, band(x, V(Repl(x.w, y[j].e), x.w))) for j in range(y.w)]
    return _sum_tree(p, terms, x.w + y.w, name, 1.5)


#: fmul's significand multiplier: "dsp" (``*`` in 18 x 17 pieces, which synthesis maps
#: to DSP blocks) or "lut" (an adder tree of AND rows, no DSP)
MULTIPLIERS = ("dsp", "lut")


def gen_fmul(f: Fmt, mult: str = "dsp") -> Pipe:
    if mult not in MULTIPLIERS:
        raise ValueError(f"fmul multiplier must be one of {', '.join(MULTIPLIERS)}, not '{mult}'")
    p = Pipe()
    a = p.input("a", f.n)
    b = p.input("b", f.n)
    (ua, ma, ea), (ub, mb, eb) = unpack_norm_many(p, f, [(a, "a"), (b, "b")])
    s = p.let("s", bxor(ua.s, ub.s))
    nan = p.let("nan", bor(ua.nan, ub.nan, band(ua.inf, ub.zero), band(ua.zero, ub.inf)))
    inf = p.let("inf", bor(ua.inf, ub.inf))
    zero = p.let("zero", bor(ua.zero, ub.zero))
    if mult == "dsp":
        e = p.let("e", add(add(ea, eb), const(1, f.xw)))
        p.cut(2.0)
        prod = _product(p, ma, mb, "prod")
    else:  # the exponent sum beside the first adder level (it is the longer path otherwise)
        p.cut(2.0)
        e = p.let("e", add(add(ea, eb), const(1, f.xw)))
        prod = _product_lut(p, ma, mb, "prod")
    p.cut(_chain(prod.w))
    top = prod.msb
    pn = p.let("pn", mux(top, prod, catv(prod[prod.w - 2 : 0], zeros(1))))
    en = p.let("en", mux(top, e, sub(e, const(1, f.xw))))
    p.cut(2.0)
    r = round_pack(p, f, s, en, pn, const(0, 1))
    res = mux(nan, _qnan(f), mux(inf, _inf(f, s), mux(zero, catv(s, zeros(f.n - 1)), r)))
    p.output(res, _RP_OUT)
    return p


# --------------------------------------------------------------------------- fma


def gen_fma(f: Fmt) -> Pipe:
    p = Pipe()
    a = p.input("a", f.n)
    b = p.input("b", f.n)
    c = p.input("c", f.n)
    (ua, ma, ea), (ub, mb, eb), (uc, mc, ec) = unpack_norm_many(
        p, f, [(a, "a"), (b, "b"), (c, "c")]
    )
    sp = p.let("sp", bxor(ua.s, ub.s))
    sc = uc.s
    pinf = p.let("pinf", bor(ua.inf, ub.inf))
    pzero = p.let("pzero", bor(ua.zero, ub.zero))
    nan = p.let(
        "nan",
        bor(
            ua.nan,
            ub.nan,
            uc.nan,
            band(ua.inf, ub.zero),
            band(ua.zero, ub.inf),
            band(pinf, uc.inf, bxor(sp, sc)),
        ),
    )
    inf = p.let("inf", bor(pinf, uc.inf))
    s_inf = p.let("s_inf", mux(pinf, sp, sc))
    s_zero = p.let("s_zero", band(sp, sc))
    eff_sub = p.let("eff_sub", bxor(sp, sc))
    ep = p.let("ep", add(add(ea, eb), const(1, f.xw)))
    p.cut(2.0)
    prod = _product(p, ma, mb, "prod")
    p.cut(2.0)
    top = prod.msb
    pn = p.let("pn", mux(top, prod, catv(prod[prod.w - 2 : 0], zeros(1))))
    epn = p.let("epn", mux(top, ep, sub(ep, const(1, f.xw))))
    fw = 2 * f.m + 3
    xp = p.let("xp", catv(zeros(1), pn, zeros(2)))
    xc = p.let("xc", catv(zeros(1), mc, zeros(fw - 1 - f.m)))
    c_gt = bor(lts(epn, ec), band(eq(epn, ec), geu(xc, xp)))
    c_big = p.let("c_big", mux(pzero, const(1, 1), mux(uc.zero, const(0, 1), c_gt)))
    s_big = p.let("s_big", mux(c_big, sc, sp))
    e_big = p.let("e_big", add(mux(c_big, ec, epn), const(1, f.xw)))
    d = p.let("d", mux(c_big, sub(ec, epn), sub(epn, ec)))
    x_big = p.let("x_big", mux(c_big, xc, xp))
    x_sm0 = p.let("x_sm0", mux(c_big, xp, xc))
    p.cut(2.0)
    x_sm, st = shr_sticky(p, x_sm0, d, "al")
    x_al = p.let("x_al", bor(x_sm, zext(st, fw)))
    p.cut(2.0)
    total = p.let("sum", mux(eff_sub, sub(x_big, x_al), add(x_big, x_al)))
    p.cut(1.5)
    n, lz = normalize(p, total, "nrm")
    e = p.let("e", sub(e_big, zext(lz, f.xw)))
    s = p.let("s", mux(eq(total, 0), s_zero, s_big))
    p.cut(2.0)
    r = round_pack(p, f, s, e, n, const(0, 1))
    p.output(mux(nan, _qnan(f), mux(inf, _inf(f, s_inf), r)), _RP_OUT)
    return p


# --------------------------------------------------------------------------- div / sqrt


def gen_fdiv(f: Fmt) -> Pipe:
    """Restoring division of the normalised significands, one quotient bit per segment."""
    p = Pipe()
    a = p.input("a", f.n)
    b = p.input("b", f.n)
    (ua, ma, ea), (ub, mb, eb) = unpack_norm_many(p, f, [(a, "a"), (b, "b")])
    s = p.let("s", bxor(ua.s, ub.s))
    nan = p.let("nan", bor(ua.nan, ub.nan, band(ua.zero, ub.zero), band(ua.inf, ub.inf)))
    inf = p.let("inf", bor(ua.inf, ub.zero))
    zero = p.let("zero", bor(ua.zero, ub.inf))
    e = p.let("e", sub(ea, eb))
    p.cut(2.0)
    q_bits = f.m + 2
    den = p.let("den", zext(mb, f.m + 1))
    r = p.let("r0", zext(ma, f.m + 1))
    q: V | None = None
    for i in range(q_bits):
        ge = p.let(f"q{i}", geu(r, den))
        nxt = p.let(f"d{i}", mux(ge, sub(r, den), r))
        q = p.let(f"qa{i}", ge if q is None else catv(q, ge))
        r = p.let(f"r{i + 1}", catv(nxt[f.m - 1 : 0], zeros(1)))
        p.cut(2.0)
    assert q is not None
    sticky = p.let("sticky", ne(r, 0))
    top = q.msb
    qn = p.let("qn", mux(top, q, catv(q[q.w - 2 : 0], zeros(1))))
    en = p.let("en", mux(top, e, sub(e, const(1, f.xw))))
    rp = round_pack(p, f, s, en, qn, sticky)
    res = mux(nan, _qnan(f), mux(inf, _inf(f, s), mux(zero, catv(s, zeros(f.n - 1)), rp)))
    p.output(res, _RP_OUT)
    return p


def gen_fsqrt(f: Fmt) -> Pipe:
    """Restoring square root, one root bit per segment."""
    p = Pipe()
    a = p.input("a", f.n)
    ua, ma, ea = unpack_norm(p, f, a, "a")
    nan = p.let("nan", bor(ua.nan, band(ua.s, bnot(ua.zero))))
    inf = p.let("inf", ua.inf)
    zero = p.let("zero", ua.zero)
    odd = ea[0]
    e2 = p.let("e2", sub(ea, zext(odd, f.xw)))
    eh = p.let("eh", catv(e2.msb, e2[f.xw - 1 : 1]))
    q_bits = f.m + 1
    rad = p.let("rad0", mux(odd, catv(ma, zeros(f.m + 2)), catv(zeros(1), ma, zeros(f.m + 1))))
    p.cut(2.0)
    rw = q_bits + 2
    rem = p.let("rem_init", const(0, rw))
    root: V | None = None
    for i in range(q_bits):
        two = rad[rad.w - 1 : rad.w - 2]
        rem_sh = p.let(f"rs{i}", catv(rem[rw - 3 : 0], two))
        trial = catv(root, const(1, 2)) if root is not None else const(1, 2)
        ge = p.let(f"g{i}", geu(rem_sh, zext(trial, rw)))
        rem = p.let(f"rem{i}", mux(ge, sub(rem_sh, zext(trial, rw)), rem_sh))
        root = p.let(f"root{i}", ge if root is None else catv(root, ge))
        if rad.w > 2:
            rad = p.let(f"rad{i + 1}", rad[rad.w - 3 : 0])
        p.cut(2.0)
    assert root is not None
    sticky = p.let("sticky", ne(rem, 0))
    rp = round_pack(p, f, const(0, 1), eh, root, sticky)
    res = mux(
        nan, _qnan(f), mux(inf, _inf(f, const(0, 1)), mux(zero, catv(ua.s, zeros(f.n - 1)), rp))
    )
    p.output(res, _RP_OUT)
    return p


# --------------------------------------------------------------------------- compare, min, max

PREDICATES = ("eq", "ne", "lt", "le", "gt", "ge")


def gen_fcmp(f: Fmt, pred: str) -> Pipe:
    """C comparison: false when either operand is NaN, except ``ne`` (true)."""
    if pred not in PREDICATES:
        raise ValueError(f"fcmp predicate must be one of {', '.join(PREDICATES)}, not '{pred}'")
    p = Pipe()
    a = p.input("a", f.n)
    b = p.input("b", f.n)
    ua = unpack(p, f, a, "a")
    ub = unpack(p, f, b, "b")
    unord = p.let("unord", bor(ua.nan, ub.nan))
    amag, bmag = a[f.n - 2 : 0], b[f.n - 2 : 0]
    both0 = p.let("both0", eq(bor(amag, bmag), 0))
    equal = p.let("equal", bor(eq(a, b), both0))
    lt_pos = ltu(amag, bmag)
    lt_neg = ltu(bmag, amag)
    less = p.let(
        "less",
        mux(bxor(ua.s, ub.s), band(ua.s, bnot(both0)), mux(ua.s, lt_neg, lt_pos)),
    )
    rel = {
        "eq": equal,
        "ne": bnot(equal),
        "lt": less,
        "le": bor(less, equal),
        "gt": bnot(bor(less, equal)),
        "ge": bnot(less),
    }[pred]
    val = bor(unord, rel) if pred == "ne" else band(bnot(unord), rel)
    p.output(val, 1.0)
    return p


def gen_fminmax(f: Fmt, is_max: bool) -> Pipe:
    """OpenCL fmin/fmax: a NaN operand gives the other one; two NaNs give the canonical
    NaN; -0 is below +0."""
    p = Pipe()
    a = p.input("a", f.n)
    b = p.input("b", f.n)
    ua = unpack(p, f, a, "a")
    ub = unpack(p, f, b, "b")
    amag, bmag = a[f.n - 2 : 0], b[f.n - 2 : 0]
    # total order of non-NaN values on sign-magnitude, with -0 < +0
    a_lt_b = p.let(
        "a_lt_b",
        mux(bxor(ua.s, ub.s), ua.s, mux(ua.s, ltu(bmag, amag), ltu(amag, bmag))),
    )
    pick_a = p.let("pick_a", bnot(a_lt_b) if is_max else a_lt_b)
    res = mux(
        band(ua.nan, ub.nan),
        _qnan(f),
        mux(ua.nan, b, mux(ub.nan, a, mux(pick_a, a, b))),
    )
    p.output(res, 1.0)
    return p


# --------------------------------------------------------------------------- conversions


def gen_fcvt(src: Fmt, dst: Fmt) -> Pipe:
    """Float to float, rounded to nearest even."""
    p = Pipe()
    a = p.input("a", src.n)
    u, mn, e = unpack_norm(p, src, a, "a")
    p.cut(2.0)
    rp = round_pack(p, dst, u.s, e, mn, const(0, 1))
    res = mux(
        u.nan, _qnan(dst), mux(u.inf, _inf(dst, u.s), mux(u.zero, catv(u.s, zeros(dst.n - 1)), rp))
    )
    p.output(res, _RP_OUT)
    return p


def gen_itof(f: Fmt, iw: int, signed: bool) -> Pipe:
    """Integer to float, rounded to nearest even."""
    p = Pipe()
    a = p.input("a", iw)
    neg_ = p.let("neg", a.msb if signed else const(0, 1))
    mag = p.let("mag", mux(neg_, neg(a), a) if signed else a)
    p.cut(1.5)
    n, lz = normalize(p, mag, "nrm")
    e = p.let("e", sub(const(iw - 1, f.xw), zext(lz, f.xw)))
    p.cut(2.0)
    p.output(round_pack(p, f, neg_, e, n, const(0, 1)), _RP_OUT)
    return p


def gen_ftoi(f: Fmt, iw: int, signed: bool) -> Pipe:
    """Float to integer, truncating toward zero. Out of range saturates (to the
    minimum or maximum of the type, 0 for negative values to unsigned), NaN gives 0."""
    p = Pipe()
    a = p.input("a", f.n)
    u = unpack(p, f, a, "a")
    sh = p.let("sh", sub(zext(u.eu, f.xw), const(f.bias, f.xw)))
    tiny = p.let("tiny", lts(sh, const(0, f.xw)))
    big = p.let("big", bnot(lts(sh, const(iw, f.xw))))
    nb = iw.bit_length()
    tw = f.m + iw
    amt = sh[nb - 1 : 0]
    p.cut(1.0)
    t = p.let("t", V(zext(u.m, tw).e << amt.e, tw))
    mag = p.let("mag", t[tw - 1 : f.m - 1])  # iw + 1 bits
    p.cut(2.0)
    maxv = const((1 << (iw - 1)) - 1 if signed else (1 << iw) - 1, iw)
    minv = const(-(1 << (iw - 1)) if signed else 0, iw)
    if signed:
        over_pos = p.let("over_pos", bor(big, geu(mag, const(1 << (iw - 1), iw + 1))))
        over_neg = p.let("over_neg", bor(big, ltu(const(1 << (iw - 1), iw + 1), mag)))
        val = mux(u.s, neg(mag[iw - 1 : 0]), mag[iw - 1 : 0])
        res = mux(
            u.nan,
            zeros(iw),
            mux(tiny, zeros(iw), mux(u.s, mux(over_neg, minv, val), mux(over_pos, maxv, val))),
        )
    else:
        over = p.let("over", bor(big, mag.msb))
        res = mux(
            bor(u.nan, u.s, tiny),
            zeros(iw),
            mux(over, maxv, mag[iw - 1 : 0]),
        )
    p.output(res, 1.0)
    return p
