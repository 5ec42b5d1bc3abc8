"""Reference results (numpy, and exact rationals where numpy would round twice) and
test vectors for the operator units."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from soff.ir.semantics import float_round, math_eval
from soff.rtl_gen.units import Unit, ftrans

FMT = {"f32": (8, 23), "f64": (11, 52)}
NP = {"f32": (np.float32, np.uint32), "f64": (np.float64, np.uint64)}


def qnan(fmt: str) -> int:
    ew, mw = FMT[fmt]
    return ((1 << (ew + 1)) - 1) << (mw - 1)


def specials(fmt: str) -> list[int]:
    """±0, ±min/max subnormal, ±min normal, ±1, ±max, ±inf, qNaN, sNaN (and negative NaNs)."""
    ew, mw = FMT[fmt]
    n = 1 + ew + mw
    bias = (1 << (ew - 1)) - 1
    emax = (1 << ew) - 1
    pos = [
        0,
        1,
        (1 << mw) - 1,
        1 << mw,
        bias << mw,
        ((emax - 1) << mw) | ((1 << mw) - 1),
        emax << mw,
    ]
    out = pos + [x | (1 << (n - 1)) for x in pos]
    out += [qnan(fmt), (emax << mw) | 1, qnan(fmt) | (1 << (n - 1)) | 5]
    return out


# --------------------------------------------------------------------------- exact rounding


def to_fraction(bits: int, fmt: str) -> Fraction:
    ew, mw = FMT[fmt]
    bias = (1 << (ew - 1)) - 1
    s = bits >> (ew + mw)
    e = (bits >> mw) & ((1 << ew) - 1)
    f = bits & ((1 << mw) - 1)
    if e == 0:
        v = Fraction(f) * Fraction(2) ** (1 - bias - mw)
    else:
        v = Fraction(f | (1 << mw)) * Fraction(2) ** (e - bias - mw)
    return -v if s else v


def round_fraction(q: Fraction, fmt: str, sign_if_zero: int = 0) -> int:
    """``q`` rounded to nearest even in ``fmt`` (overflow to infinity)."""
    ew, mw = FMT[fmt]
    n = 1 + ew + mw
    bias = (1 << (ew - 1)) - 1
    if q == 0:
        return sign_if_zero << (n - 1)
    s = 1 if q < 0 else 0
    q = abs(q)
    e = q.numerator.bit_length() - q.denominator.bit_length()
    if Fraction(2) ** e > q:
        e -= 1
    e = max(e, 1 - bias)
    m = round(q * Fraction(2) ** (mw - e))  # ties to even
    if m >= 1 << (mw + 1):
        m >>= 1
        e += 1
    if e > bias:
        return (s << (n - 1)) | (((1 << ew) - 1) << mw)
    if m < 1 << mw:
        return (s << (n - 1)) | m
    return (s << (n - 1)) | ((e + bias) << mw) | (m - (1 << mw))


# --------------------------------------------------------------------------- references


def _canon(r: np.ndarray, fmt: str) -> np.ndarray:
    ft, ut = NP[fmt]
    bits = r.astype(ft).view(ut).astype(np.uint64)
    return np.where(np.isnan(r), np.uint64(qnan(fmt)), bits)


def _fl(x: np.ndarray, fmt: str) -> np.ndarray:
    ft, ut = NP[fmt]
    return x.astype(ut).view(ft)


def _isnan(bits: int, fmt: str) -> bool:
    ew, mw = FMT[fmt]
    return ((bits >> mw) & ((1 << ew) - 1)) == (1 << ew) - 1 and bits & ((1 << mw) - 1) != 0


def _fma_one(a: int, b: int, c: int, fmt: str) -> int:
    ew, mw = FMT[fmt]
    n = 1 + ew + mw
    ft, _ = NP[fmt]
    x, y, z = (float(np.array([v], dtype=NP[fmt][1]).view(ft)[0]) for v in (a, b, c))
    if any(math.isnan(v) for v in (x, y, z)):
        return qnan(fmt)
    sp = (a ^ b) >> (n - 1)
    sc = c >> (n - 1)
    if math.isinf(x) or math.isinf(y):
        if x == 0 or y == 0 or (math.isinf(z) and sp != sc):
            return qnan(fmt)
        return (sp << (n - 1)) | (((1 << ew) - 1) << mw)
    if math.isinf(z):
        return c
    exact = to_fraction(a, fmt) * to_fraction(b, fmt) + to_fraction(c, fmt)
    return round_fraction(exact, fmt, sp & sc)


def _int_of(bits: np.ndarray, t: str) -> list[int]:
    w, signed = int(t[1:]), t[0] == "i"
    out = []
    for v in bits.tolist():
        v &= (1 << w) - 1
        if signed and v >> (w - 1):
            v -= 1 << w
        out.append(v)
    return out


def _ftoi_one(bits: int, fmt: str, t: str) -> int:
    w, signed = int(t[1:]), t[0] == "i"
    lo, hi = (-(1 << (w - 1)), (1 << (w - 1)) - 1) if signed else (0, (1 << w) - 1)
    x = float(np.array([bits], dtype=NP[fmt][1]).view(NP[fmt][0])[0])
    if math.isnan(x):
        return 0
    v = hi if x == math.inf else lo if x == -math.inf else math.trunc(x)
    return min(max(v, lo), hi) & ((1 << w) - 1)


def _minmax(a: np.ndarray, b: np.ndarray, fmt: str, is_max: bool) -> np.ndarray:
    ew, mw = FMT[fmt]
    n = 1 + ew + mw
    x, y = _fl(a, fmt), _fl(b, fmt)
    sa, sb = (a >> np.uint64(n - 1)) & np.uint64(1), (b >> np.uint64(n - 1)) & np.uint64(1)
    a_lt_b = (x < y) | ((x == y) & (sa == 1) & (sb == 0))
    pick_a = ~a_lt_b if is_max else a_lt_b
    out = np.where(pick_a, a, b)
    out = np.where(np.isnan(x), b, out)
    out = np.where(np.isnan(y), a, out)
    return np.where(np.isnan(x) & np.isnan(y), np.uint64(qnan(fmt)), out).astype(np.uint64)


def _idiv(a: np.ndarray, b: np.ndarray, t: str, rem: bool) -> np.ndarray:
    w = int(t[1:])
    mask = (1 << w) - 1
    out = []
    for x, y in zip(_int_of(a, t), _int_of(b, t), strict=True):
        if y == 0:
            r = x if rem else -1
        else:
            q = abs(x) // abs(y)
            if (x < 0) != (y < 0):
                q = -q
            r = x - q * y if rem else q
        out.append(r & mask)
    return np.array(out, dtype=np.uint64)


def _ieee_remainder(x: float, y: float) -> float:
    if math.isnan(x) or math.isnan(y) or math.isinf(x) or y == 0:
        return math.nan
    return x if math.isinf(y) else math.remainder(x, y)


def expected(u: Unit, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """What unit ``u`` must output for the input vectors (uint64 bit patterns)."""
    op, fmt, opts = u.op, u.fmt, dict(u.options)
    with np.errstate(all="ignore"):
        if op in ("div", "rem"):
            return _idiv(a, b, fmt, op == "rem")
        if op == "itof":
            return np.array(
                [round_fraction(Fraction(v), fmt) for v in _int_of(a, opts["src"])],
                dtype=np.uint64,
            )
        if op == "ftoi":
            return np.array([_ftoi_one(v, fmt, opts["dst"]) for v in a.tolist()], dtype=np.uint64)
        if op == "fcvt":
            src = opts["src"]
            return _canon(_fl(a, src).astype(NP[fmt][0]), fmt)
        x, y = _fl(a, fmt), _fl(b, fmt)
        if op == "fadd":
            return _canon(x + y, fmt)
        if op == "fsub":
            return _canon(x - y, fmt)
        if op == "fmul":
            return _canon(x * y, fmt)
        if op == "fdiv":
            return _canon(x / y, fmt)
        if op == "fsqrt":
            return _canon(np.sqrt(x), fmt)
        if op == "fma":
            return np.array(
                [
                    _fma_one(p, q, r, fmt)
                    for p, q, r in zip(a.tolist(), b.tolist(), c.tolist(), strict=True)
                ],
                dtype=np.uint64,
            )
        if op == "fcmp":
            pred = opts["pred"]
            fn = {
                "eq": np.equal,
                "ne": np.not_equal,
                "lt": np.less,
                "le": np.less_equal,
                "gt": np.greater,
                "ge": np.greater_equal,
            }[pred]
            return fn(x, y).astype(np.uint64)
        if op in ("fmin", "fmax"):
            return _minmax(a, b, fmt, op == "fmax")
        if op in ("ilogb", "logb"):
            r = math_eval(op, [x], int(fmt[1:]))
            if op == "ilogb":
                return np.asarray(r, np.int64).astype(np.uint64) & np.uint64(0xFFFFFFFF)
            return _canon(np.asarray(r, NP[fmt][0]), fmt)
        if op == "ldexp":
            k = np.array(_int_of(b, "i32"), np.int64)
            return _canon(np.ldexp(x, np.clip(k, -5000, 5000)), fmt)
        if op in ("cbrt", "atan"):
            f = ftrans.cbrt_model if op == "cbrt" else ftrans.atan_model
            return np.array([f(v) for v in a.tolist()], dtype=np.uint64)
        if op in ftrans.POW_FUNCS:
            return np.array(
                [ftrans.pow_model(p, q, op) for p, q in zip(a.tolist(), b.tolist(), strict=True)],
                dtype=np.uint64,
            )
        if op in ftrans.EXP_FUNCS + ftrans.LOG_FUNCS + ftrans.TRIG_FUNCS:
            # the bit-exact model (test_ftrans measures its error)
            model = (
                ftrans.exp_model
                if op in ftrans.EXP_FUNCS
                else ftrans.log_model
                if op in ftrans.LOG_FUNCS
                else ftrans.trig_model
            )
            return np.array([model(op, v) for v in a.tolist()], dtype=np.uint64)
        if op in ("floor", "ceil", "trunc", "rint"):
            return _canon(getattr(np, op)(x), fmt)
        if op == "round":
            return _canon(np.array([float_round(v) for v in x.tolist()], NP[fmt][0]), fmt)
        if op == "copysign":
            top = np.uint64(1 << (FMT[fmt][0] + FMT[fmt][1]))
            return (a & (top - np.uint64(1))) | (b & top)
        if op == "fmod":  # exact in binary64
            return _canon(np.fmod(x.astype(np.float64), y).astype(NP[fmt][0]), fmt)
        if op == "remainder":
            r = [_ieee_remainder(float(p), float(q)) for p, q in zip(x, y, strict=True)]
            return _canon(np.array(r, NP[fmt][0]), fmt)
        if op == "fdim":
            r = np.where(x > y, x - y, NP[fmt][0](0))
            return _canon(np.where(np.isnan(x) | np.isnan(y), np.nan, r), fmt)
    raise ValueError(f"no reference for {op}")


# --------------------------------------------------------------------------- vectors


def random_floats(rng: np.random.Generator, n: int, fmt: str) -> np.ndarray:
    """Bit patterns: random bits, near 1.0, near overflow, subnormal and tiny normal,
    and any exponent, in equal parts."""
    ew, mw = FMT[fmt]
    bias = (1 << (ew - 1)) - 1
    emax = (1 << ew) - 2
    kind = rng.integers(0, 5, n)
    frac = rng.integers(0, 1 << mw, n, dtype=np.uint64)
    exp = np.select(
        [kind == 1, kind == 2, kind == 3, kind == 4],
        [
            rng.integers(bias - 3, bias + 4, n),
            rng.integers(emax - 3, emax + 1, n),
            rng.integers(0, 3, n),
            rng.integers(0, emax + 2, n),
        ],
        0,
    ).astype(np.uint64)
    sign = rng.integers(0, 2, n, dtype=np.uint64)
    built = (sign << np.uint64(ew + mw)) | (exp << np.uint64(mw)) | frac
    raw = (
        rng.integers(0, 1 << (1 + ew + mw), n, dtype=np.uint64)
        if ew + mw < 63
        else (rng.integers(0, 1 << 63, n, dtype=np.uint64) << np.uint64(1))
        | rng.integers(0, 2, n, dtype=np.uint64)
    )
    return np.where(kind == 0, raw, built).astype(np.uint64)


def near(rng: np.random.Generator, x: np.ndarray, fmt: str) -> np.ndarray:
    """Values whose exponent is within 2 of ``x``'s (cancellation, ties), random sign."""
    ew, mw = FMT[fmt]
    n = len(x)
    e = ((x >> np.uint64(mw)) & np.uint64((1 << ew) - 1)).astype(np.int64)
    e = np.clip(e + rng.integers(-2, 3, n), 0, (1 << ew) - 2).astype(np.uint64)
    frac = x & np.uint64((1 << mw) - 1)
    flip = rng.integers(0, 1 << min(mw, 8), n, dtype=np.uint64)
    frac = np.where(rng.random(n) < 0.5, frac ^ flip, rng.integers(0, 1 << mw, n, dtype=np.uint64))
    sign = rng.integers(0, 2, n, dtype=np.uint64)
    return (sign << np.uint64(ew + mw)) | (e << np.uint64(mw)) | frac


