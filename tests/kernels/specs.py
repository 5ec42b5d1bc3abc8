"""The OpenCL kernel corpus: one :class:`Spec` per kernel of ``tests/kernels/opencl``.

Each spec says how to launch its kernel (file, kernel name, ``-D`` defines, the
NDRange), builds its arguments from a seeded generator and gives an independent
numpy reference for the buffers the kernel writes. ``test_corpus.py`` runs every
spec in the IR interpreter and on Verilator; README.md says how to add one.

NDRanges are small (quick simulations) but cover several work-groups, and most
have a global size rounded up past the problem size so the kernel's ``if (i < n)``
guard matters (an uneven edge). References do float32 arithmetic in float32 and
in the kernel's order wherever the comparison is exact.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from soff.ir.interp import Local

HERE = Path(__file__).parent
OPENCL = HERE / "opencl"

f32 = np.float32
Args = dict[str, Any]
Outputs = dict[str, np.ndarray]


@dataclass(frozen=True)
class Spec:
    """One kernel of the corpus and how to check it."""

    name: str  # the test id
    file: str  # under tests/kernels/opencl
    global_size: tuple[int, ...]
    local_size: tuple[int, ...] | None
    make_args: Callable[[np.random.Generator], Args]
    reference: Callable[[Args], Outputs]
    kernel: str | None = None  # None: the only kernel in the file
    defines: dict[str, str | None] = field(default_factory=dict)
    include_dirs: tuple[str, ...] = ()  # -I, relative to tests/kernels/opencl
    rtol: float = 0.0  # 0: exact comparison (NaNs in the same places)
    atol: float = 0.0
    timeout_cycles: int | None = None  # simulation bound (None: simulate()'s default)
    slow: bool = False  # the hardware test is marked slow
    bug: str | None = None  # a known miscompile: the hardware test is xfail(strict=True)
    what: str = ""  # what the kernel covers (README table)

    @property
    def path(self) -> Path:
        return OPENCL / self.file

    @property
    def includes(self) -> list[str]:
        return [str(OPENCL / d) for d in self.include_dirs]


def check(spec: Spec, outputs: Outputs, args: Args) -> None:
    """Compare ``outputs`` with the spec's numpy reference."""
    for name, want in spec.reference(args).items():
        got = outputs[name]
        if want.dtype.fields is not None:  # structs: compare the bytes
            got, want = np.asarray(got).view(np.uint8), want.view(np.uint8)
        got = np.asarray(got).reshape(want.shape).view(want.dtype)
        if spec.rtol or spec.atol:
            np.testing.assert_allclose(got, want, rtol=spec.rtol, atol=spec.atol, err_msg=name)
        else:
            np.testing.assert_array_equal(got, want, err_msg=name)


def _cdiv(a: np.ndarray, b: int | np.ndarray) -> np.ndarray:
    """C integer division (truncates toward zero)."""
    a64, b64 = np.asarray(a, np.int64), np.asarray(b, np.int64)
    q = np.abs(a64) // np.abs(b64)
    return np.where((a64 < 0) != (b64 < 0), -q, q)


def _crem(a: np.ndarray, b: int | np.ndarray) -> np.ndarray:
    return np.asarray(a, np.int64) - _cdiv(a, b) * np.asarray(b, np.int64)


def _wrap32(x: np.ndarray) -> np.ndarray:
    return (np.asarray(x, np.int64) & 0xFFFFFFFF).astype(np.uint32).view(np.int32)


# --- issue 6 kinds -------------------------------------------------------------

MM = {"M": 20, "N": 19, "K": 13}


def _mm_args(rng: np.random.Generator) -> Args:
    m, n, k = MM["M"], MM["N"], MM["K"]
    return {
        "A": rng.standard_normal(m * k).astype(f32),
        "B": rng.standard_normal(k * n).astype(f32),
        "C": np.zeros(m * n, f32),
        **MM,
    }


def _mm_ref(a: Args) -> Outputs:
    m, n, k = a["M"], a["N"], a["K"]
    A, B = a["A"].reshape(m, k), a["B"].reshape(k, n)
    acc = np.zeros((m, n), f32)
    for kk in range(k):  # acc += A[row][k] * B[k][col], k in order
        acc = acc + A[:, kk : kk + 1] * B[kk : kk + 1, :]
    return {"C": acc.reshape(-1)}


def _jacobi_args(rng: np.random.Generator) -> Args:
    n = 13
    return {"A": rng.standard_normal(n * n).astype(f32), "B": np.zeros(n * n, f32), "n": n}


def _jacobi_ref(a: Args) -> Outputs:
    n = a["n"]
    A = a["A"].reshape(n, n)
    B = A.copy()
    c = A[1:-1, 1:-1]
    B[1:-1, 1:-1] = f32(0.2) * ((((c + A[1:-1, :-2]) + A[1:-1, 2:]) + A[2:, 1:-1]) + A[:-2, 1:-1])
    return {"B": B.reshape(-1)}


def _reduce_args(rng: np.random.Generator) -> Args:
    n = 200
    return {
        "in": rng.integers(-1000, 1000, n).astype(np.int32),
        "sum": np.zeros(1, np.int32),
        "n": n,
    }


def _hist_args(rng: np.random.Generator) -> Args:
    n = 300
    return {
        "data": rng.integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32),
        "hist": np.zeros(16, np.uint32),
        "n": n,
    }


def _collatz_args(rng: np.random.Generator) -> Args:
    n = 100
    return {
        "start": rng.integers(1, 2000, n).astype(np.uint32),
        "steps": np.zeros(128, np.int32),
        "n": n,
        "limit": 100,
    }


def _collatz_ref(a: Args) -> Outputs:
    out = np.zeros(128, np.int32)
    for i, x in enumerate(a["start"].tolist()):
        s = 0
        while x != 1:
            if s >= a["limit"]:
                s = -1
                break
            s += 1
            x = x >> 1 if x % 2 == 0 else (3 * x + 1) & 0xFFFFFFFF
        out[i] = s
    return {"steps": out}


SCAN_WG = 16


