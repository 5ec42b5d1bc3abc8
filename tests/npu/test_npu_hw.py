"""One end-to-end hardware run: the tiny MLP (8→16→4, softmax), every layer
kernel in Verilator, sequenced from the host, against the float reference and onnxruntime."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("onnx")

import npu_models  # noqa: E402

from soff.npu.run import compile_model  # noqa: E402


@pytest.mark.sim
@pytest.mark.slow  # a minute: the MLP's layer kernels built and simulated one by one
def test_mlp_on_verilator():
    onnx_model = npu_models.mlp(8, 16, 4)
    model = compile_model(onnx_model)
    x = np.random.default_rng(3).standard_normal((1, 8)).astype(np.float32)
    got, cycles = model.run(x, engine="verilator")
    want = model.reference(x)["y"]
    assert got.shape == (1, 4)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)
    npu_models.assert_close_to_onnxruntime(onnx_model, {"x": x}, {"y": got})
    assert len(cycles) == 3 and all(isinstance(c, int) and c > 0 for c in cycles)
    print(
        "cycles per layer:", dict(zip([lk.name for lk in model.plan.layers], cycles, strict=True))
    )
    # the layers' own outputs agree with the reference too
    ref = model.reference(x)
    for lk, tensor in zip(model.plan.layers, ("h2", "z", "y"), strict=True):
        np.testing.assert_allclose(
            model.last_buffers[lk.output], ref[tensor].reshape(-1), rtol=1e-4, atol=1e-6
        )