def float_vectors(seed: int, n_random: int, fmt: str) -> tuple[np.ndarray, ...]:
    """Every special triple (so every special pair), then ``n_random`` mixed vectors."""
    sp = np.array(specials(fmt), dtype=np.uint64)
    a, b, c = (g.ravel() for g in np.meshgrid(sp, sp, sp, indexing="ij"))
    rng = np.random.default_rng(seed)
    ra = random_floats(rng, n_random, fmt)
    rb = random_floats(rng, n_random, fmt)
    rb = np.where(rng.random(n_random) < 0.35, near(rng, ra, fmt), rb)
    rc = random_floats(rng, n_random, fmt)
    # c close to -(a*b) for fma cancellation
    ft, ut = NP[fmt]
    with np.errstate(all="ignore"):
        prod = (-(_fl(ra, fmt) * _fl(rb, fmt))).astype(ft).view(ut).astype(np.uint64)
    tweak = rng.integers(0, 4, n_random, dtype=np.uint64)
    close = np.where(rng.random(n_random) < 0.5, prod ^ tweak, near(rng, prod, fmt))
    rc = np.where(rng.random(n_random) < 0.35, close, rc)
    return (np.concatenate([a, ra]), np.concatenate([b, rb]), np.concatenate([c, rc]))


def int_specials() -> list[int]:
    out = {0, 1, 2, 3, 7}
    for w in (8, 16, 32, 64):
        for v in (1 << (w - 1), (1 << (w - 1)) - 1, (1 << w) - 1, (1 << w) - 2):
            out.add(v)
            if v >> (w - 1):  # sign-extend
                out.add(v | (((1 << 64) - 1) ^ ((1 << w) - 1)))
    return sorted(out)


