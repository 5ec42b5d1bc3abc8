"""OpenCL 1.2 math built-ins in the interpreter, against a more precise reference.

Each built-in is compiled in a kernel and run by the reference interpreter on
special values and random inputs of its domain; results must lie within the
OpenCL 1.2 ULP bound (section 7.4, tables 7.1 and 7.2) of a reference computed in
binary64 (float built-ins) or the x87 ``longdouble`` (double built-ins), and
special values must match exactly.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from fe_helpers import compile_ok, ir_text, run

from soff.diagnostics import CompileError, UnsupportedError
from soff.frontend import compile_source
from soff.ir.semantics import ILOGB0, ILOGBNAN

RNG = np.random.default_rng(11)
LD = np.longdouble
INF, NAN = np.inf, np.nan
N = 200
SPECIALS = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, 3.0, -3.0, 10.0, INF, -INF, NAN, 1e-40, -1e-40]

# name -> (arity, float bound, double bound, input range (lo, hi) or "pos"/"any", reference)
Ref = Callable[..., np.ndarray]
FUNCS: dict[str, tuple[int, float, float, tuple[float, float], Ref]] = {
    "exp": (1, 3, 3, (-110, 110), np.exp),
    "exp2": (1, 3, 3, (-160, 130), np.exp2),
    "exp10": (1, 3, 3, (-45, 40), lambda x: np.power(LD(10), x)),
    "expm1": (1, 3, 3, (-20, 20), np.expm1),
    "log": (1, 3, 3, (0, 1e30), np.log),
    "log2": (1, 3, 3, (0, 1e30), np.log2),
    "log10": (1, 3, 3, (0, 1e30), np.log10),
    "log1p": (1, 2, 2, (-1, 100), np.log1p),
    "pow": (2, 16, 16, (0, 30), np.power),
    "powr": (2, 16, 16, (0, 30), lambda x, y: _powr_ref(x, y)),
    "sin": (1, 4, 4, (-100, 100), np.sin),
    "cos": (1, 4, 4, (-100, 100), np.cos),
    "tan": (1, 5, 5, (-10, 10), np.tan),
    "asin": (1, 4, 4, (-1, 1), np.arcsin),
    "acos": (1, 4, 4, (-1, 1), np.arccos),
    "atan": (1, 5, 5, (-50, 50), np.arctan),
    "atan2": (2, 6, 6, (-50, 50), np.arctan2),
    "sinh": (1, 4, 4, (-80, 80), np.sinh),
    "cosh": (1, 4, 4, (-80, 80), np.cosh),
    "tanh": (1, 5, 5, (-20, 20), np.tanh),
    "asinh": (1, 4, 4, (-1e6, 1e6), np.arcsinh),
    "acosh": (1, 4, 4, (1, 1e6), np.arccosh),
    "atanh": (1, 5, 5, (-1, 1), np.arctanh),
    "rsqrt": (1, 2, 2, (0, 1e30), lambda x: 1 / np.sqrt(x)),
    "cbrt": (1, 2, 2, (-1e30, 1e30), np.cbrt),
    "hypot": (2, 4, 4, (-1e20, 1e20), np.hypot),
    "sqrt": (1, 0, 0, (0, 1e30), np.sqrt),
    "rint": (1, 0, 0, (-1e3, 1e3), np.rint),
    "fmod": (2, 0, 0, (-1e3, 1e3), np.fmod),
    "copysign": (2, 0, 0, (-1e3, 1e3), np.copysign),
    "fdim": (
        2,
        0,
        0,
        (-1e3, 1e3),
        lambda x, y: np.where(x > y, x - y, np.where(np.isnan(x) | np.isnan(y), NAN, 0.0)),
    ),
    "logb": (1, 0, 0, (-1e30, 1e30), lambda x: np.floor(np.log2(np.abs(x)))),
}


def _powr_ref(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """pow for x >= 0; NaN for x < 0, 0**0, inf**0 and 1**inf (OpenCL 1.2, 7.5.1)."""
    r = np.where(x == 0, np.where(y < 0, INF, 0.0), np.power(x, y))
    bad = (x < 0) | ((x == 0) & (y == 0)) | (np.isinf(x) & (y == 0)) | ((x == 1) & np.isinf(y))
    bad |= np.isnan(x) | np.isnan(y)
    return np.where(bad, NAN, r)


FTYPES = {"float": (np.float32, 24, -126), "double": (np.float64, 53, -1022)}


@np.errstate(all="ignore")
def ulp_error(got: np.ndarray, ref: np.ndarray, ctype: str) -> np.ndarray:
    """|got - ref| in units of the last place of ``ref`` in the result type; 0 where
    both are the same special value, inf where they disagree on one."""
    dt, p, emin = FTYPES[ctype]
    g, r = got.astype(LD), ref.astype(LD)
    rt = ref.astype(dt)
    big = np.finfo(dt).max
    e = np.floor(np.log2(np.minimum(np.abs(r), LD(big))))
    e = np.maximum(np.where(np.isfinite(e), e, emin), emin)
    with np.errstate(all="ignore"):
        err = np.abs(g - r) / np.exp2(e - (p - 1))
    same = (got == rt) & (np.signbit(got) == np.signbit(rt))
    both_nan = np.isnan(got) & np.isnan(r)
    special = np.isnan(got) | np.isnan(r) | np.isinf(got) | np.isinf(r)
    err = np.where(special, np.inf, err)
    return np.where(same | both_nan, 0, err)


def inputs(ctype: str, rng: tuple[float, float], n: int) -> np.ndarray:
    dt = FTYPES[ctype][0]
    lo, hi = rng
    if hi / max(abs(lo), 1e-30) > 1e6 or (lo == 0 and hi > 1e6):  # spread over the exponents
        mag = np.exp(RNG.uniform(-80 if ctype == "float" else -600, np.log(hi), n))
        sign = np.where(RNG.random(n) < 0.5, -1, 1) if lo < 0 else 1
        vals = mag * sign
    else:
        vals = RNG.uniform(lo, hi, n)
    return np.concatenate([np.array(SPECIALS), vals]).astype(dt)


def kernel(ctype: str, call: str, arity: int, out: str | None = None) -> str:
    ins = ", ".join(f"__global {ctype} *{v}" for v in "ab"[:arity])
    args = ", ".join(f"{v}[i]" for v in "ab"[:arity])
    return f"""
    __kernel void k({ins}, __global {out or ctype} *o) {{
        size_t i = get_global_id(0);
        o[i] = {call}({args});
    }}"""


def run_fn(
    ctype: str, call: str, cols: list[np.ndarray], out: np.dtype | None = None
) -> np.ndarray:
    src = kernel(ctype, call, len(cols), None if out is None else "int")
    args = dict(zip("ab", cols, strict=False))
    args["o"] = np.zeros(len(cols[0]), out or cols[0].dtype)
    return run(src, args, len(cols[0]))["o"]


@pytest.mark.parametrize("ctype", FTYPES)
@pytest.mark.parametrize("name", FUNCS)
def test_math_builtin_within_ulp_bound(name: str, ctype: str) -> None:
    arity, fbound, dbound, rng, ref = FUNCS[name]
    bound = fbound if ctype == "float" else dbound
    cols = [inputs(ctype, rng, N) for _ in range(arity)]
    if arity == 2:  # every special pair too
        n_sp = len(SPECIALS)
        cols[0] = np.concatenate([cols[0], np.repeat(cols[0][:n_sp], n_sp)])
        cols[1] = np.concatenate([cols[1], np.tile(cols[1][:n_sp], n_sp)])
    got = run_fn(ctype, name, cols)
    assert got.dtype == FTYPES[ctype][0]
    wide = np.float64 if ctype == "float" else LD
    with np.errstate(all="ignore"):
        want = ref(*(c.astype(wide) for c in cols))
    err = ulp_error(got, np.asarray(want), ctype)
    worst = int(np.argmax(err))
    assert err[worst] <= bound, (
        f"{name}({', '.join(str(c[worst]) for c in cols)}) = {got[worst]!r}, "
        f"reference {want[worst]!r}: {err[worst]:.2f} ulp > {bound}"
    )


@pytest.mark.parametrize("ctype", FTYPES)
def test_pown_rootn_ldexp_take_an_int(ctype: str) -> None:
    dt = FTYPES[ctype][0]
    x = np.concatenate([np.array(SPECIALS), RNG.uniform(-4, 4, N)]).astype(dt)
    n = RNG.integers(-12, 13, len(x)).astype(np.int32)
    n[: len(SPECIALS)] = 3
    src = f"""
    __kernel void k(__global {ctype} *x, __global int *n, __global {ctype} *o) {{
        size_t i = get_global_id(0);
        o[3 * i] = pown(x[i], n[i]);
        o[3 * i + 1] = rootn(x[i], n[i]);
        o[3 * i + 2] = ldexp(x[i], n[i] * 11);
    }}"""
    o = run(src, {"x": x, "n": n, "o": np.zeros(3 * len(x), dt)}, len(x))["o"].reshape(-1, 3)
    wide = np.float64 if ctype == "float" else LD
    xw, nw = x.astype(wide), n.astype(wide)
    with np.errstate(all="ignore"):
        assert ulp_error(o[:, 0], np.power(xw, nw), ctype).max() <= 16
        assert np.array_equal(o[:, 2], np.ldexp(x, n * 11), equal_nan=True)
        # rootn: y**n == x within the bound, checked on the finite, nonzero results
        y = o[:, 1].astype(LD)
        ok = np.isfinite(y) & (y != 0) & (n != 0)
        rel = np.abs(np.power(y[ok], n[ok].astype(LD)) / x[ok].astype(LD) - 1) / np.abs(n[ok])
        assert rel.max() <= 16 * 2.0 ** -(FTYPES[ctype][1] - 1)
        odd = n % 2 != 0
        nan_want = (n == 0) | (~odd & (x < 0)) | np.isnan(x)
        assert np.array_equal(np.isnan(o[:, 1]), nan_want)


ROOTN_SPECIAL = [  # (x, n, result) from the OpenCL 1.2 spec, 7.5.1
    (0.0, -3, INF), (-0.0, -3, -INF), (0.0, -2, INF), (-0.0, -2, INF), (0.0, 2, 0.0),
    (-0.0, 2, 0.0), (0.0, 3, 0.0), (-0.0, 3, -0.0), (-8.0, 2, NAN), (8.0, 0, NAN),
    (-8.0, 3, -2.0), (-INF, 3, -INF), (INF, -2, 0.0),
]  # fmt: skip
POWR_SPECIAL = [  # (x, y, result)
    (0.0, -2.0, INF), (-0.0, -3.0, INF), (0.0, 2.0, 0.0), (-0.0, 3.0, 0.0), (0.0, 0.0, NAN),
    (INF, 0.0, NAN), (1.0, INF, NAN), (-2.0, 2.0, NAN), (1.0, 5.0, 1.0), (NAN, 0.0, NAN),
    (2.0, NAN, NAN), (4.0, 0.5, 2.0),
]  # fmt: skip
POWN_SPECIAL = [(NAN, 0, 1.0), (0.0, -3, INF), (-0.0, -3, -INF), (-0.0, -2, INF), (-0.0, 3, -0.0)]


def _same(got: np.ndarray, want: list[float]) -> bool:
    w = np.array(want, got.dtype)
    return bool(np.array_equal(got, w, equal_nan=True) and (np.signbit(got) == np.signbit(w)).all())


@pytest.mark.parametrize("ctype", FTYPES)
@pytest.mark.parametrize(
    ("name", "table", "second"),
    [("rootn", ROOTN_SPECIAL, "int"), ("pown", POWN_SPECIAL, "int"), ("powr", POWR_SPECIAL, "")],
)
def test_special_values(ctype: str, name: str, table: list, second: str) -> None:
    dt = FTYPES[ctype][0]
    x = np.array([t[0] for t in table], dt)
    y = np.array([t[1] for t in table], np.int32 if second else dt)
    src = f"""
    __kernel void k(__global {ctype} *a, __global {second or ctype} *b, __global {ctype} *o) {{
        size_t i = get_global_id(0);
        o[i] = {name}(a[i], b[i]);
    }}"""
    got = run(src, {"a": x, "b": y, "o": np.zeros(len(x), dt)}, len(x))["o"]
    assert _same(got, [t[2] for t in table]), list(zip(table, got, strict=True))


@pytest.mark.parametrize("ctype", FTYPES)
def test_remainder_ilogb_exact(ctype: str) -> None:
    dt = FTYPES[ctype][0]
    a = np.array([5.0, -5.0, 7.5, 4.0, -4.0, 1.0, INF, NAN, 3.0, 1e30, 0.0, 1e-40], dt)
    b = np.array([3.0, 3.0, 2.0, 2.0, 2.0, 0.0, 1.0, 1.0, INF, 7.0, 1.0, 3e-41], dt)
    got = run_fn(ctype, "remainder", [a, b])
    import math

    want = []
    for x, y in zip(a.tolist(), b.tolist(), strict=True):
        if np.isnan(x) or np.isinf(x) or y == 0:
            want.append(NAN)
        else:
            want.append(x if np.isinf(y) else math.remainder(x, y))
    assert _same(got, want)
    il = run_fn(ctype, "ilogb", [a], out=np.int32)
    want_il = [
        ILOGBNAN if not np.isfinite(x) else ILOGB0 if x == 0 else int(np.frexp(x)[1]) - 1
        for x in a.tolist()
    ]
    assert il.tolist() == want_il


@pytest.mark.parametrize("ctype", FTYPES)
def test_frexp_modf_sincos(ctype: str) -> None:
    dt = FTYPES[ctype][0]
    x = np.concatenate([np.array(SPECIALS), RNG.uniform(-1e4, 1e4, 50)]).astype(dt)
    src = f"""
    __kernel void k(__global {ctype} *x, __global {ctype} *o, __global int *e) {{
        size_t i = get_global_id(0);
        int ex;
        {ctype} whole;
        o[4 * i] = frexp(x[i], &ex);
        e[i] = ex;
        o[4 * i + 1] = modf(x[i], &whole);
        o[4 * i + 2] = whole;
        o[4 * i + 3] = sincos(x[i], &o[4 * i + 3]) - sin(x[i]);  /* reads the stored cos */
    }}"""
    n = len(x)
    r = run(src, {"x": x, "o": np.zeros(4 * n, dt), "e": np.zeros(n, np.int32)}, n)
    o = r["o"].reshape(-1, 4)
    m, ex = np.frexp(x)
    fin = np.isfinite(x)
    assert _same(o[:, 0], list(m))
    assert (r["e"][fin] == ex[fin]).all() and (r["e"][~fin] == 0).all()
    frac, whole = np.modf(x)
    assert _same(o[:, 1], list(frac)) and _same(o[:, 2], list(whole))


def test_sincos_stores_cosine() -> None:
    x = np.array([0.0, 1.0, -2.5, 100.0], np.float32)
    src = """
    __kernel void k(__global float *x, __global float *s, __global float *c) {
        size_t i = get_global_id(0);
        s[i] = sincos(x[i], c + i);
    }"""
    r = run(src, {"x": x, "s": np.zeros(4, np.float32), "c": np.zeros(4, np.float32)}, 4)
    assert np.array_equal(r["s"], np.sin(x)) and np.array_equal(r["c"], np.cos(x))


def test_native_and_half_variants_are_the_same_functions() -> None:
    text = ir_text(
        """
    __kernel void k(__global float *a, __global float *o) {
        o[0] = native_exp(a[0]) + half_log2(a[1]) + native_powr(a[2], a[3]);
        o[1] = native_divide(a[0], a[1]) + half_recip(a[2]) + native_rsqrt(a[3]);
    }"""
    )
    for fn in ("exp", "log2", "powr", "rsqrt"):
        assert f"{{fn = {fn}}}" in text or f"{{fn = {fn!r}}}" in text or f"fn = {fn}" in text
    assert text.count("= div ") == 2


def test_vector_math_is_per_lane() -> None:
    src = """
    __kernel void k(__global float4 *a, __global int *n, __global float4 *o) {
        size_t i = get_global_id(0);
        o[4 * i] = exp2(a[i]);
        o[4 * i + 1] = ldexp(a[i], n[i]);           /* scalar int for every lane */
        o[4 * i + 2] = pown(a[i], (int4)(1, 2, 3, n[i]));
        o[4 * i + 3] = convert_float4(ilogb(a[i])) + atan2(a[i], 2.0f);
    }"""
    a = RNG.uniform(-8, 8, 16).astype(np.float32)
    n = np.array([3, -2, 5, 0], np.int32)
    o = run(src, {"a": a, "n": n, "o": np.zeros(64, np.float32)}, 4)["o"].reshape(4, 4, 4)
    av = a.reshape(4, 4)
    assert np.array_equal(o[:, 0], np.exp2(av))
    assert np.array_equal(o[:, 1], np.ldexp(av, n[:, None]))
    ex = np.stack([np.ones(4), 2 * np.ones(4), 3 * np.ones(4), n], axis=1)
    assert (
        ulp_error(o[:, 2].ravel(), np.power(av.astype(np.float64), ex).ravel(), "float").max() <= 1
    )
    il = (np.frexp(av)[1] - 1).astype(np.float32)
    assert np.array_equal(o[:, 3], il + np.arctan2(av, np.float32(2)))


def test_int_arguments_convert_to_float() -> None:
    o = run(
        "__kernel void k(__global float *o) { o[0] = exp2(3); o[1] = pow(2, 10); o[2] = pown(2, 3); }",
        {"o": np.zeros(3, np.float32)},
        1,
    )["o"]
    assert o.tolist() == [8.0, 1024.0, 8.0]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("float f; o[0] = frexp(o[1], &f);", "the second argument of 'frexp' must point to int"),
        ("int k; o[0] = modf(o[1], &k);", "the second argument of 'modf' must point to float"),
        ("o[0] = sincos(o[1], 3);", "the second argument of 'sincos' must be a pointer"),
        ("o[0] = exp(o[1], o[2]);", "too many arguments to function call 'exp'"),
        ("o[0] = ldexp(o[1]);", "too few arguments to function call 'ldexp'"),
    ],
)
def test_errors(body: str, message: str) -> None:
    with pytest.raises(CompileError, match=message):
        compile_source(f"__kernel void k(__global float *o) {{ {body} }}", "k.cl")


def test_vector_out_parameters_are_unsupported() -> None:
    with pytest.raises(UnsupportedError, match="'frexp' on vectors"):
        compile_ok(
            "__kernel void k(__global float4 *o, __global int4 *e) { o[0] = frexp(o[1], e); }"
        )
