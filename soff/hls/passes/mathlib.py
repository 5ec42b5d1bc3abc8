"""Math functions as IR: the expansions that :mod:`expand_math` inserts for functions
without an operator unit, built from correctly rounded units only (binary64 add, mul,
div, sqrt, fma, rint, ldexp, ilogb, compares, selects, conversions), so the IR
interpreter gives the hardware's results bit for bit.

Every function is computed in binary64, in double-double (a value as an unevaluated
sum hi + lo) where one binary64 is not enough; a binary32 function converts its
operands to binary64 (exactly), runs the same code with shorter polynomials and
rounds once at the end (within half an ulp and a hair).

- exp family: z = k·ln 2 + r (Cody–Waite, ln 2 in two parts, |r| ≤ ln2/2),
  expm1(r) as a Taylor polynomial, 2^k by ``ldexp``.
- log family: x = 2^e·m, m near c = 1 + j/8 (j from the top bits of m), s = (m - c) /
  (m + c) in double-double, log m = log c + 2·atanh(s) (|s| ≤ 1/32, series in s²), and
  e·ln 2 + log c + 2s summed in double-double: the logarithm to about 2^-70.
- pow/powr/rootn/cbrt: exp of y·log|x| in double-double, C99/OpenCL special cases by
  selects.
- sin/cos/tan: x - k·π/2 with π/2 in three 33-bit parts and a tail (exact for
  |x| < 2^20), Payne–Hanek above (five 48-bit chunks of 2/π picked by the exponent),
  Taylor polynomials on |r| ≤ π/4.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from decimal import Decimal, getcontext
from fractions import Fraction

from soff.diagnostics import SourceLoc
from soff.ir.core import Op, Value
from soff.ir.types import BOOL, F32, F64, I32, FloatType, IntType, Type

# ----------------------------------------------------------------------------- constants

getcontext().prec = 80
_LN2 = Fraction(Decimal(2).ln())
_LN10 = Fraction(Decimal(10).ln())
#: π·2^256, truncated (the first 257 bits of π)
_PI = Fraction(0x3243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89, 2**256)


def _top(v: Fraction, bits: int) -> float:
    """``v`` truncated to ``bits`` significant bits (exact as a float)."""
    e = math.floor(math.log2(abs(v)))
    q = Fraction(2) ** (e - bits + 1)
    return float(math.trunc(v / q) * q)


def _dd(v: Fraction) -> tuple[float, float]:
    hi = float(v)
    return hi, float(v - Fraction(hi))


LN2_HI = _top(_LN2, 40)  # k·LN2_HI is exact for |k| < 2^13
LN2_LO = float(_LN2 - Fraction(LN2_HI))
INV_LN2 = float(1 / _LN2)
LN2_DD = _dd(_LN2)
LN10_DD = _dd(_LN10)
INV_LN2_DD = _dd(1 / _LN2)
INV_LN10_DD = _dd(1 / _LN10)
_PIO2 = _PI / 2
PIO2_1 = _top(_PIO2, 33)
PIO2_2 = _top(_PIO2 - Fraction(PIO2_1), 33)
PIO2_3 = _top(_PIO2 - Fraction(PIO2_1) - Fraction(PIO2_2), 33)
PIO2_3T = float(_PIO2 - Fraction(PIO2_1) - Fraction(PIO2_2) - Fraction(PIO2_3))
TWO_OVER_PI = float(2 / _PI)


def _atan_decimal(x: Decimal) -> Decimal:
    """atan(x) for 0 ≤ x ≤ 1 (two argument halvings, then the Taylor series)."""
    for _ in range(2):
        x = x / (1 + (1 + x * x).sqrt())
    term, total, n, x2 = x, x, 1, x * x
    while abs(term) > Decimal(10) ** -70:
        term = -term * x2
        total += term / (2 * n + 1)
        n += 1
    return 4 * total


#: atan(j/8), j = 0 … 8, in double-double
ATAN_C = [_dd(Fraction(_atan_decimal(Decimal(j) / 8))) for j in range(9)]
PIO2_DD = _dd(_PIO2)
#: log(1 + j/8), j = 0 … 7, in double-double
LOG_C = [_dd(Fraction(Decimal(1 + j / 8).ln())) for j in range(8)]
#: |x| below which sin/cos/tan reduce by Cody–Waite (exact); from it on by Payne–Hanek
TRIG_LIMIT = 2.0**20


def _pi_fixed(bits: int) -> int:
    """π·2^bits to within a few units (Machin's formula in integers)."""
    g = bits + 16
    one = 1 << g

    def atan_inv(n: int) -> int:
        term, total, k, sign = one // n, one // n, 1, -1
        while term:
            term //= n * n
            total += sign * (term // (2 * k + 1))
            sign, k = -sign, k + 1
        return total

    return (16 * atan_inv(5) - 4 * atan_inv(239)) >> 16


#: Payne–Hanek: 2/π = Σ d_i·2^(-48(i+1)), d_i 48-bit integers (i = 0 … 25)
PH_W = 48
_PH_N = PH_W * 27
_TWO_OVER_PI_BITS = (1 << (2 * _PH_N + 65)) // _pi_fixed(_PH_N + 64)  # 2/π·2^N
PH_D = [(_TWO_OVER_PI_BITS >> (_PH_N - PH_W * (i + 1))) & ((1 << PH_W) - 1) for i in range(26)]
#: chunks j = 0 … 4 of the window picked by idx = (ilogb|x| - 6) // 48 (0 … 21):
#: d_(idx-1+j)·2^(-48(j+1)), d_(-1) = 0 (2/π < 1)
PH_TABLE = [
    [math.ldexp(PH_D[i - 1 + j], -PH_W * (j + 1)) if i - 1 + j >= 0 else 0.0 for i in range(22)]
    for j in range(5)
]

# polynomial lengths: (binary64, binary32)
_EXP_TERMS = {64: 14, 32: 9}  # expm1(r) = r + r²·(1/2! + … + r^(n-2)/n!)
_LOG_TERMS = {64: 7, 32: 3}  # 2·atanh(s) = 2s + s³·(2/3 + 2/5·s² + …)


class Emit:
    """Appends ops of one expansion (all at ``loc``) to :attr:`ops`."""

    def __init__(self, loc: SourceLoc | None) -> None:
        self.loc = loc
        self.ops: list[Op] = []

    def op(self, opcode: str, args: list[Value], t: Type, attrs: dict | None = None) -> Op:
        o = Op(opcode, args, t, attrs or {}, loc=self.loc)
        self.ops.append(o)
        return o

    def c(self, v: float | int, t: Type = F64) -> Op:
        return self.op("const", [], t, {"value": v})

    def _f(self, v: Value | float) -> Value:
        return self.c(float(v)) if isinstance(v, (int, float)) else v

    def bin(self, code: str, a: Value | float, b: Value | float) -> Op:
        a, b = self._f(a), self._f(b)
        return self.op(code, [a, b], a.type)

    def add(self, a: Value | float, b: Value | float) -> Op:
        return self.bin("add", a, b)

    def sub(self, a: Value | float, b: Value | float) -> Op:
        return self.bin("sub", a, b)

    def mul(self, a: Value | float, b: Value | float) -> Op:
        return self.bin("mul", a, b)

    def div(self, a: Value | float, b: Value | float) -> Op:
        return self.bin("div", a, b)

    def neg(self, a: Value) -> Op:
        return self.op("neg", [a], a.type)

    def m(self, fn: str, *args: Value | float) -> Op:
        vals = [self._f(a) for a in args]
        t = I32 if fn == "ilogb" else vals[0].type
        return self.op("math", vals, t, {"fn": fn})

    def fma(self, a: Value | float, b: Value | float, c: Value | float) -> Op:
        return self.m("fma", a, b, c)

    def cmp(self, pred: str, a: Value | float, b: Value | float) -> Op:
        a, b = self._f(a), self._f(b)
        return self.op("cmp", [a, b], BOOL, {"pred": pred})

    def icmp(self, pred: str, a: Value, b: int) -> Op:
        return self.op("cmp", [a, self.c(b, a.type)], BOOL, {"pred": pred})

    def sel(self, cond: Value, a: Value | float, b: Value | float) -> Op:
        a, b = self._f(a), self._f(b)
        return self.op("select", [cond, a, b], a.type)

    def and_(self, a: Value, b: Value) -> Op:
        return self.op("and", [a, b], a.type)

    def or_(self, a: Value, b: Value) -> Op:
        return self.op("or", [a, b], a.type)

    def cast(self, a: Value, t: Type) -> Value:
        return a if a.type == t else self.op("cast", [a], t)

    def isnan(self, a: Value) -> Op:
        return self.cmp("ne", a, a)

    def signbit(self, a: Value) -> Op:
        assert isinstance(a.type, FloatType)
        it = IntType(a.type.width)
        return self.icmp("lt", self.op("bitcast", [a], it), 0)

    def clamp(self, a: Value, lo: float, hi: float) -> Op:
        """``a`` limited to [lo, hi]; NaN becomes ``lo``."""
        return self.m("fmin", self.m("fmax", a, lo), hi)

    def horner(self, x: Value, coeffs: list[float]) -> Value:
        """c0 + x·(c1 + x·(…)) with fmas."""
        acc: Value = self.c(coeffs[-1])
        for k in reversed(coeffs[:-1]):
            acc = self.fma(acc, x, k)
        return acc

    # double-double building blocks
    def two_sum(self, a: Value, b: Value) -> tuple[Value, Value]:
        s = self.add(a, b)
        bb = self.sub(s, a)
        return s, self.add(self.sub(a, self.sub(s, bb)), self.sub(b, bb))

    def fast_two_sum(self, a: Value, b: Value) -> tuple[Value, Value]:
        """|a| ≥ |b| (or a = 0)."""
        s = self.add(a, b)
        return s, self.sub(b, self.sub(s, a))

    def dd_mul_c(self, hi: Value, lo: Value, c: tuple[float, float]) -> tuple[Value, Value]:
        """(hi + lo)·(c0 + c1), to about 2^-104 relative."""
        ph = self.mul(hi, c[0])
        pl = self.fma(hi, c[0], self.neg(ph))
        pl = self.add(pl, self.fma(hi, c[1], self.mul(lo, c[0])))
        return ph, pl


# ----------------------------------------------------------------------------- cores


def _exp_parts(e: Emit, zh: Value, zl: Value, w: int) -> tuple[Value, Value, Value, Value]:
    """exp(zh + zl) = 2^k·(1 + em) for |zh| ≤ 2000: (k as f64, k as i32, em as a
    double-double hi, lo)."""
    k = e.m("rint", e.mul(zh, INV_LN2))
    rh = e.fma(k, -LN2_HI, zh)  # exact
    rl = e.fma(k, -LN2_LO, zl)
    q = e.horner(rh, [1 / math.factorial(n) for n in range(2, _EXP_TERMS[w] + 1)])
    p = e.mul(e.mul(rh, rh), q)
    c = e.fma(rl, e.add(rh, p), rl)  # exp(rh + rl) - exp(rh) to first order in rl
    hi, lo = e.fast_two_sum(rh, e.add(p, c))
    return k, e.cast(k, I32), hi, lo


def _one_plus(e: Emit, hi: Value, lo: Value) -> Value:
    """1 + hi + lo rounded once (|hi| < 1)."""
    s, err = e.fast_two_sum(e.c(1.0), hi)
    return e.add(s, e.add(err, lo))


def _exp_dd(e: Emit, zh: Value, zl: Value, w: int) -> Value:
    """exp(zh + zl); ``zh`` already within ±2000."""
    _, ki, hi, lo = _exp_parts(e, zh, zl, w)
    return e.m("ldexp", _one_plus(e, hi, lo), ki)


def _log_dd(e: Emit, x: Value, xl: Value | None, w: int) -> tuple[Value, Value]:
    """log(x + xl) as a double-double, for x positive and finite, |xl| ≤ ulp(x)/2."""
    ei: Value = e.m("ilogb", x)
    m: Value = e.m("ldexp", x, e.neg(ei))  # [1, 2), exact
    t: Value = e.m("rint", e.mul(e.sub(m, 1.0), 8.0))
    top = e.cmp("eq", t, 8.0)  # m near 2: use m/2 near 1 (no cancelling constants)
    ei = e.sel(top, e.add(ei, e.c(1, I32)), ei)
    m = e.sel(top, e.mul(m, 0.5), m)
    t = e.sel(top, 0.0, t)
    c = e.fma(t, 0.125, 1.0)
    num = e.sub(m, c)  # exact (Sterbenz)
    den, denl = e.two_sum(m, c)
    inv = e.div(1.0, den)
    sh = e.mul(num, inv)
    rem = e.fma(e.neg(sh), den, num)
    rem = e.fma(e.neg(sh), denl, rem)
    if xl is not None:
        rem = e.add(rem, e.m("ldexp", xl, e.neg(ei)))
    sl = e.mul(rem, inv)
    z = e.mul(sh, sh)
    p = e.horner(z, [2 / (2 * k + 3) for k in range(_LOG_TERMS[w])])
    tail = e.mul(e.mul(sh, z), p)
    ti = e.cast(t, I32)
    chi: Value = e.c(0.0)
    clo: Value = e.c(0.0)
    for j in range(1, 8):
        hit = e.icmp("eq", ti, j)
        chi = e.sel(hit, LOG_C[j][0], chi)
        clo = e.sel(hit, LOG_C[j][1], clo)
    ef = e.cast(ei, F64)
    h1, l1 = e.two_sum(e.mul(ef, LN2_HI), chi)
    h2, l2 = e.two_sum(h1, e.mul(sh, 2.0))
    lo = e.add(e.add(tail, e.mul(sl, 2.0)), e.add(clo, e.mul(ef, LN2_LO)))
    lo = e.add(lo, e.add(l1, l2))
    return e.fast_two_sum(h2, lo)


def _safe_pos(e: Emit, x: Value) -> Value:
    """x where it is positive and finite, else 1."""
    ok = e.and_(e.cmp("gt", x, 0.0), e.cmp("lt", x, math.inf))
    return e.sel(ok, x, 1.0)


def _special(e: Emit, r: Value, x: Value, cases: Sequence[tuple[Value, Value | float]]) -> Value:
    """r, with each (condition, value) applied in order (later ones win), NaN x kept."""
    for cond, v in cases:
        r = e.sel(cond, v, r)
    return e.sel(e.isnan(x), x, r)


# ----------------------------------------------------------------------------- functions
# Each takes the Emit, the binary64 operands and the result width (32 or 64) and returns
# the binary64 result.


def f_exp(e: Emit, x: Value, w: int, base: str = "e") -> Value:
    if base == "e":
        zh: Value = e.clamp(x, -800.0, 800.0)
        zl: Value = e.c(0.0)
    else:
        lim = 1100.0 if base == "2" else 340.0
        xc = e.clamp(x, -lim, lim)
        cc = LN2_DD if base == "2" else LN10_DD
        zh = e.mul(xc, cc[0])
        zl = e.add(e.fma(xc, cc[0], e.neg(zh)), e.mul(xc, cc[1]))
    return _special(e, _exp_dd(e, zh, zl, w), x, [])


def f_expm1(e: Emit, x: Value, w: int) -> Value:
    xc = e.clamp(x, -800.0, 800.0)
    k, ki, hi, lo = _exp_parts(e, xc, e.c(0.0), w)
    # 2^k·em + (2^k - 1): both exact (|k| ≤ 56), summed with one rounding
    s, err = e.two_sum(e.m("ldexp", hi, ki), e.sub(e.m("ldexp", 1.0, ki), 1.0))
    small = e.add(s, e.add(err, e.m("ldexp", lo, ki)))
    big = e.m("ldexp", _one_plus(e, hi, lo), ki)
    r = e.sel(e.cmp("gt", k, 56.0), big, small)
    return _special(e, r, x, [(e.cmp("eq", x, 0.0), x)])


def f_log(e: Emit, x: Value, w: int, base: str = "e") -> Value:
    hi, lo = _log_dd(e, _safe_pos(e, x), None, w)
    if base == "e":
        r: Value = hi
    else:
        ph, pl = e.dd_mul_c(hi, lo, INV_LN2_DD if base == "2" else INV_LN10_DD)
        r = e.add(ph, pl)
    cases = [(e.cmp("eq", x, math.inf), math.inf), (e.cmp("eq", x, 0.0), -math.inf)]
    return _special(e, r, x, [*cases, (e.cmp("lt", x, 0.0), math.nan)])


def f_log1p(e: Emit, x: Value, w: int) -> Value:
    ok = e.and_(e.cmp("gt", x, -1.0), e.cmp("lt", x, math.inf))
    xs = e.sel(ok, x, 0.0)
    u, ul = e.two_sum(e.c(1.0), xs)
    hi, _ = _log_dd(e, u, ul, w)
    # |x| < 2^-20: x - x²/2 + x³/3 - x⁴/4 + x⁵/5 (no rounding of 1 + x)
    tiny = e.fma(e.mul(xs, xs), e.horner(xs, [-1 / 2, 1 / 3, -1 / 4, 1 / 5]), xs)
    hi = e.sel(e.cmp("lt", e.m("fabs", xs), 2.0**-20), tiny, hi)
    cases: list[tuple[Value, Value | float]] = [
        (e.cmp("eq", x, math.inf), math.inf),
        (e.cmp("eq", x, -1.0), -math.inf),
        (e.cmp("lt", x, -1.0), math.nan),
        (e.cmp("eq", x, 0.0), x),
    ]
    return _special(e, hi, x, cases)


def _pow_core(e: Emit, x: Value, yh: Value, yl: Value | None, w: int) -> tuple[Value, Value]:
    """exp((yh + yl)·log|x|) for finite nonzero x (else |x| taken as 1): the magnitude,
    and |x| (for the special cases)."""
    ax = e.m("fabs", x)
    hi, lo = _log_dd(e, _safe_pos(e, ax), None, w)
    zh = e.mul(yh, hi)
    zl = e.fma(yh, hi, e.neg(zh))
    zl = e.add(zl, e.mul(yh, lo))
    if yl is not None:
        zl = e.add(zl, e.mul(yl, hi))
    inside = e.cmp("lt", e.m("fabs", zh), 2000.0)
    zl = e.sel(inside, zl, 0.0)
    return _exp_dd(e, e.clamp(zh, -2000.0, 2000.0), zl, w), ax


def _zero_inf(e: Emit, ax: Value, ypos: Value) -> Value:
    """The magnitude of x^y when log|x| or y is infinite: inf when (|x| > 1) == (y > 0)."""
    return e.sel(e.op("xor", [e.cmp("gt", ax, 1.0), ypos], BOOL), 0.0, math.inf)


def f_pow(e: Emit, x: Value, y: Value, w: int, powr: bool = False) -> Value:
    mag, ax = _pow_core(e, x, y, None, w)
    ay = e.m("fabs", y)
    yinf = e.cmp("eq", ay, math.inf)
    xext = e.or_(e.cmp("eq", ax, 0.0), e.cmp("eq", ax, math.inf))
    mag = e.sel(e.or_(xext, yinf), _zero_inf(e, ax, e.cmp("gt", y, 0.0)), mag)
    if powr:
        nan = e.or_(e.cmp("lt", x, 0.0), e.or_(e.isnan(x), e.isnan(y)))
        zero_y = e.cmp("eq", y, 0.0)
        nan = e.or_(nan, e.and_(zero_y, xext))  # 0^0, inf^0
        nan = e.or_(nan, e.and_(e.cmp("eq", x, 1.0), yinf))  # 1^inf
        one = e.or_(zero_y, e.cmp("eq", x, 1.0))
        r = e.sel(one, 1.0, mag)
        return e.sel(nan, math.nan, r)
    yint = e.cmp("eq", e.m("trunc", y), y)
    half = e.mul(y, 0.5)
    odd = e.and_(yint, e.cmp("ne", e.m("trunc", half), half))
    neg = e.and_(odd, e.signbit(x))
    r = e.sel(neg, e.neg(mag), mag)
    finite_neg = e.and_(e.cmp("lt", x, 0.0), e.cmp("gt", x, -math.inf))
    nan = e.and_(finite_neg, e.and_(e.cmp("ne", yint, e.c(1, BOOL)), e.cmp("lt", ay, math.inf)))
    nan = e.or_(nan, e.or_(e.isnan(x), e.isnan(y)))
    r = e.sel(nan, math.nan, r)
    one = e.or_(e.cmp("eq", y, 0.0), e.cmp("eq", x, 1.0))
    one = e.or_(one, e.and_(e.cmp("eq", x, -1.0), yinf))
    return e.sel(one, 1.0, r)


def f_rootn(e: Emit, x: Value, n: Value | None, w: int) -> Value:
    """rootn(x, n) (``n`` an i32; None for cbrt, n = 3)."""
    if n is None:
        nf: Value = e.c(3.0)
        odd: Value = e.c(1, BOOL)
        npos: Value = e.c(1, BOOL)
    else:
        nf = e.cast(n, F64)
        odd = e.icmp("ne", e.op("and", [n, e.c(1, I32)], I32), 0)
        npos = e.icmp("gt", n, 0)
    nsafe = e.sel(e.cmp("eq", nf, 0.0), 1.0, nf)
    inv = e.div(1.0, nsafe)
    rem = e.fma(e.neg(inv), nsafe, 1.0)  # 1/n = inv + rem/n
    mag, ax = _pow_core(e, x, inv, e.mul(rem, inv), w)
    xext = e.or_(e.cmp("eq", ax, 0.0), e.cmp("eq", ax, math.inf))
    mag = e.sel(xext, _zero_inf(e, ax, npos), mag)
    r = e.sel(e.and_(odd, e.signbit(x)), e.neg(mag), mag)
    even = e.icmp("eq", odd, 0)
    nan = e.or_(e.cmp("eq", nf, 0.0), e.and_(even, e.cmp("lt", x, 0.0)))
    return e.sel(e.or_(nan, e.isnan(x)), math.nan, r)


def f_sinh_cosh(e: Emit, x: Value, w: int, fn: str) -> Value:
    ax = e.clamp(e.m("fabs", x), 0.0, 800.0)
    small = e.cmp("lt", ax, 22.0)
    em = f_expm1(e, e.sel(small, ax, 0.0), w)
    t = e.add(em, 1.0)
    inv = e.div(1.0, t)
    # |x| ≥ 22: exp(|x| - ln 2), ln 2 taken off in double-double
    bh, bl = e.two_sum(ax, e.c(-LN2_DD[0]))
    big = _exp_dd(e, bh, e.sub(bl, LN2_DD[1]), w)
    if fn == "sinh":
        r = e.sel(small, e.mul(e.fma(em, inv, em), 0.5), big)
        return _special(e, e.m("copysign", r, x), x, [])
    r = e.sel(small, e.mul(e.add(t, inv), 0.5), big)
    return _special(e, r, x, [])


def f_tanh(e: Emit, x: Value, w: int) -> Value:
    ax = e.clamp(e.m("fabs", x), 0.0, 22.0)
    em = f_expm1(e, e.mul(ax, 2.0), w)
    r = e.sel(e.cmp("lt", ax, 22.0), e.div(em, e.add(em, 2.0)), 1.0)
    return _special(e, e.m("copysign", r, x), x, [])


def f_asinh(e: Emit, x: Value, w: int) -> Value:
    ax = e.m("fabs", x)
    big = e.cmp("gt", ax, 2.0**28)
    a = e.sel(big, 1.0, ax)
    a2 = e.mul(a, a)
    t = e.add(a, e.div(a2, e.add(1.0, e.m("sqrt", e.add(1.0, a2)))))
    small = f_log1p(e, t, w)
    hi, lo = _log_dd(e, _safe_pos(e, ax), None, w)
    large = e.add(e.add(hi, LN2_DD[0]), e.add(lo, LN2_DD[1]))
    r = e.m("copysign", e.sel(big, large, small), x)
    return _special(e, r, x, [(e.cmp("eq", ax, math.inf), x), (e.cmp("eq", x, 0.0), x)])


def f_acosh(e: Emit, x: Value, w: int) -> Value:
    big = e.cmp("gt", x, 2.0**28)
    ok = e.and_(e.cmp("ge", x, 1.0), e.cmp("le", x, 2.0**28))
    d = e.sub(e.sel(ok, x, 1.0), 1.0)
    t = e.add(d, e.m("sqrt", e.mul(d, e.add(d, 2.0))))
    small = f_log1p(e, t, w)
    hi, lo = _log_dd(e, _safe_pos(e, x), None, w)
    large = e.add(e.add(hi, LN2_DD[0]), e.add(lo, LN2_DD[1]))
    r = e.sel(big, large, small)
    cases = [(e.cmp("eq", x, math.inf), math.inf), (e.cmp("lt", x, 1.0), math.nan)]
    return _special(e, r, x, cases)


def f_atanh(e: Emit, x: Value, w: int) -> Value:
    ax = e.m("fabs", x)
    a = e.sel(e.cmp("lt", ax, 1.0), ax, 0.0)
    t = e.div(e.mul(a, 2.0), e.sub(1.0, a))
    r = e.m("copysign", e.mul(f_log1p(e, t, w), 0.5), x)
    cases: list[tuple[Value, Value | float]] = [
        (e.cmp("eq", ax, 1.0), e.m("copysign", math.inf, x)),
        (e.cmp("gt", ax, 1.0), math.nan),
        (e.cmp("eq", x, 0.0), x),
    ]
    return _special(e, r, x, cases)


def f_hypot(e: Emit, x: Value, y: Value, w: int) -> Value:
    ax, ay = e.m("fabs", x), e.m("fabs", y)
    if w == 32:  # squares of binary32 values are exact in binary64
        r: Value = e.m("sqrt", e.fma(ax, ax, e.mul(ay, ay)))
    else:
        big = e.m("fmax", ax, ay)
        fin = e.and_(e.cmp("gt", big, 0.0), e.cmp("lt", big, math.inf))
        k = e.sel(fin, e.m("ilogb", big), e.c(0, I32))
        nk = e.neg(k)
        a, b = e.m("ldexp", ax, nk), e.m("ldexp", ay, nk)
        r = e.m("ldexp", e.m("sqrt", e.fma(a, a, e.mul(b, b))), k)
    inf = e.or_(e.cmp("eq", ax, math.inf), e.cmp("eq", ay, math.inf))
    r = e.sel(e.or_(e.isnan(x), e.isnan(y)), math.nan, r)
    return e.sel(inf, math.inf, r)


def _reduce4(e: Emit, v: Value) -> Value:
    """v - 4·rint(v/4): exact, in [-2, 2]."""
    return e.fma(e.m("rint", e.mul(v, 0.25)), -4.0, v)


def _select_table(e: Emit, bits: list[Value], values: list[float]) -> Value:
    """``values[idx]`` by a tree of selects on the bits of idx (``bits[b]``: bit b set)."""
    level: list[Value] = [e.c(v) for v in values]
    b = 0
    while len(level) > 1:
        nxt = []
        for i in range(0, len(level) - 1, 2):
            nxt.append(e.sel(bits[b], level[i + 1], level[i]))
        if len(level) % 2:
            nxt.append(level[-1])
        level, b = nxt, b + 1
    return level[0]


def _payne_hanek(e: Emit, ax: Value) -> tuple[Value, Value, Value]:
    """ax·2/π = k + f for 2^20 ≤ ax < ∞: (k mod 4 as a small integral f64, f as a
    double-double hi, lo), |f| ≤ 1/2 + 2^-40.

    ax = 2^e·m; the bits of 2/π above 2^(52 - e) only add multiples of 4 (ax is a
    multiple of 2^(e-52)), so five 48-bit chunks of 2/π from there on, picked by
    idx = (e - 6) // 48 with select trees, are enough: X = ax·2^(48 - 48·idx) lies in
    [2^54, 2^102), each X·chunk is exact as a product and its fma residual, and the
    chunks left out weigh less than 2^-138. The pieces above 2^-41 are reduced mod 4
    and cut at 2^-40 (exact), so their high parts sum exactly; the low parts and the
    small pieces are summed with compensation (error below 2^-135). f keeps its full
    relative precision even for the arguments closest to a multiple of π/2 (2^-61)."""
    ei = e.m("ilogb", ax)
    n = e.op("sub", [ei, e.c(6, I32)], I32)
    idx = e.op("shr", [e.op("mul", [n, e.c(1366, I32)], I32), e.c(16, I32)], I32)  # n // 48
    bits = [e.icmp("ne", e.op("and", [idx, e.c(1 << b, I32)], I32), 0) for b in range(5)]
    sh = e.op("sub", [e.c(PH_W, I32), e.op("mul", [idx, e.c(PH_W, I32)], I32)], I32)
    xs = e.m("ldexp", ax, sh)
    big: list[Value] = []  # pieces that may exceed 2^-41
    small: list[Value] = []
    for j, table in enumerate(PH_TABLE):
        c = _select_table(e, bits, table)
        p = e.mul(xs, c)
        q = e.fma(xs, c, e.neg(p))
        if j <= 1:
            big += [p, q]
        elif j == 2:
            big.append(p)
            small.append(q)
        else:
            small += [p, q]
    highs: list[Value] = []
    for v in big:
        t = _reduce4(e, v)
        h = e.mul(e.m("rint", e.mul(t, 2.0**40)), 2.0**-40)
        highs.append(h)
        small.append(e.sub(t, h))
    hsum: Value = highs[0]
    for h in highs[1:]:
        hsum = e.add(hsum, h)  # multiples of 2^-40 below 10: exact
    hsum = _reduce4(e, hsum)
    lo_s: Value = small[0]
    lo_c: Value | None = None
    for v in small[1:]:
        lo_s, err = e.two_sum(lo_s, v)
        lo_c = err if lo_c is None else e.add(lo_c, err)
    assert lo_c is not None
    k = e.m("rint", e.add(hsum, lo_s))
    u, ue = e.two_sum(e.sub(hsum, k), lo_s)  # hsum - k exact
    fh, fl = e.fast_two_sum(u, e.add(ue, lo_c))
    return k, fh, fl


def _sincos_parts(e: Emit, x: Value) -> tuple[Value, Value, Value, Value]:
    """(sin r, cos r, quadrant bits q (i32), ok) for x = k·π/2 + r, q = k mod 4."""
    ax = e.m("fabs", x)
    ok = e.cmp("lt", ax, math.inf)
    near = e.cmp("lt", ax, TRIG_LIMIT)
    xs = e.sel(near, x, 0.0)
    k = e.m("rint", e.mul(xs, TWO_OVER_PI))
    r1 = e.fma(k, -PIO2_1, xs)  # exact
    a, ae = e.two_sum(r1, e.mul(k, -PIO2_2))
    b, be = e.two_sum(a, e.mul(k, -PIO2_3))
    tail = e.add(e.add(ae, be), e.mul(k, -PIO2_3T))
    rh, rl = e.fast_two_sum(b, tail)
    # |x| >= 2^20 (finite): Payne–Hanek on |x|, then the sign
    far = e.and_(ok, e.cmp("ge", ax, TRIG_LIMIT))
    kf, fh, fl = _payne_hanek(e, e.sel(far, ax, TRIG_LIMIT))
    ph, pl = e.dd_mul_c(fh, fl, PIO2_DD)
    neg = e.signbit(x)
    k = e.sel(far, e.sel(neg, e.neg(kf), kf), k)
    rh = e.sel(far, e.sel(neg, e.neg(ph), ph), rh)
    rl = e.sel(far, e.sel(neg, e.neg(pl), pl), rl)
    z = e.mul(rh, rh)
    sc = [(-1) ** n / math.factorial(2 * n + 1) for n in range(1, 10)]
    s = e.add(rh, e.fma(e.mul(rh, z), e.horner(z, sc), rl))
    cc = [(-1) ** n / math.factorial(2 * n + 4) for n in range(0, 9)]
    hz = e.mul(z, 0.5)
    w1 = e.sub(1.0, hz)
    corr = e.sub(e.mul(e.mul(z, z), e.horner(z, cc)), e.mul(rh, rl))
    c = e.add(w1, e.add(e.sub(e.sub(1.0, w1), hz), corr))
    q = e.op("and", [e.cast(k, I32), e.c(3, I32)], I32)
    return s, c, q, ok


def f_trig(e: Emit, x: Value, w: int, fn: str) -> Value:
    s, c, q, ok = _sincos_parts(e, x)
    odd = e.icmp("ne", e.op("and", [q, e.c(1, I32)], I32), 0)
    if fn == "tan":
        r: Value = e.div(e.sel(odd, e.neg(c), s), e.sel(odd, s, c))
    else:
        shift = 1 if fn == "cos" else 0
        qq = e.op("and", [e.op("add", [q, e.c(shift, I32)], I32), e.c(3, I32)], I32)
        base = e.sel(e.icmp("ne", e.op("and", [qq, e.c(1, I32)], I32), 0), c, s)
        r = e.sel(e.icmp("ge", qq, 2), e.neg(base), base)
    cases: list[tuple[Value, Value | float]] = [(e.cmp("ne", ok, e.c(1, BOOL)), math.nan)]
    if fn != "cos":
        cases.append((e.cmp("eq", x, 0.0), x))
    return _special(e, r, x, cases)


def f_atan(e: Emit, x: Value, w: int) -> Value:
    """|x| > 1 turns into 1/|x| (π/2 - atan); c = j/8 nearest (0 below 3/16), t =
    (a - c)/(1 + a·c) (|t| ≤ 3/16), atan(a) = atan(c) + atan(t), a Taylor polynomial in
    t² for atan(t)."""
    ax = e.m("fabs", x)
    big = e.cmp("gt", ax, 1.0)
    inv = e.div(1.0, e.sel(big, ax, 1.0))
    a = e.sel(big, inv, ax)
    j = e.m("rint", e.mul(a, 8.0))
    j = e.sel(e.cmp("lt", a, 0.1875), 0.0, j)  # atan(1/8) + atan(t) would cancel
    c = e.mul(j, 0.125)
    t = e.div(e.sub(a, c), e.fma(a, c, 1.0))
    z = e.mul(t, t)
    p = e.horner(z, [-((-1) ** n) / (2 * n + 3) for n in range(12)])
    at = e.fma(e.mul(t, z), p, t)  # atan(t)
    ji = e.cast(j, I32)
    chi: Value = e.c(0.0)
    clo: Value = e.c(0.0)
    for k in range(1, 9):
        hit = e.icmp("eq", ji, k)
        chi = e.sel(hit, ATAN_C[k][0], chi)
        clo = e.sel(hit, ATAN_C[k][1], clo)
    lo = e.add(clo, at)
    r_small = e.add(chi, lo)
    # π/2 - (chi + lo), in double-double
    r_big = e.add(e.sub(PIO2_DD[0], chi), e.sub(PIO2_DD[1], lo))
    r = e.m("copysign", e.sel(big, r_big, r_small), x)
    return _special(e, r, x, [(e.cmp("eq", x, 0.0), x)])


#: fn -> (number of float operands, builder(e, args, w))
FUNCS: dict[str, Callable[[Emit, list[Value], int], Value]] = {
    "exp": lambda e, a, w: f_exp(e, a[0], w),
    "exp2": lambda e, a, w: f_exp(e, a[0], w, "2"),
    "exp10": lambda e, a, w: f_exp(e, a[0], w, "10"),
    "expm1": lambda e, a, w: f_expm1(e, a[0], w),
    "log": lambda e, a, w: f_log(e, a[0], w),
    "log2": lambda e, a, w: f_log(e, a[0], w, "2"),
    "log10": lambda e, a, w: f_log(e, a[0], w, "10"),
    "log1p": lambda e, a, w: f_log1p(e, a[0], w),
    "pow": lambda e, a, w: f_pow(e, a[0], a[1], w),
    "powr": lambda e, a, w: f_pow(e, a[0], a[1], w, powr=True),
    "rootn": lambda e, a, w: f_rootn(e, a[0], a[1], w),
    "cbrt": lambda e, a, w: f_rootn(e, a[0], None, w),
    "sinh": lambda e, a, w: f_sinh_cosh(e, a[0], w, "sinh"),
    "cosh": lambda e, a, w: f_sinh_cosh(e, a[0], w, "cosh"),
    "tanh": lambda e, a, w: f_tanh(e, a[0], w),
    "asinh": lambda e, a, w: f_asinh(e, a[0], w),
    "acosh": lambda e, a, w: f_acosh(e, a[0], w),
    "atanh": lambda e, a, w: f_atanh(e, a[0], w),
    "hypot": lambda e, a, w: f_hypot(e, a[0], a[1], w),
    "sin": lambda e, a, w: f_trig(e, a[0], w, "sin"),
    "cos": lambda e, a, w: f_trig(e, a[0], w, "cos"),
    "tan": lambda e, a, w: f_trig(e, a[0], w, "tan"),
    "atan": lambda e, a, w: f_atan(e, a[0], w),
}
#: expanded for binary32 through binary64 (the others have binary32 units)
F32_VIA_F64 = ("expm1", "log1p", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "hypot",
               "rootn")  # fmt: skip
#: expanded for binary64
F64_FUNCS = tuple(FUNCS)


def expand(op: Op) -> list[Op]:
    """The ops computing math ``op`` (binary32 or binary64); the last one is a fresh op
    whose value is the result (the caller turns ``op`` into it)."""
    t = op.type
    assert isinstance(t, FloatType) and t in (F32, F64)
    w = t.width
    e = Emit(op.loc)
    args = [a if isinstance(a.type, IntType) else e.cast(a, F64) for a in op.operands]
    r = FUNCS[op.attrs["fn"]](e, args, w)
    if w == 32:
        r = e.cast(r, F32)
    if not (isinstance(r, Op) and r is e.ops[-1]):
        r = e.sel(e.c(1, BOOL), r, r)
    return e.ops
