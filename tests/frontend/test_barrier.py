"""Work-group barriers and __local arrays declared in kernels: the interpreter
runs a group's work-items from barrier to barrier (checked against numpy); the
hardware back end rejects both cleanly."""

from __future__ import annotations

import numpy as np
import pytest
from fe_helpers import compile_ok, ir_text, run

import soff
from soff.diagnostics import CompileError
from soff.ir.interp import InterpError, Local, run_kernel
from soff.ir.parser import parse_module
from soff.ir.printer import print_module

REDUCE = """
#define WG 16
__kernel void reduce(__global const int *in, __global int *out) {
    __local int part[WG];
    int l = get_local_id(0);
    part[l] = in[get_global_id(0)];
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = WG / 2; s > 0; s >>= 1) {
        if (l < s)
            part[l] += part[l + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (l == 0)
        out[get_group_id(0)] = part[0];
}"""

SCAN = """
__kernel void scan(__global const float *in, __global float *out, __local float *tmp) {
    __local float buf[2][64];
    int l = get_local_id(0), n = get_local_size(0), g = get_global_id(0);
    int src = 0;
    buf[0][l] = in[g];
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int off = 1; off < n; off *= 2) {
        float v = buf[src][l];
        if (l >= off)
            v += buf[src][l - off];
        buf[1 - src][l] = v;
        src = 1 - src;
        work_group_barrier(CLK_LOCAL_MEM_FENCE);
    }
    tmp[l] = buf[src][l];
    mem_fence(CLK_LOCAL_MEM_FENCE);
    out[g] = tmp[l];
}"""

MATMUL = """
#define T 4
__kernel void matmul(__global const float *A, __global const float *B, __global float *C, int n) {
    __local float As[T][T];
    __local float Bs[T][T];
    int tx = get_local_id(0), ty = get_local_id(1);
    int col = get_global_id(0), row = get_global_id(1);
    float acc = 0.0f;
    for (int t = 0; t < n / T; t++) {
        As[ty][tx] = A[row * n + t * T + tx];
        Bs[ty][tx] = B[(t * T + ty) * n + col];
        barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE);
        for (int k = 0; k < T; k++)
            acc += As[ty][k] * Bs[k][tx];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    C[row * n + col] = acc;
}"""


def test_reduction_tree() -> None:
    text = ir_text(REDUCE)
    assert "%part = alloca : ptr.local<[16 x i32]>" in text
    assert "barrier {flags = [local]}" in text
    a = np.random.default_rng(1).integers(-1000, 1000, 128).astype(np.int32)
    out = run(REDUCE, {"in": a, "out": np.zeros(8, np.int32)}, 128, 16)["out"]
    np.testing.assert_array_equal(out, a.reshape(8, 16).sum(axis=1))


def test_hillis_steele_scan() -> None:
    x = np.random.default_rng(2).integers(0, 8, 256).astype(np.float32)
    args = {"in": x, "out": np.zeros(256, np.float32), "tmp": Local(64 * 4)}
    out = run(SCAN, args, 256, 64)["out"]
    np.testing.assert_array_equal(out, np.cumsum(x.reshape(4, 64), axis=1).ravel())


def test_tiled_matmul() -> None:
    n = 12
    rng = np.random.default_rng(3)
    a = rng.integers(-4, 5, (n, n)).astype(np.float32)
    b = rng.integers(-4, 5, (n, n)).astype(np.float32)
    assert "barrier {flags = [local, global]}" in ir_text(MATMUL)
    args = {"A": a.ravel(), "B": b.ravel(), "C": np.zeros(n * n, np.float32), "n": n}
    out = run(MATMUL, args, (n, n), (4, 4))["C"]
    np.testing.assert_array_equal(out.reshape(n, n), a @ b)


