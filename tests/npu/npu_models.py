"""Small ONNX models built with onnx.helper for the NPU tests."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper


def _init(name: str, a: np.ndarray):
    return numpy_helper.from_array(np.asarray(a, np.float32), name)


def _model(nodes, inputs, outputs, inits, name="m", opset=17):
    g = helper.make_graph(
        nodes,
        name,
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in inputs],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in outputs],
        inits,
    )
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])


def mlp(k=8, hidden=16, out=4, seed=0):
    """Gemm + Relu + Gemm (transB=1) + Softmax."""
    rng = np.random.default_rng(seed)
    nodes = [
        helper.make_node("Gemm", ["x", "W1", "b1"], ["h"], name="fc1"),
        helper.make_node("Relu", ["h"], ["h2"], name="relu1"),
        helper.make_node("Gemm", ["h2", "W2", "b2"], ["z"], name="fc2", transB=1, alpha=0.5),
        helper.make_node("Softmax", ["z"], ["y"], name="softmax", axis=1),
    ]
    inits = [
        _init("W1", rng.standard_normal((k, hidden)) * 0.5),
        _init("b1", rng.standard_normal(hidden) * 0.1),
        _init("W2", rng.standard_normal((out, hidden)) * 0.5),
        _init("b2", rng.standard_normal(out) * 0.1),
    ]
    return _model(nodes, [("x", [1, k])], [("y", [1, out])], inits, "mlp")


def tiny_cnn(seed=1):
    """Conv 3x3 pad 1 + BatchNormalization + Relu + MaxPool 2x2 + Flatten + Gemm."""
    rng = np.random.default_rng(seed)
    nodes = [
        helper.make_node("Conv", ["x", "Wc", "bc"], ["c"], name="conv1", pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c", "g", "beta", "mu", "var"], ["bn"], name="bn1"),
        helper.make_node("Relu", ["bn"], ["r"], name="relu1"),
        helper.make_node(
            "MaxPool", ["r"], ["p"], name="pool1", kernel_shape=[2, 2], strides=[2, 2]
        ),
        helper.make_node("Flatten", ["p"], ["f"], name="flat"),
        helper.make_node("Gemm", ["f", "Wd", "bd"], ["y"], name="fc", transB=1),
    ]
    inits = [
        _init("Wc", rng.standard_normal((4, 2, 3, 3)) * 0.4),
        _init("bc", rng.standard_normal(4) * 0.1),
        _init("g", rng.uniform(0.5, 1.5, 4)),
        _init("beta", rng.standard_normal(4) * 0.1),
        _init("mu", rng.standard_normal(4) * 0.1),
        _init("var", rng.uniform(0.5, 1.5, 4)),
        _init("Wd", rng.standard_normal((3, 4 * 3 * 3)) * 0.3),
        _init("bd", rng.standard_normal(3) * 0.1),
    ]
    return _model(nodes, [("x", [1, 2, 6, 6])], [("y", [1, 3])], inits, "tiny_cnn")


def depthwise(seed=2):
    """Depthwise Conv 3x3 stride 2 pad 1 (group = channels) + Clip (Relu6), then
    a pointwise Conv with dilation-free 1x1 weights and LeakyRelu."""
    rng = np.random.default_rng(seed)
    nodes = [
        helper.make_node(
            "Conv", ["x", "Wd", "bd"], ["d"], name="dw", group=3, pads=[1, 1, 1, 1], strides=[2, 2]
        ),
        helper.make_node("Clip", ["d", "lo", "hi"], ["d6"], name="relu6"),
        helper.make_node("Conv", ["d6", "Wp"], ["p"], name="pw"),
        helper.make_node("LeakyRelu", ["p"], ["y"], name="leaky", alpha=0.1),
    ]
    inits = [
        _init("Wd", rng.standard_normal((3, 1, 3, 3))),
        _init("bd", rng.standard_normal(3) * 0.1),
        _init("lo", np.array(0.0)),
        _init("hi", np.array(6.0)),
        _init("Wp", rng.standard_normal((4, 3, 1, 1))),
    ]
    return _model(nodes, [("x", [1, 3, 7, 7])], [("y", [1, 4, 4, 4])], inits, "depthwise")


def dilated(seed=3):
    """A dilated, grouped, strided conv with asymmetric pads, then Sigmoid and AveragePool."""
    rng = np.random.default_rng(seed)
    nodes = [
        helper.make_node(
            "Conv", ["x", "W"], ["c"], name="conv", group=2, dilations=[2, 2], pads=[2, 1, 1, 2]
        ),
        helper.make_node("Sigmoid", ["c"], ["s"], name="sig"),
        helper.make_node(
            "AveragePool",
            ["s"],
            ["y"],
            name="avg",
            kernel_shape=[3, 3],
            strides=[2, 2],
            pads=[1, 1, 1, 1],
        ),
    ]
    inits = [_init("W", rng.standard_normal((4, 2, 3, 3)))]
    return _model(nodes, [("x", [1, 4, 8, 8])], [("y", [1, 4, 4, 4])], inits, "dilated")


def add_broadcast(seed=4):
    """Add of a (2,3,4) tensor and a (3,1) one, Mul by a constant (4,), Tanh."""
    rng = np.random.default_rng(seed)
    nodes = [
        helper.make_node("Add", ["a", "b"], ["s"], name="add"),
        helper.make_node("Mul", ["s", "k"], ["m"], name="mul"),
        helper.make_node("Tanh", ["m"], ["y"], name="tanh"),
    ]
    inits = [_init("k", rng.standard_normal(4))]
    return _model(
        nodes, [("a", [2, 3, 4]), ("b", [3, 1])], [("y", [2, 3, 4])], inits, "add_broadcast"
    )


def gap_concat(seed=5):
    """Two branches (Conv 1x1, Relu) concatenated on channels, GlobalAveragePool,
    Reshape to (1, C)."""
    rng = np.random.default_rng(seed)
    nodes = [
        helper.make_node("Conv", ["x", "W1"], ["c1"], name="b1"),
        helper.make_node("Relu", ["x"], ["c2"], name="b2"),
        helper.make_node("Concat", ["c1", "c2"], ["cat"], name="cat", axis=1),
        helper.make_node("GlobalAveragePool", ["cat"], ["g"], name="gap"),
        helper.make_node("Reshape", ["g", "shape"], ["y"], name="reshape"),
    ]
    inits = [
        _init("W1", rng.standard_normal((3, 2, 1, 1))),
        numpy_helper.from_array(np.array([1, -1], np.int64), "shape"),
    ]
    return _model(nodes, [("x", [1, 2, 5, 5])], [("y", [1, 5])], inits, "gap_concat")


def misc(seed=6):
    """Batch 2: a BatchNormalization with no conv before it (an affine kernel,
    Relu fused), Flatten, MatMul, Add of a Constant node, Identity, Dropout,
    Softmax over each row."""
    rng = np.random.default_rng(seed)
    bias = helper.make_tensor("bias_t", TensorProto.FLOAT, [5], rng.standard_normal(5).tolist())
    nodes = [
        helper.make_node("BatchNormalization", ["x", "g", "beta", "mu", "var"], ["bn"], name="bn"),
        helper.make_node("Relu", ["bn"], ["r"], name="relu"),
        helper.make_node("Flatten", ["r"], ["f"], name="flat"),
        helper.make_node("MatMul", ["f", "W"], ["mm"], name="matmul"),
        helper.make_node("Constant", [], ["bias"], name="const", value=bias),
        helper.make_node("Add", ["bias", "mm"], ["z"], name="add"),
        helper.make_node("Identity", ["z"], ["z1"], name="ident"),
        helper.make_node("Dropout", ["z1"], ["z2"], name="drop"),
        helper.make_node("Softmax", ["z2"], ["y"], name="softmax"),
    ]
    inits = [
        _init("g", rng.uniform(0.5, 1.5, 3)),
        _init("beta", rng.standard_normal(3) * 0.1),
        _init("mu", rng.standard_normal(3) * 0.1),
        _init("var", rng.uniform(0.5, 1.5, 3)),
        _init("W", rng.standard_normal((48, 5)) * 0.2),
    ]
    return _model(nodes, [("x", [2, 3, 4, 4])], [("y", [2, 5])], inits, "misc")


def softmax_opset11():
    """Softmax before opset 13: over the input flattened to 2-D at axis 1."""
    nodes = [helper.make_node("Softmax", ["x"], ["y"], name="softmax")]
    return _model(nodes, [("x", [2, 3, 2, 2])], [("y", [2, 3, 2, 2])], [], "sm11", opset=11)


def qdq(seed=7):
    """A QDQ (quantise-dequantise) int8 model: the input quantised to int8, a
    Conv whose weights are int8 with per-channel scales, Relu, the result
    quantised to uint8 and back."""
    rng = np.random.default_rng(seed)
    wq = rng.integers(-127, 128, (4, 2, 3, 3)).astype(np.int8)
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"], name="q_in"),
        helper.make_node("DequantizeLinear", ["xq", "xs", "xz"], ["xd"], name="dq_in"),
        helper.make_node("DequantizeLinear", ["wq", "ws", "wz"], ["w"], name="dq_w", axis=0),
        helper.make_node("Conv", ["xd", "w", "b"], ["c"], name="conv", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"], name="relu"),
        helper.make_node("QuantizeLinear", ["r", "ys", "yz"], ["rq"], name="q_out"),
        helper.make_node("DequantizeLinear", ["rq", "ys", "yz"], ["y"], name="dq_out"),
    ]
    inits = [
        _init("xs", np.array(0.05)),
        numpy_helper.from_array(np.array(3, np.int8), "xz"),
        numpy_helper.from_array(wq, "wq"),
        _init("ws", rng.uniform(0.002, 0.01, 4)),
        numpy_helper.from_array(np.zeros(4, np.int8), "wz"),
        _init("b", rng.standard_normal(4) * 0.1),
        _init("ys", np.array(0.02)),
        numpy_helper.from_array(np.array(10, np.uint8), "yz"),
    ]
    return _model(nodes, [("x", [1, 2, 5, 5])], [("y", [1, 4, 5, 5])], inits, "qdq", opset=19)


def unsupported():
    """An LSTM and a QLinearMatMul among supported ops, and a Conv with auto_pad."""
    nodes = [
        helper.make_node("Relu", ["x"], ["r"], name="relu0"),
        helper.make_node("LSTM", ["r", "W", "R"], ["y"], name="lstm0", hidden_size=2),
        helper.make_node("Conv", ["x4", "Wc"], ["c"], name="conv_same", auto_pad="SAME_UPPER"),
        helper.make_node(
            "QLinearMatMul", ["a", "s", "z", "b", "s", "z", "s", "z"], ["q"], name="qmm"
        ),
    ]
    inits = [
        _init("W", np.zeros((1, 8, 3))),
        _init("R", np.zeros((1, 8, 2))),
        _init("Wc", np.zeros((1, 1, 3, 3))),
    ]
    return _model(
        nodes, [("x", [2, 1, 3]), ("x4", [1, 1, 4, 4])], [("y", [2, 1, 1, 2])], inits, "bad"
    )


def int8_blocks(seed=10):
    """The int8 kernels without float islands: a residual Add of two conv
    branches (Relu fused), an Add of a constant, an AveragePool 3x3 stride 2
    with pads (count_include_pad 0), a Concat of it with a MaxPool of the other
    branch (inputs of different scales), Flatten, Gemm."""
    rng = np.random.default_rng(seed)
    nodes = [
        helper.make_node("Conv", ["x", "Wa", "ba"], ["a0"], name="conv_a", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["a0"], ["a"], name="relu_a"),
        helper.make_node("Conv", ["x", "Wb"], ["b"], name="conv_b"),
        helper.make_node("Add", ["a", "b"], ["s"], name="residual"),
        helper.make_node("Relu", ["s"], ["s2"], name="relu_s"),
        helper.make_node("Add", ["s2", "k"], ["t"], name="add_k"),
        helper.make_node(
            "AveragePool",
            ["t"],
            ["p"],
            name="avg",
            kernel_shape=[3, 3],
            strides=[2, 2],
            pads=[1, 1, 1, 1],
        ),  # fmt: skip
        helper.make_node(
            "MaxPool", ["b"], ["mb"], name="maxb", kernel_shape=[2, 2], strides=[2, 2]
        ),
        helper.make_node("Concat", ["p", "mb"], ["c"], name="cat", axis=1),
        helper.make_node("Flatten", ["c"], ["f"], name="flat"),
        helper.make_node("Gemm", ["f", "Wd", "bd"], ["y"], name="fc", transB=1),
    ]
    inits = [
        _init("Wa", rng.standard_normal((3, 2, 3, 3)) * 0.4),
        _init("ba", rng.standard_normal(3) * 0.1),
        _init("Wb", rng.standard_normal((3, 2, 1, 1)) * 2.0),
        _init("k", rng.standard_normal((3, 6, 6)) * 0.5),
        _init("Wd", rng.standard_normal((4, 54)) * 0.3),
        _init("bd", rng.standard_normal(4) * 0.1),
    ]
    return _model(nodes, [("x", [1, 2, 6, 6])], [("y", [1, 4])], inits, "int8_blocks")


ALL = {
    "mlp": mlp,
    "tiny_cnn": tiny_cnn,
    "depthwise": depthwise,
    "dilated": dilated,
    "add_broadcast": add_broadcast,
    "gap_concat": gap_concat,
    "misc": misc,
    "int8_blocks": int8_blocks,
}


def digits_mlp(batch=64, hidden=32, seed=0):
    """An MLP classifier for 8x8 digits: (model, calibration inputs, test inputs,
    test labels, source). With scikit-learn installed: trained on its bundled
    digits data set (MLPClassifier, a second or two); without it: a seeded
    synthetic stand-in (random weights, labels from the float model), so the
    int8-vs-hardware checks still run. ``source`` says which."""
    rng = np.random.default_rng(seed)
    try:
        from sklearn.datasets import load_digits
        from sklearn.neural_network import MLPClassifier
    except ImportError:
        w1 = rng.standard_normal((64, hidden)) * 0.3
        b1 = rng.standard_normal(hidden) * 0.1
        w2 = rng.standard_normal((hidden, 10)) * 0.3
        b2 = rng.standard_normal(10) * 0.1
        xs = rng.uniform(0, 1, (batch * 5, 64)).astype(np.float32)
        labels = (np.maximum(xs @ w1 + b1, 0) @ w2 + b2).argmax(axis=1)
        source = "synthetic (scikit-learn not installed)"
        x_cal, x_test, y_test = xs[: batch * 4], xs[batch * 4 :], labels[batch * 4 :]
    else:
        data = load_digits()
        x = (data.data / 16.0).astype(np.float32)
        y = data.target
        order = rng.permutation(len(x))
        x, y = x[order], y[order]
        clf = MLPClassifier(hidden_layer_sizes=(hidden,), max_iter=200, random_state=seed)
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf.fit(x[:1200], y[:1200])
        w1, w2 = clf.coefs_
        b1, b2 = clf.intercepts_
        source = "scikit-learn digits"
        x_cal, x_test, y_test = x[: batch * 4], x[1200 : 1200 + batch], y[1200 : 1200 + batch]
    nodes = [
        helper.make_node("Gemm", ["x", "W1", "b1"], ["h"], name="fc1"),
        helper.make_node("Relu", ["h"], ["h2"], name="relu1"),
        helper.make_node("Gemm", ["h2", "W2", "b2"], ["y"], name="fc2"),
    ]
    inits = [_init("W1", w1), _init("b1", b1), _init("W2", w2), _init("b2", b2)]
    model = _model(nodes, [("x", [batch, 64])], [("y", [batch, 10])], inits, "digits")
    return model, x_cal, x_test, y_test, source


def onnxruntime_outputs(model, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``model`` (a ModelProto) run by onnxruntime on the CPU: output name → array.
    Skips the calling test when onnxruntime is not installed."""
    ort = pytest.importorskip(
        "onnxruntime", reason="onnxruntime is not installed (pip install onnxruntime): "
        "the float32 hardware tests compare against it"
    )  # fmt: skip
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    feed = {k: np.asarray(v, np.float32) for k, v in inputs.items()}
    return dict(zip(names, session.run(names, feed), strict=True))


