"""Constructs found in public benchmark suites (PolyBench/GPU, Rodinia) that the
front end once refused; each test is a few lines written here reproducing one.
docs/suites.md lists the suites and what they need."""

from __future__ import annotations

import numpy as np
import pytest

from soff.diagnostics import UnsupportedError
from soff.frontend import compile_source
from soff.frontend.preprocess import preprocess
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


def test_cuda_texture_fetch_is_named() -> None:
    # Rodinia's CUDA kmeans reads its points through a texture reference
    src = """texture<float, 1, cudaReadModeElementType> t_in;
__global__ void k(float *out, int n) {
    int i = threadIdx.x;
    if (i < n) out[i] = tex1Dfetch(t_in, i);
}
"""
    with pytest.raises(UnsupportedError) as e:
        compile_source(src, "tex.cu")
    assert str(e.value).startswith("tex.cu:4:25: error: textures and surfaces ('tex1Dfetch')")
