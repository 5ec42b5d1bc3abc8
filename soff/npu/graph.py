"""The NPU layer graph: tensors, layers with attributes and numpy weights.

A :class:`Graph` is what the importers (:mod:`soff.npu.onnx_import`,
:mod:`soff.npu.text_format`) build and what :mod:`soff.npu.reference` and
:mod:`soff.npu.codegen` consume. Layers are in topological order. Every
tensor is float32 and has a static shape (batch dimension included); the
passes here fill the shapes in (:meth:`Graph.infer_shapes`), fold
BatchNormalization into the Conv/Dense that produces its input
(:meth:`Graph.fold_batchnorm`) and an Add of a per-channel constant into its
bias (:meth:`Graph.fold_bias`), and fuse element-wise activations into their
producer (:meth:`Graph.fuse_activations`). :func:`prepare` runs all three.

Layer ops and what they carry (``attrs`` / ``weights``):

====================  ==========================================================
``conv``              attrs ``strides`` [sh, sw], ``pads`` [top, left, bottom, right],
                      ``dilations`` [dh, dw], ``group``; weights ``weight``
                      (M, C/group, KH, KW), ``bias`` (M,) optional
``dense``             y = x @ weight.T + bias on a 2-D (N, K) input; weights
                      ``weight`` (out, K), ``bias`` (out,) optional
``relu`` ``sigmoid``  element-wise; ``leaky_relu`` has ``alpha``, ``clip`` has
``tanh``              ``min`` and ``max``
``add`` ``mul``       two inputs with numpy broadcasting, or one input and the
                      weight ``constant``
``maxpool``           attrs ``kernel`` [kh, kw], ``strides``, ``pads``
``avgpool``           the same plus ``count_include_pad`` (0/1)
``global_avgpool``    mean over H and W, keeps them as 1×1
``batchnorm``         weights ``scale``, ``bias``, ``mean``, ``var``; attr ``epsilon``
``flatten``           attr ``axis`` (default 1)
``reshape``           attr ``shape`` (ONNX rules: 0 copies, -1 infers)
``concat``            attr ``axis``
``softmax``           attr ``axis`` (default -1)
``quantize``          q = clamp(rint(x / scale) + zero_point, qmin, qmax), held as
                      float32 integers; weights ``scale``, ``zero_point`` (one value,
                      or one per index of attr ``axis``); attrs ``qmin``, ``qmax``
``dequantize``        y = (q - zero_point) * scale (same weights and ``axis``)
====================  ==========================================================

A layer may carry a fused activation (``activation``: one of the element-wise
op names, with its attributes in ``act_attrs``) that is applied to each
output element before it is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from soff.diagnostics import CompileError

#: element-wise activations that can be fused into their producer
ACTIVATIONS = ("relu", "leaky_relu", "sigmoid", "tanh", "clip")
#: every op the graph knows
OPS = (
    "conv", "dense", *ACTIVATIONS, "add", "mul", "maxpool", "avgpool", "global_avgpool",
    "batchnorm", "flatten", "reshape", "concat", "softmax", "quantize", "dequantize",
)  # fmt: skip
#: ops that only relabel the data (no kernel: the output shares the input's buffer)
VIEW_OPS = ("flatten", "reshape")
#: producers an activation may be fused into
FUSABLE_PRODUCERS = (
    "conv",
    "dense",
    "add",
    "mul",
    "maxpool",
    "avgpool",
    "global_avgpool",
    "batchnorm",
)


class NpuError(CompileError):
    """An error whose message is already formatted (one or more
    ``file[:line:col]: error: ...`` lines)."""

    def __str__(self) -> str:
        return self.message


@dataclass
class Tensor:
    name: str
    shape: tuple[int, ...] | None = None
    dtype: str = "float32"

    @property
    def size(self) -> int:
        assert self.shape is not None
        return int(np.prod(self.shape, dtype=np.int64))


@dataclass
class Layer:
    name: str
    op: str
    inputs: list[str]
    outputs: list[str]
    attrs: dict[str, Any] = field(default_factory=dict)
    weights: dict[str, np.ndarray] = field(default_factory=dict)
    activation: str | None = None
    act_attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def output(self) -> str:
        return self.outputs[0]

    def describe(self) -> str:
        act = f"+{self.activation}" if self.activation else ""
        return f"{self.op}{act}"


@dataclass
class Graph:
    inputs: list[str]
    outputs: list[str]
    tensors: dict[str, Tensor]
    layers: list[Layer]
    name: str = "npu"

    def shape(self, name: str) -> tuple[int, ...]:
        shape = self.tensors[name].shape
        if shape is None:
            raise CompileError(f"npu: the shape of tensor '{name}' is unknown")
        return shape

    def producer(self, tensor: str) -> Layer | None:
        for layer in self.layers:
            if tensor in layer.outputs:
                return layer
        return None

    def consumers(self, tensor: str) -> list[Layer]:
        return [layer for layer in self.layers if tensor in layer.inputs]

    # ------------------------------------------------------------------ passes

    def infer_shapes(self) -> Graph:
        """Fill in every layer output's shape from the input shapes and attributes.
        Every layer whose shapes do not work is reported (one ``error:`` line
        each; layers fed by such a layer are skipped), then NpuError is raised."""
        errors: list[str] = []
        for layer in self.layers:
            shapes = [self.tensors[t].shape if t in self.tensors else None for t in layer.inputs]
            out: tuple[int, ...] | None = None
            if all(s is not None for s in shapes):
                try:
                    out = infer_layer_shape(layer, [s for s in shapes if s is not None])
                except CompileError as e:
                    errors.append(str(e))
            for t in layer.outputs:
                self.tensors.setdefault(t, Tensor(t))
                self.tensors[t].shape = out
        if errors:
            raise NpuError("\n".join(errors))
        return self

    def _rewire(self, old: str, new: str) -> None:
        for layer in self.layers:
            layer.inputs = [new if t == old else t for t in layer.inputs]
        self.outputs = [new if t == old else t for t in self.outputs]
        self.tensors.pop(old, None)

    def fold_batchnorm(self) -> Graph:
        """Fold each BatchNormalization whose input comes from a Conv/Dense used
        only by it into that layer's weights and bias (the BN layer goes away)."""
        for bn in [layer for layer in self.layers if layer.op == "batchnorm"]:
            prod = self.producer(bn.inputs[0])
            if (
                prod is None
                or prod.op not in ("conv", "dense")
                or prod.activation is not None
                or len(self.consumers(bn.inputs[0])) != 1
                or bn.inputs[0] in self.outputs
            ):
                continue
            s, t = batchnorm_affine(bn)
            w = prod.weights["weight"].astype(np.float64)
            m = w.shape[0]
            b = prod.weights.get("bias", np.zeros(m, np.float32)).astype(np.float64)
            prod.weights["weight"] = (w * s.reshape((m,) + (1,) * (w.ndim - 1))).astype(np.float32)
            prod.weights["bias"] = (b * s + t).astype(np.float32)
            self.layers.remove(bn)
            old = prod.outputs[0]
            prod.outputs = [bn.outputs[0]]
            self.tensors.pop(old, None)
        return self

    def fold_bias(self) -> Graph:
        """Fold an Add of a per-output-channel constant into the Conv/Dense before
        it (MatMul + Add as ONNX exporters write a dense layer with a bias)."""
        for add in [la for la in self.layers if la.op == "add" and "constant" in la.weights]:
            prod = self.producer(add.inputs[0])
            if (
                prod is None
                or prod.op not in ("conv", "dense")
                or prod.activation is not None
                or len(self.consumers(add.inputs[0])) != 1
                or add.inputs[0] in self.outputs
            ):
                continue
            m = prod.weights["weight"].shape[0]
            shape = self.shape(add.inputs[0])
            const = add.weights["constant"]
            channel = np.zeros(shape[:2] + (1,) * (len(shape) - 2), np.float32)
            if np.broadcast_shapes(channel.shape, const.shape) != channel.shape:
                continue  # varies along other axes (or the batch): not a bias
            per = np.broadcast_to(
                const.reshape((1,) * (len(shape) - const.ndim) + const.shape), channel.shape
            )
            if any(not np.array_equal(per[0], per[n]) for n in range(1, shape[0])):
                continue
            b = prod.weights.get("bias", np.zeros(m, np.float32)).astype(np.float64)
            prod.weights["bias"] = (b + per[0].reshape(m).astype(np.float64)).astype(np.float32)
            self.layers.remove(add)
            old = prod.outputs[0]
            prod.outputs = [add.outputs[0]]
            self.tensors.pop(old, None)
        return self

    def fuse_activations(self) -> Graph:
        """Fuse each element-wise activation into its producer when the producer's
        output feeds nothing else (and is not a graph output)."""
        for act in [layer for layer in self.layers if layer.op in ACTIVATIONS]:
            prod = self.producer(act.inputs[0])
            if (
                prod is None
                or prod.op not in FUSABLE_PRODUCERS
                or prod.activation is not None
                or len(self.consumers(act.inputs[0])) != 1
                or act.inputs[0] in self.outputs
            ):
                continue
            prod.activation = act.op
            prod.act_attrs = dict(act.attrs)
            self.layers.remove(act)
            old = prod.outputs[0]
            prod.outputs = [act.outputs[0]]
            self.tensors.pop(old, None)
        return self


