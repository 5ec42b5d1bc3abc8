"""NPU generation: deep-learning models (ONNX, the ``.npu`` text format) to
per-layer OpenCL C kernels compiled by the soff back end (docs/npu.md)."""
