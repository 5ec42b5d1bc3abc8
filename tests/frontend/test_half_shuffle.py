"""vload_half/vstore_half (half as storage, with the rounding-mode variants) and
shuffle/shuffle2 with constant and variable masks, in both interpreters; half
conversions are a clear unsupported error in hardware."""

from __future__ import annotations

import numpy as np
import pytest
from fe_helpers import compile_ok, run

import soff
from soff.diagnostics import CompileError, UnsupportedError
from soff.ir.interp import run_kernel

HALF = """
__kernel void k(__global const half *src, __global float *f, __global float4 *f4,
                __global float *f3, __global half *out, __global half *r) {
  int i = get_global_id(0);
  f[i] = vload_half(i, src);
  if (i < 2) f4[i] = vload_half4(i, src);
  if (i == 0) { float3 t = vloada_half3(1, src); f3[0] = t.x; f3[1] = t.y; f3[2] = t.z; }
  vstore_half(f[i] * 3.0f, i, out);
  float x = f[i] / 3.0f;
  vstore_half_rtz(x, i, r);
  vstore_half_rtp(x, i + N, r);
  vstore_half_rtn(x, i + 2 * N, r);
  vstore_half_rte(x, i + 3 * N, r);
  if (i == 0) { vstore_half2((float2)(x, -x), 2 * N, r); vstorea_half3((float3)(1, 2, 3), 1, out + N); }
}
"""


def _round(x: np.ndarray, mode: str) -> np.ndarray:
    """An independent reference: numpy's round to nearest, then np.nextafter in half."""
    h = x.astype(np.float16)
    back = h.astype(np.float32)
    if mode == "rtz":
        wrong = np.abs(back) > np.abs(x)
        return np.where(wrong, np.nextafter(h, np.float16(0)), h)
    if mode == "rtp":
        return np.where(back < x, np.nextafter(h, np.float16(np.inf)), h)
    if mode == "rtn":
        return np.where(back > x, np.nextafter(h, np.float16(-np.inf)), h)
    return h


@pytest.mark.parametrize("vectorize", [True, False])
def test_vload_vstore_half(vectorize: bool) -> None:
    n = 64
    rng = np.random.default_rng(1)
    src = np.concatenate(
        [[1, -2, 0.1, 65504, -65504, 6e-8, -6e-8, 0, np.inf, -np.inf],
         rng.normal(0, 100, n - 10)]
    ).astype(np.float16)  # fmt: skip
    src[12] = 7e-5  # near the subnormal boundary
    k = compile_ok(HALF.replace("N", str(n))).kernels[0]
    args = {
        "src": src, "f": np.zeros(n, np.float32), "f4": np.zeros(8, np.float32),
        "f3": np.zeros(3, np.float32), "out": np.zeros(n + 8, np.float16),
        "r": np.zeros(4 * n + 2, np.float16),
    }  # fmt: skip
    with np.errstate(all="ignore"):
        o = run_kernel(k, args, n, 8, vectorize=vectorize)
        f = src.astype(np.float32)
        assert np.array_equal(o["f"], f)
        assert np.array_equal(o["f4"], f[:8])
        assert np.array_equal(o["f3"], f[4:7])  # vloada_half3 steps by 4
        assert np.array_equal(
            o["out"][:n].view(np.uint16), (f * 3).astype(np.float16).view(np.uint16)
        )
        assert o["out"][n + 4 : n + 7].tolist() == [1, 2, 3]  # vstorea_half3 steps by 4
        x = (f / np.float32(3)).astype(np.float32)
        r = o["r"]
        for j, mode in enumerate(["rtz", "rtp", "rtn", "rte"]):
            got, want = r[j * n : (j + 1) * n], _round(x, mode)
            assert np.array_equal(got.view(np.uint16), want.view(np.uint16)), mode
        assert r[4 * n :].tolist() == [x[0].astype(np.float16), -x[0].astype(np.float16)]


SHUFFLE = """
__kernel void k(__global int4 *a, __global uint4 *m, __global int8 *o) {
  int i = get_global_id(0);
  int4 x = a[i];
  int4 y = a[i] * 10;
  int4 r1 = shuffle(x, (uint4)(3, 2, 1, 0));
  int4 r2 = shuffle(x, m[i]);
  int8 r3 = shuffle2(x, y, (uint8)(0, 4, 1, 5, 2, 6, 3, 7));
  int2 r4 = shuffle2(x, y, m[i].xy + 4u);
  o[3 * i] = (int8)(r1, r2);
  o[3 * i + 1] = r3;
  o[3 * i + 2] = (int8)(r4, shuffle(r4, (uint2)(1, 0)), (int4)(0));
}
"""