def prepare(graph: Graph) -> Graph:
    """Shape inference, BatchNorm and bias folding, activation fusion (in place)."""
    return graph.infer_shapes().fold_batchnorm().fold_bias().fuse_activations()


def batchnorm_affine(bn: Layer) -> tuple[np.ndarray, np.ndarray]:
    """BatchNormalization as y = x * s + t per channel (float64)."""
    w = {k: v.astype(np.float64).reshape(-1) for k, v in bn.weights.items()}
    s = w["scale"] / np.sqrt(w["var"] + float(bn.attrs.get("epsilon", 1e-5)))
    return s, w["bias"] - w["mean"] * s


def pool_out(size: int, k: int, stride: int, pad0: int, pad1: int, dilation: int = 1) -> int:
    return (size + pad0 + pad1 - dilation * (k - 1) - 1) // stride + 1


def _bad(layer: Layer, why: str) -> CompileError:
    return CompileError(f"npu: layer '{layer.name}' ({layer.op}): {why}")


def infer_layer_shape(layer: Layer, shapes: list[tuple[int, ...]]) -> tuple[int, ...]:
    op, a = layer.op, layer.attrs
    x = shapes[0] if shapes else ()
    if op == "softmax":
        axis = int(a.get("axis", -1)) % max(len(x), 1)
        if any(d != 1 for d in x[axis + 1 :]) and not a.get("coerce_2d"):
            raise _bad(layer, f"only the last axis is supported (axis {axis} of shape {list(x)})")
        return x
    if op in ACTIVATIONS or op in ("batchnorm", "quantize", "dequantize", "quant8", "dequant8"):
        return x
    if op == "conv":
        if len(x) != 4:
            raise _bad(layer, f"needs an NCHW input, got shape {list(x)}")
        w = layer.weights["weight"]
        m, cpg, kh, kw = w.shape
        g = int(a.get("group", 1))
        if cpg * g != x[1] or m % g:
            raise _bad(
                layer,
                f"weight shape {list(w.shape)} does not fit {x[1]} input channels in {g} groups",
            )
        sh, sw = a.get("strides", [1, 1])
        pt, pl, pb, pr = a.get("pads", [0, 0, 0, 0])
        dh, dw = a.get("dilations", [1, 1])
        oh, ow = pool_out(x[2], kh, sh, pt, pb, dh), pool_out(x[3], kw, sw, pl, pr, dw)
        if oh <= 0 or ow <= 0:
            raise _bad(layer, "the output would be empty")
        return (x[0], m, oh, ow)
    if op == "dense":
        w = layer.weights["weight"]
        if len(x) != 2 or x[1] != w.shape[1]:
            raise _bad(layer, f"input shape {list(x)} does not fit weight shape {list(w.shape)}")
        return (x[0], w.shape[0])
    if op in ("add", "mul"):
        other = shapes[1] if len(shapes) > 1 else layer.weights["constant"].shape
        try:
            return tuple(int(d) for d in np.broadcast_shapes(x, other))
        except ValueError:
            raise _bad(layer, f"shapes {list(x)} and {list(other)} do not broadcast") from None
    if op in ("maxpool", "avgpool"):
        if len(x) != 4:
            raise _bad(layer, f"needs an NCHW input, got shape {list(x)}")
        kh, kw = a["kernel"]
        sh, sw = a.get("strides", [1, 1])
        pt, pl, pb, pr = a.get("pads", [0, 0, 0, 0])
        return (x[0], x[1], pool_out(x[2], kh, sh, pt, pb), pool_out(x[3], kw, sw, pl, pr))
    if op == "global_avgpool":
        return (x[0], x[1]) + (1,) * (len(x) - 2)
    if op == "flatten":
        axis = int(a.get("axis", 1)) % (len(x) + 1) if x else 0
        return (int(np.prod(x[:axis], dtype=np.int64)), int(np.prod(x[axis:], dtype=np.int64)))
    if op == "reshape":
        shape = [int(d) for d in a["shape"]]
        shape = [x[i] if d == 0 else d for i, d in enumerate(shape)]
        total = int(np.prod(x, dtype=np.int64))
        if shape.count(-1) == 1:
            rest = int(np.prod([d for d in shape if d != -1], dtype=np.int64))
            shape[shape.index(-1)] = total // rest if rest else 0
        if int(np.prod(shape, dtype=np.int64)) != total:
            raise _bad(layer, f"cannot reshape {list(x)} to {shape}")
        return tuple(shape)
    if op == "concat":
        axis = int(a.get("axis", 0)) % len(x)
        for s in shapes[1:]:
            if len(s) != len(x) or any(s[i] != x[i] for i in range(len(x)) if i != axis):
                raise _bad(
                    layer, f"input shapes {[list(s) for s in shapes]} differ outside axis {axis}"
                )
        return x[:axis] + (sum(s[axis] for s in shapes),) + x[axis + 1 :]
    raise _bad(layer, "unknown op")
