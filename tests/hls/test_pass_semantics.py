"""The default passes (minus schedule) keep each kernel's meaning: the
interpreter gives the same buffers before and after them."""

from __future__ import annotations

import numpy as np
import pytest
from hls_helpers import run_pipeline

from soff.frontend import compile_source
from soff.hls.pipeline import DEFAULT_PIPELINE
from soff.ir.interp import run_kernel

PASSES = ",".join(p for p in DEFAULT_PIPELINE.split(",") if p != "schedule")
N = 64

KERNELS = {
    "vadd": """
        __kernel void k(__global const int *a, __global const int *b, __global int *c, int n) {
            int i = get_global_id(0);
            if (i < n) c[i] = a[i] + b[i];
        }""",
    "if_else": """
        __kernel void k(__global const int *a, __global const int *b, __global int *c, int n) {
            int i = get_global_id(0);
            int r;
            if (a[i] > b[i]) r = a[i] - b[i]; else { r = b[i] * 3; c[i] = r; }
            if (i < n) c[i] = r + c[i];
        }""",
    "nested_early_return": """
        __kernel void k(__global const int *a, __global const int *b, __global int *c, int n) {
            int i = get_global_id(0);
            if (i >= n) return;
            int x = a[i];
            if (x < 0) {
                if (b[i] & 1) x = -x; else x = x / (b[i] | 1);
            } else if (x > 100) {
                c[i] = 7;
                return;
            }
            c[i] = x % 13;
        }""",
    "short_circuit_and_constants": """
        __kernel void k(__global const int *a, __global const int *b, __global int *c, int n) {
            int i = get_global_id(0);
            int k0 = 4 * 8 - 32;          /* folds to 0 */
            int y = (a[i] + k0) * 1;
            uchar u = (uchar)(300 + i);
            c[i] = (i < n && b[i] != 0) ? y / b[i] : (int)u + (y << 33) + (y >> 31);
        }""",
    "load_after_store": """
        __kernel void k(__global const int *a, __global const int *b, __global int *c, int n) {
            int i = get_global_id(0);
            int unused = a[i];
            c[i] = a[i] ^ b[i];
            c[i] = c[i] + (c[(i + 1) % n] & 0);
            if (b[i] > 0) c[i] += 1;
        }""",
    "store_only": """
        __kernel void k(__global const int *a, __global const int *b, __global int *c, int n) {
            size_t i = get_global_id(0);
            c[i] = (int)i * 3;
        }""",
}


# loops stay loops; their loop-free diamonds and triangles are if-converted in place
LOOP_KERNELS = {
    "loop_with_diamond_and_triangle": """
        __kernel void k(__global const int *a, __global const int *b, __global int *c, int n) {
            int i = get_global_id(0);
            int acc = 0;
            for (int j = 0; j < (b[i] & 7); j++) {
                int v = a[(i + j) % n];
                if (v > 0) acc += v; else acc -= 2 * v;
                if (acc > 500) { acc -= 500; c[i] = acc; }
            }
            if (i < n) c[i] += acc;
        }""",
    "nested_loops_with_break": """
        __kernel void k(__global const int *a, __global const int *b, __global int *c, int n) {
            int i = get_global_id(0);
            int s = 0;
            for (int x = 0; x < 4; x++) {
                for (int y = 0; y < x + 2; y++) {
                    if (a[(i * 3 + x + y) % n] == b[i]) break;
                    s += x * y;
                }
                if (s > 20) continue;
                s ^= b[i];
            }
            c[i] = s;
        }""",
}
KERNELS.update(LOOP_KERNELS)


def test_if_convert_merges_regions_inside_loops() -> None:
    module = compile_source(LOOP_KERNELS["loop_with_diamond_and_triangle"], "k.cl")
    kernel = module.kernels[0]
    n_before = len(kernel.blocks)
    run_pipeline(module, PASSES)
    assert len(kernel.blocks) < n_before
    assert len(kernel.blocks) <= 5  # entry, header, body, exit tail


@pytest.mark.parametrize("name", sorted(KERNELS))
def test_default_passes_preserve_results(name: str) -> None:
    rng = np.random.default_rng(sum(map(ord, name)))
    args = {
        "a": rng.integers(-200, 200, N, dtype=np.int32),
        "b": rng.integers(-5, 5, N, dtype=np.int32),
        "c": rng.integers(-1000, 1000, N, dtype=np.int32),
        "n": N - 5,
    }
    module = compile_source(KERNELS[name], f"{name}.cl")
    kernel = module.kernels[0]
    before = run_kernel(kernel, args, N, 8)
    run_pipeline(module, PASSES)
    if name not in LOOP_KERNELS:  # (loop kernels: test_if_convert_merges_regions_inside_loops)
        assert len(kernel.blocks) == 1  # if-converted
    after = run_kernel(kernel, args, N, 8)
    assert set(before) == set(after)
    for buf in before:
        np.testing.assert_array_equal(after[buf], before[buf], err_msg=f"buffer {buf}")