def _shuffle_ref(a: np.ndarray, m: np.ndarray) -> np.ndarray:
    out = []
    for x, mask in zip(a.reshape(-1, 4), m.reshape(-1, 4), strict=True):
        y = x * 10
        pool = np.concatenate([x, y])
        r4 = pool[(mask[:2] + 4) & 7]
        out += [x[::-1], x[mask & 3], pool[[0, 4, 1, 5, 2, 6, 3, 7]],
                np.concatenate([r4, r4[::-1], [0, 0, 0, 0]])]  # fmt: skip
    return np.concatenate(out).astype(np.int32)


def test_shuffle_constant_and_variable_masks() -> None:
    a = np.arange(8, dtype=np.int32) + 1
    m = np.array([1, 1, 6, 0, 3, 2, 13, 4], np.uint32)
    o = run(SHUFFLE, {"a": a, "m": m, "o": np.zeros(48, np.int32)}, 2)
    assert o["o"].tolist() == _shuffle_ref(a, m).tolist()


def test_constant_mask_picks_at_compile_time() -> None:
    text = compile_ok(
        "__kernel void k(__global int4 *a) { a[0] = shuffle(a[1], (uint4)(3, 2, 1, 0)); }"
    ).kernels[0]
    assert not any(op.opcode == "select" for op in text.ops())


@pytest.mark.parametrize(
    "body, err, msg",
    [
        ("f[0] = vload_half(0, f);", CompileError, "pointer to half"),
        ("vstore_half(1.0f, 0, f);", CompileError, "pointer to half"),
        ("vstore_half2(1.0f, 0, h);", CompileError, "must be float2"),
        ("f[0] = vload_half_rtz(0, h);", CompileError, "implicit declaration"),
        ("f[0] = h[0];", UnsupportedError, "storage only: read and write them with vload_half"),
        ("int4 v = shuffle((int3)(1), (uint3)(0));", CompileError, "2, 4, 8 or 16 lanes"),
        ("int4 v = shuffle((int4)(1), (float4)(0));", CompileError, "integer vector"),
        ("int4 v = shuffle2((int4)(1), (int2)(0), (uint4)(0));", CompileError, "one type"),
    ],
)
def test_half_shuffle_errors(body: str, err: type, msg: str) -> None:
    with pytest.raises(err, match=msg):
        compile_ok(f"__kernel void k(__global float *f, __global half *h) {{ {body} }}")


def test_half_conversions_of_double_unsupported_in_hardware() -> None:
    src = "__kernel void k(__global half *h, __global double *d) { vstore_half(d[0], 0, h); }"
    soff.compile(src, emit="ir")  # the interpreters run it
    with pytest.raises(
        UnsupportedError,
        match=r"half conversions \(vload_half, vstore_half\) are not supported yet in hardware",
    ):
        soff.compile(src)


ROUNDINGS = """
__kernel void k(__global const float *x, __global half *r, __global const half *hs,
                __global float *back) {
  int i = get_global_id(0);
  vstore_half(x[i], i, r);
  vstore_half_rtz(x[i], i + N, r);
  vstore_half_rtp(x[i], i + 2 * N, r);
  vstore_half_rtn(x[i], i + 3 * N, r);
  back[i] = vload_half(i, hs);
}
"""


def test_float_half_conversions_over_the_range() -> None:
    """The integer conversions against numpy on f32 values around the whole half
    range (subnormals, ties, overflow, inf, NaN) and every half bit pattern back."""
    n = 1 << 16
    rng = np.random.default_rng(7)
    bits = (rng.integers(100, 145, n, dtype=np.uint32) << 23) | rng.integers(
        0, 1 << 23, n, dtype=np.uint32
    )
    bits[: n // 4] &= ~np.uint32(0x1FFF)  # exact halves
    bits[: n // 8] |= 0x1000  # ties
    bits |= rng.integers(0, 2, n, dtype=np.uint32) << 31
    x = bits.view(np.float32).copy()
    x[:4] = [np.inf, -np.inf, 0.0, -0.0]
    k = compile_ok(ROUNDINGS.replace("N", str(n))).kernels[0]
    halves = np.arange(n, dtype=np.uint32).astype(np.uint16).view(np.float16)  # every pattern
    args = {"x": x, "r": np.zeros(4 * n, np.float16), "hs": halves, "back": np.zeros(n, np.float32)}
    with np.errstate(all="ignore"):
        o = run_kernel(k, args, n, 256)
        for j, mode in enumerate(["rte", "rtz", "rtp", "rtn"]):
            got = o["r"][j * n : (j + 1) * n].view(np.uint16)
            assert np.array_equal(got, _round(x, mode).view(np.uint16)), mode
    want = halves.astype(np.float32)
    nan = np.isnan(want)
    assert np.array_equal(o["back"][~nan], want[~nan]) and np.isnan(o["back"][nan]).all()
