"""Constructs found in public benchmark suites (PolyBench/GPU, Rodinia) that the
front end once refused; each test is a few lines written here reproducing one.
docs/suites.md lists the suites and what they need."""

from __future__ import annotations

import re

import numpy as np
import pytest

import soff
from soff.diagnostics import CompileError
from soff.frontend import compile_source
from soff.frontend.preprocess import preprocess
from soff.ir.interp import run_kernel
from soff.layout import numpy_dtype
from tests.frontend.fe_helpers import run


def test_float_literals_in_macro_bodies() -> None:
    # pcpp lexes 0.3f as 0 . 3 f: expanded, the pieces must stay together
    src = """
#define ETA 0.3f
#define GAMMA (1.4f)
#define BIG 3.40282347e+38
#define HALF .5f
#define SCALE(x) ((x) * 2.5e-1f)
__kernel void k(__global float *a) {
    a[0] = ETA * a[0];
    a[1] = GAMMA;
    a[2] = BIG;
    a[3] = HALF + SCALE(4.0f);
}
"""
    out = run(src, {"a": np.ones(4, np.float32)}, 1)["a"]
    expected = np.array([0.3, 1.4, 3.40282347e38, 1.5], np.float32)
    np.testing.assert_array_equal(out, expected)


def test_macro_tokens_are_not_glued_across_blanks() -> None:
    text = preprocess("#define G 1 .5\n#define M(s) s.x+.5f\nint y = G; float z = M(p);\n", "m.cl")
    assert "1 .5;" in text
    assert "p . x+.5f" in text or "p.x+.5f" in text


def test_cuda_texture_fetch_is_a_buffer_argument() -> None:
    # Rodinia's CUDA kmeans reads its points through a texture reference
    src = """texture<float, 1, cudaReadModeElementType> t_in;
__global__ void k(float *out, int n) {
    int i = threadIdx.x;
    if (i < n) out[i] = tex1Dfetch(t_in, i) + tex1Dfetch(t_in, n - 1 - i);
}
"""
    (kernel,) = compile_source(src, "tex.cu").kernels
    assert [(a.name, str(a.type)) for a in kernel.args] == [
        ("out", "ptr.global<f32>"), ("n", "i32"), ("t_in", "ptr.global<f32>")
    ]  # fmt: skip
    x = np.arange(8, dtype=np.float32)
    out = run_kernel(kernel, {"out": np.zeros(8, np.float32), "n": 8, "t_in": x}, 8, 8)
    np.testing.assert_array_equal(out["out"], x + x[::-1])


@pytest.mark.parametrize(
    ("decl", "call", "message"),
    [
        ("texture<float, 2, cudaReadModeElementType> t;", "tex2D(t, 0.5f, 0.5f)",
         "textures and surfaces ('tex2D') are not supported"),
        ("texture<float, 2, cudaReadModeElementType> t;", "tex1Dfetch(t, 0)",
         "texture 't' (float, 2, cudaReadModeElementType) is not supported"),
        ("texture<unsigned char, 1, cudaReadModeNormalizedFloat> t;", "tex1Dfetch(t, 0)",
         "only one-dimensional textures read as their element type"),
        ("texture<float4, 1, cudaReadModeElementType> t;", "tex1Dfetch(t, 0).x",
         "texture 't' of element type 'float4' is not supported yet"),
        ("float *t;", "tex1Dfetch(t, 0)", "must name a file-scope texture reference"),
    ],
)  # fmt: skip
def test_cuda_texture_limits_are_named(decl: str, call: str, message: str) -> None:
    src = f"{decl}\n__global__ void k(float *out) {{ out[0] = {call}; }}\n"
    with pytest.raises(CompileError) as e:
        compile_source(src, "tex.cu")
    # at the fetch, or (the element type) at the texture's declaration
    assert re.match(r"tex\.cu:[12]:\d+: error: ", str(e.value)), str(e.value)
    assert message in str(e.value)


def test_cuda_bool_pointers() -> None:
    # Rodinia's CUDA bfs keeps its frontier masks in bool arrays: one byte each
    src = """__global__ void k(bool *mask, bool *seen, const int *cost, int n) {
    int i = threadIdx.x;
    if (i < n && mask[i]) {
        mask[i] = false;
        seen[i] = cost[i];      /* any nonzero int stores true */
    }
}
"""
    module = compile_source(src, "bfs.cu")
    mask = np.array([1, 1, 0, 1], np.bool_)
    out = run_kernel(
        module.kernels[0],
        {
            "mask": mask,
            "seen": np.zeros(4, np.bool_),
            "cost": np.array([0, 7, 5, -2], np.int32),
            "n": 4,
        },
        4,
        4,
    )
    np.testing.assert_array_equal(out["mask"], [False, False, False, False])
    np.testing.assert_array_equal(out["seen"], [False, True, False, True])


def test_bool_struct_member_in_global_buffer() -> None:
    # Rodinia's OpenCL b+tree: struct knode { ...; bool is_leaf; int num_keys; }
    src = """typedef struct { int key; bool leaf; int n; } node;
__kernel void k(__global node *nodes, __global int *out) {
    int i = get_global_id(0);
    out[i] = nodes[i].leaf ? nodes[i].key : -1;
    nodes[i].leaf = nodes[i].n;
}
"""
    module = compile_source(src, "tree.cl")
    kernel = module.kernels[0]
    dtype = numpy_dtype(kernel.args[0].type.pointee)
    assert dtype.itemsize == 12 and dtype.fields["leaf"][1] == 4
    nodes = np.zeros(3, dtype)
    nodes["key"], nodes["leaf"], nodes["n"] = [5, 6, 7], [True, False, True], [0, 9, 2]
    out = run_kernel(kernel, {"nodes": nodes, "out": np.zeros(3, np.int32)}, 3)
    np.testing.assert_array_equal(out["out"], [5, -1, 7])
    np.testing.assert_array_equal(out["nodes"]["leaf"], [False, True, True])


def test_bool_atomics_are_refused() -> None:
    src = "__kernel void k(__global bool *m) { atomic_xchg(m, true); }\n"
    with pytest.raises(Exception) as e:
        soff.compile(src, filename="m.cl")
    assert "m.cl:1:" in str(e.value) and "error:" in str(e.value)


def test_opencl_limit_and_math_macros_are_predefined() -> None:
    # Rodinia's OpenCL particlefilter uses INT_MAX without an #include (OpenCL C 6.12.3)
    src = """__kernel void k(__global int *i, __global float *f) {
    i[0] = INT_MAX; i[1] = INT_MIN; i[2] = CHAR_BIT; i[3] = UCHAR_MAX;
    f[0] = FLT_MAX; f[1] = M_PI_F; f[2] = MAXFLOAT; f[3] = -INFINITY; f[4] = FLT_EPSILON;
}
"""
    out = run(src, {"i": np.zeros(4, np.int32), "f": np.zeros(5, np.float32)}, 1)
    np.testing.assert_array_equal(out["i"], [2**31 - 1, -(2**31), 8, 255])
    f32 = np.finfo(np.float32)
    expected = [f32.max, np.float32(np.pi), f32.max, -np.inf, f32.eps]
    np.testing.assert_array_equal(out["f"], np.array(expected, np.float32))
