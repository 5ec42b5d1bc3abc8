"""Division and remainder by constants that are not powers of two: fold-constants
turns them into a multiplication by a fixed-point reciprocal and a shift (no
divider); the circuit, simulated in Verilator, gives C's truncating division."""

from __future__ import annotations

import numpy as np
import pytest

import soff

pytestmark = pytest.mark.sim

SRC = """
__kernel void cdiv(__global const int *a, __global const uint *b,
                   __global const long *c, __global const ulong *d,
                   __global int *oa, __global uint *ob, __global long *oc, __global ulong *od) {
    int i = get_global_id(0);
    int x = a[i];
    uint y = b[i];
    long z = c[i];
    ulong w = d[i];
    oa[4 * i + 0] = x / 3;
    oa[4 * i + 1] = x % 7;
    oa[4 * i + 2] = x / -10;
    oa[4 * i + 3] = x % 1000;
    ob[3 * i + 0] = y / 3u;
    ob[3 * i + 1] = y % 641u;
    ob[3 * i + 2] = y / 0xFFFFFFFEu;
    oc[2 * i + 0] = z / 7;
    oc[2 * i + 1] = z % -1000000007L;
    od[2 * i + 0] = w / 10ul;
    od[2 * i + 1] = w % 6700417ul;
}
"""


def _tdiv(v: int, m: int) -> int:
    return (abs(v) // abs(m)) * (1 if (v >= 0) == (m > 0) else -1)


def _ref(x: np.ndarray, divisors: list[tuple[str, int]]) -> np.ndarray:
    info = np.iinfo(x.dtype)
    out = []
    for v in x.astype(object):
        for kind, m in divisors:
            q = _tdiv(v, m)
            r = q if kind == "/" else v - m * q
            out.append((r - info.min) % (1 << info.bits) + info.min)
    return np.array(out, object).astype(x.dtype)


def _inputs(dtype: str, n: int, rng: np.random.Generator) -> np.ndarray:
    info = np.iinfo(dtype)
    x = rng.integers(info.min, info.max, n, dtype=dtype, endpoint=True)
    ex = [info.min, info.max, info.min + 1, info.max - 1, 0, 1, 2, 3, 6, 7, 999, 1000]
    ex += [-1, -3, -7, -1000] if info.min < 0 else []
    x[: len(ex)] = np.array(ex, object).astype(dtype)
    return x


def test_constant_division_in_verilator() -> None:
    d = soff.compile(SRC, filename="cdiv.cl")
    assert "soff_div_" not in d.verilog and "soff_rem_" not in d.verilog  # no divider
    n = 128
    rng = np.random.default_rng(11)
    a, b = _inputs("int32", n, rng), _inputs("uint32", n, rng)
    c, w = _inputs("int64", n, rng), _inputs("uint64", n, rng)
    r = d.simulate(
        n,
        32,
        {
            "a": a, "b": b, "c": c, "d": w,
            "oa": np.zeros(4 * n, np.int32), "ob": np.zeros(3 * n, np.uint32),
            "oc": np.zeros(2 * n, np.int64), "od": np.zeros(2 * n, np.uint64),
        },
    )  # fmt: skip
    np.testing.assert_array_equal(
        r.outputs["oa"], _ref(a, [("/", 3), ("%", 7), ("/", -10), ("%", 1000)])
    )
    np.testing.assert_array_equal(
        r.outputs["ob"], _ref(b, [("/", 3), ("%", 641), ("/", 0xFFFFFFFE)])
    )
    np.testing.assert_array_equal(r.outputs["oc"], _ref(c, [("/", 7), ("%", -1000000007)]))
    np.testing.assert_array_equal(r.outputs["od"], _ref(w, [("/", 10), ("%", 6700417)]))
