"""NPU generation: deep-learning models (ONNX, the ``.npu`` text format) to
per-layer OpenCL C kernels compiled by the soff back end and run in order by
one accelerator top (docs/npu.md).

``soff.npu.compile(model)`` imports and lowers a model (a path, an ONNX
ModelProto or a layer graph) and returns an :class:`NpuModel`: ``.verilog``
is the whole-model top, ``.simulate(inputs)`` runs one inference on it in
Verilator."""

from __future__ import annotations

from soff.npu.run import NpuModel, NpuSimResult, compile_model

compile = compile_model  # noqa: A001 - the public API name

__all__ = ["NpuModel", "NpuSimResult", "compile", "compile_model"]
