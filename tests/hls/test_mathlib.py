"""The math expansions of expand-math (soff.hls.passes.mathlib), measured: each function is
expanded in a one-line kernel and run by the interpreter, which gives the hardware's
results bit for bit (the expansions use correctly rounded units only); the maximum error
is measured in ulps against numpy binary64 (binary32 functions) or mpmath at 200 bits
(binary64 functions), and the special values are checked one by one.

Default run: the directed cases and 400 random inputs per function; ``-m slow``: 100,000
(binary32) / 20,000 (binary64). The seed is printed with every failure."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from soff.frontend import compile_source
from soff.hls.passes import mathlib
from soff.hls.passes.expand_math import expand_math
from soff.ir.interp import run_kernel
from soff.ir.semantics import float_pow, math_eval

mpmath = pytest.importorskip("mpmath")  # the test extra has it

SEED = 20261126
mpmath.mp.prec = 200

#: OpenCL 1.2 full profile bounds (Table 7.1 / 7.2), in ulps
OPENCL_ULP = {
    "exp": 3, "exp2": 3, "exp10": 3, "expm1": 3, "log": 3, "log2": 3, "log10": 3, "log1p": 2,
    "pow": 16, "powr": 16, "rootn": 16, "cbrt": 2, "sinh": 4, "cosh": 4, "tanh": 5,
    "asinh": 4, "acosh": 4, "atanh": 5, "hypot": 4, "sin": 4, "cos": 4, "tan": 5, "atan": 5, "asin": 4, "acos": 4, "atan2": 6, "pown": 16,
}  # fmt: skip
#: what the expansions reach (measured over the slow suite's inputs; asserted)
MEASURED_ULP = {
    32: {"expm1": 0.51, "log1p": 0.51, "sinh": 0.51, "cosh": 0.51, "tanh": 0.51,
         "asinh": 0.51, "acosh": 0.51, "atanh": 0.51, "hypot": 0.51, "rootn": 0.51},
    64: {"exp": 0.7, "exp2": 0.7, "exp10": 0.7, "expm1": 0.7, "log": 0.51, "log2": 0.51,
         "log10": 0.51, "log1p": 1.0, "pow": 1.0, "powr": 1.0, "rootn": 1.0, "cbrt": 1.0,
         "sinh": 2.0, "cosh": 1.5, "tanh": 2.5, "asinh": 2.0, "acosh": 2.0, "atanh": 2.0,
         "hypot": 1.5, "sin": 1.0, "cos": 1.0, "tan": 2.5, "atan": 1.0, "asin": 2.5,
         "acos": 2.5, "atan2": 2.0, "pown": 1.0},
}  # fmt: skip

_INT_ARG = {"rootn", "pown"}
_TWO_ARGS = {"pow", "powr", "hypot", "atan2"}
_TRIG = {"sin", "cos", "tan"}


def evaluate(fn: str, width: int, x: np.ndarray, y: np.ndarray | None = None) -> np.ndarray:
    """``fn`` on the inputs, expanded by expand-math and run by the interpreter."""
    ct = "float" if width == 32 else "double"
    dt = np.float32 if width == 32 else np.float64
    args = "x[i], k[i]" if fn in _INT_ARG else "x[i], y[i]" if fn in _TWO_ARGS else "x[i]"
    src = (
        f"__kernel void f(__global const {ct} *x, __global const {ct} *y, "
        f"__global const int *k, __global {ct} *o) {{\n"
        f"  int i = get_global_id(0);\n  o[i] = {fn}({args});\n}}\n"
    )
    kern = compile_source(src, "f.cl").kernels[0]
    assert expand_math(kern)
    assert not any(op.opcode == "math" and op.attrs["fn"] == fn for op in kern.blocks[0].ops)
    n = len(x)
    k = y.astype(np.int32) if fn in _INT_ARG and y is not None else np.zeros(n, np.int32)
    yy = x if y is None else y
    buf = {"x": x.astype(dt), "y": yy.astype(dt), "k": k, "o": np.zeros(n, dt)}
    return run_kernel(kern, buf, n)["o"]


# ----------------------------------------------------------------------------- references


def _mp_fn(fn: str) -> Callable[..., Any]:
    mp = mpmath
    table: dict[str, Callable[..., Any]] = {
        "exp": mp.exp, "exp2": lambda x: mp.power(2, x), "exp10": lambda x: mp.power(10, x),
        "expm1": mp.expm1, "log": mp.log, "log2": lambda x: mp.log(x, 2),
        "log10": mp.log10, "log1p": mp.log1p, "sinh": mp.sinh, "cosh": mp.cosh,
        "tanh": mp.tanh, "asinh": mp.asinh, "acosh": mp.acosh, "atanh": mp.atanh,
        "sin": mp.sin, "cos": mp.cos, "tan": mp.tan, "cbrt": mp.cbrt, "atan": mp.atan,
        "asin": mp.asin, "acos": mp.acos, "atan2": mp.atan2,
        "hypot": lambda x, y: mp.sqrt(x * x + y * y),
        "pow": lambda x, y: mp.power(x, y), "powr": lambda x, y: mp.power(x, y),
        "pown": lambda x, n: mp.power(x, int(n)),
        "rootn": lambda x, n: (mp.sign(x) * mp.power(abs(x), mp.mpf(1) / int(n))
                               if x >= 0 or int(n) % 2 else mp.mpc(0, 1)),
    }  # fmt: skip
    return table[fn]


def reference(fn: str, width: int, x: np.ndarray, y: np.ndarray | None) -> list[Any]:
    """The exact values (mpmath, or numpy binary64 for binary32 functions), None where
    the result is not finite or the argument is outside the domain."""
    out: list[Any] = []
    if width == 32:
        xs = x.astype(np.float64)
        with np.errstate(all="ignore"):
            if fn == "rootn":
                assert y is not None
                r = np.sign(xs) * np.abs(xs) ** (1.0 / y.astype(np.float64))
                r = np.where((xs < 0) & (y % 2 == 0), np.nan, r)
            elif fn == "hypot":
                assert y is not None
                r = np.hypot(xs, y.astype(np.float64))
            else:
                r = getattr(np, {"asinh": "arcsinh", "acosh": "arccosh", "atanh": "arctanh"}
                            .get(fn, fn))(xs)  # fmt: skip
        return [float(v) if np.isfinite(v) else None for v in r]
    f = _mp_fn(fn)
    for i, v in enumerate(x.tolist()):
        args = [v] if y is None else [v, float(y[i])]
        if not all(math.isfinite(a) for a in args) or (
            fn == "powr" and (v < 0 or v == args[-1] == 0)
        ):
            out.append(None)
            continue
        if fn == "atan2" and v == 0:
            out.append(None)  # signed zeros: checked with the special values
            continue
        try:
            r = f(*(mpmath.mpf(a) for a in args))
        except (ValueError, ZeroDivisionError):
            out.append(None)
            continue
        if isinstance(r, mpmath.mpc) or not mpmath.isfinite(r):
            out.append(None)
        else:
            out.append(r)
    return out


def ulp_errors(got: np.ndarray, want: list[Any], width: int) -> np.ndarray:
    """|got - want| in ulps of ``want`` in the result format (subnormal ulps below the
    normal range); 0 where want is None (checked apart), inf where ``got`` is not finite
    but ``want`` is (unless want rounds to infinity)."""
    p, emin, emax = (24, -126, 128) if width == 32 else (53, -1022, 1024)
    big = mpmath.ldexp(1, emax) * (1 - mpmath.ldexp(1, -p - 1))  # rounds to infinity
    err = np.zeros(len(got))
    for i, (g, w) in enumerate(zip(got.tolist(), want, strict=True)):
        if w is None:
            continue
        if not math.isfinite(g):
            err[i] = 0.0 if abs(w) >= big else math.inf
            continue
        if w == 0:
            err[i] = 0.0 if g == 0 else math.inf
            continue
        e = max(int(mpmath.floor(mpmath.log(abs(mpmath.mpf(w)), 2))), emin)
        err[i] = float(abs(mpmath.mpf(g) - mpmath.mpf(w)) / mpmath.ldexp(1, e - p + 1))
    return err


# ----------------------------------------------------------------------------- inputs


def _bits_floats(rng: np.random.Generator, n: int, width: int) -> np.ndarray:
    """Random bit patterns (every exponent, both signs), NaNs and infinities excluded."""
    if width == 32:
        v = rng.integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32).view(np.float32)
    else:
        v = rng.integers(0, 2**63, n, dtype=np.uint64) * np.uint64(2)
        v = (v + rng.integers(0, 2, n, dtype=np.uint64)).view(np.float64)
    return np.where(np.isfinite(v), v, 1.5).astype(v.dtype)


def _spread(rng: np.random.Generator, n: int, lo: float, hi: float) -> np.ndarray:
    """|x| log-uniform in [2^lo, 2^hi], random sign."""
    return rng.choice([-1.0, 1.0], n) * np.exp2(rng.uniform(lo, hi, n))


def inputs(fn: str, width: int, n: int, seed: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Directed cases, then ``n`` random inputs mixing the function's interesting ranges."""
    rng = np.random.default_rng([seed, width, sum(map(ord, fn))])
    dt = np.float32 if width == 32 else np.float64
    emin = -149 if width == 32 else -1074
    emax = 128 if width == 32 else 1024
    tiny = [0.0, -0.0, 2.0**emin, -(2.0**emin), 2.0**-60, -(2.0**-60), 2.0 ** (emin + 30)]
    special = [math.inf, -math.inf, math.nan, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, *tiny]
    q = n // 4
    lnmax = math.log(2.0 ** (emax - 1) * (2 - 2.0 ** (-23 if width == 32 else -52)))
    lnmin = (emin - 1) * math.log(2)
    y: np.ndarray | None = None
    x: Any
    if fn in ("exp", "exp2", "exp10", "expm1", "sinh", "cosh"):
        scale = {"exp2": 1 / math.log(2), "exp10": 1 / math.log(10)}.get(fn, 1.0)
        hi = lnmax * scale
        lo = (lnmin if fn not in ("expm1", "sinh", "cosh") else -lnmax) * scale
        if fn in ("sinh", "cosh"):
            hi = math.log(2) + lnmax
            lo = -hi
        edges = [hi, lo, np.nextafter(hi, 0), np.nextafter(hi, np.inf), 0.3, -0.3]
        x = np.concatenate([special, edges, rng.uniform(lo, hi, 2 * q), _spread(rng, q, -70, 3),
                            _bits_floats(rng, n - 3 * q, width)])  # fmt: skip
    elif fn == "tanh":
        x = np.concatenate([special, [22.0, 19.0, 9.0], rng.uniform(-25, 25, 2 * q),
                            _spread(rng, q, -70, 3), _bits_floats(rng, n - 3 * q, width)])  # fmt: skip
    elif fn in ("log", "log2", "log10", "acosh"):
        near1 = 1 + _spread(rng, q, -55 if width == 64 else -25, -2)
        x = np.concatenate([special, [2.0**emin * 3, 1e10, 10.0, 100.0], near1,
                            np.abs(_bits_floats(rng, 2 * q, width)), _bits_floats(rng, n - 3 * q, width)])  # fmt: skip
        if fn == "acosh":
            x = np.concatenate([x, 1 + np.abs(_spread(rng, q, -50, 40))])
    elif fn == "log1p":
        x = np.concatenate([special, [-1.0 + 2.0**-20, 1e30], _spread(rng, q, -80, -1),
                            -1 + np.exp2(rng.uniform(-52, 0, q)), np.abs(_bits_floats(rng, q, width)),
                            _bits_floats(rng, n - 3 * q, width)])  # fmt: skip
    elif fn in ("asinh", "atanh"):
        x = np.concatenate([special, _spread(rng, q, -60, 2 if fn == "asinh" else 0),
                            rng.choice([-1, 1], q) * (1 - np.exp2(-rng.uniform(1, 52, q))),
                            _bits_floats(rng, n - 2 * q, width)])  # fmt: skip
    elif fn in ("sin", "cos", "tan"):
        k = rng.integers(1, 600000, q)
        near = k * (math.pi / 2) + rng.uniform(-1e-6, 1e-6, q)
        # |x| >= 2^20 takes Payne–Hanek: the binary64 closest to a multiple of pi/2
        # (6381956970095103 * 2^797, 2^-61 away), the largest finite values, every binade
        hard = [
            6381956970095103 * 2.0**797,
            -6381956970095103 * 2.0**797,
            2.0**1023,
            1.7976931348623157e308,
            -1.7976931348623157e308,
            2.0**53 + 1,
            2.0**54 * 3,
        ]
        x = np.concatenate([special, [1e6, -1e6, 2.0**20 - 1, 2.0**20, 1e300, 355.0, 103993.0],
                            hard, rng.uniform(-10, 10, q), _spread(rng, q // 2, -30, 19.9),
                            _spread(rng, q - q // 2, 20, 1023.99), near,
                            _bits_floats(rng, n - 3 * q, width)])  # fmt: skip
    elif fn in ("atan", "asin", "acos"):
        x = np.concatenate([special, [2.0**40, 1e300], _spread(rng, q, -60, 60),
                            rng.uniform(-1, 1, q), rng.choice([-1, 1], q) * (1 - np.exp2(-rng.uniform(1, 52, q))),
                            _bits_floats(rng, n - 3 * q, width)])  # fmt: skip
    elif fn == "atan2":
        sp = np.array(special)
        xs, ys = np.meshgrid(sp, sp, indexing="ij")
        x = np.concatenate([ys.ravel(), _spread(rng, n, -30, 30)])
        y = np.concatenate([xs.ravel(), _spread(rng, n, -30, 30)])
    elif fn == "cbrt":
        x = np.concatenate([special, [27.0, -8.0, 1e300], _bits_floats(rng, n, width)])
    elif fn == "hypot":
        x = np.concatenate([special, special, _spread(rng, n, emin, emax)])
        y = np.concatenate(
            [special, special[::-1], x[2 * len(special) :] * np.exp2(rng.uniform(-40, 40, n))]
        )
    elif fn == "pown":
        x = np.concatenate([special * 4, _spread(rng, n, -20, 20)])
        ks = [1, 2, 3, -1, -2, -3, 0, 5]
        y = np.array([ks[i % 8] for i in range(4 * len(special))] + list(rng.integers(-40, 41, n)))
        y = y.astype(np.float64)
    elif fn == "rootn":
        x = np.concatenate([special * 4, _bits_floats(rng, n, width)])
        ks = [1, 2, 3, -1, -2, -3, 0, 5]
        y = np.array([ks[i % 8] for i in range(4 * len(special))] + list(rng.integers(-20, 21, n)))
        y = np.where((y == 0) & (np.arange(len(y)) >= 4 * len(special)), 7, y).astype(np.float64)
    elif fn in ("pow", "powr"):
        base = np.abs(_spread(rng, n, emin, emax))
        if fn == "pow":
            base = base * rng.choice([-1, 1], n)
        lnx = np.log(np.abs(base).astype(np.float64))
        with np.errstate(all="ignore"):
            ex = rng.uniform(-1, 1, n) * lnmax / np.where(lnx == 0, 1, np.abs(lnx))
        ex = np.where(rng.random(n) < 0.3, np.round(ex), ex)
        sp = np.array(special)
        xs, ys = np.meshgrid(sp, sp, indexing="ij")
        x = np.concatenate([xs.ravel(), base])
        y = np.concatenate([ys.ravel(), ex])
    else:
        raise AssertionError(fn)
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(all="ignore"):
        return x.astype(dt), (
            None if y is None else y.astype(dt if fn not in _INT_ARG else np.float64)
        )


# ----------------------------------------------------------------------------- specials


def special_reference(fn: str, width: int, x: np.ndarray, y: np.ndarray | None) -> np.ndarray:
    """C99/OpenCL values of the special cases (the interpreter's semantics)."""
    if fn in ("pow", "pown"):
        assert y is not None
        return np.array([float_pow(float(a), float(b)) for a, b in zip(x, y, strict=True)])
    args: list[Any] = [x.astype(np.float64)] + ([] if y is None else [y])
    if fn == "rootn":
        args = [x.astype(np.float64), y.astype(np.int64) if y is not None else None]
    return np.asarray(math_eval(fn, args, 64), np.float64)


def check_function(fn: str, width: int, n: int, seed: int) -> float:
    x, y = inputs(fn, width, n, seed)
    got = evaluate(fn, width, x, y)
    want = reference(fn, width, x, y)
    err = ulp_errors(got, want, width)
    k = int(np.argmax(err))
    where = f"{fn} f{width} (seed {seed}): x = {x[k]!r}" + ("" if y is None else f", y = {y[k]!r}")
    bound = MEASURED_ULP[width][fn]
    assert err[k] <= bound, f"{where}: got {got[k]!r}, want {want[k]}, {err[k]:.3f} ulp"
    # special values: NaN where C99/OpenCL says so, infinities and zeros with their signs
    with np.errstate(all="ignore"):
        sref = special_reference(fn, width, x, y).astype(x.dtype).astype(np.float64)
    nonfin = ~np.isfinite(sref) | (sref == 0)
    for i in np.flatnonzero(nonfin | ~np.isfinite(got.astype(np.float64))):
        g, s = float(got[i]), float(sref[i])
        if want[i] is not None and math.isfinite(g) and g != 0:
            continue  # finite nonzero result measured above (e.g. a tiny reference)
        same = (math.isnan(g) and math.isnan(s)) or (
            g == s and math.copysign(1, g) == math.copysign(1, s)
        )
        where = f"{fn} f{width}: x = {x[i]!r}" + ("" if y is None else f", y = {y[i]!r}")
        assert same, f"{where}: got {g!r}, want {s!r}"
    return float(err[k])


F32_FUNCS = list(mathlib.F32_VIA_F64)
F64_FUNCS = [*mathlib.F64_FUNCS, "asin", "acos", "atan2", "pown"]


@pytest.mark.parametrize("fn", F32_FUNCS)
def test_f32_function(fn: str) -> None:
    check_function(fn, 32, 400, SEED)


@pytest.mark.parametrize("fn", F64_FUNCS)
def test_f64_function(fn: str) -> None:
    check_function(fn, 64, 400, SEED)


@pytest.mark.slow
@pytest.mark.parametrize("fn", F32_FUNCS)
def test_f32_function_100k(fn: str) -> None:
    print(f"{fn} f32: {check_function(fn, 32, 100_000, SEED + 1):.3f} ulp")


@pytest.mark.slow
@pytest.mark.parametrize("fn", F64_FUNCS)
def test_f64_function_20k(fn: str) -> None:
    print(f"{fn} f64: {check_function(fn, 64, 20_000, SEED + 1):.3f} ulp")


def test_payne_hanek_digits_match_mpmath() -> None:
    """The 48-bit chunks of 2/π (26 of them) and their windows for Payne–Hanek."""
    with mpmath.workprec(1400):
        acc = sum(mpmath.ldexp(d, -mathlib.PH_W * (i + 1)) for i, d in enumerate(mathlib.PH_D))
        assert 0 <= 2 / mpmath.pi - acc < mpmath.mpf(2) ** (-mathlib.PH_W * 26)
    for j, table in enumerate(mathlib.PH_TABLE):
        assert table[0] == (0.0 if j == 0 else math.ldexp(mathlib.PH_D[j - 1], -48 * (j + 1)))
        assert table[21] == math.ldexp(mathlib.PH_D[20 + j], -48 * (j + 1))


def test_trig_huge_arguments() -> None:
    """binary64 sin/cos/tan of |x| >= 2^20 (Payne–Hanek) against mpmath, with the hardest
    argument (cos(6381956970095103 * 2^797) is 4.7e-19)."""
    rng = np.random.default_rng([SEED, 7])
    x = np.concatenate([[6381956970095103 * 2.0**797, 2.0**20, -(2.0**20), 2.0**1023, 1e22],
                        _spread(rng, 200, 20, 1023.99)])  # fmt: skip
    for fn in sorted(_TRIG):
        got = evaluate(fn, 64, x)
        err = ulp_errors(got, reference(fn, 64, x, None), 64)
        k = int(np.argmax(err))
        assert err[k] <= MEASURED_ULP[64][fn], f"{fn}(x = {x[k]!r}): {err[k]:.3f} ulp"


def test_constants_match_mpmath() -> None:
    pi2 = mpmath.pi / 2
    parts = (
        mathlib.PIO2_1 + mpmath.mpf(mathlib.PIO2_2) + mathlib.PIO2_3 + mpmath.mpf(mathlib.PIO2_3T)
    )
    assert abs(parts - pi2) < mpmath.mpf(2) ** -150
    assert abs(mpmath.mpf(mathlib.LN2_HI) + mathlib.LN2_LO - mpmath.log(2)) < mpmath.mpf(2) ** -90
    for j, (hi, lo) in enumerate(mathlib.LOG_C):
        assert abs(mpmath.mpf(hi) + lo - mpmath.log(1 + mpmath.mpf(j) / 8)) < mpmath.mpf(2) ** -105