def int_vectors(seed: int, n_random: int) -> tuple[np.ndarray, ...]:
    """Special pairs, then random values of random bit length (sign-extended), and
    integers that are float rounding ties."""
    sp = int_specials()
    pairs = [(x, y) for x in sp for y in sp]
    rng = np.random.default_rng(seed)
    vals: list[int] = []
    for i in range(2 * n_random):
        if i % 4 == 3:  # a tie for f32 or f64: odd significand of 25 or 54 bits, shifted
            bits = 25 if rng.random() < 0.5 else 54
            m = int(rng.integers(1 << (bits - 2), 1 << (bits - 1))) * 2 + 1
            v = m << int(rng.integers(0, 64 - bits + 1))
        else:
            k = int(rng.integers(1, 65))
            v = int(rng.integers(0, 1 << 62)) * 4 + int(rng.integers(0, 4))
            v &= (1 << k) - 1
            if rng.random() < 0.5:
                v = -v
        vals.append(v & ((1 << 64) - 1))
    a = [x for x, _ in pairs] + vals[:n_random]
    b = [y for _, y in pairs] + vals[n_random:]
    # small divisors are the interesting ones: shrink half of them
    bb = np.array(b, dtype=np.uint64)
    small = rng.integers(0, 300, len(b), dtype=np.uint64) - np.uint64(150)
    pick = np.zeros(len(b), bool)
    pick[len(pairs) :] = rng.random(n_random) < 0.3
    bb = np.where(pick, small, bb)
    aa = np.array(a, dtype=np.uint64)
    return aa, bb, np.zeros_like(aa)


