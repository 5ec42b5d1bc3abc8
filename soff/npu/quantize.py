"""int8 quantisation of a prepared layer graph (``--precision int8``).

The scheme (docs/npu.md, "int8"):

- **Symmetric, zero point 0.** A tensor of scale ``s`` holds ``q`` in int8
  for the real value ``q * s``. Activations are clamped to [-128, 127],
  weights to [-127, 127].
- **Scales by calibration (max-abs).** :func:`calibrate` runs the float
  reference on calibration samples and sets each tensor's scale to
  ``max |x| / 127`` over all of them (1.0 for a tensor that is always 0).
  Layers that do not change the scale (max pooling, ReLU, Flatten/Reshape)
  pass their input's scale on.
- **Weights per output channel** (``per_channel=True``, the default) or per
  tensor: ``s_w[c] = max |w[c]| / 127``, ``w_q = rint(w / s_w)``; the bias is
  int32 at scale ``s_x * s_w[c]``.
- **int32 accumulation, fixed-point requantisation.** Dense and Conv sum
  ``x_q * w_q`` into an int32 starting at the bias, then multiply by
  ``M[c] = s_x * s_w[c] / s_y`` held as an integer ``m[c]`` and one shift
  ``sh`` per layer (``M[c] ≈ m[c] / 2**sh``, the largest ``m`` below 2**31),
  in 64 bits, and round **half to even** when shifting right; then clamp
  (to [0, 127] with a fused ReLU, to the quantised bounds with a Clip).
- **Add, Concat, average pooling** rescale in integers: add
  ``round_half_even((x0·m0 + x1·m1) / 2**sh)`` with ``m_k ≈ s_k / s_y · 2**sh``
  (a constant operand as int64 ``rint(c / s_y · 2**sh)``), concat each input
  times its ``m_k``, average pooling the int32 window sum times
  ``mult[n] ≈ s_x / (n · s_y) · 2**sh`` for a window of ``n`` elements; they
  are integer when an input already is (:func:`_rescale`).
- **Float islands.** Layers with no integer kernel (softmax, sigmoid, tanh,
  mul, standalone batchnorm...) run in float32 on
  dequantised inputs: a ``dequant8`` layer (``q * s`` in float32) before and a
  ``quant8`` layer (``clamp(rint(x / s))`` in float32) after, where a
  neighbour is integer. Graph inputs are float32 (a ``quant8`` layer first)
  and outputs float32 (a ``dequant8`` layer last), so the model's interface
  does not change.

:func:`run_int_graph` is the numpy reference of the quantised graph: integer
layers in int64 numpy arithmetic, quantise/dequantise in float32 exactly as
the kernels do, so the hardware's integer tensors match it bit for bit; float
islands use the float reference (equal within the operator library's ULP
bounds, e.g. exp).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from soff.diagnostics import CompileError
from soff.npu.graph import Graph, Layer, Tensor
from soff.npu.reference import _pad, _windows, run_graph, run_layer

QMIN, QMAX = -128, 127
#: ops with an integer kernel (and the fused activations they may carry)
INT_OPS = (
    "dense", "conv", "maxpool", "relu", "flatten", "reshape",
    "add", "concat", "avgpool", "global_avgpool",
)  # fmt: skip
#: integer when one of their inputs is (a float island otherwise: no quantise kernel for them)
INT_WHEN_INPUT_IS = ("add", "concat", "avgpool", "global_avgpool")
INT_ACTIVATIONS = (None, "relu", "clip")
#: ops whose output has the input's scale
SCALE_KEEPING = ("maxpool", "relu", "flatten", "reshape")
#: calibration samples when none are given (standard normal, seed 0)
DEFAULT_SAMPLES = 32


def round_half_even(x: np.ndarray | float) -> np.ndarray:
    return np.rint(np.asarray(x, np.float64))


def calibrate(graph: Graph, samples: Mapping[str, np.ndarray]) -> dict[str, float]:
    """Max-abs scale of every tensor over ``samples`` (input name → array of
    several inputs stacked on a new first axis)."""
    names = list(graph.inputs)
    count = len(next(iter(samples.values())))
    maxabs: dict[str, float] = {}
    for k in range(count):
        values = run_graph(graph, {n: samples[n][k] for n in names})
        for t, v in values.items():
            maxabs[t] = max(maxabs.get(t, 0.0), float(np.abs(v).max(initial=0)))
    return {t: (m / 127.0 if m > 0 else 1.0) for t, m in maxabs.items()}


def calibration_samples(graph: Graph, data: np.ndarray | None) -> dict[str, np.ndarray]:
    """Samples for :func:`calibrate`: ``data`` reshaped to (-1, *input shape),
    or DEFAULT_SAMPLES standard-normal inputs (seed 0) when None."""
    if len(graph.inputs) != 1:
        raise CompileError("npu: int8 calibration supports models with one input")
    name = graph.inputs[0]
    shape = graph.shape(name)
    if data is None:
        rng = np.random.default_rng(0)
        return {name: rng.standard_normal((DEFAULT_SAMPLES, *shape)).astype(np.float32)}
    size = int(np.prod(shape))
    if data.size == 0 or data.size % size:
        raise CompileError(
            f"npu: calibration data of shape {list(data.shape)} is not a whole number of "
            f"inputs of shape {list(shape)}"
        )
    return {name: np.asarray(data, np.float32).reshape((-1, *shape))}


def multiplier(m: np.ndarray) -> tuple[np.ndarray, int]:
    """Real multipliers ``m`` (> 0) as int64 ``q`` and one shift: m ≈ q / 2**shift,
    the largest q below 2**31."""
    top = float(np.max(m))
    _, e = np.frexp(top)  # top = f * 2**e, 0.5 <= f < 1
    shift = 31 - int(e)
    q = round_half_even(np.asarray(m, np.float64) * 2.0**shift).astype(np.int64)
    if np.any(q >= 2**31):
        q, shift = (
            round_half_even(np.asarray(m, np.float64) * 2.0 ** (shift - 1)).astype(np.int64),
            shift - 1,
        )
    if shift < 1 or shift > 62:
        raise CompileError(f"npu: requantisation scale {top:g} is out of range for int8")
    return q, shift


def requantize(
    acc: np.ndarray, m: np.ndarray, shift: int, lo: int, hi: int, zero: int = 0
) -> np.ndarray:
    """``clamp(round_half_even(acc * m / 2**shift) + zero, lo, hi)`` in int64 (the
    kernels' arithmetic; ``zero`` is the output's zero point)."""
    q = _round_shift(acc.astype(np.int64) * m.astype(np.int64), shift)
    return np.clip(q + zero, lo, hi).astype(np.int8)


def _bounds(layer: Layer, scale: float) -> tuple[int, int]:
    if layer.activation == "relu" or layer.op == "relu":
        return 0, QMAX
    if layer.activation == "clip":
        a = layer.act_attrs
        lo = float(a.get("min", -np.inf))
        hi = float(a.get("max", np.inf))
        qlo = QMIN if not np.isfinite(lo) else max(QMIN, int(round_half_even(lo / scale)))
        qhi = QMAX if not np.isfinite(hi) else min(QMAX, int(round_half_even(hi / scale)))
        return qlo, qhi
    return QMIN, QMAX


@dataclass
class QuantInfo:
    """What quantisation did: the scale of each int8 tensor and, per original
    tensor, the int8 tensor holding it (for the accuracy report)."""

    scales: dict[str, float]
    int_tensor: dict[str, str]
    per_channel: bool


def quantize_graph(
    graph: Graph, scales: Mapping[str, float], per_channel: bool = True
) -> tuple[Graph, QuantInfo]:
    """A new graph computing ``graph`` in int8 (see the module docstring)."""
    g = Graph(list(graph.inputs), list(graph.outputs), {}, [], graph.name)
    for t in graph.inputs:
        g.tensors[t] = Tensor(t, graph.shape(t), "float32")
    qscale: dict[str, float] = {}  # int8 tensor -> scale
    as_int: dict[str, str] = {}  # float tensor -> its int8 copy
    as_float: dict[str, str] = {}  # int8 tensor -> its float copy
    renamed = {t: f"{t}_q" for t in graph.outputs}
    int_of: dict[str, str] = {}
    where = {t: t for t in graph.inputs}  # tensor of ``graph`` -> the tensor of g holding it

    def name(t: str) -> str:
        return renamed.get(t, t)

    def int_input(t: str) -> str:
        if g.tensors[t].dtype == "int8":
            return t
        if t not in as_int:
            q = f"{t}_q8"
            g.tensors[q] = Tensor(q, g.shape(t), "int8")
            qscale[q] = float(scales[t])
            g.layers.append(Layer(f"{t}_quant", "quant8", [t], [q], {"scale": qscale[q]}))
            as_int[t] = q
        return as_int[t]

    def float_input(t: str) -> str:
        if g.tensors[t].dtype != "int8":
            return t
        if t not in as_float:
            f = f"{t}_f32"
            g.tensors[f] = Tensor(f, g.shape(t), "float32")
            g.layers.append(Layer(f"{t}_dequant", "dequant8", [t], [f], {"scale": qscale[t]}))
            as_float[t] = f
        return as_float[t]

    for layer in graph.layers:
        out = name(layer.output)
        shape = graph.shape(layer.output)
        is_int = layer.op in INT_OPS and layer.activation in INT_ACTIVATIONS
        if layer.op in ("flatten", "reshape", "relu", "maxpool"):
            # follow the input: integer only when the input already is
            is_int = g.tensors[where[layer.inputs[0]]].dtype == "int8"
        elif layer.op in INT_WHEN_INPUT_IS:
            is_int = is_int and any(g.tensors[where[t]].dtype == "int8" for t in layer.inputs)
        new = copy.copy(layer)
        new.attrs, new.weights = dict(layer.attrs), dict(layer.weights)
        new.outputs = [out]
        if not is_int:
            new.inputs = [float_input(where[t]) for t in layer.inputs]
            new.outputs = [layer.output]
            g.tensors[layer.output] = Tensor(layer.output, shape, "float32")
            where[layer.output] = layer.output
            g.layers.append(new)
            continue
        ins = [int_input(where[t]) for t in layer.inputs]
        new.inputs = ins if layer.op in ("add", "concat") else ins[:1]
        x = ins[0]
        sx = qscale[x]
        sy = sx if layer.op in SCALE_KEEPING else float(scales[layer.output])
        g.tensors[out] = Tensor(out, shape, "int8")
        where[layer.output] = out
        qscale[out] = sy
        int_of[layer.output] = out
        if layer.op in ("dense", "conv"):
            w = layer.weights["weight"].astype(np.float64)
            m = w.shape[0]
            flat = np.abs(w.reshape(m, -1)).max(axis=1)
            if not per_channel:
                flat = np.full(m, flat.max())
            sw = np.where(flat > 0, flat / 127.0, 1.0)
            wq = np.clip(round_half_even(w / sw.reshape((m,) + (1,) * (w.ndim - 1))), -127, 127)
            b = layer.weights.get("bias", np.zeros(m)).astype(np.float64)
            bq = round_half_even(b / (sx * sw))
            if np.any(np.abs(bq) >= 2**31):
                raise CompileError(f"npu: layer '{layer.name}': the int8 bias overflows int32")
            mq, shift = multiplier(sx * sw / sy)
            lo, hi = _bounds(layer, sy)
            new.weights = {
                "weight": wq.astype(np.int8),
                "bias": bq.astype(np.int32),
                "mult": mq.astype(np.int32) if per_channel else mq[:1].astype(np.int32),
            }
            new.attrs.update(int8=True, shift=shift, qmin=lo, qmax=hi, weight_scale=sw)
        elif layer.op in ("add", "concat", "avgpool", "global_avgpool"):
            new.weights, new.attrs["shift"] = _rescale(layer, graph, [qscale[t] for t in ins], sy)
            lo, hi = _bounds(layer, sy)
            new.attrs.update(int8=True, qmin=lo, qmax=hi)
        else:
            new.attrs["int8"] = True
        g.layers.append(new)
    for t in graph.outputs:
        if t in renamed and renamed[t] in g.tensors and g.tensors[renamed[t]].dtype == "int8":
            q = renamed[t]
            g.tensors[t] = Tensor(t, graph.shape(t), "float32")
            g.layers.append(Layer(f"{t}_dequant", "dequant8", [q], [t], {"scale": qscale[q]}))
    return g, QuantInfo(qscale, int_of, per_channel)


def _rescale(
    layer: Layer, graph: Graph, sx: list[float], sy: float
) -> tuple[dict[str, np.ndarray], int]:
    """The integer weights (``mult``, and ``constant`` for an add of one) and
    the shift of an int8 add, concat or average pool:

    - add: ``y = round((x0·m0 + x1·m1) / 2^shift)`` with ``m_k ≈ s_k / s_y · 2^shift``;
      a constant operand ``c`` is ``rint(c / s_y · 2^shift)`` in int64;
    - concat: input k's elements times ``m_k ≈ s_k / s_y · 2^shift``;
    - average pool: the window sum times ``mult[n] ≈ s_x / (n · s_y) · 2^shift``
      for a window of n elements (index 0 unused), global: ``mult[0]`` for H·W."""
    op = layer.op
    if op == "avgpool":
        k = int(np.prod(layer.attrs["kernel"]))
        mq, shift = multiplier(np.array([sx[0] / (n * sy) for n in range(1, k + 1)]))
        return {"mult": np.concatenate([[0], mq]).astype(np.int32)}, shift
    if op == "global_avgpool":
        hw = int(np.prod(graph.shape(layer.inputs[0])[2:], dtype=np.int64))
        mq, shift = multiplier(np.array([sx[0] / (hw * sy)]))
        return {"mult": mq.astype(np.int32)}, shift
    mq, shift = multiplier(np.array(sx) / sy)
    weights = {"mult": mq.astype(np.int32)}
    if op == "add" and "constant" in layer.weights:
        cq = round_half_even(layer.weights["constant"].astype(np.float64) / sy * 2.0**shift)
        if np.any(np.abs(cq) >= 2.0**62):
            raise CompileError(f"npu: layer '{layer.name}': the int8 add's constant is too large")
        weights["constant"] = cq.astype(np.int64)
    return weights, shift


def _round_shift(p: np.ndarray, shift: int) -> np.ndarray:
    """``round_half_even(p / 2**shift)`` of int64 ``p`` (the kernels' arithmetic)."""
    q = p >> shift
    r = p - (q << shift)
    half = np.int64(1) << (shift - 1)
    return q + ((r > half) | ((r == half) & ((q & 1) == 1))).astype(np.int64)


def run_int_layer(layer: Layer, xs: list[np.ndarray]) -> np.ndarray:
    """One layer of a quantised graph in numpy, as the kernels compute it."""
    op, a = layer.op, layer.attrs
    if op == "quant8":
        s = np.float32(a["scale"])
        v = np.rint(xs[0].astype(np.float32) / s) + np.float32(a.get("zero_point", 0))
        return np.clip(v, np.float32(QMIN), np.float32(QMAX)).astype(np.int8)
    if op == "dequant8":
        q = xs[0].astype(np.int32) - np.int32(a.get("zero_point", 0))
        return q.astype(np.float32) * np.float32(a["scale"])
    if not a.get("int8"):
        return run_layer(layer, xs)
    x = xs[0]
    if op in ("flatten", "reshape"):
        return x
    if op == "relu":
        return np.maximum(x, 0).astype(np.int8)
    if op == "maxpool":
        kh, kw = a["kernel"]
        xp = _pad(x.astype(np.int64), a.get("pads", [0] * 4), QMIN)
        return _windows(xp, kh, kw, *a.get("strides", [1, 1])).max(axis=(4, 5)).astype(np.int8)
    if op in ("add", "concat", "avgpool", "global_avgpool"):
        return _run_rescale(layer, xs)
    w = layer.weights["weight"].astype(np.int64)
    m = w.shape[0]
    x = x.astype(np.int64) - int(a.get("x_zero", 0))  # a padded element is then 0
    if op == "dense":
        acc = x @ w.T + layer.weights["bias"].astype(np.int64)
        mult = np.broadcast_to(layer.weights["mult"].astype(np.int64), (m,))
    else:
        _, cpg, kh, kw = w.shape
        g = int(a.get("group", 1))
        win = _windows(
            _pad(x, a.get("pads", [0] * 4), 0),
            kh, kw, *a.get("strides", [1, 1]), *a.get("dilations", [1, 1]),
        )  # fmt: skip
        n, _, oh, ow = win.shape[:4]
        win = win.reshape(n, g, cpg, oh, ow, kh, kw)
        acc = np.einsum("ngchwij,gmcij->ngmhw", win, w.reshape(g, m // g, cpg, kh, kw))
        acc = acc.reshape(n, m, oh, ow) + layer.weights["bias"].astype(np.int64).reshape(1, m, 1, 1)
        mult = np.broadcast_to(layer.weights["mult"].astype(np.int64), (m,)).reshape(1, m, 1, 1)
    if np.any(np.abs(acc) >= 2**31):
        raise CompileError(f"npu: layer '{layer.name}': the int32 accumulator overflows")
    return requantize(
        acc, mult, int(a["shift"]), int(a["qmin"]), int(a["qmax"]), int(a.get("y_zero", 0))
    )


def _run_rescale(layer: Layer, xs: list[np.ndarray]) -> np.ndarray:
    """An int8 add, concat or average pool in numpy (see :func:`_rescale`)."""
    op, a = layer.op, layer.attrs
    mult = layer.weights["mult"].astype(np.int64)
    if op == "add":
        p = xs[0].astype(np.int64) * mult[0]
        if len(xs) > 1:
            p = p + xs[1].astype(np.int64) * mult[1]
        else:
            p = p + layer.weights["constant"].astype(np.int64)
    elif op == "concat":
        axis = int(a.get("axis", 0)) % xs[0].ndim
        p = np.concatenate([v.astype(np.int64) * mult[k] for k, v in enumerate(xs)], axis=axis)
    elif op == "global_avgpool":
        p = xs[0].astype(np.int64).sum(axis=(2, 3), keepdims=True) * mult[0]
    else:
        kh, kw = a["kernel"]
        strides, pads = a.get("strides", [1, 1]), a.get("pads", [0] * 4)
        x = xs[0].astype(np.int64)
        total = _windows(_pad(x, pads, 0), kh, kw, *strides).sum(axis=(4, 5))
        if a.get("count_include_pad", 0):
            count = np.full(total.shape, kh * kw, np.int64)
        else:
            ones = _pad(np.ones((1, 1) + x.shape[2:], np.int64), pads, 0)
            count = np.broadcast_to(_windows(ones, kh, kw, *strides).sum(axis=(4, 5)), total.shape)
        p = total * mult[count]
    return np.clip(_round_shift(p, int(a["shift"])), int(a["qmin"]), int(a["qmax"])).astype(np.int8)


def run_int_graph(
    graph: Graph, inputs: Mapping[str, np.ndarray] | np.ndarray
) -> dict[str, np.ndarray]:
    """Every tensor of a quantised graph (int8 tensors as int8) in numpy."""
    if isinstance(inputs, np.ndarray):
        inputs = {graph.inputs[0]: inputs}
    values = {k: np.asarray(v, np.float32).reshape(graph.shape(k)) for k, v in inputs.items()}
    for layer in graph.layers:
        y = run_int_layer(layer, [values[t] for t in layer.inputs])
        values[layer.output] = y.reshape(graph.shape(layer.output))
    return values