def _scan_args(rng: np.random.Generator) -> Args:
    n = 100
    groups = -(-n // SCAN_WG)
    return {
        "in": rng.integers(-100, 100, n).astype(np.int32),
        "out": np.zeros(n, np.int32),
        "block_sums": np.zeros(groups, np.int32),
        "n": n,
    }


def _scan_ref(a: Args) -> Outputs:
    n = a["n"]
    groups = -(-n // SCAN_WG)
    v = np.zeros(groups * SCAN_WG, np.int64)
    v[:n] = a["in"]
    s = np.cumsum(v.reshape(groups, SCAN_WG), axis=1)
    return {"out": s.reshape(-1)[:n].astype(np.int32), "block_sums": s[:, -1].astype(np.int32)}


def _inplace_args(rng: np.random.Generator) -> Args:
    n = 50
    return {"x": rng.integers(-(10**6), 10**6, 2 * n).astype(np.int32), "n": n}


def _inplace_ref(a: Args) -> Outputs:
    n = a["n"]
    x = a["x"].astype(np.int64)
    x[:n] = x[:n] * 3 + 1
    x[n:] = x[:n] - x[n:]
    return {"x": x.astype(np.int32)}


def _triad_args(rng: np.random.Generator) -> Args:
    n = 100
    return {
        "a": np.zeros(n, f32),
        "b": rng.standard_normal(n).astype(f32),
        "c": rng.standard_normal(n).astype(f32),
        "s": 1.75,
        "n": n,
    }


# --- front-end features --------------------------------------------------------


def _vf4_args(rng: np.random.Generator) -> Args:
    return {
        "x": (rng.standard_normal(4 * 32) * 10).astype(f32),
        "y": np.zeros(4 * 32, f32),
        "r": np.zeros(4 * 32, np.int32),
        "n": 30,
    }


def _vf4_ref(a: Args) -> Outputs:
    n = a["n"]
    v = a["x"].reshape(-1, 4)[:n]
    w = v * np.array([2.0, 0.5, -1.0, 4.0], f32) + v[:, ::-1]
    w2 = w.copy()
    w2[:, 0] = w[:, 1] - v[:, 2]
    w2[:, 1] = w[:, 0] - v[:, 2]
    w2[:, 3] = w[:, 3] + v[:, 0] * v[:, 1]
    y = np.zeros((32, 4), f32)
    y[:n] = w2
    k = np.trunc(v).astype(np.int32) + np.arange(n, dtype=np.int32)[:, None]
    r = np.zeros((32, 4), np.int32)
    r[:n] = k[:, ::-1]
    return {"y": y.reshape(-1), "r": r.reshape(-1)}


def _vint_args(rng: np.random.Generator) -> Args:
    return {
        "a": rng.integers(-200, 200, 4 * 24).astype(np.int32),
        "b": rng.integers(-200, 200, 4 * 24).astype(np.int32),
        "out": np.zeros(8 * 24, np.int32),
        "n": 21,
    }


def _vint_ref(a: Args) -> Outputs:
    n = a["n"]
    x, y = a["a"].reshape(-1, 4)[:n].astype(np.int64), a["b"].reshape(-1, 4)[:n].astype(np.int64)
    lt = -(x < y).astype(np.int64)
    m = np.minimum(x, y)
    bits = (x & 0xFF) ^ (y | 3)
    e = x[:, 0::2] + y[:, 1::2]
    h = m[:, 2:] - m[:, :2]
    u = (x & 0xFFFFFFFF) >> 28
    out = np.zeros((24, 8), np.int64)
    out[:n, 0] = lt.sum(1)
    out[:n, 1] = m.sum(1)
    out[:n, 2] = bits[:, 0] ^ bits[:, 3]
    out[:n, 3] = e[:, 0] * 3 + e[:, 1]
    out[:n, 4] = h[:, 0] - h[:, 1]
    out[:n, 5] = u.sum(1)
    out[:n, 6] = (x > 100).any(1) + 2 * (y < 100).all(1)
    out[:n, 7] = x[:, 2] * y[:, 1]
    return {"out": out.reshape(-1).astype(np.int32)}


def _conv_args(rng: np.random.Generator) -> Args:
    n = 27
    return {
        "img": rng.integers(0, 256, 4 * 32).astype(np.uint8),
        "outimg": np.zeros(4 * 32, np.uint8),
        "f": (rng.uniform(-50, 50, 32)).astype(f32),
        "conv": np.zeros(4 * 32, np.int32),
        "gain": 1.3,
        "n": n,
    }


def _conv_ref(a: Args) -> Outputs:
    n = a["n"]
    q = a["img"][: 4 * n].astype(f32) * f32(a["gain"]) - f32(20)
    img = np.zeros(4 * 32, np.uint8)
    img[: 4 * n] = np.clip(np.trunc(q), 0, 255).astype(np.uint8)
    v = a["f"][:n]
    conv = np.zeros((32, 4), np.int64)
    conv[:n, 0] = np.trunc(v)
    conv[:n, 1] = np.clip(np.trunc(v * f32(1.0e8)).astype(np.float64), -(2**31), 2**31 - 1)
    conv[:n, 2] = np.trunc(v * f32(10)).astype(np.int64).astype(np.int8)
    conv[:n, 3] = np.clip(np.trunc(v * f32(1000)), -32768, 32767)
    return {"outimg": img, "conv": conv.reshape(-1).astype(np.int32)}


PARTICLE = np.dtype(
    {"names": ["pos", "vel", "id", "mass"], "formats": [(f32, 2), (f32, 2), np.int32, f32],
     "offsets": [0, 8, 16, 20], "itemsize": 24}
)  # fmt: skip


def _particle_args(rng: np.random.Generator) -> Args:
    ps = np.zeros(32, PARTICLE)
    ps["pos"] = rng.standard_normal((32, 2))
    ps["vel"] = rng.standard_normal((32, 2)) * 3
    ps["id"] = np.arange(32)
    ps["mass"] = rng.uniform(0.5, 2.0, 32)
    return {"ps": ps, "energy": np.zeros(32, f32), "dt": 0.125, "n": 29}


def _particle_ref(a: Args) -> Outputs:
    n, dt = a["n"], f32(a["dt"])
    ps = a["ps"].copy()
    q = ps[:n]
    q["pos"] = q["pos"] + q["vel"] * dt
    q["vel"][:, 1] = q["vel"][:, 1] - f32(9.75) * dt
    q["id"] = q["id"] * 2 + 1
    e = np.zeros(32, f32)
    vx, vy = q["vel"][:, 0], q["vel"][:, 1]
    e[:n] = f32(0.5) * q["mass"] * (vx * vx + vy * vy)
    ps[:n] = q
    return {"ps": ps, "energy": e}


BIN = np.dtype([("r", [("lo", "i4"), ("hi", "i4")]), ("hist", "i2", 4), ("weight", "f4")])


def _bins_args(rng: np.random.Generator) -> Args:
    bins = np.zeros(40, BIN)
    bins["r"]["lo"] = rng.integers(-20, 0, 40)
    bins["r"]["hi"] = rng.integers(0, 20, 40)
    bins["hist"] = rng.integers(0, 5, (40, 4))
    bins["weight"] = rng.uniform(0, 4, 40)
    cfg = np.zeros(1, [("scale", "f4"), ("bias", "i4")])
    cfg["scale"], cfg["bias"] = 0.5, 3
    data = rng.integers(-30, 30, 4 * 40).astype(np.int32)
    return {"bins": bins, "data": data, "cfg": cfg, "n": 37}


def _bins_ref(a: Args) -> Outputs:
    n, bias, scale = a["n"], int(a["cfg"]["bias"][0]), a["cfg"]["scale"][0]
    bins = a["bins"].copy()
    b = bins[:n]
    lo, hi = b["r"]["lo"] - bias, b["r"]["hi"] + bias
    d = a["data"].reshape(40, 4)[:n]
    b["hist"] += ((d >= lo[:, None]) & (d <= hi[:, None])).astype(np.int16)
    b["r"]["lo"], b["r"]["hi"] = lo, hi
    b["weight"] = b["weight"] * scale + (hi - lo).astype(f32)
    bins[:n] = b
    return {"bins": bins}


NIBBLE = [0x0, 0x3, 0x6, 0x5, 0xC, 0xF, 0xA, 0x9, 0xB, 0x8, 0xD, 0xE, 0x7, 0x4, 0x1, 0x2]
COEF = [3, -2, 0, 7, -1]


def _table_args(rng: np.random.Generator) -> Args:
    return {
        "in": rng.integers(0, 2**32, 48, dtype=np.uint64).astype(np.uint32),
        "crc": np.zeros(48, np.uint32),
        "poly": np.zeros(48, np.int32),
        "n": 45,
    }


def _table_ref(a: Args) -> Outputs:
    crc, poly = np.zeros(48, np.uint32), np.zeros(48, np.int64)
    for i, x in enumerate(a["in"][: a["n"]].tolist()):
        c = 0
        for k in range(8):
            c = NIBBLE[(c ^ (x >> (4 * k))) & 0xF]
        crc[i] = c
        t, acc = (x & 0xFF) - 128, 0
        for co in COEF:
            acc = acc * t + co
        poly[i] = acc
    return {"crc": crc, "poly": _wrap32(poly)}


def _private_args(rng: np.random.Generator) -> Args:
    return {
        "in": rng.integers(-50, 50, 32 + 8).astype(np.int32),
        "median": np.zeros(32, np.int32),
        "trace": np.zeros(32, np.int32),
        "n": 27,
    }


def _private_ref(a: Args) -> Outputs:
    n, x = a["n"], a["in"].astype(np.int64)
    w = np.sort(np.lib.stride_tricks.sliding_window_view(x, 8)[:n], axis=1)
    med, tr = np.zeros(32, np.int64), np.zeros(32, np.int64)
    med[:n] = _cdiv(w[:, 3] + w[:, 4], 2)
    tr[:n] = x[:n] + x[1 : n + 1] - 2
    return {"median": med.astype(np.int32), "trace": tr.astype(np.int32)}


def _switch_args(rng: np.random.Generator) -> Args:
    return {
        "op": rng.integers(0, 100, 64).astype(np.int32),
        "a": rng.integers(-1000, 1000, 64).astype(np.int32),
        "b": rng.integers(-1000, 1000, 64).astype(np.int32),
        "out": np.zeros(64, np.int32),
        "n": 60,
    }


def _switch_ref(a: Args) -> Outputs:
    out = np.zeros(64, np.int32)
    for i in range(a["n"]):
        o, x, y = int(a["op"][i]) & 7, int(a["a"][i]), int(a["b"][i])
        r = [x + y, x - y, x * y, (-x) ^ y, x ^ y, max(x, y), 42, 42][o]
        out[i] = r
    return {"out": out}


def _helper_args(rng: np.random.Generator) -> Args:
    return {"v": rng.integers(0, 20, 40).astype(np.int32), "out": np.zeros(40, np.int32), "n": 37}


def _helper_ref(a: Args) -> Outputs:
    n, v = a["n"], a["v"][: a["n"]].astype(np.int64)
    left = np.concatenate([v[:1], v[:-1]])
    right = np.concatenate([v[1:], v[-1:]])
    out = np.zeros(40, np.int64)
    out[:n] = (left + 2 * v + right) * np.sign(v - 10)
    return {"out": out.astype(np.int32)}


GEMM = {"NI": 12, "NJ": 10, "NK": 9}


def _gemm_args(rng: np.random.Generator) -> Args:
    ni, nj, nk = GEMM["NI"], GEMM["NJ"], GEMM["NK"]
    return {
        "a": rng.standard_normal(ni * nk).astype(f32),
        "b": rng.standard_normal(nk * nj).astype(f32),
        "c": rng.standard_normal(ni * nj).astype(f32),
        "alpha": 1.5,
        "beta": 0.75,
    }


def _gemm_ref(a: Args) -> Outputs:
    ni, nj, nk = GEMM["NI"], GEMM["NJ"], GEMM["NK"]
    A, B = a["a"].reshape(ni, nk), a["b"].reshape(nk, nj)
    C = a["c"].reshape(ni, nj) * f32(a["beta"])
    for k in range(nk):
        C = C + (f32(a["alpha"]) * A[:, k : k + 1]) * B[k : k + 1, :]
    return {"c": C.reshape(-1)}


ATAX = {"NX": 20, "NY": 18}


def _atax1_args(rng: np.random.Generator) -> Args:
    return {
        "A": rng.standard_normal(ATAX["NX"] * ATAX["NY"]).astype(f32),
        "x": rng.standard_normal(ATAX["NY"]).astype(f32),
        "tmp": np.zeros(ATAX["NX"], f32),
    }


def _atax1_ref(a: Args) -> Outputs:
    A = a["A"].reshape(ATAX["NX"], ATAX["NY"])
    t = a["tmp"].copy()
    for j in range(ATAX["NY"]):
        t = t + A[:, j] * a["x"][j]
    return {"tmp": t}


def _atax2_args(rng: np.random.Generator) -> Args:
    return {
        "A": rng.standard_normal(ATAX["NX"] * ATAX["NY"]).astype(f32),
        "y": np.zeros(ATAX["NY"], f32),
        "tmp": rng.standard_normal(ATAX["NX"]).astype(f32),
    }


def _atax2_ref(a: Args) -> Outputs:
    A = a["A"].reshape(ATAX["NX"], ATAX["NY"])
    y = a["y"].copy()
    for i in range(ATAX["NX"]):
        y = y + A[i, :] * a["tmp"][i]
    return {"y": y}


BICG = {"NX": 15, "NY": 13}


def _bicg1_args(rng: np.random.Generator) -> Args:
    return {
        "A": rng.standard_normal(BICG["NX"] * BICG["NY"]).astype(f32),
        "p": rng.standard_normal(BICG["NY"]).astype(f32),
        "q": np.full(BICG["NX"], 9.0, f32),
    }


def _bicg1_ref(a: Args) -> Outputs:
    A = a["A"].reshape(BICG["NX"], BICG["NY"])
    q = np.zeros(BICG["NX"], f32)
    for j in range(BICG["NY"]):
        q = q + A[:, j] * a["p"][j]
    return {"q": q}


def _bicg2_args(rng: np.random.Generator) -> Args:
    return {
        "A": rng.standard_normal(BICG["NX"] * BICG["NY"]).astype(f32),
        "r": rng.standard_normal(BICG["NX"]).astype(f32),
        "s": np.full(BICG["NY"], 9.0, f32),
    }


def _bicg2_ref(a: Args) -> Outputs:
    A = a["A"].reshape(BICG["NX"], BICG["NY"])
    s = np.zeros(BICG["NY"], f32)
    for i in range(BICG["NX"]):
        s = s + a["r"][i] * A[i, :]
    return {"s": s}


def _fpair_args(lo: float, hi: float, blo: float, bhi: float, width: int, n: int = 40):
    def make(rng: np.random.Generator) -> Args:
        return {
            "x": rng.uniform(lo, hi, 48).astype(f32),
            "y": rng.uniform(blo, bhi, 48).astype(f32),
            "out": np.zeros(width * 48, f32),
            "n": n,
        }

    return make


def _round_half_away(b: np.ndarray) -> np.ndarray:
    t = np.trunc(b)
    return np.where(np.abs(b - t) >= f32(0.5), t + np.sign(b), t).astype(f32)


def _math_basic_ref(a: Args) -> Outputs:
    n = a["n"]
    x, y = a["x"][:n], a["y"][:n]
    out = np.zeros((48, 8), f32)
    out[:n, 0] = np.sqrt(np.abs(x))
    out[:n, 1] = np.minimum(x, y) + np.maximum(x, y) * f32(2)
    out[:n, 2] = np.floor(x) - np.ceil(y)
    out[:n, 3] = np.trunc(x * f32(3)) + _round_half_away(y)
    out[:n, 4] = (x.astype(np.float64) * y + 1.0).astype(f32)  # fma: the product is exact in f64
    out[:n, 5] = np.copysign(x, y)
    out[:n, 6] = np.where(x > y, x - y, f32(0))
    out[:n, 7] = x / (np.abs(y) + f32(1))
    return {"out": out.reshape(-1)}


def _math_trans_ref(a: Args) -> Outputs:
    n = a["n"]
    x, y = a["x"][:n].astype(np.float64), a["y"][:n].astype(np.float64)
    out = np.zeros((48, 12), np.float64)
    cols = [
        np.exp(y),
        np.exp2(y) + np.log2(x),
        np.log(x),
        np.power(x, y),
        np.sin(y),
        np.cos(y),
        np.tan((a["y"][:n] * f32(0.5)).astype(np.float64)),
        np.arctan2(y, x),
        np.tanh(y),
        1 / np.sqrt(x),
        np.cbrt(y),
        np.hypot(x, y),
    ]
    for c, v in enumerate(cols):
        out[:n, c] = v
    return {"out": out.reshape(-1).astype(f32)}


def _intb_args(rng: np.random.Generator) -> Args:
    big = rng.integers(-(2**31), 2**31, (2, 40), dtype=np.int64).astype(np.int32)
    big[:, :4] = [[2**31 - 1, -(2**31), 5, -7], [1, -1, -(2**31), 2**31 - 1]]  # saturation edges
    return {
        "a": big[0],
        "b": big[1],
        "u": rng.integers(0, 2**32, 40, dtype=np.uint64).astype(np.uint32),
        "out": np.zeros(8 * 40, np.int32),
        "uout": np.zeros(4 * 40, np.uint32),
        "n": 37,
    }


def _intb_ref(a: Args) -> Outputs:
    n = a["n"]
    x, y = a["a"][:n].astype(np.int64), a["b"][:n].astype(np.int64)
    v = a["u"][:n].astype(np.int64)
    lo, hi = -(2**31), 2**31 - 1
    out = np.zeros((40, 8), np.int64)
    out[:n, 0] = (x & 0x7FFF) * (y & 0x7FFF)
    out[:n, 1] = (x >> 18) * (y >> 18) + x
    out[:n, 2] = (x * y) >> 32
    out[:n, 3] = np.clip(x + y, lo, hi)
    out[:n, 4] = np.clip(x - y, lo, hi)
    out[:n, 5] = ((x + y) >> 1) + ((x + y + 1) >> 1)
    out[:n, 6] = np.clip(x, -1000, 1000) + np.abs(y) // 4
    out[:n, 7] = np.minimum(x, y) - np.maximum(x, y)
    uout = np.zeros((40, 4), np.int64)
    r = np.arange(n) & 31
    uout[:n, 0] = ((v << r) | (v >> (32 - r))) & 0xFFFFFFFF  # v >> 32 is 0
    pop = np.array([bin(int(t)).count("1") for t in v])
    clz = np.array([32 - int(t).bit_length() for t in v])
    uout[:n, 1] = pop + 100 * clz
    uout[:n, 2] = (v * 0x9E3779B9) >> 32
    uout[:n, 3] = np.abs(x - y)
    return {"out": _wrap32(out.reshape(-1)), "uout": _wrap32(uout.reshape(-1)).view(np.uint32)}


def _sel_args(rng: np.random.Generator) -> Args:
    x = rng.standard_normal(4 * 24).astype(f32)
    x[[3, 17, 42]] = np.nan
    x[[6, 29]] = [np.inf, -np.inf]
    x[[8, 50]] = [-0.0, 0.0]
    return {"x": x, "out": np.zeros(4 * 24, np.int32), "fout": np.zeros(4 * 24, f32), "n": 22}


def _sel_ref(a: Args) -> Outputs:
    n = a["n"]
    v = a["x"].reshape(-1, 4)[:n]
    pos = v > 0
    out = np.zeros((24, 4), np.int64)
    out[:n, 0] = pos.any(1) + 2 * pos.all(1) + 4 * np.isnan(v).any(1) + 8 * (v >= -1).all(1)
    out[:n, 1] = np.where(v[:, 0] > v[:, 1], -7, 7)
    out[:n, 2] = np.where(v[:, 2] < v[:, 3], 5, 3) + 2 * (v[:, 3] == 0)
    out[:n, 3] = (v[:, :2] < v[:, 2:]).all(1)
    fout = np.zeros((24, 4), f32)
    fout[:n] = np.where(pos, -v, v)
    return {"out": out.reshape(-1).astype(np.int32), "fout": fout.reshape(-1)}


def _mixed_args(rng: np.random.Generator) -> Args:
    return {
        "a": rng.integers(-(2**30), 2**30, 40).astype(np.int32),
        "b": rng.integers(0, 2**30, 40).astype(np.uint32),
        "c": rng.integers(-128, 128, 40).astype(np.int8),
        "d": rng.integers(0, 2**16, 40).astype(np.uint16),
        "out": np.zeros(6 * 40, np.int32),
        "lout": np.zeros(2 * 40, np.int64),
        "n": 35,
    }


def _mixed_ref(a: Args) -> Outputs:
    n = a["n"]
    x = a["a"][:n].astype(np.int64)
    y = a["b"][:n].astype(np.int64)
    out = np.zeros((40, 6), np.int64)
    out[:n, 0] = (x & 0xFFFFFFFF) < y
    out[:n, 1] = x >> 3
    out[:n, 2] = (x & 0xFFFFFFFF) >> 3
    out[:n, 3] = a["c"][:n].astype(np.int64) * a["d"][:n]
    out[:n, 4] = _cdiv(x, 7) + _crem(x, 7)
    out[:n, 5] = y // 3 - y % 5
    lout = np.zeros((40, 2), np.int64)
    lout[:n, 0] = x * y
    lout[:n, 1] = _wrap32(x + y).astype(np.int64) << 20
    return {"out": _wrap32(out.reshape(-1)), "lout": lout.reshape(-1)}


def _conv2d_args(rng: np.random.Generator) -> Args:
    h, w = 11, 13
    return {
        "img": rng.integers(0, 256, h * w).astype(np.int32),
        "out": np.zeros(h * w, np.int32),
        "h": h,
        "w": w,
    }


def _conv2d_ref(a: Args) -> Outputs:
    h, w = a["h"], a["w"]
    img = np.pad(a["img"].reshape(h, w).astype(np.int64), 1, mode="edge")
    f = np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    acc = sum(f[dy, dx] * img[dy : dy + h, dx : dx + w] for dy in range(3) for dx in range(3))
    return {"out": (acc >> 4).reshape(-1).astype(np.int32)}


def _transpose_args(rng: np.random.Generator) -> Args:
    rows, cols = 13, 10
    return {
        "in": rng.standard_normal(rows * cols).astype(f32),
        "out": np.zeros(rows * cols, f32),
        "rows": rows,
        "cols": cols,
    }


def _long_args(rng: np.random.Generator) -> Args:
    return {
        "a": rng.integers(-(2**31), 2**31, 100, dtype=np.int64).astype(np.int32),
        "b": rng.integers(-(2**31), 2**31, 100, dtype=np.int64).astype(np.int32),
        "dot": np.zeros(32, np.int64),
        "hash": np.zeros(32, np.uint64),
        "n": 100,
        "stride": 24,
    }


def _long_ref(a: Args) -> Outputs:
    dot, hsh = np.zeros(32, np.int64), np.zeros(32, np.uint64)
    m64 = 2**64 - 1
    for i in range(a["stride"]):
        acc, h = 0, 14695981039346656037
        for k in range(i, a["n"], a["stride"]):
            acc += int(a["a"][k]) * int(a["b"][k])
            h = ((h ^ (int(a["a"][k]) & 0xFFFFFFFF)) * 1099511628211) & m64
        dot[i] = (acc + 2**63) % 2**64 - 2**63
        hsh[i] = h
    return {"dot": dot, "hash": hsh}


def _double_args(rng: np.random.Generator) -> Args:
    n = 50
    return {
        "x": rng.standard_normal(n),
        "y": rng.standard_normal(n),
        "z": np.zeros(n),
        "partial": np.zeros(n),
        "a": 0.3,
        "b": -1.7,
        "n": n,
    }


def _double_ref(a: Args) -> Outputs:
    x, y = a["x"], a["y"]
    part = np.zeros(a["n"])
    for i in range(a["n"]):
        s = 0.0
        for k in range(i % 4 + 1):
            s += x[max(i - k, 0)]
        part[i] = s
    return {"z": a["a"] * x + a["b"] * y, "partial": part}


def _loops_args(rng: np.random.Generator) -> Args:
    v = rng.integers(-100000, 100000, 40).astype(np.int32)
    v[[2, 9]] = 0
    return {"in": v, "out": np.zeros(40, np.int32), "n": 37}


def _loops_ref(a: Args) -> Outputs:
    out = np.zeros(40, np.int32)
    for i in range(a["n"]):
        v = int(a["in"][i])
        if v == 0:
            out[i] = -1
            continue
        digits = len(str(abs(v)))
        vm = int(_crem(np.array(v), 17))
        acc = 0
        for p in range(digits + 2):
            if p == 1:
                continue
            for q in range(6):
                if p * q > vm:
                    break
                acc += p + q
        out[i] = acc * 10 + digits
    return {"out": out}


def _bitonic_args(rng: np.random.Generator) -> Args:
    return {"data": rng.integers(-1000, 1000, 64).astype(np.int32)}


def _geo_args(rng: np.random.Generator) -> Args:
    return {
        "p": rng.standard_normal(4 * 24).astype(f32),
        "q": rng.standard_normal(4 * 24).astype(f32),
        "out": np.zeros(8 * 24, f32),
        "n": 21,
    }


def _geo_ref(a: Args) -> Outputs:
    n = a["n"]
    p = a["p"].reshape(-1, 4)[:n].astype(np.float64)
    q = a["q"].reshape(-1, 4)[:n].astype(np.float64)
    c = np.cross(p[:, :3], q[:, :3])
    ln = np.sqrt((p * p).sum(1))
    out = np.zeros((24, 8))
    out[:n, 0] = (p * q).sum(1)
    out[:n, 1] = c.sum(1)
    out[:n, 2] = ln
    out[:n, 3] = np.sqrt(((p - q) ** 2).sum(1))
    out[:n, 4] = p[:, 0] / ln
    out[:n, 5] = p[:, 0] + (q[:, 0] - p[:, 0]) * 0.25
    out[:n, 6] = np.maximum(p[:, 1], q[:, 2]) * 0.5
    out[:n, 7] = np.clip(p[:, 3], -0.5, 0.5)
    return {"out": out.reshape(-1).astype(f32)}


FIR_H = [1, -3, 5, -3, 1]


def _fir_args(rng: np.random.Generator) -> Args:
    n = 40
    return {"x": rng.integers(-1000, 1000, n).astype(np.int32), "y": np.zeros(n, np.int32), "n": n}


def _fir_ref(a: Args) -> Outputs:
    return {"y": np.convolve(a["x"].astype(np.int64), FIR_H)[: a["n"]].astype(np.int32)}


def _carry_args(rng: np.random.Generator) -> Args:
    n = 50
    return {
        "in": rng.integers(-100, 100, n).astype(np.int32),
        "out": np.zeros(n, np.int32),
        "peak": np.zeros(1, np.int32),
        "n": n,
    }


def _carry_ref(a: Args) -> Outputs:
    s = np.cumsum(a["in"].astype(np.int64))
    return {"out": s.astype(np.int32), "peak": np.array([s.max()], np.int32)}


def _larg_args(rng: np.random.Generator) -> Args:
    n = 40
    return {
        "in": rng.integers(-1000, 1000, n).astype(np.int32),
        "out": np.zeros(n, np.int32),
        "scratch": Local(16 * 4),
        "n": n,
    }


def _larg_ref(a: Args) -> Outputs:
    n = a["n"]
    v = np.zeros(48, np.int32)
    v[:n] = a["in"]
    return {"out": v.reshape(3, 16)[:, ::-1].reshape(-1)[:n]}


def _union_args(rng: np.random.Generator) -> Args:
    return {
        "x": rng.standard_normal(32).astype(f32),
        "mode": rng.integers(0, 3, 32).astype(np.int32),
        "out": np.zeros(32, np.uint32),
        "n": 30,
    }


def _union_ref(a: Args) -> Outputs:
    n = a["n"]
    u = a["x"].view(np.uint32)[:n]
    m = a["mode"][:n]
    r = np.where(m == 1, u ^ 0x80000000, np.where(m == 2, u & 0x7FFFFFFF, u))
    out = np.zeros(32, np.uint32)
    out[:n] = r
    return {"out": out}


def _gaps_args(rng: np.random.Generator) -> Args:
    x = (rng.standard_normal(32) * 3).astype(f32)
    x[[1, 5, 9, 13]] = [np.nan, np.inf, -np.inf, -0.0]
    x[[2, 3]] = [0.625, -0.375]  # x * 4 ends in .5: ties to even
    return {"x": x, "out": np.zeros(2 * 32, np.int32), "fout": np.zeros(32, f32), "n": 30}


def _gaps_ref(a: Args) -> Outputs:
    n = a["n"]
    v = a["x"][:n]
    out = np.zeros((32, 2), np.int64)
    out[:n, 0] = np.isnan(v) + 2 * np.isinf(v) + 4 * np.isfinite(v) + 8 * np.signbit(v)
    q = np.where(np.isfinite(v), v, f32(0)) * f32(4)
    out[:n, 1] = np.rint(q) + 1000
    fout = np.zeros(32, f32)
    sign = np.where(np.isnan(v), f32(0), np.where(v > 0, f32(1), np.where(v < 0, f32(-1), v)))
    fout[:n] = np.where(v < f32(0.5), f32(0), f32(1)) + f32(2) * sign
    return {"out": out.reshape(-1).astype(np.int32), "fout": fout}


INT_MIN = -(2**31)


def _atom_args(rng: np.random.Generator) -> Args:
    n = 90
    return {
        "d": rng.integers(-5000, 5000, 96).astype(np.int32),
        "acc": np.array([2**31 - 1, INT_MIN, 0, -1, 0, 0, 0, 0, 0], np.int32),
        "claim": np.zeros(4, np.int32),
        "slot": np.zeros(96, np.int32),
        "n": n,
    }


def _atom_ref(a: Args) -> Outputs:
    n, d = a["n"], a["d"][: a["n"]].astype(np.int64)
    acc = [d.min(), d.max(), -d.sum(), np.bitwise_and.reduce(d | 0x10),
           np.bitwise_or.reduce(d & 0x70F), np.bitwise_xor.reduce(d), n, 4,
           sum(int(d[g : g + 32].max()) for g in range(0, n, 32))]  # fmt: skip
    slot = np.zeros(96, np.int64)
    slot[:n] = 2 * d
    return {
        "acc": _wrap32(np.array(acc, np.int64)),
        "claim": np.ones(4, np.int32),
        "slot": slot.astype(np.int32),
    }


def _incv_args(rng: np.random.Generator) -> Args:
    return {
        "x": rng.standard_normal(8 * 24).astype(f32),
        "k": rng.integers(-1000, 1000, 16 * 24).astype(np.int32),
        "out": np.zeros(2 * 24, f32),
        "iout": np.zeros(24, np.int32),
        "n": 22,
    }


def _incv_ref(a: Args) -> Outputs:
    n = a["n"]
    v = a["x"].reshape(-1, 8)[:n]
    sq = v * v
    s = sq[:, :4] + sq[:, 4:]
    out = np.zeros((24, 2), f32)
    out[:n, 0] = (s[:, 0] + s[:, 1]) + (s[:, 2] + s[:, 3])
    t = v[:, :3] * v[:, 7:8]
    out[:n, 1] = t[:, 0] - t[:, 1] + t[:, 2]
    w = a["k"].reshape(-1, 16)[:n].astype(np.int64)
    e = w[:, 0::2] - w[:, 1::2]
    iout = np.zeros(24, np.int64)
    iout[:n] = e[:, 0] + e[:, 7] * 3 + w[:, 10] * w[:, 5] + (w[:, 15] - w[:, 0])
    return {"out": out.reshape(-1), "iout": iout.astype(np.int32)}


def _parith_args(rng: np.random.Generator) -> Args:
    rows, cols = 21, 7
    return {
        "m": rng.integers(-100, 100, rows * cols).astype(np.int32),
        "alt": rng.integers(-100, 100, 24).astype(np.int32),
        "out": np.zeros(2 * 24, np.int32),
        "rows": rows,
        "cols": cols,
    }


def _parith_ref(a: Args) -> Outputs:
    rows, cols = a["rows"], a["cols"]
    m = a["m"].reshape(rows, cols).astype(np.int64)
    r = np.arange(rows)
    src = np.where(r & 1, a["alt"][:rows], m[:, 0])
    out = np.zeros((24, 2), np.int64)
    out[:rows, 0] = m.sum(1) - src
    out[:rows, 1] = (cols - 1) + m[:, cols // 2]
    return {"out": out.reshape(-1).astype(np.int32)}


ND3 = ((4, 6, 2), (2, 3, 1))


def _nd3_ref(a: Args) -> Outputs:
    (gx, gy, gz), (lx, ly, lz) = ND3
    out = np.zeros((gz, gy, gx, 2), np.int64)
    z, y, x = np.meshgrid(np.arange(gz), np.arange(gy), np.arange(gx), indexing="ij")
    out[..., 0] = (x % lx + 10 * (y % ly) + 100 * (z % lz)
                   + 1000 * (x // lx + 10 * (y // ly) + 100 * (z // lz)))  # fmt: skip
    out[..., 1] = lx * ly * lz + 1000 * (gx // lx) * (gy // ly) * (gz // lz)
    return {"out": out.reshape(-1).astype(np.int32)}


SPECS: list[Spec] = [
    # issue 6 kinds
    Spec("matmul_naive", "matmul_naive.cl", (24, 24), (8, 8), _mm_args, _mm_ref,
         what="naive matmul, loop over k, 2-D uneven NDRange"),
    Spec("matmul_tiled", "matmul_tiled.cl", (24, 24), (8, 8), _mm_args, _mm_ref,
         defines={"TILE": "8"},
         what="tiled matmul: __local tiles, barriers in a loop, zero-padded edges"),
    Spec("jacobi2d", "jacobi2d.cl", (16, 16), (8, 8), _jacobi_args, _jacobi_ref,
         what="jacobi-2d stencil with boundary branches, early return"),
    Spec("reduce_atomic", "reduce_atomic.cl", (224,), (32,), _reduce_args,
         lambda a: {"sum": np.array([a["in"].sum()], np.int32)}, defines={"WG": "32"},
         what="__local barrier-tree reduction, atomic_add of partial sums"),
    Spec("histogram_global", "histogram_global.cl", (320,), (64,), _hist_args,
         lambda a: {"hist": np.bincount(a["data"] % 16, minlength=16).astype(np.uint32)},
         what="histogram with global atomic_inc"),
    Spec("histogram_local", "histogram_local.cl", (320,), (64,), _hist_args,
         lambda a: {"hist": np.bincount((a["data"] >> 2) % 16, minlength=16).astype(np.uint32)},
         what="histogram: atomic_inc on __local bins, merged with global atomic_add"),
    Spec("collatz", "collatz.cl", (128,), (32,), _collatz_args, _collatz_ref,
         what="data-dependent while loop with break and continue"),
    Spec("scan", "scan.cl", (112,), (SCAN_WG,), _scan_args, _scan_ref,
         defines={"WG": str(SCAN_WG)},
         what="prefix sum (Hillis-Steele) with barriers in a loop, block sums"),
    Spec("inplace_update", "inplace_update.cl", (64,), (16,), _inplace_args, _inplace_ref,
         what="loads and stores of one buffer alias (read after write in a work-item)"),
    Spec("restrict_triad", "restrict_triad.cl", (128,), (32,), _triad_args,
         lambda a: {"a": a["b"] + f32(a["s"]) * a["c"]},
         what="restrict pointers (STREAM triad)"),
    Spec("fir_single", "fir_single.cl", (1,), (1,), _fir_args, _fir_ref, timeout_cycles=100_000,
         what="single-work-item FIR loop, __constant taps"),
    Spec("fir_single_restrict", "fir_single_restrict.cl", (1,), (1,), _fir_args, _fir_ref,
         timeout_cycles=100_000,
         what="fir_single with restrict pointers: iterations pipelined (fork/join)"),
    Spec("prefix_carry", "prefix_carry.cl", (1,), (1,), _carry_args, _carry_ref,
         timeout_cycles=100_000,
         what="single-work-item loop with a loop-carried dependence"),
    Spec("conv2d", "conv2d.cl", (16, 16), (8, 8), _conv2d_args, _conv2d_ref,
         what="3x3 convolution, __constant filter, clamp-to-edge borders"),
    Spec("transpose_local", "transpose_local.cl", (16, 16), (8, 8), _transpose_args,
         lambda a: {"out": a["in"].reshape(a["rows"], a["cols"]).T.reshape(-1)},
         what="transpose through a padded 2-D __local tile"),
    Spec("bitonic_local", "bitonic_local.cl", (64,), (16,), _bitonic_args,
         lambda a: {"data": np.sort(a["data"].reshape(4, 16), axis=1).reshape(-1)},
         defines={"WG": "16"},
         what="bitonic sort in __local memory, barriers in nested loops"),
    # front-end features (issue 4)
    Spec("vector_float4", "vector_float4.cl", (32,), (8,), _vf4_args, _vf4_ref,
         what="float4 arithmetic, swizzles, vload4/vstore4, convert_int4"),
    Spec("vector_int_ops", "vector_int_ops.cl", (24,), (8,), _vint_args, _vint_ref,
         what="int4 compares (-1/0), vector select, .lo/.hi/.even/.odd, as_uint4, any/all"),
    Spec("convert_sat", "convert_sat.cl", (32,), (8,), _conv_args, _conv_ref,
         what="uchar4 image, convert_uchar4_sat, convert_int_rtz/_sat, char wrap, short saturation"),
    Spec("struct_particles", "struct_particles.cl", (32,), (8,), _particle_args, _particle_ref,
         what="typedef'd struct in a global buffer (OpenCL layout), -> on a struct pointer"),
    Spec("union_enum", "union_enum.cl", (32,), (8,), _union_args, _union_ref,
         what="union type punning, enum, typedef"),
    Spec("struct_bins", "struct_bins.cl", (40,), (8,), _bins_args, _bins_ref,
         what="nested structs with an array member, struct argument by value, struct-returning helper, designated initialisers"),
    Spec("constant_table", "constant_table.cl", (48,), (16,), _table_args, _table_ref,
         what="file-scope __constant tables with initialisers"),
    Spec("private_array", "private_array.cl", (32,), (8,), _private_args, _private_ref,
         what="private arrays (1-D and 2-D with initialiser), insertion sort"),
    Spec("switch_ops", "switch_ops.cl", (64,), (16,), _switch_args, _switch_ref,
         what="switch with fall-through and default"),
    Spec("helper_functions", "helper_functions.cl", (40,), (8,), _helper_args, _helper_ref,
         what="helper functions (inline, nested calls, early return)"),
    Spec("loops_nested", "loops_nested.cl", (40,), (8,), _loops_args, _loops_ref,
         what="do-while, nested loops, break/continue, early return"),
    Spec("polybench_gemm", "polybench_gemm.cl", (16, 16), (8, 8), _gemm_args, _gemm_ref,
         kernel="gemm", defines={k: str(v) for k, v in GEMM.items()},
         what="PolyBench gemm: -D sizes, index macros, DATA_TYPE macro"),
    Spec("polybench_atax1", "polybench_atax.cl", (32,), (16,), _atax1_args, _atax1_ref,
         kernel="atax_kernel1", defines={k: str(v) for k, v in ATAX.items()},
         what="PolyBench atax kernel 1 (tmp = A x), typedef DATA_TYPE"),
    Spec("polybench_atax2", "polybench_atax.cl", (32,), (8,), _atax2_args, _atax2_ref,
         kernel="atax_kernel2", defines={k: str(v) for k, v in ATAX.items()},
         what="PolyBench atax kernel 2 (y = A^T tmp), column walk"),
    Spec("polybench_bicg1", "polybench_bicg.cl", (16,), (8,), _bicg1_args, _bicg1_ref,
         kernel="bicgKernel1", defines={k: str(v) for k, v in BICG.items()},
         what="PolyBench bicg kernel 1 (q = A p)"),
    Spec("polybench_bicg2", "polybench_bicg.cl", (16,), (8,), _bicg2_args, _bicg2_ref,
         kernel="bicgKernel2", defines={k: str(v) for k, v in BICG.items()},
         what="PolyBench bicg kernel 2 (s = A^T r)"),
    Spec("math_basic", "math_basic.cl", (48,), (16,), _fpair_args(-10, 10, -10, 10, 8),
         _math_basic_ref, what="sqrt fabs fmin fmax floor ceil trunc round fma copysign fdim /"),
    Spec("math_transcendental", "math_transcendental.cl", (48,), (16,),
         _fpair_args(0.1, 4, -2, 2, 12), _math_trans_ref, rtol=4e-6, atol=1e-6,
         what="exp exp2 log log2 pow sin cos tan atan2 tanh rsqrt cbrt hypot (ULP bounds)"),
    Spec("geometric", "geometric.cl", (24,), (8,), _geo_args, _geo_ref, rtol=1e-5, atol=1e-6,
         what="dot cross length distance normalize mix clamp fmax on float4/float3"),
    Spec("int_builtins", "int_builtins.cl", (40,), (8,), _intb_args, _intb_ref,
         what="mul24 mad24 mul_hi add_sat sub_sat hadd rhadd clamp abs min max rotate popcount clz abs_diff"),
    Spec("select_any_all", "select_any_all.cl", (24,), (8,), _sel_args, _sel_ref,
         what="scalar/vector select, any, all; NaN/inf/-0 inputs"),
    Spec("mixed_signedness", "mixed_signedness.cl", (40,), (8,), _mixed_args, _mixed_ref,
         what="signed/unsigned promotion, shifts, char/ushort, long products, C division"),
    Spec("long_dot", "long_dot.cl", (32,), (8,), _long_args, _long_ref,
         what="64-bit integers: long accumulator, ulong FNV hash with wraparound"),
    Spec("double_axpby", "double_axpby.cl", (64,), (16,), _double_args, _double_ref,
         what="double precision arithmetic, #pragma OPENCL EXTENSION cl_khr_fp64"),
    Spec("local_arg_reverse", "local_arg_reverse.cl", (48,), (16,), _larg_args, _larg_ref,
         what="__local pointer argument, reqd_work_group_size"),
    Spec("atomics_misc", "atomics_misc.cl", (96,), (32,), _atom_args, _atom_ref,
         what="atomic_min/max/sub/and/or/xor/xchg/cmpxchg, atom_add, __local atomic_max"),
    Spec("include_vectors", "include_vectors.cl", (24,), (8,), _incv_args, _incv_ref,
         defines={"BLOCK": "8"}, include_dirs=("include",),
         what="#include + -I + -D, float8/int16/float3, .s0-.sF, size_t, mem_fence, attributes"),
    Spec("pointer_arith", "pointer_arith.cl", (24,), (8,), _parith_args, _parith_ref,
         what="global pointer arithmetic, *p++, a pointer chosen at run time"),
    Spec("one_bit_edge", "../bugs/one_bit_edge.cl", (64,), (16,),
         lambda rng: {"out": np.zeros(1, np.int32)}, lambda a: {"out": np.array([20], np.int32)},
         what="regression: a 1-bit value alone live across a barrier (was read as "
              "`eN_out_data[0:0]` from a scalar wire)"),
    Spec("relational_gaps", "relational_gaps.cl", (32,), (8,), _gaps_args, _gaps_ref,
         what="isnan isinf isfinite signbit step sign convert_int_rte get_work_dim get_global_offset printf, pointer < and -"),
    Spec("ndrange_3d", "ndrange_3d.cl", ND3[0], ND3[1],
         lambda rng: {"out": np.zeros(2 * 48, np.int32)}, _nd3_ref,
         what="3-D NDRange, every work-item function"),
]  # fmt: skip

#: hardware tests in the slow suite: each is a fresh Verilator build (~10-20 s
#: on an idle core), so the default run keeps the issue-6 kinds, the control-flow
#: kernels and the ones refused at compile time (cheap, and they list the gaps)
SLOW = {
    "matmul_tiled", "transpose_local", "bitonic_local", "conv2d", "constant_table",
    "vector_float4", "vector_int_ops", "convert_sat", "math_basic", "geometric", "int_builtins",
    "select_any_all", "mixed_signedness", "long_dot", "double_axpby", "ndrange_3d",
    "include_vectors", "polybench_gemm", "polybench_atax1", "polybench_atax2", "polybench_bicg1", "polybench_bicg2",
    "math_transcendental",
}  # fmt: skip
SPECS = [replace(s, slow=True) if s.name in SLOW else s for s in SPECS]

BY_NAME = {s.name: s for s in SPECS}
assert SLOW <= set(BY_NAME), "unknown names in SLOW"
assert len(BY_NAME) == len(SPECS), "duplicate spec names"
