"""The binary32 exp/log units' bit-exact models (which test_units.py proves the
Verilog equal to) against numpy in extended precision: the error bound over many
inputs, and the special values."""

from __future__ import annotations

import numpy as np
import pytest
import units_ref as ref

from soff.ir.semantics import float_pow, math_eval
from soff.rtl_gen.units import ftrans

LD = np.longdouble
REFS = {
    "exp2": np.exp2,
    "exp": np.exp,
    "exp10": lambda x: np.power(LD(10), x),
    "log2": np.log2,
    "log": np.log,
    "log10": np.log10,
    "sin": np.sin,
    "cos": np.cos,
    "cbrt": np.cbrt,
    "atan": np.arctan,
}
#: measured maximum error of the units (ulp); OpenCL 1.2 allows 3
BOUND = 0.52


def model(fn: str, bits: np.ndarray) -> np.ndarray:
    if fn in ("cbrt", "atan"):
        f1 = ftrans.cbrt_model if fn == "cbrt" else ftrans.atan_model
        return np.array([f1(int(b)) for b in bits], np.uint32)
    f = (
        ftrans.exp_model
        if fn in ftrans.EXP_FUNCS
        else ftrans.log_model
        if fn in ftrans.LOG_FUNCS
        else ftrans.trig_model
    )
    return np.array([f(fn, int(b)) for b in bits], np.uint32)


@np.errstate(all="ignore")
def ulp_error(got: np.ndarray, ref_: np.ndarray) -> np.ndarray:
    g = got.view(np.float32).astype(LD)
    e = np.floor(np.log2(np.minimum(np.abs(ref_), LD(np.finfo(np.float32).max))))
    e = np.maximum(np.where(np.isfinite(e), e, -126), -126)
    err = np.abs(g - ref_) / np.exp2(e - 23)
    same = g.astype(np.float32) == ref_.astype(np.float32)
    return np.where(same | (np.isnan(g) & np.isnan(ref_)), 0, err)


def inputs(fn: str, n: int) -> np.ndarray:
    rng = np.random.default_rng(3)
    if fn == "atan":  # random bit patterns, |x| <= 3 and every binade from 2**-13 to 2**42
        bits = np.concatenate(
            [
                rng.integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32),
                rng.uniform(-3, 3, n).astype(np.float32).view(np.uint32),
                np.exp2(rng.uniform(-13, 42, n)).astype(np.float32).view(np.uint32),
            ]
        )
    elif fn in ftrans.TRIG_FUNCS:  # random bit patterns (huge too), small and near k·pi/2
        near = (np.arange(1, 3000) * np.pi / 2).astype(np.float32).view(np.uint32)
        bits = np.concatenate(
            [
                rng.integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32),
                rng.uniform(-20, 20, n).astype(np.float32).view(np.uint32),
                near - 1,
                near,
                near + 1,
            ]
        )
    elif fn in ftrans.EXP_FUNCS:
        k = float(ftrans.SCALE[fn])
        x = np.concatenate([rng.uniform(-151, 129, n), rng.uniform(-1, 1, n // 4)]) / k
        bits = x.astype(np.float32).view(np.uint32)
    elif fn == "cbrt":
        bits = rng.integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32)
        cubes = (np.arange(-300, 300) ** 3).astype(np.float32).view(np.uint32)
        bits = np.concatenate([bits, cubes])
    else:
        bits = np.concatenate(
            [
                rng.integers(1, 0x7F800000, n, dtype=np.uint64).astype(np.uint32),
                np.arange(0x3F7FF800, 0x3F800800, dtype=np.uint32),
            ]
        )
    return np.concatenate([bits, np.array(ref.specials("f32"), np.uint32)])


@pytest.mark.parametrize("fn", list(REFS))
def test_model_error_bound(fn: str) -> None:
    bits = inputs(fn, 12000)
    got = model(fn, bits)
    with np.errstate(all="ignore"):
        want = np.asarray(REFS[fn](bits.view(np.float32).astype(LD)), LD)
    err = ulp_error(got, want)
    k = int(np.argmax(err))
    x = bits.view(np.float32)[k]
    assert err[k] <= BOUND, f"{fn}({x!r}): {err[k]:.3f} ulp"


@pytest.mark.parametrize("fn", list(REFS))
def test_model_special_values(fn: str) -> None:
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, -1.0, 1.0, 1e-45, -1e-45, 3e38], np.float32)
    if fn in ftrans.TRIG_FUNCS:
        x = x[:5]
    got = model(fn, x.view(np.uint32))
    with np.errstate(all="ignore"):
        want = np.asarray(REFS[fn](x.astype(LD))).astype(np.float32)
    qnan = np.uint32(0x7FC00000)
    wb = np.where(np.isnan(want), qnan, want.view(np.uint32))
    # exp of the tiniest subnormals and log of 3e38 are not exact: within the bound instead
    exact = ~np.isin(np.arange(len(x)), [7, 8, 9])
    assert got[exact].tolist() == wb[exact].tolist()


