"""soff.ir.vinterp, the vectorised interpreter, against the reference interpreter
(``run_kernel(..., vectorize=False)``, one work-item at a time), numpy, and PoCL.

Results must be identical to the reference, byte for byte. Kernels it is meant to
vectorise run with ``fallback=False``, so a silent fall back to the reference
fails the test instead of hiding.
"""

from __future__ import annotations

import json
import textwrap
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from soff.frontend import compile_source
from soff.ir.core import MATH_FUNCTIONS, MATH_INT_OPERAND, MATH_INT_RESULT, Kernel
from soff.ir.interp import InterpError, Local, run_kernel
from soff.ir.parser import parse_kernel
from soff.ir.semantics import float_fma
from soff.ir.vinterp import NotVectorized, run_kernel_fast
from soff.testing.fuzz import pocl_available, run_pocl
from soff.testing.fuzz_gen import Features, args_from_json, generate

ROOT = Path(__file__).resolve().parents[2]


def cl(source: str, name: str | None = None) -> Kernel:
    ks = compile_source(textwrap.dedent(source), "t.cl").kernels
    return ks[0] if name is None else next(k for k in ks if k.name == name)


def _copy(args: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in args.items()}


def same(kernel: Kernel, args: dict[str, Any], gs: Any, ls: Any = None, vectorised: bool = True):
    """Run both interpreters; their buffers must be identical (bytes, so NaNs too)."""
    ref = run_kernel(kernel, _copy(args), gs, ls, vectorize=False)
    got = run_kernel_fast(kernel, _copy(args), gs, ls, fallback=not vectorised)
    assert ref.keys() == got.keys()
    for name in ref:
        a, b = ref[name], got[name]
        assert a.dtype == b.dtype and a.shape == b.shape, name
        if a.tobytes() != b.tobytes():
            bad = np.flatnonzero(a.reshape(-1).view(np.uint8) != b.reshape(-1).view(np.uint8))
            i = bad[0] // a.itemsize
            raise AssertionError(
                f"buffer {name}: {len(bad)} byte(s) differ; first at element {i}: "
                f"reference {a.reshape(-1)[i]!r}, vectorised {b.reshape(-1)[i]!r}"
            )
    return got


def _error(fn: Any) -> str:
    with pytest.raises(InterpError) as info:
        fn()
    return str(info.value)


# -- the examples and the regression kernels ------------------------------------------------

RNG = np.random.default_rng(7)


def _i32(n: int) -> np.ndarray:
    return RNG.integers(-(2**31), 2**31, n, dtype=np.int64).astype(np.int32)


def test_examples() -> None:
    n = 1000
    k = cl((ROOT / "examples" / "vadd.cl").read_text())
    same(k, {"a": _i32(n), "b": _i32(n), "c": np.zeros(n, np.int32), "n": n - 3}, 1024, 64)
    k = cl((ROOT / "examples" / "saxpy_int.cl").read_text())
    same(k, {"alpha": -7, "x": _i32(n), "y": _i32(n), "n": n}, n, 8)
    k = cl((ROOT / "examples" / "vector_ops.cl").read_text())
    a, b = _i32(n), _i32(n)
    a[:4], b[:4] = [-(2**31), 5, 0, 7], [-1, 0, 0, -(2**31)]
    out = {"sum_or_diff": np.zeros(n, np.int32), "mixed": np.zeros(n, np.int32),
           "flags": np.zeros(n, np.uint8)}  # fmt: skip
    same(k, {"a": a, "b": b, "n": n} | out, n, 10)


REGRESSIONS = sorted(
    p
    for p in (ROOT / "tests" / "regressions").glob("*.cl")
    if not p.name.endswith(".orig.cl") and p.with_suffix(".json").exists()
)


@pytest.mark.parametrize("path", REGRESSIONS, ids=[p.stem for p in REGRESSIONS])
def test_regression_kernels(path: Path) -> None:
    spec = json.loads(path.with_suffix(".json").read_text())
    k = cl(path.read_text(), spec["kernel"])
    same(k, args_from_json(spec), spec["global_size"], spec["local_size"])


