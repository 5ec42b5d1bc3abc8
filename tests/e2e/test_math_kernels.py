"""Math built-ins end to end: kernels compiled to the math-function units, simulated
in Verilator, compared with numpy (bit for bit for the exact functions, within the
measured ULP bound for the transcendental ones)."""

from __future__ import annotations

import numpy as np
import pytest

import soff
from soff.diagnostics import UnsupportedError
from soff.frontend import compile_source
from soff.hls.passes.expand_math import expand_math
from soff.ir.interp import run_kernel
from soff.ir.semantics import float_pow, float_round, math_eval

pytestmark = pytest.mark.sim
RNG = np.random.default_rng(5)


def bits(x: np.ndarray) -> np.ndarray:
    return x.view(np.uint32 if x.dtype == np.float32 else np.uint64)


def canon(x: np.ndarray) -> np.ndarray:
    """Bit patterns with every NaN the canonical quiet NaN (what the units produce)."""
    b = bits(x).copy()
    b[np.isnan(x)] = 0x7FC00000 if x.dtype == np.float32 else 0x7FF8000000000000
    return b


def rounding_inputs(dt: type, n: int) -> np.ndarray:
    k = np.floor(np.exp2(RNG.uniform(0, 25 if dt == np.float32 else 54, n)))
    frac = RNG.choice([0.0, 0.5, 0.25, 0.75, 1 / 3, 2 / 3], n)
    x = ((k + frac) * RNG.choice([-1, 1], n)).astype(dt)
    x[:12] = [0.0, -0.0, 0.5, -0.5, 1.5, -2.5, np.inf, -np.inf, np.nan, 1e-40, -1e-40, 0.49999997]
    return x


