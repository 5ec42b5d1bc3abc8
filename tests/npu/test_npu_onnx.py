"""ONNX import: the numpy reference against onnx's ReferenceEvaluator, the
plan in the IR interpreter against the reference, and the early check."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("onnx")

import npu_models  # noqa: E402
import onnx  # noqa: E402
from onnx.reference import ReferenceEvaluator  # noqa: E402

from soff.diagnostics import CompileError  # noqa: E402
from soff.npu.onnx_import import check_model  # noqa: E402
from soff.npu.run import accuracy_text, compile_model  # noqa: E402


def _feeds(model, seed=0):
    rng = np.random.default_rng(seed)
    return {
        i.name: rng.standard_normal([d.dim_value for d in i.type.tensor_type.shape.dim]).astype(
            np.float32
        )
        for i in model.graph.input
    }


@pytest.mark.parametrize("name", sorted(npu_models.ALL))
def test_reference_matches_onnx(name):
    m = npu_models.ALL[name]()
    feeds = _feeds(m)
    want = ReferenceEvaluator(m).run(None, feeds)[0]
    model = compile_model(m)
    got = model.reference(feeds)[model.graph.outputs[0]]
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(npu_models.ALL))
def test_plan_in_interpreter_matches_reference(name):
    m = npu_models.ALL[name]()
    feeds = _feeds(m, seed=1)
    model = compile_model(m)
    got, cycles = model.run(feeds, engine="interp")
    want = model.reference(feeds)[model.graph.outputs[0]]
    assert got.shape == want.shape and cycles == [None] * len(model.plan.layers)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    for row in model.accuracy(feeds):
        assert row.max_abs < 1e-4, row


def test_weights_in_global_memory_above_the_limit():
    m = npu_models.tiny_cnn()
    feeds = _feeds(m)
    model = compile_model(m, weight_limit=100)
    storage = {lk.name: lk.weight_storage for lk in model.plan.layers}
    assert storage == {"conv1": "global", "pool1": "none", "fc": "global"}
    weights = [b for b in model.plan.buffers.values() if b.role == "weights"]
    assert sorted(b.name for b in weights) == ["conv1.b", "conv1.w", "fc.b", "fc.w"]
    got, _ = model.run(feeds)
    np.testing.assert_allclose(got, model.reference(feeds)["y"], rtol=1e-4, atol=1e-5)


def test_plan_structure():
    model = compile_model(npu_models.tiny_cnn())
    plan = model.plan
    assert plan.inputs == ["x"] and plan.outputs == ["y"]
    assert {n: b.role for n, b in plan.buffers.items()} == {
        "x": "input", "r": "activation", "p": "activation", "y": "output",
    }  # fmt: skip
    conv, pool, fc = plan.layers  # Flatten has no kernel: 'f' shares the buffer 'p'
    assert plan.tensor_buffer["f"] == "p"
    assert conv.args == [("x", "x"), ("y", "r")] and conv.output == "r"
    assert fc.args == [("x", "p"), ("y", "y")]
    assert conv.global_size == (192,) and conv.local_size == (64,) and conv.macs == 144 * 18
    assert conv.weight_storage == "constant" and "__constant float w[72]" in conv.source
    d = json.loads(json.dumps(plan.to_dict()))
    assert d["layers"][0]["args"] == [["x", "x"], ["y", "r"]]
    assert d["buffers"]["p"] == {"shape": [1, 4, 3, 3], "dtype": "float32", "role": "activation"}


def test_accuracy_report():
    m = npu_models.tiny_cnn()
    model = compile_model(m)
    rows = model.accuracy(_feeds(m))
    assert [r.layer for r in rows] == ["conv1", "pool1", "fc"]
    assert all(r.max_abs < 1e-5 and r.max_rel < 1e-5 for r in rows)
    text = accuracy_text(rows)
    assert text.splitlines()[0].split() == ["layer", "max", "abs", "error", "relative"]


def test_early_check_lists_every_problem():
    errors = check_model(npu_models.unsupported(), "bad.onnx")
    assert any("node 'lstm0' (LSTM): operator 'LSTM' is not supported" in e for e in errors)
    assert any("'conv_same' (Conv): attribute auto_pad" in e for e in errors)
    assert any(
        "'qmm' (QLinearMatMul): the scales, zero points, second operand must be constants" in e
        for e in errors
    )
    assert not any("relu0" in e for e in errors)
    assert all(e.startswith("bad.onnx: error: ") for e in errors)
    with pytest.raises(CompileError):
        compile_model(npu_models.unsupported())


def test_cli_unsupported_op_exits_1_without_traceback(tmp_path):
    path = tmp_path / "bad.onnx"
    onnx.save(npu_models.unsupported(), str(path))
    out = tmp_path / "bad.v"
    r = subprocess.run(
        [sys.executable, "-m", "soff", "npu", str(path), "-o", str(out)],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 3 and all(": error: node '" in line for line in lines), r.stderr
    assert "Traceback" not in r.stderr and not out.exists()


def test_cli_unknown_precision(tmp_path):
    path = tmp_path / "mlp.onnx"
    onnx.save(npu_models.mlp(), str(path))
    r = subprocess.run(
        [sys.executable, "-m", "soff", "npu", str(path), "--precision", "int4"],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 1 and "unknown precision 'int4' (float32 or int8)" in r.stderr


def test_cli_writes_verilog_and_report(tmp_path):
    path = tmp_path / "mlp.onnx"
    onnx.save(npu_models.mlp(), str(path))
    out = tmp_path / "npu.v"
    r = subprocess.run(
        [sys.executable, "-m", "soff", "npu", str(path), "-o", str(out), "--report"],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    assert text.startswith("// soff npu:")
    assert "module mlp_npu (" in text  # one top running every layer
    for kernel in ("npu_fc1", "npu_fc2", "npu_softmax"):
        assert f"module {kernel}_cu (" in text
    modules = [
        line.split()[1].split("(")[0] for line in text.splitlines() if line.startswith("module ")
    ]
    assert len(modules) == len(set(modules))
    assert "dense+relu" in r.stderr and "constant 576 B" in r.stderr and "16/16" in r.stderr
    from soff.sim.tools import lint

    assert lint(out, top="mlp_npu") == ""


@pytest.mark.parametrize("name", sorted(npu_models.ALL))
def test_every_layer_kernel_compiles_on_its_own(name):
    import soff

    for limit in (16 * 1024, 0):  # weights as ROMs, and as global buffers
        model = compile_model(npu_models.ALL[name](), weight_limit=limit)
        for lk in model.plan.layers:
            design = soff.compile(lk.source)
            assert design.kernel.name == lk.kernel_name
            names = [a.name for a in design.kernel.args]
            assert names == [a for a, _ in lk.args]


def test_softmax_before_opset_13_flattens_at_axis():
    # onnx's ReferenceEvaluator ignores the old semantics; the spec (and
    # onnxruntime) flatten the input to 2-D at axis (default 1)
    model = compile_model(npu_models.softmax_opset11())
    x = np.random.default_rng(0).standard_normal((2, 3, 2, 2)).astype(np.float32)
    flat = x.reshape(2, 12).astype(np.float64)
    e = np.exp(flat - flat.max(axis=1, keepdims=True))
    want = (e / e.sum(axis=1, keepdims=True)).reshape(x.shape)
    np.testing.assert_allclose(model.reference(x)["y"], want, rtol=1e-6)
    got, _ = model.run(x)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-7)
    assert model.plan.layers[0].global_size == (2,)


def test_qdq_int8_model():
    m = npu_models.qdq()
    model = compile_model(m)
    assert [la.describe() for la in model.graph.layers] == [
        "quantize", "dequantize", "conv+relu", "quantize", "dequantize",
    ]  # fmt: skip
    x = np.random.default_rng(2).standard_normal((1, 2, 5, 5)).astype(np.float32)
    want = ReferenceEvaluator(m).run(None, {"x": x})[0]
    ref = model.reference(x)
    # the quantised input is exact; the output may differ by one step (0.02)
    # where the conv's sum lands on a rounding boundary
    xq = ReferenceEvaluator(m).run(["xq"], {"x": x})[0]
    np.testing.assert_array_equal(ref["xq"], xq.astype(np.float32))
    np.testing.assert_allclose(ref["y"], want, atol=0.0201)
    assert np.mean(ref["y"] == want) > 0.95
    got, _ = model.run(x)
    np.testing.assert_allclose(got, ref["y"], atol=0.0201)
    assert np.mean(got == ref["y"]) > 0.95
    q = model.last_buffers[model.plan.tensor_buffer["xq"]]
    np.testing.assert_array_equal(q, ref["xq"].reshape(-1))  # bit-exact quantisation
    import soff

    for lk in model.plan.layers:  # rint, fdiv, fmin/fmax: all in the operator library
        assert soff.compile(lk.source).kernel.name == lk.kernel_name
