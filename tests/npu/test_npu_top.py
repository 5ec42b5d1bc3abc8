"""The whole-model top (soff/npu/top.py): every layer kernel a stage of one
sequencer top, one simulation per inference, against the numpy reference."""

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
from soff.npu.top import memory_map, register_names  # noqa: E402


def _x(model, seed=3):
    shape = model.plan.buffers[model.plan.inputs[0]].shape
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def test_one_top_lints_with_register_and_memory_map(tmp_path):
    model = soff.npu.compile(npu_models.mlp(8, 16, 4), weight_limit=0)  # weights streamed
    top = model.top
    assert top.name == "mlp_npu" and top.stages == ["fc1", "fc2", "softmax"]
    assert model.verilog.count("module mlp_npu (") == 1
    regs = register_names(model.plan)
    assert regs["fc1.w"] == "fc1_w"  # buffer names made identifiers
    roles = {s.register: s.role for s in top.slots}
    assert roles["x"] == "input" and roles["y"] == "output" and roles["fc1_w"] == "weights"
    addrs = [a for _, a, _ in memory_map(model.plan)]
    assert addrs[0] == 0x1000 and all(a % 4096 == 0 for a in addrs) and addrs == sorted(addrs)
    assert [s.reg_offset for s in top.slots] == [0x10 + 8 * i for i in range(len(top.slots))]
    assert "Memory map" in model.verilog and "0x00001000" in model.verilog
    path = tmp_path / "npu.v"
    path.write_text(model.verilog)
    from soff.sim.tools import lint

    assert lint(path, top=top.name) == ""


@pytest.mark.sim
@pytest.mark.slow  # a Verilator build of the whole top: about a minute
def test_mlp_one_top_on_verilator():
    onnx_model = npu_models.mlp(8, 16, 4)
    model = soff.npu.compile(onnx_model)
    x = _x(model)
    r = model.simulate(x)
    want = model.reference(x)["y"]
    assert r.output.shape == (1, 4)
    np.testing.assert_allclose(r.output, want, rtol=1e-5, atol=1e-7)
    err = npu_models.assert_close_to_onnxruntime(onnx_model, {"x": x}, r.outputs)
    print(f"mlp: max error {err:.2e} of the output's range against onnxruntime")
    assert list(r.layer_cycles) == ["fc1", "fc2", "softmax"]
    assert all(c > 0 for c in r.layer_cycles.values())
    assert sum(r.layer_cycles.values()) <= r.cycles < sum(r.layer_cycles.values()) + 50
    print("mlp cycles", r.cycles, r.layer_cycles)


@pytest.mark.sim
@pytest.mark.slow
def test_tiny_cnn_one_top_with_streamed_weights_on_verilator():
    """conv+bn+relu, maxpool, dense; the dense weights streamed from global memory."""
    onnx_model = npu_models.tiny_cnn()
    model = soff.npu.compile(onnx_model, weight_limit=256)
    assert {lk.name: lk.weight_storage for lk in model.plan.layers}["fc"] == "global"
    x = _x(model)
    r = model.simulate(x)
    ref = model.reference(x)
    y = model.graph.outputs[0]
    np.testing.assert_allclose(r.outputs[y], ref[y], rtol=1e-5, atol=1e-6)
    err = npu_models.assert_close_to_onnxruntime(onnx_model, {"x": x}, r.outputs)
    print(f"tiny_cnn: max error {err:.2e} of the output's range against onnxruntime")
    # the intermediate tensors in global memory agree too
    for lk in model.plan.layers:
        t = next(t for t, b in model.plan.tensor_buffer.items() if b == lk.output)
        np.testing.assert_allclose(r.buffers[lk.output], ref[t].reshape(-1), rtol=1e-5, atol=1e-6)
    print("tiny_cnn cycles", r.cycles, r.layer_cycles)


@pytest.mark.sim
@pytest.mark.slow
def test_depthwise_separable_one_top_on_verilator():
    """Depthwise conv 3x3 stride 2 (group = channels) + Relu6, pointwise 1x1
    conv + LeakyRelu, against onnxruntime and the numpy reference."""
    onnx_model = npu_models.depthwise()
    model = soff.npu.compile(onnx_model)
    assert [lk.op for lk in model.plan.layers] == ["conv+clip", "conv+leaky_relu"]
    x = _x(model)
    r = model.simulate(x)
    ref = model.reference(x)
    for lk in model.plan.layers:
        t = next(t for t, b in model.plan.tensor_buffer.items() if b == lk.output)
        np.testing.assert_allclose(r.buffers[lk.output], ref[t].reshape(-1), rtol=1e-5, atol=1e-6)
    err = npu_models.assert_close_to_onnxruntime(onnx_model, {"x": x}, r.outputs)
    print(f"depthwise: max error {err:.2e} of the output's range against onnxruntime; "
          f"cycles {r.cycles} {r.layer_cycles}")  # fmt: skip


