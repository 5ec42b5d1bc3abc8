"""OpenCL atomic built-ins: lowering to the atomic op, interpreter results and errors."""

from __future__ import annotations

import numpy as np
import pytest
from fe_helpers import compile_ok, ir_text, run

from soff.diagnostics import CompileError
from soff.frontend import atomics, compile_source
from soff.ir.core import ATOMIC_OPS


def test_lowering_orders_atomics_like_stores() -> None:
    text = ir_text(
        """__kernel void k(__global int *c, __global int *out) {
  int i = get_global_id(0);
  int x = out[i];
  int old = atomic_add(&c[0], x);
  int o2 = atomic_cmpxchg(c + 1, 5, old);
  atomic_inc(c);
  out[i] = old + o2 + c[2];
}
"""
    )
    lines = [line.strip() for line in text.splitlines()]
    add = next(line for line in lines if "{op = add}" in line)
    cas = next(line for line in lines if "{op = cmpxchg}" in line)
    inc = next(line for line in lines if "{op = inc}" in line)
    assert "after(%x)" in add
    assert cas.split(" = ")[0] != add.split(" = ")[0]
    assert f"after({add.split(' = ')[0]})" in cas
    assert f"after({cas.split(' = ')[0]})" in inc
    # the compare value 5 is the last operand: (%p, %value, %compare)
    assert cas.split("atomic ")[1].split(" {")[0].split(", ")[1] == add.split(" = ")[0]
    load = next(
        line for line in lines if " = load " in line and "after(" + inc.split(" = ")[0] in line
    )
    assert load


SRC = """__kernel void k(volatile __global uint *hist, __global const uint *d,
                __global int *olds, __global int *m, __global float *f) {
  int i = get_global_id(0);
  atomic_inc(&hist[d[i] % 8]);
  olds[i] = atomic_add(&m[0], 1);
  atom_max(&m[1], (int)d[i]);
  atomic_min(&m[2], -(int)d[i]);
  atomic_or(&m[3], 1 << (i % 31));
  atomic_cmpxchg(&m[4], i, i + 1);
  atomic_xchg(&f[0], (float)i);
  atomic_dec(&m[5]);
}
"""


def test_interpreter_results() -> None:
    n = 40
    d = np.random.default_rng(3).integers(0, 1000, n).astype(np.uint32)
    out = run(
        SRC,
        {
            "hist": np.zeros(8, np.uint32),
            "d": d,
            "olds": np.zeros(n, np.int32),
            "m": np.zeros(6, np.int32),
            "f": np.zeros(1, np.float32),
        },
        n,
    )
    assert list(out["hist"]) == list(np.bincount(d % 8, minlength=8))
    assert sorted(out["olds"]) == list(range(n))
    m = out["m"]
    assert m[0] == n and m[1] == d.max() and m[2] == -int(d.max())
    assert m[3] == int(np.bitwise_or.reduce([1 << (i % 31) for i in range(n)]))
    assert m[4] == n  # 0 -> 1 -> ... each work-item i swaps i for i + 1
    assert m[5] == -n
    assert out["f"][0] in np.arange(n, dtype=np.float32)


def test_local_histogram_with_barriers() -> None:
    src = """__kernel void k(__global const uint *d, __global uint *hist) {
  __local uint bins[8];
  int l = get_local_id(0);
  if (l < 8) bins[l] = 0;
  barrier(CLK_LOCAL_MEM_FENCE);
  atomic_inc(&bins[d[get_global_id(0)] & 7]);
  barrier(CLK_LOCAL_MEM_FENCE);
  if (l < 8) atomic_add(&hist[l], bins[l]);
}
"""
    d = np.random.default_rng(5).integers(0, 100, 64).astype(np.uint32)
    out = run(src, {"d": d, "hist": np.zeros(8, np.uint32)}, 64, 16)
    assert list(out["hist"]) == list(np.bincount(d & 7, minlength=8))


def test_atom_long() -> None:
    src = """__kernel void k(__global long *a, __global ulong *b) {
  atom_add(&a[0], (long)get_global_id(0) << 33);
  atom_inc(b);
}
"""
    out = run(src, {"a": np.zeros(1, np.int64), "b": np.zeros(1, np.uint64)}, 8)
    assert out["a"][0] == sum(i << 33 for i in range(8)) and out["b"][0] == 8


def _error(src: str) -> str:
    with pytest.raises(CompileError) as info:
        compile_source(src, "k.cl")
    return str(info.value)


@pytest.mark.parametrize(
    ("body", "msg"),
    [
        (
            "int x[2]; atomic_inc(x);",
            "k.cl:2:13: error: 'atomic_inc' needs a pointer to __global or __local memory, "
            "not to private memory",
        ),
        ("atomic_add(f, 1.0f);", "k.cl:2:3: error: 'atomic_add' is not defined on float"),
        (
            "atomic_add(a, 1, 2);",
            "k.cl:2:3: error: too many arguments to function call 'atomic_add'",
        ),
        ("atomic_cmpxchg(a, 1);", "k.cl:2:3: error: too few arguments to function call"),
        ("atomic_add(l, 1);", "k.cl:2:3: error: 'atomic_add' is not defined on long"),
        ("atomic_inc(1);", "k.cl:2:3: error: the first argument of 'atomic_inc' must be a pointer"),
    ],
)
def test_errors(body: str, msg: str) -> None:
    src = (
        f"__kernel void k(__global int *a, __global float *f, __global long *l) {{\n  {body}\n}}\n"
    )
    assert _error(src).startswith(msg), _error(src)


def test_cuda_table_covers_the_ir_ops() -> None:
    assert {b.op for b in atomics.CUDA_ATOMICS.values()} <= set(ATOMIC_OPS)
    assert atomics.CUDA_ATOMICS["atomicInc"].op == "inc_wrap"
    assert atomics.CUDA_ATOMICS["atomicCAS"].compare_first
    module = compile_ok("__kernel void k(__global uint *a) { atomic_dec(a); }")
    assert module.kernels[0].name == "k"


def test_cuda_atomics_check_their_types() -> None:
    src = "__global__ void k(int *a) {\n  atomicInc(a, 3);\n}\n"
    with pytest.raises(CompileError) as info:
        compile_source(src, "k.cu", lang="cuda")
    assert str(info.value).startswith("k.cu:2:3: error: 'atomicInc' is not defined on int"), str(
        info.value
    )


def test_constant_memory_is_not_atomic() -> None:
    src = "__kernel void k(__constant int *c) {\n  atomic_inc(c);\n}\n"
    assert _error(src).startswith(
        "k.cl:2:3: error: 'atomic_inc' needs a pointer to __global or __local memory, "
        "not to constant memory"
    ), _error(src)