def assert_close_to_onnxruntime(model, inputs, outputs, rtol=1e-5) -> float:
    """Every output of the hardware (``outputs``: name → array) within ``rtol``
    relative of onnxruntime's: |hw - ort| <= rtol * |ort| element by element,
    with an absolute floor of rtol times the output's largest magnitude (an
    element near zero, from cancellation, has no meaningful relative error).
    Returns the largest error relative to the output's largest magnitude."""
    want = onnxruntime_outputs(model, inputs)
    worst = 0.0
    for name, ref in want.items():
        got = np.asarray(outputs[name])
        assert got.shape == ref.shape, (name, got.shape, ref.shape)
        scale = float(np.abs(ref).max(initial=0))
        np.testing.assert_allclose(got, ref, rtol=rtol, atol=rtol * scale, err_msg=name)
        worst = max(worst, float(np.abs(got - ref).max(initial=0)) / max(scale, 1e-30))
    return worst


def _q(name: str, a, dtype) -> Any:
    return numpy_helper.from_array(np.asarray(a, dtype), name)


def qlinear_cnn(seed=8):
    """An int8 model in QOperator form with zero points: QuantizeLinear to uint8
    (zero point 128), QLinearConv 3x3 pad 1 (int8 weights, per-channel scales,
    int32 bias, uint8 output of zero point 100), MaxPool 2x2 and Flatten on the
    uint8 tensor, QLinearMatMul (int8 weights with zero point 3, int8 output of
    zero point -5), DequantizeLinear."""
    rng = np.random.default_rng(seed)
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"], name="q_in"),
        helper.make_node(
            "QLinearConv",
            ["xq", "xs", "xz", "wc", "wcs", "wcz", "cs", "cz", "bc"],
            ["c"],
            name="conv",
            pads=[1, 1, 1, 1],
        ),
        helper.make_node("MaxPool", ["c"], ["p"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Flatten", ["p"], ["f"], name="flat"),
        helper.make_node(
            "QLinearMatMul", ["f", "cs", "cz", "wm", "wms", "wmz", "zs", "zz"], ["z"], name="fc"
        ),
        helper.make_node("DequantizeLinear", ["z", "zs", "zz"], ["y"], name="dq_out"),
    ]
    inits = [
        _init("xs", np.array(0.03)),
        _q("xz", 128, np.uint8),
        _q("wc", rng.integers(-127, 128, (4, 2, 3, 3)), np.int8),
        _init("wcs", rng.uniform(0.002, 0.006, 4)),
        _q("wcz", np.zeros(4), np.int8),
        _init("cs", np.array(0.04)),
        _q("cz", 100, np.uint8),
        _q("bc", rng.integers(-2000, 2000, 4), np.int32),
        _q("wm", rng.integers(-100, 100, (36, 3)), np.int8),
        _init("wms", np.array(0.004)),
        _q("wmz", 3, np.int8),
        _init("zs", np.array(0.05)),
        _q("zz", -5, np.int8),
    ]
    return _model(nodes, [("x", [1, 2, 6, 6])], [("y", [1, 3])], inits, "qlinear_cnn", opset=21)


def qlinear_depthwise(seed=9):
    """QOperator int8 depthwise-separable block: QuantizeLinear to int8 (zero
    point -3), a depthwise QLinearConv 3x3 stride 2 pad 1 with uint8 weights of
    zero point 60 (weights less zero point need 16 bits), a pointwise
    QLinearConv 1x1 with no bias, DequantizeLinear."""
    rng = np.random.default_rng(seed)
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"], name="q_in"),
        helper.make_node(
            "QLinearConv",
            ["xq", "xs", "xz", "wd", "wds", "wdz", "ds", "dz", "bd"],
            ["d"],
            name="dw",
            group=3,
            pads=[1, 1, 1, 1],
            strides=[2, 2],
        ),
        helper.make_node(
            "QLinearConv", ["d", "ds", "dz", "wp", "wps", "wpz", "ys", "yz"], ["p"], name="pw"
        ),
        helper.make_node("DequantizeLinear", ["p", "ys", "yz"], ["y"], name="dq_out"),
    ]
    inits = [
        _init("xs", np.array(0.02)),
        _q("xz", -3, np.int8),
        _q("wd", rng.integers(0, 256, (3, 1, 3, 3)), np.uint8),
        _init("wds", np.array(0.01)),
        _q("wdz", 60, np.uint8),
        _init("ds", np.array(0.1)),
        _q("dz", 7, np.int8),
        _q("bd", rng.integers(-300, 300, 3), np.int32),
        _q("wp", rng.integers(-127, 128, (4, 3, 1, 1)), np.int8),
        _init("wps", rng.uniform(0.005, 0.01, 4)),
        _q("wpz", np.zeros(4), np.int8),
        _init("ys", np.array(0.1)),
        _q("yz", 0, np.int8),
    ]
    return _model(
        nodes, [("x", [1, 3, 7, 7])], [("y", [1, 4, 4, 4])], inits, "qlinear_depthwise", opset=21
    )