def test_exp2_of_integers_and_log2_of_powers_of_two_are_exact() -> None:
    n = np.arange(-149, 128)
    x = n.astype(np.float32)
    assert model("exp2", x.view(np.uint32)).view(np.float32).tolist() == np.exp2(n * 1.0).tolist()
    p = np.exp2(n.astype(np.float64)).astype(np.float32)
    assert model("log2", p.view(np.uint32)).view(np.float32).tolist() == x.tolist()


def pow_model(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    pairs = zip(x.view(np.uint32).tolist(), y.view(np.uint32).tolist(), strict=True)
    return np.array([ftrans.pow_model(a, b) for a, b in pairs], np.uint32).view(np.float32)


def test_pow_model_error_bound() -> None:
    rng = np.random.default_rng(4)
    n = 4000
    x1 = np.exp2(rng.uniform(-149, 128, n))
    lx = np.log2(x1)
    y1 = rng.uniform(-150, 128, n) / np.where(lx == 0, 1, lx)
    x = np.concatenate([x1, rng.uniform(0, 4, n), -rng.uniform(0, 4, n)]).astype(np.float32)
    y = np.concatenate([y1, rng.uniform(-100, 100, n), np.round(rng.uniform(-60, 60, n))])
    y = y.astype(np.float32)
    got = pow_model(x, y)
    want = np.array([float_pow(a, b) for a, b in zip(x.tolist(), y.tolist(), strict=True)], LD)
    err = ulp_error(got.view(np.uint32), want)
    k = int(np.argmax(err))
    assert err[k] <= BOUND, f"pow({x[k]!r}, {y[k]!r}): {err[k]:.3f} ulp"


def test_pow_model_special_values() -> None:
    """Every pair of specials, small integers and halves: C99 pow exactly."""
    extra = np.array([2.0, -2.0, 3.0, -3.0, 0.5, -0.5, 2.5, 16777216.0, 16777217.0], np.float32)
    vals = np.concatenate([np.array(ref.specials("f32"), np.uint32).view(np.float32), extra])
    x, y = (g.ravel() for g in np.meshgrid(vals, vals, indexing="ij"))
    got = pow_model(x, y)
    with np.errstate(over="ignore"):
        want = np.array([float_pow(a, b) for a, b in zip(x.tolist(), y.tolist(), strict=True)])
    exact = np.isnan(want) | np.isinf(want) | (want == 0) | (np.abs(want) == 1)
    w32 = want.astype(np.float32)
    assert np.array_equal(np.isnan(got), np.isnan(w32))
    ok = np.isnan(w32) | ((got == w32) & (np.signbit(got) == np.signbit(w32)))
    assert ok[exact].all(), list(zip(x[exact][~ok[exact]], y[exact][~ok[exact]], strict=True))[:5]
    assert ulp_error(got.view(np.uint32), want.astype(LD)).max() <= BOUND


def test_powr_model_matches_the_ir_semantics() -> None:
    """powr: pow for x >= 0, NaN for x < 0, 0**0, inf**0, 1**inf (OpenCL 1.2, 7.5.1)."""
    extra = np.array([2.0, -2.0, 3.0, 0.5, 2.5, 16777217.0], np.float32)
    vals = np.concatenate([np.array(ref.specials("f32"), np.uint32).view(np.float32), extra])
    x, y = (g.ravel() for g in np.meshgrid(vals, vals, indexing="ij"))
    pairs = zip(x.view(np.uint32).tolist(), y.view(np.uint32).tolist(), strict=True)
    got = np.array([ftrans.pow_model(a, b, "powr") for a, b in pairs], np.uint32)
    want = np.asarray(math_eval("powr", [x.astype(np.float64), y.astype(np.float64)], 64))
    assert np.array_equal(np.isnan(got.view(np.float32)), np.isnan(want))
    assert ulp_error(got, want.astype(LD)).max() <= BOUND


def test_cbrt_of_cubes_is_exact() -> None:
    k = np.arange(-300, 301)
    cubes = (k**3).astype(np.float32)
    got = np.array([ftrans.cbrt_model(int(b)) for b in cubes.view(np.uint32)], np.uint32)
    assert got.view(np.float32).tolist() == k.astype(np.float32).tolist()
