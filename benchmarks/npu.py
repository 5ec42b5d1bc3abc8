"""The NPU test models on the whole-model top: cycles per inference (Verilator)
and yosys resource estimates (synthesis only, board ``generic``).

    python benchmarks/npu.py [--models mlp,tiny_cnn,...] [--no-synth] [--no-sim]

Each model is one of tests/npu/npu_models.py (built with onnx.helper), at a
precision: ``float32``, ``int8`` (quantised by soff, calibrated on 32
standard-normal inputs) or ``int8 (QLinear)`` (an int8 ONNX model in QOperator
form). One seeded input per model; the output is checked against onnxruntime
(float32: largest error relative to the output's range, the tests want < 1e-5)
or the numpy integer reference (int8: every int8 tensor bit-exact). Synthesis
is ``soff.boards.synth.synthesis_summary`` (yosys, cached per design).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "npu"))

import npu_models  # noqa: E402

import soff.npu  # noqa: E402

#: name → (model builder, precision, description)
MODELS = {
    "mlp": (npu_models.mlp, "float32", "MLP 8-16-4 + softmax"),
    "mlp_int8": (npu_models.mlp, "int8", "MLP 8-16-4 + softmax"),
    "tiny_cnn": (npu_models.tiny_cnn, "float32", "conv3x3 2-4 +BN+ReLU, maxpool, dense 36-3"),
    "tiny_cnn_int8": (npu_models.tiny_cnn, "int8", "the same"),
    "depthwise": (npu_models.depthwise, "float32", "dw conv3x3/2 +Relu6, pw 1x1 +LeakyRelu"),
    "depthwise_int8": (npu_models.depthwise, "int8", "the same"),
    "int8_blocks": (npu_models.int8_blocks, "int8", "residual add, add const, avgpool, concat"),
    "qlinear_cnn": (npu_models.qlinear_cnn, "int8 (QLinear)", "QLinearConv, pool, QLinearMatMul"),
    "qlinear_depthwise": (npu_models.qlinear_depthwise, "int8 (QLinear)", "dw + pw QLinearConv"),
}


def check(model, onnx_model, x, result) -> str:
    """How the hardware's output compares with the reference."""
    if model.qgraph is not None:
        ref = model.int_reference(x)
        exact = all(
            np.array_equal(result.buffers[b.name], ref[b.name].reshape(-1))
            for b in model.plan.buffers.values()
            if b.dtype == "int8" and b.name in ref
        )
        return "int8 bit-exact" if exact else "int8 NOT bit-exact"
    if importlib.util.find_spec("onnxruntime") is None:
        ref = model.reference(x)[model.graph.outputs[0]]
        got = result.outputs[model.graph.outputs[0]]
        worst = float(np.abs(got - ref).max() / np.abs(ref).max())
        return f"{worst:.1e} of range vs numpy (no onnxruntime)"
    try:
        worst = npu_models.assert_close_to_onnxruntime(onnx_model, {"x": x}, result.outputs)
    except AssertionError as e:
        return f"FAILS against onnxruntime: {str(e).strip().splitlines()[0]}"
    return f"{worst:.1e} of range vs onnxruntime"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", default=",".join(MODELS), help="comma-separated names")
    p.add_argument("--no-synth", action="store_true", help="skip yosys")
    p.add_argument("--no-sim", action="store_true", help="skip the Verilator run")
    args = p.parse_args()
    rows = []
    for name in args.models.split(","):
        build, precision, what = MODELS[name]
        onnx_model = build()
        model = soff.npu.compile(onnx_model, precision="int8" if precision == "int8" else "float32")
        row = {"name": name, "precision": precision, "what": what}
        shape = model.graph.shape(model.graph.inputs[0])
        x = np.random.default_rng(3).standard_normal(shape).astype(np.float32)
        if not args.no_sim:
            t0 = time.perf_counter()
            r = model.simulate(x)
            row["cycles"] = r.cycles
            row["layers"] = " ".join(f"{k} {v}" for k, v in r.layer_cycles.items())
            row["check"] = check(model, onnx_model, x, r)
            row["sim_s"] = time.perf_counter() - t0
        if not args.no_synth:
            from soff.boards.board import load_board
            from soff.boards.synth import synthesis_summary

            s = synthesis_summary(model.verilog, model.top.name, load_board("generic"))
            row.update({k: s[k] for k in ("lut", "ff", "dsp", "bram")}, synth_s=s["seconds"])
        rows.append(row)
        print(
            f"{name:18s} {precision:15s} "
            + (f"cycles {row['cycles']:>6} ({row['layers']}); {row['check']}; " if "cycles" in row else "")
            + (f"LUT {row['lut']} FF {row['ff']} DSP {row['dsp']} BRAM {row['bram']} "
               f"(yosys {row['synth_s']} s)" if "lut" in row else ""),
            flush=True,
        )  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