def test_local_scalar_and_fresh_memory_per_group() -> None:
    src = """
    __kernel void k(__global int *o) {
        __local int count;
        __local int seen[4];
        int l = get_local_id(0);
        if (l == 0) count = seen[3] + 7;  /* zero-filled in every group */
        seen[l] = 1;
        barrier(CLK_LOCAL_MEM_FENCE);
        o[get_global_id(0)] = count + seen[(l + 1) % 4];
    }"""
    out = run(src, {"o": np.zeros(12, np.int32)}, 12, 4)["o"]
    np.testing.assert_array_equal(out, np.full(12, 8))


def test_barrier_divergence() -> None:
    src = """
    __kernel void k(__global int *o) {
        int l = get_local_id(0);
        if (l < 2)
            barrier(CLK_LOCAL_MEM_FENCE);
        o[l] = l;
    }"""
    k = compile_ok(src).kernels[0]
    with pytest.raises(
        InterpError,
        match=r"barrier divergence.*work-items 0, 1 reached the barrier at k.cl:5.*work-items 2, 3 returned",
    ):
        run_kernel(k, {"o": np.zeros(4, np.int32)}, 4, 4)
    src2 = """
    __kernel void k(__global int *o) {
        if (get_local_id(0) % 2) barrier(CLK_LOCAL_MEM_FENCE);
        else barrier(CLK_GLOBAL_MEM_FENCE);
    }"""
    with pytest.raises(
        InterpError,
        match=r"barrier divergence in work-group 0 .*work-items 0, 2 reached the barrier at k.cl:4.*work-items 1, 3 reached the barrier at k.cl:3",
    ):
        run(src2, {"o": np.zeros(8, np.int32)}, 8, 4)


def test_uniform_barrier_in_loop_with_varying_trip_count_diverges() -> None:
    src = """
    __kernel void k(__global int *o) {
        for (int i = 0; i <= get_local_id(0); i++)
            barrier(CLK_LOCAL_MEM_FENCE);
    }"""
    with pytest.raises(InterpError, match="barrier divergence"):
        run(src, {"o": np.zeros(2, np.int32)}, 2, 2)


def test_fences_and_macros() -> None:
    src = """
    __kernel void k(__global int *o) {
        o[0] = CLK_LOCAL_MEM_FENCE; o[1] = CLK_GLOBAL_MEM_FENCE;
        read_mem_fence(CLK_GLOBAL_MEM_FENCE);
        write_mem_fence(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE);
        mem_fence(CLK_GLOBAL_MEM_FENCE);
        work_group_barrier(CLK_GLOBAL_MEM_FENCE, 0);
    }"""
    text = ir_text(src)
    assert text.count("barrier") == 1 and "fence" not in text
    assert "barrier {flags = [global]} after(" in text
    np.testing.assert_array_equal(run(src, {"o": np.zeros(2, np.int32)}, 1)["o"], [1, 2])


def test_barrier_errors() -> None:
    with pytest.raises(CompileError, match="constant"):
        compile_ok("__kernel void k(int f) { barrier(f); }")
    with pytest.raises(CompileError, match="too many"):
        compile_ok("__kernel void k() { barrier(1, 2); }")
    with pytest.raises(CompileError, match="initializer"):
        compile_ok("__kernel void k() { __local int a[2] = {1, 2}; }")
    with pytest.raises(CompileError, match="only be declared in a kernel"):
        compile_ok("void f() { __local int a[2]; }\n__kernel void k() { f(); }")


def test_round_trip() -> None:
    for src in (REDUCE, SCAN, MATMUL):
        m = compile_ok(src)
        text = print_module(m)
        assert print_module(parse_module(text)) == text


@pytest.mark.parametrize("src", [REDUCE, MATMUL])
def test_hardware_compiles_barriers_and_local_arrays(src: str) -> None:
    # simulated against numpy in tests/e2e/test_local_barrier.py
    assert "lmem_" in soff.compile(src).verilog


def test_hardware_takes_local_pointer_arguments() -> None:
    assert soff.compile(SCAN).local_arg_bytes == {"tmp": 4096}