def _corpus() -> list[Any]:
    """The OpenCL kernel corpus (tests/kernels/specs.py)."""
    import importlib.util
    import sys

    path = ROOT / "tests" / "kernels" / "specs.py"
    if "specs" not in sys.modules:
        spec = importlib.util.spec_from_file_location("specs", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["specs"] = module
        spec.loader.exec_module(module)
    return list(sys.modules["specs"].SPECS)


CORPUS = _corpus()


@pytest.mark.parametrize("spec", CORPUS, ids=[s.name for s in CORPUS])
def test_corpus_kernels(spec: Any) -> None:
    from soff.diagnostics import UnsupportedError
    from soff.driver import select_kernel
    from soff.frontend import compile_file

    try:
        module = compile_file(
            str(spec.path), defines=dict(spec.defines), include_dirs=spec.includes
        )
    except UnsupportedError as e:
        pytest.skip(f"front end: {e}")
    k = select_kernel(module, spec.kernel, str(spec.path))
    try:
        same(k, spec.make_args(np.random.default_rng(1)), spec.global_size, spec.local_size)
    except NotVectorized as e:  # e.g. printf: the reference interpreter runs it (test_corpus)
        pytest.skip(str(e))


def _cuda_cases() -> dict[str, Any]:
    """The CUDA kernel corpus (tests/e2e/test_cuda_kernels.py's cases)."""
    import importlib.util
    import sys

    name = "_soff_cuda_cases"
    if name not in sys.modules:
        path = ROOT / "tests" / "e2e" / "test_cuda_kernels.py"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return dict(sys.modules[name].CASES)


CUDA = _cuda_cases()


@pytest.mark.parametrize("name", list(CUDA))
def test_cuda_corpus_kernels(name: str) -> None:
    from soff.driver import launch_sizes
    from soff.frontend import compile_file

    case = CUDA[name]
    path = ROOT / "tests" / "kernels" / "cuda" / case.file
    (k,) = compile_file(str(path), shared_bytes=case.shared_bytes).kernels
    gs, ls = launch_sizes(None, None, case.grid, case.block)
    same(k, case.make_args(np.random.default_rng(1)), gs, ls)


# -- generated kernels --------------------------------------------------------------------

FUZZ_SEEDS = list(range(9000, 9200))


@pytest.mark.parametrize("first", FUZZ_SEEDS[::20])
def test_fuzz_kernels(first: int) -> None:
    """200 generated kernels (every integer op, casts, loops, switch, early
    returns, 2-D NDRanges, 64-to-128-bit helpers); every other one with popcount/clz."""
    for seed in range(first, first + 20):
        p = generate(seed, Features(popcount_clz=seed % 2 == 0))
        k = cl(p.source, p.kernel)
        same(k, p.make_args(), p.global_size, p.local_size)


# -- control flow, memory, barriers ----------------------------------------------------------

LOOPS = """
__kernel void loops(__global const int *a, __global int *out, int n) {
    int i = get_global_id(0);
    if (a[i] < -1000000) return;
    int s = 0, t = a[i] & 31;
    for (int j = 0; j < t; j++) {
        if ((j ^ i) & 1) continue;
        s += j * a[(i + j) % n];
        if (s > 1000000) break;
        int k = 0;
        do { s ^= k << 2; k++; } while (k < (j & 3));
    }
    switch (t & 3) {
    case 0: s += 1; break;
    case 1: s -= 7;
    case 2: s *= 3; break;
    default: s = -s;
    }
    out[i] = s;
}
"""


def test_divergent_loops_breaks_and_early_return() -> None:
    n = 777
    a = RNG.integers(-2_000_000, 200, n, dtype=np.int32)
    same(cl(LOOPS), {"a": a, "out": np.full(n, 5, np.int32), "n": n}, n, 7)


def test_two_dimensional_ranges_and_ids() -> None:
    k = cl("""
    __kernel void ids(__global ulong *o) {
        size_t x = get_global_id(0), y = get_global_id(1), z = get_global_id(2);
        size_t i = (z * get_global_size(1) + y) * get_global_size(0) + x;
        o[i] = get_local_id(0) + 10 * get_local_id(1) + 100 * get_local_id(2)
             + 1000 * get_group_id(0) + 10000 * get_group_id(1) + 100000 * get_group_id(2)
             + 1000000 * (get_num_groups(0) + get_local_size(1));
    }
    """)
    same(k, {"o": np.zeros(6 * 4 * 3, np.uint64)}, (6, 4, 3), (3, 2, 1))
    same(k, {"o": np.zeros(24, np.uint64)}, (6, 4), (2, 2))


def test_private_arrays_constant_tables_and_pointer_selects() -> None:
    k = cl("""
    __constant int TAB[5] = {3, -1, 4, 1, -5};
    __kernel void mem(__global const int *a, __global const int *b, __global int *o) {
        int i = get_global_id(0);
        int t[8];
        for (int j = 0; j < 8; j++) t[j] = a[i] * j + TAB[j % 5];
        __global const int *p = (i & 1) ? a : b;
        int s = 0;
        for (int j = i & 7; j < 8; j++) s += t[j] ^ p[(i + j) % 64];
        o[i] = s;
    }
    """)
    same(k, {"a": _i32(64), "b": _i32(64), "o": np.zeros(64, np.int32)}, 64, 8)


def test_predicated_ops_and_unaligned_bytes() -> None:
    k = cl("""
    __kernel void bytes(__global const uchar *a, __global uint *o, __global ushort *h) {
        int i = get_global_id(0);
        uint v = a[i] | (a[i + 1] << 8) | (a[i + 2] << 16) | ((uint)a[i + 3] << 24);
        o[i] = v > 0x80000000u ? v : ~v;
        h[i] = (ushort)(v >> 3);
    }
    """)
    a = RNG.integers(0, 256, 67, dtype=np.uint8)
    same(k, {"a": a, "o": np.zeros(64, np.uint32), "h": np.zeros(64, np.uint16)}, 64)


REDUCE = """
__kernel void reduce(__global const float *x, __global float *sums, __local float *tmp) {
    size_t l = get_local_id(0);
    __local int hits[2];
    tmp[l] = x[get_global_id(0)];
    if (l == 0) hits[0] = 0;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (size_t s = get_local_size(0) / 2; s > 0; s >>= 1) {
        if (l < s)
            tmp[l] += tmp[l + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (l == 0) {
        hits[1] = (int)get_group_id(0);
        sums[get_group_id(0)] = tmp[0] + (float)hits[1];
    }
}
"""


def test_barriers_and_local_memory_vectorised() -> None:
    x = RNG.standard_normal(4096).astype(np.float32)
    got = same(cl(REDUCE), {"x": x, "sums": np.zeros(64, np.float32), "tmp": Local(256)}, 4096, 64)
    assert got["sums"].dtype == np.float32


def test_barrier_after_a_divergent_loop_is_vectorised() -> None:
    """Work-items leaving a loop early wait at its exit for the others (the
    scheduler keeps loops together), so a barrier after the loop sees the group."""
    k = cl("""
    __kernel void dot(__global const int *a, __global int *out, int n) {
        __local int cache[16];
        int sum = 0;
        for (int i = get_global_id(0); i < n; i += get_global_size(0)) {
            if (a[i] < 0) continue;
            sum += a[i];
        }
        cache[get_local_id(0)] = sum;
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int s = 8; s > 0; s /= 2) {
            if (get_local_id(0) < s) cache[get_local_id(0)] += cache[get_local_id(0) + s];
            barrier(CLK_LOCAL_MEM_FENCE);
        }
        if (get_local_id(0) == 0) out[get_group_id(0)] = cache[0];
    }
    """)
    a = RNG.integers(-50, 100, 1000, dtype=np.int32)
    same(k, {"a": a, "out": np.zeros(4, np.int32), "n": 1000}, 64, 16)


def test_barrier_divergence_is_the_reference_error() -> None:
    k = cl("""
    __kernel void div(__global int *o) {
        int i = get_global_id(0);
        if (i < 2) barrier(CLK_LOCAL_MEM_FENCE);
        o[i] = i;
    }
    """)
    args = {"o": np.zeros(4, np.int32)}
    ref = _error(lambda: run_kernel(k, _copy(args), 4, 4, vectorize=False))
    assert "barrier divergence" in ref
    assert _error(lambda: run_kernel_fast(k, _copy(args), 4, 4)) == ref
    with pytest.raises(NotVectorized, match="barrier divergence"):
        run_kernel_fast(k, _copy(args), 4, 4, fallback=False)


def test_races_go_to_the_reference() -> None:
    """Work-items that communicate through global memory without a barrier race
    (undefined in OpenCL); the reference's one-after-another order decides."""
    k = cl("""
    __kernel void race(__global int *c, __global int *order) {
        int i = get_global_id(0);
        int n = c[0];
        c[0] = n + 1;
        order[i] = n;
        if (i > 0) order[i - 1] += 100;
    }
    """)
    args = {"c": np.zeros(1, np.int32), "order": np.zeros(12, np.int32)}
    got = same(k, args, 12, 4, vectorised=False)
    assert got["c"].tolist() == [12]
    with pytest.raises(NotVectorized, match="race"):
        run_kernel_fast(k, _copy(args), 12, 4, fallback=False)
    # the same location written by every work-item in one op is no race: the last one wins
    k = cl("__kernel void last(__global int *c) { c[0] = get_global_id(0); }")
    assert same(k, {"c": np.zeros(1, np.int32)}, 64)["c"].tolist() == [63]


def test_out_of_bounds_is_the_reference_error() -> None:
    k = cl("""
    __kernel void oob(__global const int *a, __global int *c) {
        int i = get_global_id(0);
        if (i % 3 == 1) c[i + 2] = a[i];
    }
    """)
    args = {"a": np.zeros(16, np.int32), "c": np.zeros(8, np.int32)}
    ref = _error(lambda: run_kernel(k, _copy(args), 16, vectorize=False))
    assert "store out of bounds of argument 'c'" in ref and "global id (7,)" in ref
    assert _error(lambda: run_kernel_fast(k, _copy(args), 16, fallback=False)) == ref
    k = cl("""
    __kernel void priv(__global int *c, int j) {
        int t[4] = {1, 2, 3, 4};
        c[get_global_id(0)] = t[get_global_id(0) + j];
    }
    """)
    args = {"c": np.zeros(8, np.int32), "j": 1}
    ref = _error(lambda: run_kernel(k, _copy(args), 8, vectorize=False))
    assert "private array" in ref
    assert _error(lambda: run_kernel_fast(k, _copy(args), 8, fallback=False)) == ref


ATOMICS = """
__kernel void atomics(__global const int *x, __global int *hist, __global uint *cnt,
                      __global int *old, __global float *fsum, __global int *mm) {
    int i = get_global_id(0);
    __local int lh[8];
    int l = get_local_id(0);
    if (l < 8) lh[l] = 0;
    barrier(CLK_LOCAL_MEM_FENCE);
    atomic_inc(&lh[x[i] & 7]);
    atomic_add(&hist[x[i] & 15], x[i]);
    old[i] = atomic_inc(&cnt[0]) + 1000 * (int)atomic_sub(&cnt[1], 3u);
    if (i % 3 == 0) atomic_xchg(&fsum[1], (float)i);
    atomic_min(&mm[0], x[i]); atomic_max(&mm[1], x[i]);
    atomic_or(&mm[2], 1 << (x[i] & 31)); atomic_xor(&mm[3], x[i]); atomic_and(&mm[4], ~(1 << (i & 31)));
    old[i] += atomic_cmpxchg(&mm[5], i - 1, i) * 7;
    barrier(CLK_LOCAL_MEM_FENCE);
    if (l < 8) atomic_add(&hist[16 + l], lh[l]);
}
"""


def test_atomics_vectorised_in_the_reference_order() -> None:
    """Every atomic op, many work-items on one location, __local and global: the
    old values come out as if the work-items ran one after another."""
    n = 256
    x = RNG.integers(-1000, 1000, n, dtype=np.int32)
    mm = np.array([2**31 - 1, -(2**31), 0, 0, -1, -1], np.int32)
    args = {"x": x, "hist": np.zeros(24, np.int32), "cnt": np.array([5, 7], np.uint32),
            "old": np.zeros(n, np.int32), "fsum": np.zeros(2, np.float32), "mm": mm}  # fmt: skip
    got = same(cl(ATOMICS), args, n, 32)
    assert got["cnt"].tolist() == [5 + n, (7 - 3 * n) % 2**32]
    assert got["mm"][:2].tolist() == [x.min(), x.max()] and got["mm"][5] == n - 1


def test_float_atomic_add_rounds_in_order() -> None:
    src = """
    __global__ void f(const float *x, float *s, float *old) {
        int i = blockIdx.x * blockDim.x + threadIdx.x;
        old[i] = atomicAdd(&s[i % 2], x[i]);
    }
    """
    k = compile_source(textwrap.dedent(src), "t.cu").kernels[0]
    x = (RNG.standard_normal(512) * 1e3).astype(np.float32)
    same(k, {"x": x, "s": np.zeros(2, np.float32), "old": np.zeros(512, np.float32)}, 512, 64)


def test_many_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Launches split into chunks of whole work-groups run as one would."""
    import soff.ir.vinterp as vinterp

    monkeypatch.setattr(vinterp, "CHUNK_ITEMS", 96)
    x = RNG.standard_normal(1024).astype(np.float32)
    same(cl(REDUCE), {"x": x, "sums": np.zeros(16, np.float32), "tmp": Local(256)}, 1024, 64)
    a = RNG.integers(-2_000_000, 200, 500, dtype=np.int32)
    same(cl(LOOPS), {"a": a, "out": np.zeros(500, np.int32), "n": 500}, 500, 5)
    xs = RNG.integers(-1000, 1000, 256, dtype=np.int32)
    mm = np.array([2**31 - 1, -(2**31), 0, 0, -1, -1], np.int32)
    args = {"x": xs, "hist": np.zeros(24, np.int32), "cnt": np.array([5, 7], np.uint32),
            "old": np.zeros(256, np.int32), "fsum": np.zeros(2, np.float32), "mm": mm}  # fmt: skip
    same(cl(ATOMICS), args, 256, 32)


# -- integer and float semantics -----------------------------------------------------------

INT_OPS = """
__kernel void ops(__global const T *a, __global const T *b, __global T *o) {
    size_t i = get_global_id(0);
    T x = a[i], y = b[i];
    size_t k = i * 12;
    o[k] = x + y; o[k + 1] = x - y; o[k + 2] = x * y;
    o[k + 3] = y != 0 ? x / y : 0; o[k + 4] = y != 0 ? x % y : 0;
    o[k + 5] = x << (y & (sizeof(T) * 8 - 1)); o[k + 6] = x >> (y & (sizeof(T) * 8 - 1));
    o[k + 7] = (x & y) ^ ~x | y; o[k + 8] = -x; o[k + 9] = x < y;
    o[k + 10] = (T)(float)x + (T)(double)y; o[k + 11] = mul_hi(x, y) + hadd(x, y) + rhadd(x, y);
}
"""


@pytest.mark.parametrize("ctype, dt", [("char", np.int8), ("uchar", np.uint8),
                                       ("short", np.int16), ("ushort", np.uint16),
                                       ("int", np.int32), ("uint", np.uint32),
                                       ("long", np.int64), ("ulong", np.uint64)])  # fmt: skip
def test_integer_ops_wrap_in_their_type(ctype: str, dt: Any) -> None:
    info = np.iinfo(dt)
    n = 256
    special = [0, 1, -1, 2, info.min, info.max, info.min + 1, info.max - 1]
    special = np.array([v % (1 << info.bits) for v in special], np.uint64).astype(dt)
    a = RNG.integers(info.min, info.max, n, dtype=dt, endpoint=True)
    b = RNG.integers(info.min, info.max, n, dtype=dt, endpoint=True)
    a[:64] = np.repeat(special, 8)
    b[:64] = np.tile(special, 8)
    k = cl(INT_OPS.replace("T", ctype))
    same(k, {"a": a, "b": b, "o": np.zeros(12 * n, dt)}, n)


def test_float_to_int_corners_and_popcount_clz() -> None:
    k = parse_kernel(textwrap.dedent("""
        kernel @conv(%x: ptr.global<f32>, %o: ptr.global<i32>, %u: ptr.global<u64>, %c: ptr.global<u16>) {
        ^entry:
          %i = global_id {dim = 0} : u64
          %px = ptradd %x, %i : ptr.global<f32>
          %v = load %px : f32
          %a = cast %v : i32
          %po = ptradd %o, %i : ptr.global<i32>
          %s1 = store %po, %a : void
          %b = cast %v : u64
          %pu = ptradd %u, %i : ptr.global<u64>
          %s2 = store %pu, %b : void
          %h = cast %a : u16
          %p = popcount %h : u16
          %z = clz %h : u16
          %pz = add %p, %z : u16
          %pc = ptradd %c, %i : ptr.global<u16>
          %s3 = store %pc, %pz : void
          ret
        }
    """).lstrip("\n"))  # fmt: skip
    x = np.array([np.nan, np.inf, -np.inf, 3e9, -3e9, 1e19, 2e19, -1e30, 1e38, 0.5, -0.9,
                  -2.5, 65535.7, 2**31 - 128, -(2**31), 7.0], np.float32)  # fmt: skip
    args = {"x": x, "o": np.zeros(16, np.int32), "u": np.zeros(16, np.uint64),
            "c": np.zeros(16, np.uint16)}  # fmt: skip
    same(k, args, 16)


def _float_inputs(n: int, dt: Any) -> np.ndarray:
    specials = [0.0, -0.0, 1.0, -1.0, 0.5, 2.5, -2.5, 1e-40, -1e-45, 3.4e38, np.inf, -np.inf,
                np.nan, 100.0, 1e-7, 0.75]  # fmt: skip
    x = (RNG.standard_normal(n) * np.exp(RNG.uniform(-10, 10, n))).astype(dt)
    x[: len(specials)] = np.array(specials, dt)
    return x


MATH_FNS = sorted(MATH_FUNCTIONS)


@pytest.mark.parametrize("fn", MATH_FNS)
@pytest.mark.parametrize("ctype", ["float", "double"])
def test_math_functions_match_the_reference(fn: str, ctype: str) -> None:
    """Each ``math`` function on specials and random values, through the front end."""
    dt = np.float32 if ctype == "float" else np.float64
    arity = MATH_FUNCTIONS[fn]
    operands = []
    for j, name in enumerate("abc"[:arity]):
        operands.append(f"{name}[i]" if MATH_INT_OPERAND.get(fn) != j else "n[i]")
    rtype = "int" if fn in MATH_INT_RESULT else ctype
    src = f"""
    #pragma OPENCL EXTENSION cl_khr_fp64 : enable
    __kernel void m(__global const {ctype} *a, __global const {ctype} *b, __global const {ctype} *c,
                    __global const int *n, __global {rtype} *o) {{
        size_t i = get_global_id(0);
        o[i] = {fn}({", ".join(operands)});
    }}
    """
    try:
        k = cl(src)
    except Exception as e:  # noqa: BLE001 - a builtin the front end does not name this way
        pytest.skip(f"{fn}: {e}")
    m = 256
    args = {"a": _float_inputs(m, dt), "b": np.roll(_float_inputs(m, dt), 5),
            "c": np.roll(_float_inputs(m, dt), 11), "n": RNG.integers(-4, 5, m, dtype=np.int32),
            "o": np.zeros(m, np.int32 if rtype == "int" else dt)}  # fmt: skip
    same(k, args, m)


def test_fma_is_rounded_once() -> None:
    """The vectorised f32 fma (round-to-odd in binary64) against exact rationals."""
    k = cl("""
    __kernel void f(__global const float *a, __global const float *b, __global const float *c,
                    __global float *o) {
        size_t i = get_global_id(0);
        o[i] = fma(a[i], b[i], c[i]);
    }
    """)
    n = 4096
    a = (1 + RNG.integers(0, 2**23, n) / 2**23).astype(np.float32)
    b = (1 + RNG.integers(0, 2**23, n) / 2**23).astype(np.float32)
    c = -(a.astype(np.float64) * b).astype(np.float32)  # heavy cancellation
    c[::2] = RNG.standard_normal(n // 2).astype(np.float32) * np.float32(1e-7)
    got = run_kernel_fast(k, {"a": a, "b": b, "c": c, "o": np.zeros(n, np.float32)}, n,
                          fallback=False)["o"]  # fmt: skip
    want = [
        np.float32(float_fma(float(x), float(y), float(z), 32))
        for x, y, z in zip(a, b, c, strict=True)
    ]
    assert got.tobytes() == np.array(want, np.float32).tobytes()


# -- speed ---------------------------------------------------------------------------------


def test_million_work_item_vadd_matches_numpy_quickly() -> None:
    n = 1 << 20
    k = cl((ROOT / "examples" / "vadd.cl").read_text())
    a, b = _i32(n), _i32(n)
    t0 = time.perf_counter()
    out = run_kernel(k, {"a": a, "b": b, "c": np.zeros(n, np.int32), "n": n}, n)
    seconds = time.perf_counter() - t0
    np.testing.assert_array_equal(out["c"], a + b)
    assert seconds < 10, f"1M-work-item vadd took {seconds:.1f} s"


# -- PoCL -----------------------------------------------------------------------------------

needs_pocl = pytest.mark.skipif(
    not pocl_available(), reason="no OpenCL runtime (PoCL) that builds kernels"
)


def _vs_pocl(source: str, name: str, args: dict[str, Any], gs: Any, ls: Any) -> None:
    import pyopencl

    from soff.testing.fuzz import _pocl_args

    k = cl(source, name)
    got = run_kernel(k, _copy(args), gs, ls)
    pargs = {n: pyopencl.LocalMemory(v.nbytes) if isinstance(v, Local) else v
             for n, v in _pocl_args(k, args).items()}  # fmt: skip
    want = run_pocl(source, name, [a.name or "" for a in k.args], pargs, gs, ls)
    for buf, w in want.items():
        np.testing.assert_array_equal(got[buf], w, err_msg=f"{name}: buffer {buf}")


@needs_pocl
def test_pocl_agrees_on_examples_and_loops() -> None:
    n = 512
    src = (ROOT / "examples" / "vector_ops.cl").read_text()
    out = {"sum_or_diff": np.zeros(n, np.int32), "mixed": np.zeros(n, np.int32),
           "flags": np.zeros(n, np.uint8)}  # fmt: skip
    _vs_pocl(src, "vector_ops", {"a": _i32(n), "b": _i32(n), "n": n} | out, (n,), (8,))
    a = RNG.integers(-2_000_000, 200, n, dtype=np.int32)
    _vs_pocl(LOOPS, "loops", {"a": a, "out": np.zeros(n, np.int32), "n": np.int32(n)},
             (n,), (8,))  # fmt: skip


@needs_pocl
def test_pocl_agrees_on_barriers() -> None:
    x = RNG.integers(-100, 100, 1024).astype(np.float32)  # exact sums in any order
    args = {"x": x, "sums": np.zeros(16, np.float32), "tmp": Local(256)}
    _vs_pocl(REDUCE, "reduce", args, (1024,), (64,))


@needs_pocl
@pytest.mark.parametrize("first", [9300, 9310])
def test_pocl_agrees_on_fuzz_kernels(first: int) -> None:
    for seed in range(first, first + 10):
        p = generate(seed)
        _vs_pocl(p.source, p.kernel, p.make_args(), p.global_size, p.local_size)
