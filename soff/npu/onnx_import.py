"""ONNX model → :class:`soff.npu.graph.Graph`.

:func:`check_model` is the early check: it lists every node whose operator or
attribute soff cannot lower, with the node name and the reason, before any
other work. :func:`import_onnx` runs it and raises one :class:`CompileError`
with an ``error:`` line per problem, then converts the nodes.

Constant operands (initialisers and ``Constant`` nodes) become layer weights;
Gemm/MatMul need a constant second operand (a dense layer), Add/Mul may have
one (a broadcast constant).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from soff.diagnostics import CompileError
from soff.npu.graph import Graph, Layer, NpuError, Tensor

SUPPORTED = {
    "Conv", "Gemm", "MatMul", "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Clip", "Add", "Mul",
    "MaxPool", "AveragePool", "GlobalAveragePool", "BatchNormalization", "Flatten", "Reshape",
    "Concat", "Softmax", "Constant", "Identity", "Dropout", "QuantizeLinear", "DequantizeLinear",
}  # fmt: skip
#: int8 operators on quantised tensors (a model with any of them is an integer model)
QLINEAR = {"QLinearConv", "QLinearMatMul"}
#: operators that work on a quantised tensor's integers unchanged in an integer model
INT_PASSTHROUGH = {"MaxPool", "Flatten", "Reshape", "Identity", "Dropout"}
QUANTISED = {"ConvInteger", "MatMulInteger"}


def _attrs(node: Any) -> dict[str, Any]:
    from onnx import helper

    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _node_name(node: Any, index: int) -> str:
    return node.name or f"{node.op_type}_{index}"


def _constants(model: Any) -> dict[str, np.ndarray]:
    from onnx import numpy_helper

    consts = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type == "Constant":
            a = _attrs(node)
            if "value" in a:
                consts[node.output[0]] = numpy_helper.to_array(a["value"])
            elif "value_float" in a:
                consts[node.output[0]] = np.array(a["value_float"], np.float32)
            elif "value_floats" in a:
                consts[node.output[0]] = np.array(a["value_floats"], np.float32)
            elif "value_int" in a:
                consts[node.output[0]] = np.array(a["value_int"], np.int64)
            elif "value_ints" in a:
                consts[node.output[0]] = np.array(a["value_ints"], np.int64)
        elif node.op_type == "DequantizeLinear" and all(
            t in consts for t in node.input if t
        ):  # quantised weights of a QDQ model: folded to float32 here
            zp = consts[node.input[2]] if len(node.input) > 2 and node.input[2] else None
            axis = int(_attrs(node).get("axis", 1))
            consts[node.output[0]] = _dequantize(
                consts[node.input[0]], consts[node.input[1]], zp, axis
            )
    return consts


def _per_axis(v: np.ndarray, ndim: int, axis: int) -> np.ndarray:
    if v.ndim == 0 or v.size == 1:
        return v.reshape(())
    shape = [1] * ndim
    shape[axis % ndim] = v.size
    return v.reshape(shape)


def _dequantize(x: np.ndarray, scale: np.ndarray, zp: np.ndarray | None = None, axis: int = 1):
    s = _per_axis(np.asarray(scale, np.float32), x.ndim, axis)
    z = _per_axis(np.asarray(0 if zp is None else zp).astype(np.float32), x.ndim, axis)
    return ((x.astype(np.float32) - z) * s).astype(np.float32)


def is_integer_model(model: Any) -> bool:
    """A model with QLinearConv/QLinearMatMul: its QuantizeLinear outputs are
    int8 tensors (not the float-held integers of a QDQ model)."""
    return any(n.op_type in QLINEAR and n.domain in ("", "ai.onnx") for n in model.graph.node)


def int_tensors(model: Any, consts: dict[str, np.ndarray]) -> set[str]:
    """The quantised (int8/uint8) tensors of an integer model: the outputs of
    QuantizeLinear and QLinear operators, and of the operators fed by one
    (but DequantizeLinear). Empty for other models."""
    if not is_integer_model(model):
        return set()
    out: set[str] = set()
    for node in model.graph.node:
        if node.output[0] in consts:
            continue
        if node.op_type in ("QuantizeLinear", *QLINEAR) or (
            node.op_type != "DequantizeLinear" and node.input and node.input[0] in out
        ):  # (an op other than INT_PASSTHROUGH is reported by the check, only once)
            out.add(node.output[0])
    return out


def _zero_point(consts: dict[str, np.ndarray], inputs: list[str], index: int) -> np.ndarray:
    """A QuantizeLinear/DequantizeLinear zero point (uint8 0 when not given)."""
    if len(inputs) > index and inputs[index]:
        return consts[inputs[index]]
    return np.zeros((), np.uint8)


def _qlinear_problems(node: Any, consts: dict[str, np.ndarray], ints: set[str]) -> list[str]:
    """Why a QLinearConv/QLinearMatMul cannot be lowered."""
    op, a = node.op_type, _attrs(node)
    ins = list(node.input)
    const_ix = [1, 2, 3, 4, 5, 6, 7] + ([8] if op == "QLinearConv" and len(ins) > 8 else [])
    missing = [ins[i] for i in const_ix if i < len(ins) and ins[i] and ins[i] not in consts]
    if len(ins) < 8 or missing:
        what = "weight and bias" if op == "QLinearConv" else "second operand"
        return [f"the scales, zero points, {what} must be constants"]
    out: list[str] = []
    if ins[0] not in ints:
        out.append(
            f"input '{ins[0]}' is not a quantised tensor (from QuantizeLinear or a QLinear op)"
        )
    for i in (2, 5, 7):
        if consts[ins[i]].dtype not in (np.int8, np.uint8):
            out.append(f"only int8/uint8 zero points are supported, not {consts[ins[i]].dtype}")
    if consts[ins[1]].size != 1 or consts[ins[2]].size != 1:
        out.append("the input's scale and zero point must be one value (per tensor)")
    if consts[ins[6]].size != 1 or consts[ins[7]].size != 1:
        out.append("the output's scale and zero point must be one value (per tensor)")
    w = consts[ins[3]]
    if w.dtype not in (np.int8, np.uint8):
        out.append(f"the weights must be int8 or uint8, not {w.dtype}")
    channels = w.shape[0] if op == "QLinearConv" else (w.shape[-1] if w.ndim else 1)
    if consts[ins[4]].size not in (1, channels) or consts[ins[5]].size not in (1, channels):
        out.append("the weight scale and zero point must be one value or one per output channel")
    if op == "QLinearConv":
        if a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
            out.append("attribute auto_pad is not supported (give explicit pads)")
        if w.ndim != 4:
            out.append("only 2-D convolutions (4-D weights) are supported")
        if len(ins) > 8 and ins[8] and consts[ins[8]].dtype != np.int32:
            out.append("the bias must be int32")
    elif w.ndim != 2:
        out.append("the second operand must be a 2-D constant")
    return out


def _problems(node: Any, consts: dict[str, np.ndarray], ints: set[str] | None = None) -> list[str]:
    """Why ``node`` cannot be lowered (empty: it can). ``ints``: the quantised
    tensors of an integer model (:func:`int_tensors`)."""
    op, a = node.op_type, _attrs(node)
    ints = ints or set()
    if node.domain not in ("", "ai.onnx"):
        return [f"operator domain '{node.domain}' is not supported"]
    if op in QUANTISED:
        return [
            "int8 integer operators (ConvInteger, MatMulInteger) are not supported "
            "(QLinearConv, QLinearMatMul and models in QDQ form are)"
        ]
    if op in QLINEAR:  # one line per node
        why = _qlinear_problems(node, consts, ints)
        return ["; ".join(why)] if why else []
    if op not in SUPPORTED:
        return [f"operator '{op}' is not supported"]
    out: list[str] = []
    quantised_in = [t for t in node.input[:1] if t in ints]
    if quantised_in and op not in INT_PASSTHROUGH and op != "DequantizeLinear":
        return [
            f"operator '{op}' on the quantised tensor '{quantised_in[0]}' is not supported "
            "(dequantise it first)"
        ]
    if ints and op in ("QuantizeLinear", "DequantizeLinear") and node.input[0] not in consts:
        if any(t and t in consts and consts[t].size != 1 for t in node.input[1:3]):
            out.append("in a QLinear model, activations are quantised per tensor (one scale)")
        if op == "DequantizeLinear" and node.input[0] not in ints:
            out.append(f"input '{node.input[0]}' is not a quantised tensor")
    if op in ("QuantizeLinear", "DequantizeLinear"):
        if any(t and t not in consts for t in node.input[1:3]):
            out.append("the scale and zero point must be constants")
        elif len(node.input) > 2 and node.input[2]:
            if consts[node.input[2]].dtype not in (np.int8, np.uint8):
                out.append(
                    f"only int8/uint8 zero points are supported, not {consts[node.input[2]].dtype}"
                )
        if a.get("block_size", 0):
            out.append("blocked quantisation (block_size) is not supported")
        if "output_dtype" in a:
            out.append("attribute output_dtype is not supported (give a zero point)")
    if op == "Constant" and not any(k.startswith("value") for k in a):
        out.append("only tensor/float/int constants are supported")
    if op == "Conv":
        if a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
            out.append("attribute auto_pad is not supported (give explicit pads)")
        if len(node.input) < 2 or node.input[1] not in consts:
            out.append("the weight must be a constant initialiser")
        elif consts[node.input[1]].ndim != 4:
            out.append("only 2-D convolutions (4-D weights) are supported")
        if len(node.input) > 2 and node.input[2] and node.input[2] not in consts:
            out.append("the bias must be a constant initialiser")
    if op == "Gemm":
        if a.get("transA", 0):
            out.append("attribute transA=1 is not supported")
        if node.input[1] not in consts:
            out.append("operand B must be a constant initialiser")
        if len(node.input) > 2 and node.input[2] and node.input[2] not in consts:
            out.append("operand C must be a constant initialiser")
        elif len(node.input) > 2 and node.input[2]:
            c = consts[node.input[2]]
            if c.ndim == 2 and c.shape[0] != 1:
                out.append(f"operand C of shape {list(c.shape)} is not a per-output bias")
    if op == "MatMul" and (node.input[1] not in consts or consts[node.input[1]].ndim != 2):
        out.append("the second operand must be a 2-D constant initialiser")
    if op in ("MaxPool", "AveragePool"):
        if a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
            out.append("attribute auto_pad is not supported (give explicit pads)")
        if a.get("ceil_mode", 0):
            out.append("attribute ceil_mode=1 is not supported")
        if len(a.get("kernel_shape", [])) != 2:
            out.append("only 2-D pooling is supported")
        if any(d != 1 for d in a.get("dilations", [1, 1])):
            out.append("pooling dilations are not supported")
        if op == "MaxPool" and len(node.output) > 1 and node.output[1]:
            out.append("the Indices output is not supported")
        if a.get("storage_order", 0):
            out.append("attribute storage_order=1 is not supported")
    if op == "BatchNormalization" and any(i not in consts for i in node.input[1:5]):
        out.append("scale, bias, mean and var must be constant initialisers")
    if op == "BatchNormalization" and a.get("training_mode", 0):
        out.append("training_mode=1 is not supported")
    if op == "Reshape" and node.input[1] not in consts:
        out.append("the shape must be a constant initialiser")
    if op == "Reshape" and a.get("allowzero", 0):
        out.append("attribute allowzero=1 is not supported")
    if op == "Clip" and any(i and i not in consts for i in node.input[1:3]):
        out.append("min and max must be constants")
    if op in ("Add", "Mul") and all(i in consts for i in node.input[:2]):
        out.append("both operands are constants (fold them before export)")
    return out


def check_model(model: Any, filename: str = "model.onnx") -> list[str]:
    """The early check: one ``FILE: error: ...`` line per unsupported operator,
    attribute or tensor type."""
    from onnx import TensorProto

    consts = _constants(model)
    ints = int_tensors(model, consts)
    errors = []
    for i, node in enumerate(model.graph.node):
        for why in _problems(node, consts, ints):
            errors.append(
                f"{filename}: error: node '{_node_name(node, i)}' ({node.op_type}): {why}"
            )
    inits = {t.name for t in model.graph.initializer}
    for vi in list(model.graph.input) + list(model.graph.output):
        if vi.name in inits:
            continue
        tt = vi.type.tensor_type
        if tt.elem_type != TensorProto.FLOAT:
            errors.append(
                f"{filename}: error: tensor '{vi.name}': only float32 tensors are supported"
            )
        elif any(not d.HasField("dim_value") for d in tt.shape.dim) and vi in model.graph.input:
            errors.append(
                f"{filename}: error: input '{vi.name}': every dimension needs a fixed size"
            )
    return errors


def load(path: str | Path) -> Any:
    import onnx

    try:
        return onnx.load(str(path))
    except Exception as e:  # noqa: BLE001 - protobuf says little that helps
        raise NpuError(f"{path}: error: not a readable ONNX model ({type(e).__name__})") from None


def import_onnx(model_or_path: Any, filename: str | None = None) -> Graph:
    """Import an ONNX model (a ``ModelProto`` or a path) into a layer graph
    (shapes of the inputs only; run :func:`soff.npu.graph.prepare` next)."""
    if isinstance(model_or_path, (str, Path)):
        filename = filename or str(model_or_path)
        model = load(model_or_path)
    else:
        model = model_or_path
    filename = filename or "model.onnx"
    errors = check_model(model, filename)
    if errors:
        raise NpuError("\n".join(errors))
    consts = _constants(model)
    ints = int_tensors(model, consts)
    inits = {t.name for t in model.graph.initializer}
    tensors: dict[str, Tensor] = {}
    inputs = []
    for vi in model.graph.input:
        if vi.name in inits:
            continue
        shape = tuple(int(d.dim_value) for d in vi.type.tensor_type.shape.dim)
        tensors[vi.name] = Tensor(vi.name, shape)
        inputs.append(vi.name)
    alias: dict[str, str] = {}  # Identity/Dropout outputs → their input
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 17)

    def src(name: str) -> str:
        return alias.get(name, name)

    layers: list[Layer] = []
    for i, node in enumerate(model.graph.node):
        name, op, a = _node_name(node, i), node.op_type, _attrs(node)
        ins = [src(t) for t in node.input]
        out = [node.output[0]]
        if op == "Constant" or node.output[0] in consts:  # folded constants
            continue
        if op in ("Identity", "Dropout"):
            alias[node.output[0]] = ins[0]
            continue
        if ints:
            layer = _convert_integer(name, op, a, ins, out, consts, ints)
        else:
            layer = None
        if layer is None:
            layer = _convert(name, op, a, ins, out, consts, opset)
        layers.append(layer)
        for t in layer.outputs:
            tensors[t] = Tensor(t, dtype="int8" if t in ints else "float32")
    outputs = [src(vi.name) for vi in model.graph.output]
    return Graph(inputs, outputs, tensors, layers, name=model.graph.name or "npu")


def _f32(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float32)


def _convert(
    name: str,
    op: str,
    a: dict[str, Any],
    ins: list[str],
    out: list[str],
    consts: dict[str, np.ndarray],
    opset: int = 17,
) -> Layer:
    if op == "Conv":
        w = _f32(consts[ins[1]])
        weights = {"weight": w}
        if len(ins) > 2 and ins[2]:
            weights["bias"] = _f32(consts[ins[2]])
        pads = list(a.get("pads", [0, 0, 0, 0]))
        attrs = {
            "strides": list(a.get("strides", [1, 1])),
            "pads": [pads[0], pads[1], pads[2], pads[3]],
            "dilations": list(a.get("dilations", [1, 1])),
            "group": int(a.get("group", 1)),
        }
        return Layer(name, "conv", ins[:1], out, attrs, weights)
    if op in ("Gemm", "MatMul"):
        b = consts[ins[1]].astype(np.float64)
        if op == "Gemm":
            b = b if a.get("transB", 0) else b.T  # now (out, K)
            b = b * float(a.get("alpha", 1.0))
        else:
            b = b.T
        weights = {"weight": _f32(b)}
        if op == "Gemm" and len(ins) > 2 and ins[2]:
            c = consts[ins[2]].astype(np.float64) * float(a.get("beta", 1.0))
            weights["bias"] = _f32(
                np.broadcast_to(c.reshape(-1) if c.size > 1 else c, (b.shape[0],))
            )
        return Layer(name, "dense", ins[:1], out, {}, weights)
    if op == "Relu":
        return Layer(name, "relu", ins[:1], out)
    if op == "LeakyRelu":
        return Layer(name, "leaky_relu", ins[:1], out, {"alpha": float(a.get("alpha", 0.01))})
    if op == "Sigmoid":
        return Layer(name, "sigmoid", ins[:1], out)
    if op == "Tanh":
        return Layer(name, "tanh", ins[:1], out)
    if op == "Clip":
        lo = a.get("min", float(consts[ins[1]]) if len(ins) > 1 and ins[1] else -np.inf)
        hi = a.get("max", float(consts[ins[2]]) if len(ins) > 2 and ins[2] else np.inf)
        return Layer(name, "clip", ins[:1], out, {"min": float(lo), "max": float(hi)})
    if op in ("Add", "Mul"):
        kind = op.lower()
        if ins[1] in consts:
            return Layer(name, kind, ins[:1], out, {}, {"constant": _f32(consts[ins[1]])})
        if ins[0] in consts:
            return Layer(name, kind, ins[1:2], out, {}, {"constant": _f32(consts[ins[0]])})
        return Layer(name, kind, ins[:2], out)
    if op in ("MaxPool", "AveragePool"):
        attrs = {
            "kernel": list(a["kernel_shape"]),
            "strides": list(a.get("strides", [1, 1])),
            "pads": list(a.get("pads", [0, 0, 0, 0])),
        }
        if op == "AveragePool":
            attrs["count_include_pad"] = int(a.get("count_include_pad", 0))
        return Layer(name, "maxpool" if op == "MaxPool" else "avgpool", ins[:1], out, attrs)
    if op == "GlobalAveragePool":
        return Layer(name, "global_avgpool", ins[:1], out)
    if op == "BatchNormalization":
        keys = ("scale", "bias", "mean", "var")
        weights = {k: _f32(consts[t]) for k, t in zip(keys, ins[1:5], strict=True)}
        return Layer(
            name, "batchnorm", ins[:1], out, {"epsilon": float(a.get("epsilon", 1e-5))}, weights
        )
    if op == "Flatten":
        return Layer(name, "flatten", ins[:1], out, {"axis": int(a.get("axis", 1))})
    if op == "Reshape":
        return Layer(name, "reshape", ins[:1], out, {"shape": [int(d) for d in consts[ins[1]]]})
    if op == "Concat":
        return Layer(name, "concat", ins, out, {"axis": int(a["axis"])})
    if op in ("QuantizeLinear", "DequantizeLinear"):
        scale = _f32(consts[ins[1]]).reshape(-1)
        zp_c = consts[ins[2]] if len(ins) > 2 and ins[2] else np.zeros((), np.uint8)
        attrs_q: dict[str, Any] = {"axis": int(a.get("axis", 1))}
        weights_q = {"scale": scale, "zero_point": _f32(zp_c).reshape(-1)}
        if op == "QuantizeLinear":
            info = np.iinfo(zp_c.dtype)
            attrs_q.update(qmin=int(info.min), qmax=int(info.max))
            return Layer(name, "quantize", ins[:1], out, attrs_q, weights_q)
        return Layer(name, "dequantize", ins[:1], out, attrs_q, weights_q)
    if op == "Softmax":
        if opset < 13:  # softmax over the input flattened to 2-D at axis (default 1)
            return Layer(
                name, "softmax", ins[:1], out, {"axis": int(a.get("axis", 1)), "coerce_2d": 1}
            )
        return Layer(name, "softmax", ins[:1], out, {"axis": int(a.get("axis", -1))})
    raise CompileError(f"npu: node '{name}': operator '{op}' is not supported")  # checked before


# ---------------------------------------------------------------- integer (QLinear) models


def _as_int8(q: np.ndarray) -> np.ndarray:
    """uint8 values (or zero points) as int8 ones: ``q - 128``. Every quantised
    tensor is held as int8; a uint8 tensor of zero point ``z`` becomes the int8
    tensor of zero point ``z - 128`` (the same real values, the same clamping)."""
    v = np.asarray(q).astype(np.int64)
    return v - 128 if np.asarray(q).dtype == np.uint8 else v


def _qlinear(
    name: str, op: str, a: dict[str, Any], ins: list[str], out: list[str],
    consts: dict[str, np.ndarray],
) -> Layer:  # fmt: skip
    """QLinearConv/QLinearMatMul → an int8 conv/dense layer of the form
    :func:`soff.npu.quantize.quantize_graph` makes, with zero points:
    ``acc = bias + sum (x - x_zero) * w_eff`` (``w_eff = w - w_zero`` per output
    channel, int8 when it fits, else int16), requantised by the fixed-point
    ``x_scale * w_scale / y_scale``, plus ``y_zero``, clamped to int8."""
    from soff.npu.quantize import multiplier

    def c(i: int) -> np.ndarray:
        return consts[ins[i]]

    xs = float(np.float32(c(1)).reshape(-1)[0])
    xz = int(_as_int8(c(2)).reshape(-1)[0])
    ys = float(np.float32(c(6)).reshape(-1)[0])
    yz = int(_as_int8(c(7)).reshape(-1)[0])
    w = c(3).astype(np.int64)
    if op == "QLinearMatMul":
        w = w.T  # (out, K)
    m = w.shape[0]
    wz = np.broadcast_to(c(5).astype(np.int64).reshape(-1), (m,))
    ws = np.broadcast_to(np.float32(c(4)).astype(np.float64).reshape(-1), (m,))
    w_eff = w - wz.reshape((m,) + (1,) * (w.ndim - 1))
    small = w_eff.min(initial=0) >= -128 and w_eff.max(initial=0) <= 127
    bias = np.zeros(m, np.int32)
    if op == "QLinearConv" and len(ins) > 8 and ins[8]:
        bias = c(8).astype(np.int32).reshape(m)
    mult, shift = multiplier(xs * ws / ys)
    weights = {
        "weight": w_eff.astype(np.int8 if small else np.int16),
        "bias": bias,
        "mult": mult.astype(np.int32) if np.any(mult != mult[0]) else mult[:1].astype(np.int32),
    }
    attrs: dict[str, Any] = {
        "int8": True, "shift": shift, "qmin": -128, "qmax": 127, "x_zero": xz, "y_zero": yz,
        "x_scale": xs, "weight_scale": ws.copy(), "y_scale": ys,
    }  # fmt: skip
    if op == "QLinearMatMul":
        return Layer(name, "dense", ins[:1], out, attrs, weights)
    pads = list(a.get("pads", [0, 0, 0, 0]))
    attrs.update(
        strides=list(a.get("strides", [1, 1])),
        pads=[pads[0], pads[1], pads[2], pads[3]],
        dilations=list(a.get("dilations", [1, 1])),
        group=int(a.get("group", 1)),
    )
    return Layer(name, "conv", ins[:1], out, attrs, weights)


def _convert_integer(
    name: str, op: str, a: dict[str, Any], ins: list[str], out: list[str],
    consts: dict[str, np.ndarray], ints: set[str],
) -> Layer | None:  # fmt: skip
    """The layers of an integer model that differ from a float model's (None:
    convert as usual): QLinear ops, QuantizeLinear to an int8 tensor
    (``quant8``), DequantizeLinear of one (``dequant8``), and the int8
    MaxPool/Flatten/Reshape."""
    if op in QLINEAR:
        return _qlinear(name, op, a, ins, out, consts)
    if op == "QuantizeLinear":
        zp = _zero_point(consts, ins, 2)
        scale = float(np.float32(consts[ins[1]]).reshape(-1)[0])
        attrs = {"scale": scale, "zero_point": int(_as_int8(zp).reshape(-1)[0])}
        return Layer(name, "quant8", ins[:1], out, attrs)
    if op == "DequantizeLinear" and ins[0] in ints:
        zp = _zero_point(consts, ins, 2)
        scale = float(np.float32(consts[ins[1]]).reshape(-1)[0])
        attrs = {"scale": scale, "zero_point": int(_as_int8(zp).reshape(-1)[0])}
        return Layer(name, "dequant8", ins[:1], out, attrs)
    if op in ("MaxPool", "Flatten", "Reshape") and ins[0] in ints:
        layer = _convert(name, op, a, ins, out, consts)
        layer.attrs["int8"] = True
        return layer
    return None