@pytest.mark.sim
@pytest.mark.slow
def test_cli_npu_sim_json(tmp_path):
    path = tmp_path / "mlp.onnx"
    onnx.save(npu_models.mlp(8, 16, 4), str(path))
    x = np.random.default_rng(5).standard_normal((1, 8)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    out = tmp_path / "y.npy"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "soff",
            "npu-sim",
            str(path),
            "--input",
            f"x=@{tmp_path / 'x.npy'}",
            "--out",
            f"y={out}",
            "--json",
        ],  # fmt: skip
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["cycles"] > 0 and set(data["layer_cycles"]) == {"fc1", "fc2", "softmax"}
    y = np.load(out)
    assert y.shape == (1, 4)
    want = soff.npu.compile(npu_models.mlp(8, 16, 4)).reference(x)["y"]
    np.testing.assert_allclose(y, want, rtol=1e-5, atol=1e-7)
    npu_models.assert_close_to_onnxruntime(npu_models.mlp(8, 16, 4), {"x": x}, {"y": y})
    assert data["outputs"]["y"]["max_rel_error"] < 1e-5


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--input", "z=@x.npy"], "soff: error: the model has no input 'z' (its inputs: x)"),
        ([], "soff: error: give every input: --input x=@FILE.npy"),
        (["--input", "x=@missing.npy"], "missing.npy: error: no such file (--input x)"),
        (["--input", "x=@x.npy", "--out", "q=q.npy"], "soff: error: the model has no output 'q'"),
        (["--input", "x=@bad.npy"], "bad.npy: error: input 'x' needs shape [1, 8], got [3]"),
        (["--input", "x=x.npy"], "soff: error: --input x: expected @FILE.npy"),
    ],
)
def test_cli_npu_sim_errors(tmp_path, extra, message):
    onnx.save(npu_models.mlp(8, 16, 4), str(tmp_path / "mlp.onnx"))
    np.save(tmp_path / "x.npy", np.zeros((1, 8), np.float32))
    np.save(tmp_path / "bad.npy", np.zeros(3, np.float32))
    r = subprocess.run(
        [sys.executable, "-m", "soff", "npu-sim", "mlp.onnx", *extra],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stderr.startswith(message), r.stderr


def test_parallelism_gives_layers_compute_units(tmp_path):
    from soff.npu.codegen import layer_parallelism

    assert layer_parallelism(192, 4) == (4, 48)
    assert layer_parallelism(3, 4) == (3, 1)  # no more units than work-items
    assert layer_parallelism(300, 2) == (2, 64)  # groups stay at most 64 work-items
    assert layer_parallelism(2048, "auto") == (4, 64)
    assert layer_parallelism(16, "auto") == (1, 16)
    model = soff.npu.compile(npu_models.tiny_cnn(), parallelism=4)
    assert [(lk.num_cu, lk.local_size[0]) for lk in model.plan.layers] == [
        (4, 36), (4, 9), (3, 1)
    ]  # fmt: skip
    verilog = model.verilog
    assert "stage0_cu3" in verilog and "stage2_cu2" in verilog and "stage2_cu3" not in verilog
    path = tmp_path / "npu.v"
    path.write_text(verilog)
    from soff.sim.tools import lint

    assert lint(path, top=model.top.name) == ""
    r = subprocess.run(
        [sys.executable, "-m", "soff", "npu", "x.onnx", "--parallelism", "0"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert r.returncode == 1 and "--parallelism takes a positive number or auto" in r.stderr


@pytest.mark.sim
@pytest.mark.slow
def test_tiny_cnn_with_four_compute_units_per_layer():
    onnx_model = npu_models.tiny_cnn()
    model = soff.npu.compile(onnx_model, parallelism=4)
    x = _x(model)
    r = model.simulate(x)
    y = model.graph.outputs[0]
    np.testing.assert_allclose(r.outputs[y], model.reference(x)[y], rtol=1e-5, atol=1e-6)
    npu_models.assert_close_to_onnxruntime(onnx_model, {"x": x}, r.outputs)
    print("tiny_cnn parallelism 4 cycles", r.cycles, r.layer_cycles)
