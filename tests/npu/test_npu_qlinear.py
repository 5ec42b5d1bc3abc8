"""int8 ONNX models in QOperator form (QuantizeLinear, QLinearConv,
QLinearMatMul, DequantizeLinear, with zero points) imported onto the int8
path: the numpy integer reference equal to ONNX's own reference evaluator on
every tensor, the plan bit-exact with it in the IR interpreter and in
hardware."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("onnx")

import npu_models  # noqa: E402
from onnx import TensorProto, helper  # noqa: E402
from onnx.reference import ReferenceEvaluator  # noqa: E402

import soff.npu  # noqa: E402
from soff.diagnostics import CompileError  # noqa: E402
from soff.npu.onnx_import import check_model  # noqa: E402

MODELS = {"cnn": npu_models.qlinear_cnn, "depthwise": npu_models.qlinear_depthwise}


def _x(model, seed=3):
    shape = model.graph.shape(model.graph.inputs[0])
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _onnx_values(onnx_model, x) -> dict[str, np.ndarray]:
    """Every node output by onnx.reference, uint8 tensors as soff holds them (less 128)."""
    names = [t for node in onnx_model.graph.node for t in node.output]
    values = ReferenceEvaluator(onnx_model).run(names, {"x": x})
    out = {}
    for name, v in zip(names, values, strict=True):
        out[name] = v.astype(np.int64) - 128 if v.dtype == np.uint8 else v
    return out


def _int_buffers_equal(model, buffers, ref) -> int:
    checked = 0
    for b in model.plan.buffers.values():
        if b.dtype == "int8" and b.name in ref:
            np.testing.assert_array_equal(buffers[b.name], ref[b.name].reshape(-1), err_msg=b.name)
            checked += 1
    return checked


@pytest.mark.parametrize("name", sorted(MODELS))
def test_integer_reference_equals_onnx_reference_evaluator(name):
    onnx_model = MODELS[name]()
    model = soff.npu.compile(onnx_model)
    assert model.precision == "int8" and model.imported_int8
    for seed in range(4):
        x = _x(model, seed) * (1 + seed)  # larger inputs saturate the quantiser too
        ref = model.int_reference(x)
        want = _onnx_values(onnx_model, x)
        for t, v in want.items():
            np.testing.assert_array_equal(ref[t].astype(v.dtype), v, err_msg=f"{t} seed {seed}")
        assert np.array_equal(model.reference(x)["y"], ref["y"])


def test_qlinear_layers_map_onto_the_int8_kernels():
    model = soff.npu.compile(npu_models.qlinear_cnn())
    ops = [(lk.name, lk.op) for lk in model.plan.layers]
    assert ops == [("q_in", "quant8"), ("conv", "conv"), ("pool", "maxpool"),
                   ("fc", "dense"), ("dq_out", "dequant8")]  # fmt: skip
    dtypes = {b.name: b.dtype for b in model.plan.buffers.values()}
    assert dtypes["x"] == "float32" and dtypes["c"] == "int8" and dtypes["y"] == "float32"
    src = {lk.name: lk.source for lk in model.plan.layers}
    assert "((int)x[((n * 2 + c0 + c) * 6 + ih) * 6 + iw] + 0)" not in src["conv"]  # zp 128-128
    assert "q_ = q_ - 28L;" in src["conv"]  # uint8 zero point 100 held as int8 -28
    assert "((int)x[n * 36 + k] + 28)" in src["fc"] and "q_ = q_ - 5L;" in src["fc"]
    assert "(float)((int)x[i] + 5)" in src["dq_out"]
    dw = soff.npu.compile(npu_models.qlinear_depthwise()).plan.layers[1].source
    assert "__constant short w[27]" in dw  # uint8 weights less zero point 60 need 16 bits


@pytest.mark.parametrize("name", sorted(MODELS))
def test_qlinear_plan_in_interpreter_is_bit_exact(name):
    model = soff.npu.compile(MODELS[name]())
    x = _x(model)
    y, _ = model.run(x, engine="interp")
    ref = model.int_reference(x)
    assert _int_buffers_equal(model, model.last_buffers, ref) >= 3
    np.testing.assert_array_equal(y, ref["y"])
    assert model.accuracy(x) == []  # no float model to compare with


def _qmodel(nodes, inits, opset=21):
    from npu_models import _model

    return _model(nodes, [("x", [1, 4])], [("y", [1, 4])], inits, "q", opset)


def test_early_check_of_qlinear_models():
    from npu_models import _init, _q

    inits = [_init("s", np.array(0.1)), _q("z", 0, np.int8), _q("w", np.eye(4), np.int8)]
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "s", "z"], ["xq"], name="q"),
        helper.make_node("Relu", ["xq"], ["r"], name="relu_q"),
        helper.make_node(
            "QLinearMatMul", ["r", "s", "z", "w", "s", "z", "s", "z"], ["m"], name="mm"
        ),
        helper.make_node(
            "QLinearMatMul", ["m", "s", "z", "w", "ws", "z", "s", "z"], ["m2"], name="mm_dyn"
        ),
        helper.make_node(
            "QLinearMatMul", ["x", "s", "z", "w", "s", "z", "s", "z"], ["m3"], name="mm_float"
        ),
        helper.make_node("DequantizeLinear", ["m2", "s", "z"], ["y"], name="dq"),
    ]
    model = _qmodel(nodes, inits)
    model.graph.input.append(helper.make_tensor_value_info("ws", TensorProto.FLOAT, []))
    errors = check_model(model, "q.onnx")
    assert errors == [
        "q.onnx: error: node 'relu_q' (Relu): operator 'Relu' on the quantised tensor 'xq' is "
        "not supported (dequantise it first)",
        "q.onnx: error: node 'mm_dyn' (QLinearMatMul): the scales, zero points, second operand "
        "must be constants",
        "q.onnx: error: node 'mm_float' (QLinearMatMul): input 'x' is not a quantised tensor "
        "(from QuantizeLinear or a QLinear op)",
    ], errors
    with pytest.raises(CompileError):
        soff.npu.compile(model)


def test_calibrate_is_refused_for_a_quantised_model():
    with pytest.raises(CompileError, match="quantised already"):
        soff.npu.compile(npu_models.qlinear_cnn(), calibration=np.zeros((1, 72), np.float32))


@pytest.mark.sim
@pytest.mark.slow  # a Verilator build of the whole top
@pytest.mark.parametrize("name", sorted(MODELS))
def test_qlinear_model_on_hardware_bit_exact(name):
    """quant8 (zero point), QLinearConv (depthwise: 16-bit weight ROM),
    uint8 MaxPool, QLinearMatMul, dequant8: every int8 tensor of the hardware
    equal to the numpy integer reference, and so to ONNX's reference evaluator."""
    onnx_model = MODELS[name]()
    model = soff.npu.compile(onnx_model)
    x = _x(model)
    r = model.simulate(x)
    ref = model.int_reference(x)
    assert _int_buffers_equal(model, r.buffers, ref) >= 3
    np.testing.assert_array_equal(r.outputs["y"], ref["y"])
    np.testing.assert_array_equal(r.outputs["y"], _onnx_values(onnx_model, x)["y"])
    print(f"qlinear {name} cycles", r.cycles, r.layer_cycles)


def test_cli_report_of_a_qlinear_model(tmp_path):
    import subprocess
    import sys

    import onnx

    onnx.save(npu_models.qlinear_cnn(), str(tmp_path / "q.onnx"))
    r = subprocess.run(
        [sys.executable, "-m", "soff", "npu", "q.onnx", "-o", "q.v", "--report"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    assert "int8 as imported (QLinear operators)" in r.stderr
    assert "0x18 xq  @0x00002000        72 B  activation int8[1, 2, 6, 6]" in r.stderr
    assert "(precision int8), top 'qlinear_cnn_npu'" in (tmp_path / "q.v").read_text()