@pytest.mark.parametrize("ctype", ["float", "double"])
def test_rounding_copysign_fdim(ctype: str) -> None:
    src = f"""
    __kernel void r(__global const {ctype} *x, __global const {ctype} *y, __global {ctype} *o) {{
        int i = get_global_id(0);
        {ctype} v = x[i];
        o[7 * i] = floor(v);
        o[7 * i + 1] = ceil(v);
        o[7 * i + 2] = trunc(v);
        o[7 * i + 3] = round(v);
        o[7 * i + 4] = rint(v);
        o[7 * i + 5] = copysign(v, y[i]);
        o[7 * i + 6] = fdim(v, y[i]);
    }}
    """
    dt = np.float32 if ctype == "float" else np.float64
    n = 128
    x = rounding_inputs(dt, n)
    y = np.concatenate([x[n // 2 :], x[: n // 2]])[::-1].copy()
    d = soff.compile(src, filename="r.cl")
    r = d.simulate(n, 32, {"x": x, "y": y, "o": np.zeros(7 * n, dt)})
    o = r.outputs["o"].reshape(n, 7)
    with np.errstate(invalid="ignore"):
        rnd = np.array([float_round(float(v)) for v in x], dt)
        fdim = np.where(np.isnan(x) | np.isnan(y), np.nan, np.where(x > y, x - y, dt(0))).astype(dt)
    for j, want in enumerate([np.floor(x), np.ceil(x), np.trunc(x), rnd, np.rint(x), None, fdim]):
        if want is None:  # copysign keeps NaN payloads
            np.testing.assert_array_equal(bits(o[:, j]), bits(np.copysign(x, y)))
        else:
            np.testing.assert_array_equal(canon(o[:, j]), canon(want), err_msg=f"column {j}")


def test_unsupported_math_builtin_is_named() -> None:
    src = "__kernel void k(__global double *o) { o[0] = erf(o[1]); }"
    with pytest.raises(UnsupportedError, match="the built-in function 'erf' is not supported yet"):
        soff.compile(src, filename="k.cl")


@np.errstate(all="ignore")
def ulp_error(got: np.ndarray, want: np.ndarray) -> np.ndarray:
    """|got - want| in binary32 ulps of ``want`` (binary64); 0 where both are the same
    special value."""
    e = np.floor(np.log2(np.minimum(np.abs(want), np.finfo(np.float32).max)))
    e = np.maximum(np.where(np.isfinite(e), e, -126), -126)
    err = np.abs(got.astype(np.float64) - want) / np.exp2(e - 23)
    same = (got == want.astype(np.float32)) | (np.isnan(got) & np.isnan(want))
    return np.where(same, 0.0, err)


def test_exp_and_log_units() -> None:
    src = """
    __kernel void e(__global const float *x, __global float *o) {
        int i = get_global_id(0);
        float v = x[i];
        o[6 * i] = exp2(v);
        o[6 * i + 1] = exp(v);
        o[6 * i + 2] = native_exp10(v * 0.25f);
        o[6 * i + 3] = log2(v);
        o[6 * i + 4] = log(fabs(v));
        o[6 * i + 5] = half_log10(v);
    }
    """
    n = 192
    x = np.concatenate(
        [
            RNG.uniform(-160, 130, n // 2),
            RNG.uniform(-2, 2, n // 4),
            np.exp2(RNG.uniform(-140, 127, n // 4)),
        ]
    ).astype(np.float32)
    x[:10] = [0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 1e-45, 128.0, -150.0]
    d = soff.compile(src, filename="e.cl")
    r = d.simulate(n, 64, {"x": x, "o": np.zeros(6 * n, np.float32)})
    o = r.outputs["o"].reshape(n, 6)
    v = x.astype(np.float64)
    with np.errstate(all="ignore"):
        want = [
            np.exp2(v),
            np.exp(v),
            np.power(10.0, (x * np.float32(0.25)).astype(np.float64)),
            np.log2(v),
            np.log(np.abs(v)),
            np.log10(v),
        ]
    for j, w in enumerate(want):
        err = ulp_error(o[:, j], w)
        k = int(np.argmax(err))
        assert err[k] <= 0.52, f"column {j}: x = {x[k]!r}, got {o[k, j]!r}, want {w[k]!r}"
    assert bits(o[6:7, :]).tolist() == [[0x7FC00000] * 6]  # NaN in: the canonical NaN


def _fmod_inputs(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Random bit patterns (exponent differences up to ~2,100), ordinary values, and
    every pair of special values."""
    x = RNG.integers(0, 2**64, n, dtype=np.uint64).view(np.float64)
    y = RNG.integers(0, 2**64, n, dtype=np.uint64).view(np.float64)
    x[: n // 4] = RNG.standard_normal(n // 4) * 1e3
    y[: n // 4] = RNG.standard_normal(n // 4)
    sp = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, -5e-324, 1.7976931348623157e308,
                   -1.7976931348623157e308, 1.0, -1.0, 3.0, 2.5, -2.5, 0.5])  # fmt: skip
    k = n // 4
    x[k : k + sp.size**2], y[k : k + sp.size**2] = np.repeat(sp, sp.size), np.tile(sp, sp.size)
    return x, y


def _fmod_reference(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(all="ignore"):
        fm = np.fmod(x, y)
    rem = [math_eval("remainder", [float(a), float(b)], 64) for a, b in zip(x, y, strict=True)]
    return fm, np.array(rem, np.float64)


def test_double_fmod_and_remainder_in_the_interpreter() -> None:
    """binary64 fmod/remainder are OpenCL C helpers with a loop (soff.frontend.libm):
    exact, checked here on 4,096 inputs against numpy / the IEEE remainder."""
    src = """__kernel void k(__global const double *x, __global const double *y,
                             __global double *o) {
        size_t i = get_global_id(0);
        o[2 * i] = fmod(x[i], y[i]);
        o[2 * i + 1] = remainder(x[i], y[i]);
    }"""
    (kernel,) = compile_source(src, "fmod.cl").kernels
    n = 4096
    x, y = _fmod_inputs(n)
    o = run_kernel(kernel, {"x": x, "y": y, "o": np.zeros(2 * n)}, n, 64)["o"].reshape(n, 2)
    fm, rem = _fmod_reference(x, y)
    np.testing.assert_array_equal(canon(o[:, 0]), canon(fm))
    np.testing.assert_array_equal(canon(o[:, 1]), canon(rem))


@pytest.mark.slow  # f64 adders and a 64-bit divider: a build of a minute or more
def test_double_fmod_and_remainder_in_hardware() -> None:
    src = """__kernel void k(__global const double *x, __global const double *y,
                             __global double *o) {
        size_t i = get_global_id(0);
        o[2 * i] = fmod(x[i], y[i]);
        o[2 * i + 1] = remainder(x[i], y[i]);
    }"""
    n = 320  # 80 ordinary pairs, 225 pairs of special values, 15 random bit patterns
    x, y = _fmod_inputs(n)
    r = soff.compile(src, filename="fmod.cl").simulate(n, 64, {"x": x, "y": y, "o": np.zeros(2 * n)})
    o = r.outputs["o"].reshape(n, 2)
    fm, rem = _fmod_reference(x, y)
    np.testing.assert_array_equal(canon(o[:, 0]), canon(fm))
    np.testing.assert_array_equal(canon(o[:, 1]), canon(rem))


def test_sin_and_cos_units() -> None:
    src = """
    __kernel void t(__global const float *x, __global float *s, __global float *c) {
        int i = get_global_id(0);
        s[i] = sin(x[i]);
        c[i] = native_cos(x[i]);
    }
    """
    n = 128
    x = np.concatenate(
        [
            RNG.uniform(-10, 10, n // 2),
            RNG.uniform(-1e6, 1e6, n // 4),
            np.arange(1, n // 4 + 1) * np.pi,
        ]
    ).astype(np.float32)
    x[:8] = [0.0, -0.0, np.inf, np.nan, 1e-30, -3e38, 1e-3, 1.5707964]
    d = soff.compile(src, filename="t.cl")
    r = d.simulate(n, 32, {"x": x, "s": np.zeros(n, np.float32), "c": np.zeros(n, np.float32)})
    v = x.astype(np.float64)
    with np.errstate(invalid="ignore"):
        wants = (("s", np.sin(v)), ("c", np.cos(v)))
    for name, want in wants:
        err = ulp_error(r.outputs[name], want)
        k = int(np.argmax(err))
        assert err[k] <= 0.52, f"{name}: x = {x[k]!r}, got {r.outputs[name][k]!r}"
    assert bits(r.outputs["s"][:2]).tolist() == [0, 0x80000000]


def test_tan_and_rsqrt_through_expand_math() -> None:
    src = """
    __kernel void t(__global const float *x, __global float *o) {
        int i = get_global_id(0);
        o[2 * i] = tan(x[i]);
        o[2 * i + 1] = rsqrt(fabs(x[i]));
    }
    """
    n = 128
    x = np.concatenate([RNG.uniform(-4, 4, n // 2), np.exp2(RNG.uniform(-120, 120, n // 2))])
    x = x.astype(np.float32)
    x[:4] = [0.0, -0.0, np.inf, 1.5707964]
    d = soff.compile(src, filename="t.cl")
    r = d.simulate(n, 32, {"x": x, "o": np.zeros(2 * n, np.float32)})
    o = r.outputs["o"].reshape(n, 2)
    v = x.astype(np.float64)
    with np.errstate(all="ignore"):
        wants = (np.tan(v), 1 / np.sqrt(np.abs(v)))
    for j, (want, bound) in enumerate(zip(wants, (1.5, 1.5), strict=True)):
        err = ulp_error(o[:, j], want)
        k = int(np.argmax(err))
        assert err[k] <= bound, f"column {j}: x = {x[k]!r}, got {o[k, j]!r}, {err[k]:.2f} ulp"


def test_pow_unit() -> None:
    src = """
    __kernel void p(__global const float *x, __global const float *y, __global float *o, int n) {
        int i = get_global_id(0);
        o[i] = pow(x[i], y[i]);
        o[n + i] = native_powr(fabs(x[i]), y[i]);
    }
    """
    n = 96
    x = np.concatenate([RNG.uniform(0, 10, n // 2), -RNG.uniform(0, 3, n // 2)]).astype(np.float32)
    y = np.concatenate([RNG.uniform(-30, 30, n // 2), np.round(RNG.uniform(-20, 20, n // 2))])
    y = y.astype(np.float32)
    x[:6], y[:6] = [0.0, -0.0, -2.0, 1.0, np.inf, -8.0], [-3.0, 3.0, 0.5, np.nan, -1.0, 3.0]
    d = soff.compile(src, filename="p.cl")
    r = d.simulate(n, 32, {"x": x, "y": y, "o": np.zeros(2 * n, np.float32), "n": n})
    o = r.outputs["o"]
    want = np.array([float_pow(a, b) for a, b in zip(x.tolist(), y.tolist(), strict=True)])
    err = ulp_error(o[:n], want)
    k = int(np.argmax(err))
    assert err[k] <= 0.52, f"pow({x[k]!r}, {y[k]!r}) = {o[k]!r}, want {want[k]!r}"
    want_r = np.asarray(math_eval("powr", [np.abs(x).astype(np.float64), y * 1.0], 64))
    assert ulp_error(o[n:], want_r).max() <= 0.52
    assert bits(o[:6]).tolist() == [
        0x7F800000,
        0x80000000,
        0x7FC00000,
        0x3F800000,
        0,
        0xC4000000,
    ]


def test_pown_through_expand_math() -> None:
    src = """
    __kernel void q(__global const float *x, __global const int *k, __global float *o) {
        int i = get_global_id(0);
        o[i] = pown(x[i], k[i]);
    }
    """
    n = 64
    x = RNG.uniform(-3, 3, n).astype(np.float32)
    k = RNG.integers(-20, 21, n).astype(np.int32)
    x[:6], k[:6] = [-0.0, -0.0, -2.0, np.nan, -np.inf, 1.0000001], [3, -3, 0, 0, 5, 33554433]
    d = soff.compile(src, filename="q.cl")
    r = d.simulate(n, 32, {"x": x, "k": k, "o": np.zeros(n, np.float32)})
    want = np.array([float_pow(a, float(b)) for a, b in zip(x.tolist(), k.tolist(), strict=True)])
    assert ulp_error(r.outputs["o"], want).max() <= 2
    assert bits(r.outputs["o"][:5]).tolist() == [
        0x80000000,
        0xFF800000,
        0x3F800000,
        0x3F800000,
        0xFF800000,
    ]


def test_cbrt_unit() -> None:
    src = """
    __kernel void c(__global const float *x, __global float *o) {
        int i = get_global_id(0);
        o[i] = cbrt(x[i]);
    }
    """
    n = 64
    x = (RNG.uniform(-1, 1, n) * np.exp2(RNG.uniform(-140, 127, n))).astype(np.float32)
    x[:7] = [0.0, -0.0, np.inf, -np.inf, np.nan, -27.0, 1e-45]
    d = soff.compile(src, filename="c.cl")
    r = d.simulate(n, 32, {"x": x, "o": np.zeros(n, np.float32)})
    assert ulp_error(r.outputs["o"], np.cbrt(x.astype(np.float64))).max() <= 0.52
    assert bits(r.outputs["o"][:6]).tolist() == [
        0, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0xC0400000,
    ]  # fmt: skip


def test_ldexp_units() -> None:
    src = """
    __kernel void l(__global const float *x, __global const double *y, __global const int *k,
                    __global float *o, __global double *p) {
        int i = get_global_id(0);
        o[i] = ldexp(x[i], k[i]);
        p[i] = ldexp(y[i], k[i] * 8);
    }
    """
    n = 64
    x = (RNG.standard_normal(n) * np.exp2(RNG.uniform(-130, 120, n))).astype(np.float32)
    y = RNG.standard_normal(n) * np.exp2(RNG.uniform(-1000, 1000, n))
    k = RNG.integers(-160, 160, n).astype(np.int32)
    x[:4], k[:4] = [1.5, -0.0, np.inf, 1.0], [-149, 5, -3, 2**31 - 1]
    d = soff.compile(src, filename="l.cl")
    r = d.simulate(n, 32, {"x": x, "y": y, "k": k, "o": np.zeros(n, np.float32), "p": np.zeros(n)})
    with np.errstate(over="ignore"):
        want_o, want_p = np.ldexp(x, k), np.ldexp(y, k * 8)
    np.testing.assert_array_equal(canon(r.outputs["o"]), canon(want_o))
    np.testing.assert_array_equal(canon(r.outputs["p"]), canon(want_p))


def test_frexp_ilogb_logb() -> None:
    src = """
    __kernel void f(__global const float *x, __global float *m, __global int *e,
                    __global float *l, __global int *il) {
        int i = get_global_id(0);
        int ex;
        m[i] = frexp(x[i], &ex);
        e[i] = ex;
        l[i] = logb(x[i]);
        il[i] = ilogb(x[i]);
    }
    """
    n = 64
    x = (RNG.standard_normal(n) * np.exp2(RNG.uniform(-148, 127, n))).astype(np.float32)
    x[:5] = [0.0, -0.0, np.inf, np.nan, 1e-45]
    args = {"x": x, "m": np.zeros(n, np.float32), "e": np.zeros(n, np.int32)}
    args |= {"l": np.zeros(n, np.float32), "il": np.zeros(n, np.int32)}
    r = soff.compile(src, filename="f.cl").simulate(n, 32, args)
    want = run_kernel(compile_source(src, "f.cl").kernels[0], args, n)
    for name in ("m", "e", "l", "il"):
        np.testing.assert_array_equal(r.outputs[name], want[name], err_msg=name)
    mant, ex = np.frexp(x)
    fin = np.isfinite(x)
    np.testing.assert_array_equal(r.outputs["m"][fin], mant[fin])
    np.testing.assert_array_equal(r.outputs["e"][fin], ex[fin])


def test_atan_unit() -> None:
    src = """
    __kernel void a(__global const float *x, __global float *o) {
        int i = get_global_id(0);
        o[i] = atan(x[i]);
    }
    """
    n = 64
    x = (RNG.uniform(-1, 1, n) * np.exp2(RNG.uniform(-14, 44, n))).astype(np.float32)
    x[:5] = [0.0, -0.0, np.inf, -np.inf, np.nan]
    d = soff.compile(src, filename="a.cl")
    r = d.simulate(n, 32, {"x": x, "o": np.zeros(n, np.float32)})
    assert ulp_error(r.outputs["o"], np.arctan(x.astype(np.float64))).max() <= 0.5
    assert bits(r.outputs["o"][:5]).tolist() == [0, 0x80000000, 0x3FC90FDB, 0xBFC90FDB, 0x7FC00000]


def test_asin_acos_through_expand_math() -> None:
    src = """
    __kernel void t(__global const float *x, __global float *o) {
        int i = get_global_id(0);
        o[2 * i] = asin(x[i]);
        o[2 * i + 1] = acos(x[i]);
    }
    """
    n = 96
    x = np.concatenate([RNG.uniform(-1, 1, n // 2), 1 - np.exp2(-RNG.uniform(1, 24, n // 2))])
    x = x.astype(np.float32)
    x[:6] = [0.0, -0.0, 1.0, -1.0, 1.5, np.nan]
    d = soff.compile(src, filename="t.cl")
    r = d.simulate(n, 32, {"x": x, "o": np.zeros(2 * n, np.float32)})
    o = r.outputs["o"].reshape(n, 2)
    v = x.astype(np.float64)
    with np.errstate(invalid="ignore"):
        wants = (np.arcsin(v), np.arccos(v))
    for j, want in enumerate(wants):
        err = ulp_error(o[:, j], want)
        k = int(np.argmax(err))
        assert err[k] <= 2, f"column {j}: x = {x[k]!r}, got {o[k, j]!r}, {err[k]:.2f} ulp"


def test_atan2_through_expand_math() -> None:
    src = """
    __kernel void t(__global const float *y, __global const float *x, __global float *o) {
        int i = get_global_id(0);
        o[i] = atan2(y[i], x[i]);
    }
    """
    sp = np.array([0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, -3e-40], np.float32)
    yy, xx = (g.ravel() for g in np.meshgrid(sp, sp, indexing="ij"))
    m = 64
    y = np.concatenate([yy, RNG.standard_normal(m) * np.exp2(RNG.uniform(-20, 20, m))])
    x = np.concatenate([xx, RNG.standard_normal(m) * np.exp2(RNG.uniform(-20, 20, m))])
    y, x = y.astype(np.float32), x.astype(np.float32)
    n = len(x)
    d = soff.compile(src, filename="t.cl")
    r = d.simulate(n, 32, {"y": y, "x": x, "o": np.zeros(n, np.float32)})
    want = np.arctan2(y.astype(np.float64), x.astype(np.float64))
    err = ulp_error(r.outputs["o"], want)
    k = int(np.argmax(err))
    assert err[k] <= 1.5, f"atan2({y[k]!r}, {x[k]!r}) = {r.outputs['o'][k]!r}, {err[k]:.2f} ulp"
    zero = want == 0
    assert (np.signbit(r.outputs["o"][zero]) == np.signbit(want[zero])).all()


@pytest.mark.slow  # a large design: its first Verilator build takes minutes
def test_new_float_builtins_end_to_end() -> None:
    """expm1, log1p, tanh, hypot, rootn (binary64 expansions) and fmod, remainder (the
    long-division units) in one kernel, in Verilator: the same bits as the interpreter
    running the expanded IR, and within the measured bounds of numpy."""
    src = """
    __kernel void m(__global const float *x, __global const float *y, __global float *o) {
        int i = get_global_id(0);
        float v = x[i], w = y[i];
        o[7 * i] = expm1(v);
        o[7 * i + 1] = log1p(fabs(v));
        o[7 * i + 2] = tanh(v);
        o[7 * i + 3] = hypot(v, w);
        o[7 * i + 4] = fmod(v, w);
        o[7 * i + 5] = remainder(v, w);
        o[7 * i + 6] = rootn(w, 3);
    }
    """
    n = 64
    x = (RNG.uniform(-1, 1, n) * np.exp2(RNG.uniform(-30, 6, n))).astype(np.float32)
    y = (RNG.uniform(-1, 1, n) * np.exp2(RNG.uniform(-20, 20, n))).astype(np.float32)
    x[:6], y[:6] = [0.0, -0.0, np.inf, np.nan, 88.0, 5.5], [1.0, 2.0, 3.0, 0.0, -np.inf, 2.0]
    args = {"x": x, "y": y, "o": np.zeros(7 * n, np.float32)}
    d = soff.compile(src, filename="m.cl")
    r = d.simulate(n, 32, args)
    o = r.outputs["o"].reshape(n, 7)
    mod = compile_source(src, "m.cl")
    expand_math(mod.kernels[0])
    want_ir = run_kernel(mod.kernels[0], args, n)["o"].reshape(n, 7)
    np.testing.assert_array_equal(canon(o), canon(want_ir))
    v, u = x.astype(np.float64), y.astype(np.float64)
    with np.errstate(all="ignore"):
        wants = [np.expm1(v), np.log1p(np.abs(v)), np.tanh(v), np.hypot(v, u), np.cbrt(u)]
    for j, want in zip((0, 1, 2, 3, 6), wants, strict=True):
        assert ulp_error(o[:, j], want).max() <= 0.51, f"column {j}"
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(canon(o[:, 4]), canon(np.fmod(x, y)))
    rem = [math_eval("remainder", [float(a), float(b)], 32) for a, b in zip(x, y, strict=True)]
    np.testing.assert_array_equal(canon(o[:, 5]), canon(np.array(rem, np.float32)))


@pytest.mark.slow  # a large design: its first Verilator build takes minutes
def test_double_transcendentals_end_to_end() -> None:
    """Binary64 exp, log, pow, sin and cos (expand-math's binary64 arithmetic) in
    Verilator: the interpreter's bits (so the measured errors of tests/hls/test_mathlib.py
    hold in hardware), within 1 ulp of numpy's long double."""
    src = """
    __kernel void d(__global const double *x, __global const double *y, __global double *o) {
        int i = get_global_id(0);
        double v = x[i];
        o[4 * i] = exp(v);
        o[4 * i + 1] = log(fabs(v));
        o[4 * i + 2] = pow(fabs(v), y[i]);
        o[4 * i + 3] = sin(v) + cos(v);
    }
    """
    n = 48
    x = RNG.uniform(-30, 30, n)
    y = RNG.uniform(-5, 5, n)
    x[:5], y[:5] = [0.0, -0.0, np.inf, np.nan, 1e-310], [2.0, -1.0, 0.5, 1.0, 0.5]
    # sin/cos of |x| >= 2^20: Payne-Hanek (the closest binary64 to a multiple of pi/2 too)
    x[5:9] = [6381956970095103 * 2.0**797, -1e300, 2.0**20, -3.0e7]
    y[5:9] = [0.25, -0.25, 0.5, 1.5]  # pow of those stays finite
    args = {"x": x, "y": y, "o": np.zeros(4 * n)}
    d = soff.compile(src, filename="d.cl")
    r = d.simulate(n, 16, args)
    mod = compile_source(src, "d.cl")
    expand_math(mod.kernels[0])
    want_ir = run_kernel(mod.kernels[0], args, n)["o"]
    np.testing.assert_array_equal(canon(r.outputs["o"]), canon(want_ir))
    o = r.outputs["o"].reshape(n, 4)
    v = x.astype(np.longdouble)
    with np.errstate(all="ignore"):
        wants = [np.exp(v), np.log(np.abs(v)), np.power(np.abs(v), y.astype(np.longdouble))]
    for j, want in enumerate(wants):
        fin = np.isfinite(want) & (want != 0)
        err = np.abs(o[fin, j] - want[fin]) / np.spacing(np.abs(want[fin]).astype(np.float64))
        assert err.max() <= 1.0, f"column {j}"


def test_ftz_flushes_subnormals_in_hardware() -> None:
    """``ftz=True`` (``soff --ftz``): subnormal operands and stored results become
    zeros of their sign, in Verilator as in the interpreter; off, they are exact."""
    src = """
    __kernel void z(__global const float *x, __global const double *y, __global float *o,
                    __global double *p) {
        int i = get_global_id(0);
        o[i] = x[i] * 0.5f;
        p[i] = y[i] * 1e-300;
    }
    """
    x = np.array([1e-39, -1e-39, 2e-38, 1.0, -0.0, 3e-45, 4.0, 1e-30], np.float32)
    y = np.array([1e-10, -1e-10, 1e-300, 5e-320, 1.0, -2.0, 1e-9, 3.0])
    n = len(x)
    args = {"x": x, "y": y, "o": np.zeros(n, np.float32), "p": np.zeros(n)}
    r = soff.compile(src, filename="z.cl", ftz=True).simulate(n, 8, args)
    np.testing.assert_array_equal(
        bits(r.outputs["o"]), bits(np.where(np.abs(x) < 3e-38, x * 0, x * 0.5).astype(np.float32))
    )
    want_p = y * 1e-300
    want_p = np.where(np.abs(y) < 2.3e-308, y * 0, want_p)
    want_p = np.where(np.abs(want_p) < 2.2250738585072014e-308, want_p * 0, want_p)
    np.testing.assert_array_equal(bits(r.outputs["p"]), bits(want_p))
