"""Pipelined integer division and remainder: restoring division on magnitudes, one
quotient bit per segment.

Results are the IR's defined values: ``x / 0`` is all ones (-1), ``x % 0`` is ``x``,
``MIN / -1`` is ``MIN`` (wraps) and ``MIN % -1`` is 0; otherwise C semantics
(quotient truncated toward zero, remainder with the dividend's sign).
"""

from __future__ import annotations

from soff.rtl_gen.units.pipe import (
    Pipe,
    V,
    bxor,
    catv,
    const,
    eq,
    geu,
    mux,
    neg,
    ones,
    sub,
    zext,
)


def gen_idiv(width: int, signed: bool, rem: bool) -> Pipe:
    p = Pipe()
    a = p.input("a", width)
    b = p.input("b", width)
    na = p.let("na", a.msb if signed else const(0, 1))
    nb_ = p.let("nb", b.msb if signed else const(0, 1))
    ua = p.let("ua", mux(na, neg(a), a) if signed else a)
    ub = p.let("ub", mux(nb_, neg(b), b) if signed else b)
    bz = p.let("bz", eq(b, 0))
    p.cut(1.0)
    den = p.let("den", zext(ub, width + 1))
    r = p.let("r0", const(0, width + 1))
    rest = ua
    q: V | None = None
    for i in range(width):
        top = rest.msb
        rs = p.let(f"rs{i}", catv(r[width - 1 : 0], top))
        ge = p.let(f"q{i}", geu(rs, den))
        r = p.let(f"r{i + 1}", mux(ge, sub(rs, den), rs))
        q = p.let(f"qa{i}", ge if q is None else catv(q, ge))
        if rest.w > 1:
            rest = p.let(f"rest{i + 1}", rest[rest.w - 2 : 0])
        p.cut(2.0)
    assert q is not None
    if rem:
        ur = r[width - 1 : 0]
        val = mux(na, neg(ur), ur) if signed else ur
        p.output(mux(bz, a, val), 1.0)
    else:
        val = mux(bxor(na, nb_), neg(q), q) if signed else q
        p.output(mux(bz, ones(width), val), 1.0)
    return p
