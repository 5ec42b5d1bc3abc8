"""Layer graph: shape inference, BatchNorm folding, activation fusion."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("onnx")

import npu_models  # noqa: E402

from soff.diagnostics import CompileError  # noqa: E402
from soff.npu.graph import prepare  # noqa: E402
from soff.npu.onnx_import import import_onnx  # noqa: E402
from soff.npu.reference import run_graph  # noqa: E402


def test_shape_inference():
    g = import_onnx(npu_models.tiny_cnn()).infer_shapes()
    shapes = {t: g.shape(t) for t in ("x", "c", "bn", "r", "p", "f", "y")}
    assert shapes == {
        "x": (1, 2, 6, 6), "c": (1, 4, 6, 6), "bn": (1, 4, 6, 6), "r": (1, 4, 6, 6),
        "p": (1, 4, 3, 3), "f": (1, 36), "y": (1, 3),
    }  # fmt: skip
    g = import_onnx(npu_models.depthwise()).infer_shapes()
    assert g.shape("d") == (1, 3, 4, 4) and g.shape("y") == (1, 4, 4, 4)
    g = import_onnx(npu_models.dilated()).infer_shapes()
    assert g.shape("c") == (1, 4, 7, 7)  # dilation 2, pads t2 l1 b1 r2: 8 + 3 - 5 + 1
    g = import_onnx(npu_models.add_broadcast()).infer_shapes()
    assert g.shape("s") == (2, 3, 4)
    g = import_onnx(npu_models.gap_concat()).infer_shapes()
    assert (
        g.shape("cat") == (1, 5, 5, 5) and g.shape("g") == (1, 5, 1, 1) and g.shape("y") == (1, 5)
    )


def test_batchnorm_folded_into_conv():
    raw = import_onnx(npu_models.tiny_cnn()).infer_shapes()
    x = np.random.default_rng(0).standard_normal((1, 2, 6, 6)).astype(np.float32)
    before = run_graph(raw, x)["y"]
    g = prepare(import_onnx(npu_models.tiny_cnn()))
    assert [layer.op for layer in g.layers] == ["conv", "maxpool", "flatten", "dense"]
    assert g.layers[0].activation == "relu"
    np.testing.assert_allclose(run_graph(g, x)["y"], before, rtol=1e-5, atol=1e-6)


def test_activations_fused_into_producer():
    g = prepare(import_onnx(npu_models.depthwise()))
    assert [(la.op, la.activation) for la in g.layers] == [("conv", "clip"), ("conv", "leaky_relu")]
    assert g.layers[0].act_attrs == {"min": 0.0, "max": 6.0}
    # a Relu on a graph input has no producer to fuse into: it stays a layer
    g = prepare(import_onnx(npu_models.gap_concat()))
    assert [la.op for la in g.layers] == ["conv", "relu", "concat", "global_avgpool", "reshape"]


def test_matmul_add_becomes_a_dense_layer_with_bias():
    g = prepare(import_onnx(npu_models.misc()))
    assert [la.describe() for la in g.layers] == ["batchnorm+relu", "flatten", "dense", "softmax"]
    raw = import_onnx(npu_models.misc()).infer_shapes()
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 4)).astype(np.float32)
    np.testing.assert_allclose(run_graph(g, x)["y"], run_graph(raw, x)["y"], rtol=1e-5, atol=1e-7)
    # an Add whose constant varies along more than the channels stays a layer
    g = prepare(import_onnx(npu_models.add_broadcast()))
    assert [la.op for la in g.layers] == ["add", "mul"]


def test_every_shape_problem_is_listed():
    from onnx import TensorProto, helper

    nodes = [
        helper.make_node("Softmax", ["x"], ["s"], name="sm", axis=1),
        helper.make_node("Relu", ["s"], ["r"], name="after_sm"),  # skipped: its input failed
        helper.make_node("MatMul", ["x", "W"], ["m"], name="mm"),
    ]
    w = helper.make_tensor("W", TensorProto.FLOAT, [3, 2], [0.0] * 6)
    g = helper.make_graph(
        nodes, "bad_shapes",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 5])],
        [helper.make_tensor_value_info("r", TensorProto.FLOAT, [1, 4, 5])], [w],
    )  # fmt: skip
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    with pytest.raises(CompileError) as e:
        prepare(import_onnx(m))
    lines = str(e.value).splitlines()
    assert len(lines) == 2
    assert "layer 'sm' (softmax): only the last axis is supported" in lines[0]
    assert "layer 'mm' (dense): input shape [1, 4, 5] does not fit weight shape [2, 3]" in lines[1]