def ftoi_vectors(seed: int, n_random: int, fmt: str) -> tuple[np.ndarray, ...]:
    """Specials, values around every power of two up to 2**65 (saturation edges),
    and mixed random floats."""
    rng = np.random.default_rng(seed)
    ft, ut = NP[fmt]
    edge = []
    for k in range(0, 66):
        for d in (-1.5, -1.0, -0.5, 0.0, 0.5, 1.0):
            for s in (1, -1):
                edge.append(s * (2.0**k + d))
    with np.errstate(all="ignore"):
        ev = np.array(edge, dtype=np.float64).astype(ft).view(ut).astype(np.uint64)
        nx = np.nextafter(np.array(edge, dtype=ft), ft(0)).view(ut).astype(np.uint64)
    a = np.concatenate(
        [np.array(specials(fmt), dtype=np.uint64), ev, nx, random_floats(rng, n_random, fmt)]
    )
    return a, np.zeros_like(a), np.zeros_like(a)


def round_vectors(seed: int, n_random: int, fmt: str) -> tuple[np.ndarray, ...]:
    """Special pairs (for copysign and fdim), mixed random floats, and values near
    integers and halfway points at every magnitude where rounding matters."""
    sp = np.array(specials(fmt), dtype=np.uint64)
    a0, b0 = (g.ravel() for g in np.meshgrid(sp, sp, indexing="ij"))
    rng = np.random.default_rng(seed)
    ft, ut = NP[fmt]
    mw = FMT[fmt][1]
    k = np.floor(np.exp2(rng.uniform(0, mw + 1, n_random)))
    frac = rng.choice([0.0, 0.5, 0.25, 0.75, 1 / 3], n_random)
    v = (k + frac) * np.where(rng.random(n_random) < 0.5, -1, 1)
    near_ = v.astype(ft).view(ut).astype(np.int64) + rng.integers(-2, 3, n_random)
    small = rng.uniform(-1.5, 1.5, n_random).astype(ft).view(ut).astype(np.int64)
    pick = rng.integers(0, 3, n_random)
    vals = np.select([pick == 0, pick == 1], [near_, small], 0).astype(np.uint64)
    vals = np.where(pick == 2, random_floats(rng, n_random, fmt), vals)
    other = random_floats(rng, n_random, fmt)
    other = np.where(rng.random(n_random) < 0.4, near(rng, vals, fmt), other)
    a = np.concatenate([a0, vals])
    b = np.concatenate([b0, other])
    return a, b, np.zeros_like(a)


