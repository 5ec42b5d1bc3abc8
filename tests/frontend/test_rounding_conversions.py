"""convert_float/double with _rtz/_rtp/_rtn from integers and from double.

The reference rounds exactly with fractions: of the two neighbours of the
nearest-even result, the mode picks the representable value on its side of the
exact input. The interpreter runs the front end's IR; the slow test runs the
same kernel in Verilator.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

import soff
from soff.frontend import compile_source
from soff.ir.interp import run_kernel

MODES = ("rtz", "rtp", "rtn", "rte")

SRC = """
__kernel void k(__global const int *i32, __global const uint *u32, __global const long *i64,
                __global const ulong *u64, __global const double *f64,
                __global float *of, __global double *od) {
    size_t i = get_global_id(0);
    of[20 * i + 0] = convert_float_rtz(i32[i]);
    of[20 * i + 1] = convert_float_rtp(i32[i]);
    of[20 * i + 2] = convert_float_rtn(i32[i]);
    of[20 * i + 3] = convert_float_rte(i32[i]);
    of[20 * i + 4] = convert_float_rtz(u32[i]);
    of[20 * i + 5] = convert_float_rtp(u32[i]);
    of[20 * i + 6] = convert_float_rtn(u32[i]);
    of[20 * i + 7] = convert_float_rte(u32[i]);
    of[20 * i + 8] = convert_float_rtz(i64[i]);
    of[20 * i + 9] = convert_float_rtp(i64[i]);
    of[20 * i + 10] = convert_float_rtn(i64[i]);
    of[20 * i + 11] = convert_float_rte(i64[i]);
    of[20 * i + 12] = convert_float_rtz(u64[i]);
    of[20 * i + 13] = convert_float_rtp(u64[i]);
    of[20 * i + 14] = convert_float_rtn(u64[i]);
    of[20 * i + 15] = convert_float_rte(u64[i]);
    of[20 * i + 16] = convert_float_rtz(f64[i]);
    of[20 * i + 17] = convert_float_rtp(f64[i]);
    of[20 * i + 18] = convert_float_rtn(f64[i]);
    of[20 * i + 19] = convert_float_rte(f64[i]);
    od[4 * i + 0] = convert_double_rtz(i64[i]);
    od[4 * i + 1] = convert_double_rtp(i64[i]);
    od[4 * i + 2] = convert_double_rtn(u64[i]);
    od[4 * i + 3] = convert_double_rtz(u64[i]);
}
"""


def _round(x: int | float, dtype: type, mode: str) -> float:
    """``x`` rounded to ``dtype`` by ``mode``, decided exactly with fractions (numpy's
    int64 -> float32 goes through float64 and can round twice)."""
    if isinstance(x, float) and not np.isfinite(x):
        return dtype(x)
    exact = Fraction(x)
    info = np.finfo(dtype)
    with np.errstate(over="ignore"):
        f = dtype(float(x))  # within an ulp of the answer (at worst rounded twice)
    cands = {f}
    for direction in (-np.inf, np.inf):
        c = f
        for _ in range(2):
            with np.errstate(over="ignore"):
                c = np.nextafter(c, dtype(direction))
            cands.add(c)
    finite = sorted(c for c in cands if np.isfinite(c))
    below = [c for c in finite if Fraction(float(c)) <= exact]
    above = [c for c in finite if Fraction(float(c)) >= exact]
    # beyond the largest finite value the next step up is 2^emax (for rounding to nearest)
    top = Fraction(2) ** (info.maxexp)
    if mode == "rtn":
        return below[-1] if exact >= -Fraction(float(info.max)) else dtype(-np.inf)
    if mode == "rtp":
        return above[0] if exact <= Fraction(float(info.max)) else dtype(np.inf)
    if mode == "rtz":
        return below[-1] if exact >= 0 else above[0]
    # rte: the nearer neighbour, ties to the even significand; past the top, infinity
    if abs(exact) >= top - (top - Fraction(float(info.max))) / 2:
        return dtype(np.inf) if exact > 0 else dtype(-np.inf)
    if not above or not below:  # between the largest finite value and the overflow point
        return below[-1] if below else above[0]
    lo, hi = below[-1], above[0]
    if lo == hi:
        return lo
    dlo, dhi = exact - Fraction(float(lo)), Fraction(float(hi)) - exact
    if dlo != dhi:
        return lo if dlo < dhi else hi
    uint = np.uint32 if dtype == np.float32 else np.uint64
    return lo if int(np.array(lo, dtype).view(uint)) % 2 == 0 else hi


def _inputs(n: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    i32 = np.array([0, 1, -1, 2**24 + 1, -(2**24) - 1, 2**31 - 1, -(2**31), 16777217, 33554435,
                    -33554435, 2**30 + 64, 2**30 + 65], np.int64)  # fmt: skip
    u32 = np.array([0, 1, 2**32 - 1, 2**24 + 1, 2**31 + 1, 2**32 - 129, 2**32 - 128, 2**32 - 127],
                   np.int64)  # fmt: skip
    i64 = np.array([0, -1, 2**63 - 1, -(2**63), 2**53 + 1, -(2**53) - 1, 2**62 + 2**38 + 1,
                    -(2**62) - 2**38 - 1], object)  # fmt: skip
    u64 = np.array([0, 1, 2**64 - 1, 2**63 + 1, 2**53 + 1, 2**64 - 2**39, 2**64 - 2**39 - 1],
                   object)  # fmt: skip
    f64 = np.array([0.0, -0.0, 1.0 + 2**-30, -(1.0 + 2**-30), 1e-46, -1e-46, 1e39, -1e39,
                    3.4028235677973366e38, np.inf, -np.inf, np.nan, 1.5 * 2**-149,
                    float(np.finfo(np.float32).max) * (1 + 2**-40)])  # fmt: skip

    def fill(fixed: np.ndarray, rand: np.ndarray) -> np.ndarray:
        return np.concatenate([fixed, rand])[:n]

    return {
        "i32": fill(i32, rng.integers(-(2**31), 2**31, n)).astype(np.int32),
        "u32": fill(u32, rng.integers(0, 2**32, n)).astype(np.uint32),
        "i64": np.array(list(fill(i64, rng.integers(-(2**63), 2**63, n, dtype=np.int64))), np.int64),
        "u64": np.array(list(fill(u64, rng.integers(0, 2**64, n, dtype=np.uint64))), np.uint64),
        "f64": fill(f64, rng.standard_normal(n) * 10.0 ** rng.integers(-50, 50, n)),
    }


def _expected(ins: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    n = len(ins["f64"])
    of = np.zeros((n, 20), np.float32)
    od = np.zeros((n, 4), np.float64)
    for i in range(n):
        for j, src in enumerate(("i32", "u32", "i64", "u64", "f64")):
            v = ins[src][i]
            x = float(v) if src == "f64" else int(v)
            for m, mode in enumerate(MODES):
                of[i, 4 * j + m] = _round(x, np.float32, mode)
        od[i] = [_round(int(ins["i64"][i]), np.float64, "rtz"),
                 _round(int(ins["i64"][i]), np.float64, "rtp"),
                 _round(int(ins["u64"][i]), np.float64, "rtn"),
                 _round(int(ins["u64"][i]), np.float64, "rtz")]  # fmt: skip
    return of, od


def _check(out: dict[str, np.ndarray], of: np.ndarray, od: np.ndarray) -> None:
    got_f = out["of"].reshape(of.shape)
    got_d = out["od"].reshape(od.shape)
    np.testing.assert_array_equal(got_f.view(np.uint32), of.view(np.uint32))
    np.testing.assert_array_equal(got_d.view(np.uint64), od.view(np.uint64))


def _args(ins: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    n = len(ins["f64"])
    return {**ins, "of": np.zeros(20 * n, np.float32), "od": np.zeros(4 * n, np.float64)}


def test_reference_rounds_known_cases() -> None:
    """The reference itself: 2^24 + 1 lies between two floats, 1e39 beyond the largest."""
    assert _round(2**24 + 1, np.float32, "rtz") == 2**24
    assert _round(2**24 + 1, np.float32, "rtp") == 2**24 + 2
    assert _round(-(2**24) - 1, np.float32, "rtp") == -(2**24)
    assert _round(-(2**24) - 1, np.float32, "rtn") == -(2**24) - 2
    assert _round(1e39, np.float32, "rtz") == np.finfo(np.float32).max
    assert _round(1e39, np.float32, "rtp") == np.inf
    assert _round(1e-46, np.float32, "rtp") == np.float32(2**-149)
    assert np.signbit(_round(-1e-46, np.float32, "rtp"))


def test_rounding_modes_in_the_interpreter() -> None:
    (kernel,) = compile_source(SRC, "conv.cl").kernels
    ins = _inputs(48, seed=7)
    of, od = _expected(ins)
    _check(run_kernel(kernel, _args(ins), 48, 16), of, od)


def test_narrow_integers_convert_exactly_in_any_mode() -> None:
    src = """__kernel void k(__global const short *s, __global const int *i, __global float *f,
                             __global double *d) {
        size_t g = get_global_id(0);
        f[g] = convert_float_rtp(s[g]) + convert_float_rtn(s[g]);
        d[g] = convert_double_rtz(i[g]);
    }"""
    (kernel,) = compile_source(src, "narrow.cl").kernels
    s = np.array([-32768, -1, 0, 32767], np.int16)
    i = np.array([-(2**31), -3, 5, 2**31 - 1], np.int32)
    out = run_kernel(kernel, {"s": s, "i": i, "f": np.zeros(4, np.float32),
                              "d": np.zeros(4, np.float64)}, 4, 4)  # fmt: skip
    np.testing.assert_array_equal(out["f"], 2 * s.astype(np.float32))
    np.testing.assert_array_equal(out["d"], i.astype(np.float64))


@pytest.mark.slow
@pytest.mark.sim
def test_rounding_modes_in_hardware() -> None:
    design = soff.compile(SRC, filename="conv.cl")
    ins = _inputs(32, seed=11)
    of, od = _expected(ins)
    res = design.simulate(32, 16, _args(ins))
    _check(res.outputs, of, od)
