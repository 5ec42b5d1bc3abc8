"""A numpy float32 reference executor of a :class:`soff.npu.graph.Graph`.

Each layer computes in float64 and rounds its output to float32, so the
reference is at least as accurate as any float32 order of summation; the
hardware and the interpreter are compared with it within a tolerance.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from soff.diagnostics import CompileError
from soff.npu.graph import Graph, Layer, batchnorm_affine


def activation(op: str, attrs: Mapping[str, float], x: np.ndarray) -> np.ndarray:
    if op == "relu":
        return np.maximum(x, 0)
    if op == "leaky_relu":
        return np.where(x < 0, x * float(attrs.get("alpha", 0.01)), x)
    if op == "sigmoid":
        return 1.0 / (1.0 + np.exp(-x))
    if op == "tanh":
        return np.tanh(x)
    if op == "clip":
        return np.clip(x, float(attrs.get("min", -np.inf)), float(attrs.get("max", np.inf)))
    raise CompileError(f"npu: unknown activation '{op}'")


def _pad(x: np.ndarray, pads: list[int], value: float) -> np.ndarray:
    pt, pl, pb, pr = pads
    return np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)), constant_values=value)


def _windows(
    x: np.ndarray, kh: int, kw: int, sh: int, sw: int, dh: int = 1, dw: int = 1
) -> np.ndarray:
    """(N, C, OH, OW, KH, KW) views of the padded input."""
    n, c, h, w = x.shape
    oh = (h - dh * (kh - 1) - 1) // sh + 1
    ow = (w - dw * (kw - 1) - 1) // sw + 1
    s = x.strides
    return np.lib.stride_tricks.as_strided(
        x, (n, c, oh, ow, kh, kw), (s[0], s[1], s[2] * sh, s[3] * sw, s[2] * dh, s[3] * dw)
    )


def run_layer(layer: Layer, xs: list[np.ndarray]) -> np.ndarray:
    op, a = layer.op, layer.attrs
    x = xs[0].astype(np.float64)
    if op == "conv":
        w = layer.weights["weight"].astype(np.float64)
        m, cpg, kh, kw = w.shape
        g = int(a.get("group", 1))
        win = _windows(
            _pad(x, a.get("pads", [0] * 4), 0.0),
            kh,
            kw,
            *a.get("strides", [1, 1]),
            *a.get("dilations", [1, 1]),
        )
        n, c, oh, ow = win.shape[:4]
        win = win.reshape(n, g, cpg, oh, ow, kh, kw)
        wg = w.reshape(g, m // g, cpg, kh, kw)
        y = np.einsum("ngchwij,gmcij->ngmhw", win, wg).reshape(n, m, oh, ow)
        if "bias" in layer.weights:
            y = y + layer.weights["bias"].astype(np.float64).reshape(1, m, 1, 1)
    elif op == "dense":
        y = x @ layer.weights["weight"].astype(np.float64).T
        if "bias" in layer.weights:
            y = y + layer.weights["bias"].astype(np.float64)
    elif op in ("add", "mul"):
        other = xs[1] if len(xs) > 1 else layer.weights["constant"]
        other = other.astype(np.float64)
        y = x + other if op == "add" else x * other
    elif op in ("maxpool", "avgpool"):
        kh, kw = a["kernel"]
        if op == "maxpool":
            y = _windows(
                _pad(x, a.get("pads", [0] * 4), -np.inf), kh, kw, *a.get("strides", [1, 1])
            ).max(axis=(4, 5))
        else:
            xp = _pad(x, a.get("pads", [0] * 4), 0.0)
            total = _windows(xp, kh, kw, *a.get("strides", [1, 1])).sum(axis=(4, 5))
            if a.get("count_include_pad", 0):
                y = total / (kh * kw)
            else:
                ones = _pad(np.ones((1, 1) + x.shape[2:]), a.get("pads", [0] * 4), 0.0)
                y = total / _windows(ones, kh, kw, *a.get("strides", [1, 1])).sum(axis=(4, 5))
    elif op == "global_avgpool":
        y = x.mean(axis=tuple(range(2, x.ndim)), keepdims=True)
    elif op == "batchnorm":
        s, t = batchnorm_affine(layer)
        shape = (1, -1) + (1,) * (x.ndim - 2)
        y = x * s.reshape(shape) + t.reshape(shape)
    elif op in ("flatten", "reshape"):
        y = x
    elif op == "concat":
        y = np.concatenate([v.astype(np.float64) for v in xs], axis=int(a.get("axis", 0)))
    elif op in ("quantize", "dequantize"):  # float32 arithmetic, as ONNX and the kernels
        x32 = xs[0].astype(np.float32)
        axis = int(a.get("axis", 1)) % max(x32.ndim, 1)
        qshape = [1] * x32.ndim
        sc, zp = layer.weights["scale"], layer.weights["zero_point"]
        qshape[axis] = max(sc.size, zp.size)
        sc = sc.reshape(qshape) if sc.size > 1 else sc.reshape(())
        zp = zp.reshape(qshape) if zp.size > 1 else zp.reshape(())
        if op == "quantize":
            y = np.clip(np.rint(x32 / sc) + zp, float(a["qmin"]), float(a["qmax"]))
        else:
            y = (x32 - zp) * sc
    elif op == "softmax":
        axis = int(a.get("axis", -1)) % x.ndim
        shape = x.shape
        if a.get("coerce_2d"):  # ONNX before opset 13: the input flattened at axis
            x, axis = x.reshape(int(np.prod(shape[:axis])), -1), 1
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        y = (e / e.sum(axis=axis, keepdims=True)).reshape(shape)
    else:
        y = activation(op, a, x)
    if layer.activation:
        y = activation(layer.activation, layer.act_attrs, y)
    return y.astype(np.float32)


def run_graph(graph: Graph, inputs: Mapping[str, np.ndarray] | np.ndarray) -> dict[str, np.ndarray]:
    """Every tensor's value (inputs, intermediate results, outputs), float32,
    each with its inferred shape."""
    if isinstance(inputs, np.ndarray):
        inputs = {graph.inputs[0]: inputs}
    values = {k: np.asarray(v, np.float32).reshape(graph.shape(k)) for k, v in inputs.items()}
    for layer in graph.layers:
        y = run_layer(layer, [values[t] for t in layer.inputs])
        values[layer.output] = y.reshape(graph.shape(layer.output))
    return values