def trans_vectors(seed: int, n_random: int) -> tuple[np.ndarray, ...]:
    """binary32 inputs for exp and log: specials, random bit patterns, the ranges where
    exp is neither 0 nor inf (scaled for exp and exp10 too), around the overflow and
    underflow edges, integers, and values near 1 for log."""
    rng = np.random.default_rng(seed)
    m = n_random // 6
    parts = [
        np.array(specials("f32"), dtype=np.uint64),
        random_floats(rng, m, "f32"),
        np.concatenate(
            [rng.uniform(-151, 129, m), rng.uniform(-104, 89, m), rng.uniform(-46, 39, m)]
        )
        .astype(np.float32)
        .view(np.uint32),
        np.array(
            [128.0, -149.0, -150.0, 127.0, 88.72283, 88.72284, -103.27893, 38.53184, -44.85],
            np.float32,
        ).view(np.uint32),
        np.arange(-150, 129, 7).astype(np.float32).view(np.uint32),
        (1 + rng.uniform(-0.001, 0.001, m)).astype(np.float32).view(np.uint32),
        rng.integers(0x3F7FFF00, 0x3F800100, m // 4, dtype=np.uint64),
    ]
    a = np.concatenate([x.astype(np.uint64) for x in parts])
    return a, np.zeros_like(a), np.zeros_like(a)


def trig_vectors(seed: int, n_random: int) -> tuple[np.ndarray, ...]:
    """binary32 inputs for sin and cos: specials, random bit patterns (huge arguments),
    uniform values up to 10 and 1e5, near multiples of pi/2 (hard reductions), and
    around the small-argument threshold 2**-12."""
    rng = np.random.default_rng(seed)
    m = n_random // 5
    k = rng.integers(1, 100000, m)
    near_pi = (k * np.pi / 2).astype(np.float32).view(np.uint32).astype(np.int64)
    near_pi += rng.integers(-2, 3, m)
    parts = [
        np.array(specials("f32"), dtype=np.uint64),
        random_floats(rng, m, "f32"),
        rng.uniform(-10, 10, m).astype(np.float32).view(np.uint32),
        rng.uniform(-1e5, 1e5, m).astype(np.float32).view(np.uint32),
        near_pi.astype(np.uint32),
        (np.exp2(rng.uniform(-13, -11, m)) * rng.choice([-1, 1], m))
        .astype(np.float32)
        .view(np.uint32),
        np.array([0x4C0C383A, 0x5922AA80, 0x7F7FFFFF, 0x3FC90FDB, 0x40490FDB], np.uint32),
    ]
    a = np.concatenate([x.astype(np.uint64) for x in parts])
    return a, np.zeros_like(a), np.zeros_like(a)


def pow_vectors(seed: int, n_random: int) -> tuple[np.ndarray, ...]:
    """Pairs for pow: every special pair plus small integers and halves, random
    pairs whose result is finite, negative bases with integer exponents, and random
    bit patterns."""
    rng = np.random.default_rng(seed)
    extra = np.array([2.0, -2.0, 3.0, -3.0, 0.5, -0.5, 2.5, 16777216.0, 16777217.0], np.float32)
    sp = np.concatenate([np.array(specials("f32"), np.uint64), extra.view(np.uint32)])
    a0, b0 = (g.ravel() for g in np.meshgrid(sp, sp, indexing="ij"))
    m = n_random // 4
    x1 = np.exp2(rng.uniform(-149, 128, m))
    lx = np.log2(x1)
    y1 = rng.uniform(-150, 128, m) / np.where(lx == 0, 1, lx)
    x2 = -rng.uniform(0, 4, m)
    y2 = np.round(rng.uniform(-60, 60, m))
    x3, y3 = rng.uniform(0, 4, m), rng.uniform(-100, 100, m)
    a = np.concatenate(
        [
            a0,
            *(v.astype(np.float32).view(np.uint32) for v in (x1, x2, x3)),
            random_floats(rng, m, "f32"),
        ]
    )
    b = np.concatenate(
        [
            b0,
            *(v.astype(np.float32).view(np.uint32) for v in (y1, y2, y3)),
            random_floats(rng, m, "f32"),
        ]
    )
    a, b = a.astype(np.uint64), b.astype(np.uint64)
    return a, b, np.zeros_like(a)


def fmod_vectors(seed: int, n_random: int) -> tuple[np.ndarray, ...]:
    """Every special pair, random pairs of any exponents (every gap up to the largest),
    close exponents, and remainder's halfway cases a = (k + 1/2)·b."""
    sp = np.array(specials("f32"), dtype=np.uint64)
    a, b = (g.ravel() for g in np.meshgrid(sp, sp, indexing="ij"))
    rng = np.random.default_rng(seed)
    q = n_random // 4
    ra = random_floats(rng, 2 * q, "f32")
    rb = random_floats(rng, 2 * q, "f32")
    rb[q:] = near(rng, ra[q:], "f32")
    k = rng.integers(0, 2**20, q)
    bb = (rng.uniform(1, 2, q) * np.exp2(rng.integers(-140, 100, q))).astype(np.float32)
    bb = (bb.view(np.uint32) & np.uint32(0xFFFFFFF0)).view(np.float32)  # (k+1/2)·b exact
    with np.errstate(all="ignore"):
        ta = ((k + 0.5) * bb.astype(np.float64)).astype(np.float32)
    ea = rng.integers(0, 2**32, n_random - 3 * q, dtype=np.uint64)
    eb = random_floats(rng, n_random - 3 * q, "f32")
    fa = np.concatenate([a, ra, ta.view(np.uint32).astype(np.uint64), ea])
    fb = np.concatenate([b, rb, bb.view(np.uint32).astype(np.uint64), eb])
    return fa, fb, np.zeros_like(fa)


def ldexp_vectors(seed: int, n_random: int, fmt: str) -> tuple[np.ndarray, ...]:
    """Specials and random floats (subnormals and near-overflow included) with exponent
    adjustments that reach every result range, and the extreme int values."""
    rng = np.random.default_rng(seed)
    sp = np.array(specials(fmt), dtype=np.uint64)
    ks = np.array([0, 1, -1, 2**31 - 1, -(2**31), 200, -200, 1100, -1100, 5000, -5000], np.int64)
    a0, k0 = (g.ravel() for g in np.meshgrid(sp, ks.astype(np.uint64), indexing="ij"))
    a1 = random_floats(rng, n_random, fmt)
    lim = 300 if fmt == "f32" else 2200
    k1 = rng.integers(-lim, lim, n_random).astype(np.uint64)
    a = np.concatenate([a0, a1])
    b = np.concatenate([k0, k1]) & np.uint64(0xFFFFFFFF)
    return a, b, np.zeros_like(a)
