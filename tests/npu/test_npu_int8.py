"""--precision int8 (soff/npu/quantize.py): int8 weights and activations,
int32 accumulation, fixed-point requantisation with round-half-to-even; the
hardware's int8 tensors bit-exact with the numpy integer reference."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("onnx")

import npu_models  # noqa: E402
import onnx  # noqa: E402

import soff.npu  # noqa: E402
from soff.npu.quantize import multiplier, requantize  # noqa: E402


def test_requantize_rounds_half_to_even():
    m, shift = multiplier(np.array([0.5]))
    acc = np.array([1, 3, 5, -1, -3, 4, 7, 1000, -1000])
    got = requantize(acc, m, shift, -128, 127)
    np.testing.assert_array_equal(got, [0, 2, 2, 0, -2, 2, 4, 127, -128])
    m, shift = multiplier(np.array([0.25, 0.1]))
    assert shift > 31 and m.max() < 2**31 and abs(m[1] / 2**shift - 0.1) < 1e-9


def _int_tensors_equal(model, buffers, ref):
    checked = 0
    for b in model.plan.buffers.values():
        if b.dtype == "int8" and b.name in ref:
            np.testing.assert_array_equal(buffers[b.name], ref[b.name].reshape(-1), err_msg=b.name)
            checked += 1
    assert checked >= 2


@pytest.mark.parametrize("name", ["mlp", "tiny_cnn", "depthwise", "gap_concat", "int8_blocks"])
def test_int8_plan_in_interpreter_is_bit_exact(name):
    model = soff.npu.compile(npu_models.ALL[name](), precision="int8")
    assert any(b.dtype == "int8" for b in model.plan.buffers.values())
    shape = model.graph.shape(model.graph.inputs[0])
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    model.run(x, engine="interp")
    _int_tensors_equal(model, model.last_buffers, model.int_reference(x))
    rows = model.accuracy(x, engine="numpy")
    assert [r.layer for r in rows] == [la.name for la in model.graph.layers]
    assert all(r.max_rel < 0.25 for r in rows), rows


def test_add_concat_avgpool_are_int8_without_float_islands():
    """Add (two tensors, and a constant held as int64 at 2**shift), Concat of
    inputs of different scales, AveragePool (a multiplier per window size) and
    GlobalAveragePool have int8 kernels: only the model's input and output
    convert to and from float."""
    model = soff.npu.compile(npu_models.int8_blocks(), precision="int8")
    kinds = [(lk.name, lk.op, model.plan.buffers[lk.output].dtype) for lk in model.plan.layers]
    assert [k for k in kinds if k[2] != "int8"] == [("y_dequant", "dequant8", "float32")]
    assert [k[1] for k in kinds if k[1] in ("add+relu", "add", "avgpool", "concat")] == [
        "add+relu", "add", "avgpool", "concat"
    ]  # fmt: skip
    src = {lk.name: lk.source for lk in model.plan.layers}
    assert "(long)x[" in src["residual"] and "(long)x1[" in src["residual"]
    assert "__constant long k[108]" in src["add_k"]
    assert "(long)acc * (long)mult[cnt]" in src["avg"]
    gap = soff.npu.compile(npu_models.gap_concat(), precision="int8")
    assert "global_avgpool" in [
        lk.op for lk in gap.plan.layers if gap.plan.buffers[lk.output].dtype == "int8"
    ]
    # the integer reference against the float model: within a few quantisation steps
    for seed in range(3):
        x = np.random.default_rng(seed).standard_normal((1, 2, 6, 6)).astype(np.float32)
        rows = model.accuracy(x, engine="numpy")
        assert all(r.max_rel < 0.05 for r in rows), rows


def test_int8_weights_are_int8_roms_and_buffers():
    model = soff.npu.compile(npu_models.mlp(8, 16, 4), precision="int8", weight_limit=0)
    fc1 = next(lk for lk in model.plan.layers if lk.name == "fc1")
    assert fc1.weight_storage == "global"
    assert model.plan.buffers["fc1.w"].dtype == "int8"
    assert model.plan.buffers["fc1.b"].dtype == "int32"
    assert "__global const char *restrict x" in fc1.source
    roms = soff.npu.compile(npu_models.mlp(8, 16, 4), precision="int8").plan.layers[1].source
    assert "__constant char w[128]" in roms and "(long)acc * (long)mult[j]" in roms


def test_cli_int8_report_and_calibrate(tmp_path):
    onnx.save(npu_models.mlp(8, 16, 4), str(tmp_path / "mlp.onnx"))
    np.save(tmp_path / "cal.npy", np.random.default_rng(0).standard_normal((16, 8)).astype("f4"))
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "soff",
            "npu",
            "mlp.onnx",
            "-o",
            "npu.v",
            "--precision",
            "int8",
            "--calibrate",
            "cal.npy",
            "--report",
        ],  # fmt: skip
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    assert "int8 accuracy against the float model" in r.stderr
    assert "quant8" in r.stderr and "int8[1, 16]" in r.stderr
    assert "module mlp_npu (" in (tmp_path / "npu.v").read_text()
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "soff",
            "npu",
            "mlp.onnx",
            "--precision",
            "int8",
            "--calibrate",
            "missing.npy",
        ],  # fmt: skip
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert r.returncode == 1 and r.stderr.startswith("missing.npy: error: no such file")


@pytest.mark.sim
@pytest.mark.slow
def test_int8_mlp_hardware_bit_exact_cli_json(tmp_path):
    onnx.save(npu_models.mlp(8, 16, 4), str(tmp_path / "mlp.onnx"))
    x = np.random.default_rng(3).standard_normal((1, 8)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "soff",
            "npu-sim",
            "mlp.onnx",
            "--input",
            "x=@x.npy",
            "--out",
            "y=y.npy",
            "--precision",
            "int8",
            "--json",
        ],  # fmt: skip
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["int8_bit_exact"] is True and data["cycles"] > 0
    assert [a["layer"] for a in data["accuracy"]] == ["fc1", "fc2", "softmax"]
    assert np.load(tmp_path / "y.npy").shape == (1, 4)


@pytest.mark.sim
@pytest.mark.slow
def test_digits_mlp_int8_on_hardware():
    """The digits MLP (64 -> 32 -> 10), a batch of 64 test images in one
    inference: every int8 tensor bit-exact with the numpy integer model, the
    dequantised logits too, and so the same classification accuracy."""
    onnx_model, x_cal, x_test, y_test, source = npu_models.digits_mlp()
    model = soff.npu.compile(onnx_model, precision="int8", calibration=x_cal)
    r = model.simulate(x_test)
    ref = model.int_reference(x_test)
    _int_tensors_equal(model, r.buffers, ref)
    np.testing.assert_array_equal(r.outputs["y"], ref["y"])  # dequantised: bit-exact too
    hw_acc = float((r.outputs["y"].argmax(axis=1) == y_test).mean())
    np_acc = float((ref["y"].argmax(axis=1) == y_test).mean())
    float_acc = float((model.reference(x_test)["y"].argmax(axis=1) == y_test).mean())
    print(f"digits MLP ({source}): accuracy hardware {hw_acc:.3f}, numpy int8 {np_acc:.3f}, "
          f"float {float_acc:.3f}; cycles {r.cycles} {r.layer_cycles}")  # fmt: skip
    assert hw_acc == np_acc
    if source.startswith("scikit"):
        assert np_acc > 0.85


@pytest.mark.sim
@pytest.mark.slow
def test_tiny_cnn_int8_on_hardware_bit_exact():
    """int8 conv (padded, BN folded, ReLU fused), int8 maxpool, int8 dense."""
    model = soff.npu.compile(npu_models.tiny_cnn(), precision="int8")
    ops = {lk.name: lk.op for lk in model.plan.layers}
    assert ops["conv1"] == "conv+relu" and ops["pool1"] == "maxpool"
    x = np.random.default_rng(3).standard_normal(model.graph.shape("x")).astype(np.float32)
    r = model.simulate(x)
    ref = model.int_reference(x)
    _int_tensors_equal(model, r.buffers, ref)
    y = model.graph.outputs[0]
    np.testing.assert_array_equal(r.outputs[y], ref[y])
    print("tiny_cnn int8 cycles", r.cycles, r.layer_cycles)


@pytest.mark.sim
@pytest.mark.slow
def test_int8_blocks_on_hardware_bit_exact():
    """int8 residual add (+relu), add of an int64 constant, average pool,
    concat, maxpool, conv, dense: bit-exact with the numpy integer model."""
    model = soff.npu.compile(npu_models.int8_blocks(), precision="int8")
    x = np.random.default_rng(3).standard_normal((1, 2, 6, 6)).astype(np.float32)
    r = model.simulate(x)
    ref = model.int_reference(x)
    _int_tensors_equal(model, r.buffers, ref)
    np.testing.assert_array_equal(r.outputs["y"], ref["y"])
    print("int8_blocks cycles", r.cycles, r.layer_cycles)
