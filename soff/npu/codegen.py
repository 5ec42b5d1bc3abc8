"""Lower a prepared :class:`soff.npu.graph.Graph` to one OpenCL C kernel per layer.

The result is a :class:`Plan`: the buffers (global memory tensors) and the
layer kernels in execution order, each with its source text, NDRange and the
binding of its arguments to buffers. The plan is the contract with whatever
sequences the layers (the host loop in :mod:`soff.npu.run` today, a hardware
sequencer later), so it holds plain data only:

- ``Plan.buffers``: buffer name → :class:`Buffer` (``shape``, ``dtype``
  "float32", or "int8"/"int32" in an int8 plan (:mod:`soff.npu.quantize`),
  ``role`` one of ``input``/``output``/``activation``/``weights``, ``data``
  the contents of ``weights`` buffers, else None).
  Activation buffers are named after the tensor they hold; Flatten/Reshape
  have no kernel, their output shares the input's buffer.
- ``Plan.layers``: :class:`LayerKernel` in order. ``args`` lists
  (kernel argument name, buffer name) for pointer arguments, in the kernel's
  declaration order; every kernel's arguments are pointers (no scalars yet:
  sizes are compiled in). ``output`` is the buffer the kernel writes.
- Kernels use a 1-D NDRange: one work-item per output element (softmax: per
  row; global average pool: per channel), ``global_size`` rounded up to a
  multiple of ``local_size``; work-items past the end return at once.

Weights of a layer are ``__constant float`` arrays with initialisers in the
source when they take at most ``weight_limit`` bytes in all (on-chip ROMs),
else ``__global const float *`` arguments bound to ``weights`` buffers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from soff.diagnostics import CompileError
from soff.npu.graph import ACTIVATIONS, VIEW_OPS, Graph, Layer, batchnorm_affine

#: default bytes of weights per layer kept on chip as __constant arrays
WEIGHT_LIMIT = 16 * 1024
#: work-items per work-group (fewer when the layer has fewer)
LOCAL_SIZE = 64
#: --parallelism auto: one compute unit per this many work-items, at most AUTO_MAX_CU
AUTO_ITEMS_PER_CU = 16
AUTO_MAX_CU = 4


def layer_parallelism(items: int, parallelism: int | str) -> tuple[int, int]:
    """(compute units, work-items per group) of a layer of ``items`` work-items:
    ``parallelism`` units (``auto``: one per AUTO_ITEMS_PER_CU work-items, at most
    AUTO_MAX_CU), each with at least one work-group, groups of at most LOCAL_SIZE."""
    if parallelism == "auto":
        want = min(AUTO_MAX_CU, max(1, items // AUTO_ITEMS_PER_CU))
    else:
        want = int(parallelism)
    local = max(1, min(LOCAL_SIZE, -(-items // want)))
    groups = -(-items // local)
    return min(want, groups), local


_FLT_MAX = "3.40282347e+38f"
#: numpy dtype of a buffer or weight array -> its OpenCL C type
_C_TYPES = {"float32": "float", "int8": "char", "int16": "short", "int32": "int", "int64": "long"}


@dataclass
class Buffer:
    name: str
    shape: tuple[int, ...]
    dtype: str
    role: str  # "input" | "output" | "activation" | "weights"
    data: np.ndarray | None = None

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))


@dataclass
class LayerKernel:
    name: str  # the layer's name in the graph
    source: str  # OpenCL C with one kernel
    kernel_name: str
    global_size: tuple[int, ...]
    local_size: tuple[int, ...]
    args: list[tuple[str, str | int | float]]  # (argument, buffer name or scalar)
    output: str = ""  # the buffer written
    op: str = ""  # the layer op, "+activation" when one is fused
    macs: int = 0
    weight_storage: str = "none"  # "constant" (ROM in the kernel) | "global" | "none"
    weight_bytes: int = 0
    num_cu: int = 1  # compute units the top gives the layer (--parallelism)


@dataclass
class Plan:
    name: str
    buffers: dict[str, Buffer]
    layers: list[LayerKernel]
    inputs: list[str]  # buffer names of the graph inputs
    outputs: list[str]  # buffer names of the graph outputs
    #: tensor name → buffer name (views share their source's buffer)
    tensor_buffer: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The plan as JSON-ready data (weights' contents left out)."""
        return {
            "name": self.name,
            "inputs": list(self.inputs),
            "outputs": list(self.outputs),
            "buffers": {
                n: {"shape": list(b.shape), "dtype": b.dtype, "role": b.role}
                for n, b in self.buffers.items()
            },
            "layers": [
                {
                    "name": lk.name,
                    "kernel_name": lk.kernel_name,
                    "op": lk.op,
                    "global_size": list(lk.global_size),
                    "local_size": list(lk.local_size),
                    "args": [list(a) for a in lk.args],
                    "output": lk.output,
                    "macs": lk.macs,
                    "weight_storage": lk.weight_storage,
                    "weight_bytes": lk.weight_bytes,
                    "num_cu": lk.num_cu,
                }  # fmt: skip
                for lk in self.layers
            ],
            "tensor_buffer": dict(self.tensor_buffer),
        }

    def describe(self) -> str:
        lines = [f"plan '{self.name}': {len(self.layers)} layer kernels"]
        for b in self.buffers.values():
            lines.append(f"  buffer {b.name}: {b.dtype}{list(b.shape)} {b.role}")
        for lk in self.layers:
            args = ", ".join(f"{a}={v}" for a, v in lk.args)
            lines.append(
                f"  kernel {lk.kernel_name} ({lk.op}) global={list(lk.global_size)} "
                f"local={list(lk.local_size)} args: {args}"
            )
        return "\n".join(lines)


def _lit(v: float) -> str:
    f = float(np.float32(v))
    if not np.isfinite(f):
        return _FLT_MAX if f > 0 else "-" + _FLT_MAX
    return repr(f) + "f"


def _ident(name: str) -> str:
    s = re.sub(r"\W", "_", name)
    return s if s and not s[0].isdigit() else "_" + s


def activation_expr(op: str | None, attrs: dict[str, Any], v: str) -> str:
    """C expression of activation ``op`` applied to ``v``."""
    if op is None:
        return v
    if op == "relu":
        return f"fmax({v}, 0.0f)"
    if op == "leaky_relu":
        return f"({v} < 0.0f ? {v} * {_lit(attrs.get('alpha', 0.01))} : {v})"
    if op == "sigmoid":
        return f"(1.0f / (1.0f + exp(-{v})))"
    if op == "tanh":  # tanh is not in the hardware operator library yet
        return f"(1.0f - 2.0f / (exp(2.0f * {v}) + 1.0f))"
    if op == "clip":
        out = v
        lo, hi = float(attrs.get("min", -np.inf)), float(attrs.get("max", np.inf))
        if np.isfinite(lo):
            out = f"fmax({out}, {_lit(lo)})"
        if np.isfinite(hi):
            out = f"fmin({out}, {_lit(hi)})"
        return out
    raise CompileError(f"npu: unknown activation '{op}'")


def _minus(v: str, zero: int) -> str:
    """``v`` less an integer zero point (``v`` itself when it is 0)."""
    if zero == 0:
        return v
    return f"({v} - {zero})" if zero > 0 else f"({v} + {-zero})"


def _unravel(var: str, shape: tuple[int, ...], names: list[str]) -> list[str]:
    """C statements splitting flat index ``var`` into ``names`` (row-major)."""
    lines = [f"int r_ = {var};"]
    for d in range(len(shape) - 1, -1, -1):
        if d == 0:
            lines.append(f"int {names[d]} = r_;")
        else:
            lines.append(f"int {names[d]} = r_ % {shape[d]}; r_ = r_ / {shape[d]};")
    return lines


class _Lowering:
    def __init__(self, graph: Graph, weight_limit: int, parallelism: int | str = 1) -> None:
        self.graph = graph
        self.weight_limit = weight_limit
        self.parallelism = parallelism
        self.buffers: dict[str, Buffer] = {}
        self.tensor_buffer: dict[str, str] = {}
        self.layers: list[LayerKernel] = []
        self.kernel_names: set[str] = set()

    # -------------------------------------------------------------- helpers

    def buf(self, tensor: str) -> str:
        return self.tensor_buffer[tensor]

    def new_activation(self, tensor: str) -> str:
        name = tensor
        dtype = self.graph.tensors[tensor].dtype
        self.buffers[name] = Buffer(name, self.graph.shape(tensor), dtype, "activation")
        self.tensor_buffer[tensor] = name
        return name

    def emit(
        self,
        layer: Layer,
        body: list[str],
        items: int,
        inputs: list[tuple[str, str]],
        weights: dict[str, np.ndarray],
        macs: int = 0,
    ) -> None:
        """One kernel: ``inputs`` (argument, tensor), weights as ROMs or buffers,
        the output ``y``; ``body`` runs per work-item with ``i`` < ``items``."""
        kname = "npu_" + _ident(layer.name)
        while kname in self.kernel_names:
            kname += "_"
        self.kernel_names.add(kname)
        out = self.new_activation(layer.output)
        weights = {
            k: (w if str(w.dtype) in _C_TYPES else w.astype(np.float32)) for k, w in weights.items()
        }
        nbytes = sum(int(w.nbytes) for w in weights.values())
        storage = (
            "none" if not weights else ("constant" if nbytes <= self.weight_limit else "global")
        )
        head: list[str] = []
        params = [
            f"__global const {_C_TYPES[self.buffers[self.buf(t)].dtype]} *restrict {a}"
            for a, t in inputs
        ]
        args: list[tuple[str, str | int | float]] = [(a, self.buf(t)) for a, t in inputs]
        for wname, w in weights.items():
            flat = w.reshape(-1)
            ctype = _C_TYPES[str(w.dtype)]
            if storage == "constant":
                if ctype == "float":
                    vals = ", ".join(_lit(float(v)) for v in flat)
                else:
                    suffix = "L" if ctype == "long" else ""
                    vals = ", ".join(f"{int(v)}{suffix}" for v in flat)
                head.append(f"__constant {ctype} {wname}[{flat.size}] = {{{vals}}};")
            else:
                bname = f"{layer.name}.{wname}"
                self.buffers[bname] = Buffer(
                    bname, tuple(w.shape), str(w.dtype), "weights", flat.copy()
                )
                params.append(f"__global const {ctype} *restrict {wname}")
                args.append((wname, bname))
        params.append(f"__global {_C_TYPES[self.buffers[out].dtype]} *restrict y")
        args.append(("y", out))
        num_cu, local = layer_parallelism(items, self.parallelism)
        gsize = -(-items // local) * local
        src = [f"// layer '{layer.name}' ({layer.describe()}) generated by soff.npu", *head]
        src.append(f"__kernel void {kname}({', '.join(params)}) {{")
        src.append("    int i = get_global_id(0);")
        src.append(f"    if (i >= {items}) return;")
        src += ["    " + line for line in body]
        src.append("}")
        self.layers.append(
            LayerKernel(
                layer.name, "\n".join(src) + "\n", kname, (gsize,), (local,), args, out,
                layer.describe(), macs, storage, nbytes, num_cu,
            )
        )  # fmt: skip

    def store(self, layer: Layer, value: str, index: str = "i") -> str:
        return f"y[{index}] = {activation_expr(layer.activation, layer.act_attrs, value)};"

    # -------------------------------------------------------------- layers

    def lower(self, layer: Layer) -> None:
        op = layer.op
        if op in VIEW_OPS:
            self.tensor_buffer[layer.output] = self.buf(layer.inputs[0])
            return
        if layer.attrs.get("int8"):
            getattr(self, f"lower_{op}_int8")(layer)
            return
        getattr(self, "lower_" + op if op not in ACTIVATIONS else "lower_activation")(layer)

    def lower_activation(self, layer: Layer) -> None:
        n = self.graph.tensors[layer.output].size
        expr = activation_expr(layer.op, layer.attrs, "x[i]")
        body = [f"float v = {expr};", self.store(layer, "v")]
        self.emit(layer, body, n, [("x", layer.inputs[0])], {})

    def _conv_body(
        self, layer: Layer, acc: str, cast: str, x_zero: int = 0
    ) -> tuple[list[str], int]:
        """The loop nest of a Conv work-item (one output element, NCHW) accumulating
        into ``acc`` (declared by the caller's first line, included here), each
        operand converted by ``cast`` (``""`` or ``"(int)"``), the input less
        ``x_zero`` (its zero point; padding adds nothing); and the layer's MACs."""
        a, g = layer.attrs, self.graph
        n, c, h, w = g.shape(layer.inputs[0])
        shape = g.shape(layer.output)
        m, cpg, kh, kw = layer.weights["weight"].shape
        mpg = m // int(a.get("group", 1))
        sh, sw = a.get("strides", [1, 1])
        pt, pl, _, _ = a.get("pads", [0, 0, 0, 0])
        dh, dw = a.get("dilations", [1, 1])
        padded = any(a.get("pads", [0, 0, 0, 0]))
        body = _unravel("i", shape, ["n", "m", "oh", "ow"])
        body += [
            f"int c0 = (m / {mpg}) * {cpg};",
            acc,
            f"for (int c = 0; c < {cpg}; c++) {{",
            f"    for (int kh = 0; kh < {kh}; kh++) {{",
            f"        int ih = oh * {sh} - {pt} + kh * {dh};",
            f"        for (int kw = 0; kw < {kw}; kw++) {{",
            f"            int iw = ow * {sw} - {pl} + kw * {dw};",
        ]
        xv = _minus(f"{cast}x[((n * {c} + c0 + c) * {h} + ih) * {w} + iw]", x_zero)
        mac = f"acc += {xv} * {cast}w[((m * {cpg} + c) * {kh} + kh) * {kw} + kw];"
        if padded:
            body.append(f"            if (ih >= 0 && ih < {h} && iw >= 0 && iw < {w})")
            body.append("                " + mac)
        else:
            body.append("            " + mac)
        body += ["        }", "    }", "}"]
        return body, int(np.prod(shape)) * cpg * kh * kw

    def lower_conv(self, layer: Layer) -> None:
        weights = {"w": layer.weights["weight"]}
        if "bias" in layer.weights:
            weights["b"] = layer.weights["bias"]
        acc = "float acc = b[m];" if "b" in weights else "float acc = 0.0f;"
        body, macs = self._conv_body(layer, acc, "")
        body.append(self.store(layer, "acc"))
        n = int(np.prod(self.graph.shape(layer.output)))
        self.emit(layer, body, n, [("x", layer.inputs[0])], weights, macs)

    def lower_dense(self, layer: Layer) -> None:
        nb, k = self.graph.shape(layer.inputs[0])
        out = layer.weights["weight"].shape[0]
        weights = {"w": layer.weights["weight"]}
        if "bias" in layer.weights:
            weights["b"] = layer.weights["bias"]
        body = [
            f"int j = i % {out};",
            f"int n = i / {out};",
            "float acc = b[j];" if "b" in weights else "float acc = 0.0f;",
            f"for (int k = 0; k < {k}; k++)",
            f"    acc += x[n * {k} + k] * w[j * {k} + k];",
            self.store(layer, "acc"),
        ]
        self.emit(layer, body, nb * out, [("x", layer.inputs[0])], weights, nb * out * k)

    def _broadcast_index(self, shape: tuple[int, ...], operand: tuple[int, ...]) -> str:
        """Flat index into ``operand`` broadcast to ``shape`` (indices o0, o1, ...)."""
        pad = len(shape) - len(operand)
        terms, stride = [], 1
        for d in range(len(operand) - 1, -1, -1):
            if operand[d] != 1:
                terms.append(f"o{d + pad} * {stride}" if stride != 1 else f"o{d + pad}")
            stride *= operand[d]
        return " + ".join(reversed(terms)) or "0"

    def _elementwise2(self, layer: Layer, sym: str) -> None:
        g = self.graph
        shape = g.shape(layer.output)
        names = [f"o{d}" for d in range(len(shape))]
        body = _unravel("i", shape, names) if shape else []
        inputs = [("x", layer.inputs[0])]
        ia = self._broadcast_index(shape, g.shape(layer.inputs[0]))
        weights = {}
        if len(layer.inputs) > 1:
            inputs.append(("x1", layer.inputs[1]))
            ib, other = self._broadcast_index(shape, g.shape(layer.inputs[1])), "x1"
        else:
            const = layer.weights["constant"]
            weights["k"] = const
            ib, other = self._broadcast_index(shape, tuple(const.shape)), "k"
        body += [f"float v = x[{ia}] {sym} {other}[{ib}];", self.store(layer, "v")]
        self.emit(layer, body, int(np.prod(shape)), inputs, weights)

    def lower_add(self, layer: Layer) -> None:
        self._elementwise2(layer, "+")

    def lower_mul(self, layer: Layer) -> None:
        self._elementwise2(layer, "*")

    def _pool(self, layer: Layer, kind: str) -> None:
        a, g = layer.attrs, self.graph
        n, c, h, w = g.shape(layer.inputs[0])
        shape = g.shape(layer.output)
        kh, kw = a["kernel"]
        sh, sw = a.get("strides", [1, 1])
        pt, pl, _, _ = a.get("pads", [0, 0, 0, 0])
        body = _unravel("i", shape, ["n", "ch", "oh", "ow"])
        body += [
            "float acc = " + ("-" + _FLT_MAX if kind == "max" else "0.0f") + ";",
            "int cnt = 0;",
        ]
        body += [
            f"for (int kh = 0; kh < {kh}; kh++) {{",
            f"    int ih = oh * {sh} - {pt} + kh;",
            f"    for (int kw = 0; kw < {kw}; kw++) {{",
            f"        int iw = ow * {sw} - {pl} + kw;",
            f"        if (ih >= 0 && ih < {h} && iw >= 0 && iw < {w}) {{",
            f"            float v = x[((n * {c} + ch) * {h} + ih) * {w} + iw];",
            "            acc = " + ("fmax(acc, v);" if kind == "max" else "acc + v;"),
            "            cnt = cnt + 1;",
            "        }",
            "    }",
            "}",
        ]
        if kind == "avg":
            if a.get("count_include_pad", 0):
                body.append(f"acc = acc / {_lit(kh * kw)};")
            else:
                body.append("acc = acc / (float)cnt;")
        body.append(self.store(layer, "acc"))
        self.emit(layer, body, int(np.prod(shape)), [("x", layer.inputs[0])], {})

    def lower_maxpool(self, layer: Layer) -> None:
        self._pool(layer, "max")

    def lower_avgpool(self, layer: Layer) -> None:
        self._pool(layer, "avg")

    def lower_global_avgpool(self, layer: Layer) -> None:
        x = self.graph.shape(layer.inputs[0])
        hw = int(np.prod(x[2:], dtype=np.int64))
        body = [
            "float acc = 0.0f;",
            f"for (int k = 0; k < {hw}; k++)",
            f"    acc += x[i * {hw} + k];",
            self.store(layer, f"(acc / {_lit(hw)})"),
        ]
        self.emit(layer, body, x[0] * x[1], [("x", layer.inputs[0])], {})

    def lower_batchnorm(self, layer: Layer) -> None:
        x = self.graph.shape(layer.inputs[0])
        inner = int(np.prod(x[2:], dtype=np.int64))
        s, t = batchnorm_affine(layer)
        weights = {"s": s.astype(np.float32), "t": t.astype(np.float32)}
        body = [f"int ch = (i / {inner}) % {x[1]};", self.store(layer, "x[i] * s[ch] + t[ch]")]
        self.emit(layer, body, int(np.prod(x)), [("x", layer.inputs[0])], weights)

    def _quant(self, layer: Layer, kind: str) -> None:
        x = self.graph.shape(layer.inputs[0])
        sc, zp = layer.weights["scale"], layer.weights["zero_point"]
        weights = {"sc": sc, "zp": zp}
        if sc.size > 1 or zp.size > 1:
            axis = int(layer.attrs.get("axis", 1)) % len(x)
            inner = int(np.prod(x[axis + 1 :], dtype=np.int64))
            body = [f"int c = (i / {inner}) % {x[axis]};"]
            s_ix, z_ix = ("c" if sc.size > 1 else "0"), ("c" if zp.size > 1 else "0")
        else:
            body, s_ix, z_ix = [], "0", "0"
        if kind == "quantize":
            lo, hi = _lit(layer.attrs["qmin"]), _lit(layer.attrs["qmax"])
            v = f"fmin(fmax(rint(x[i] / sc[{s_ix}]) + zp[{z_ix}], {lo}), {hi})"
        else:
            v = f"(x[i] - zp[{z_ix}]) * sc[{s_ix}]"
        body.append(self.store(layer, v))
        self.emit(layer, body, int(np.prod(x)), [("x", layer.inputs[0])], weights)

    def lower_quantize(self, layer: Layer) -> None:
        self._quant(layer, "quantize")

    def lower_dequantize(self, layer: Layer) -> None:
        self._quant(layer, "dequantize")

    def lower_concat(self, layer: Layer) -> None:
        g = self.graph
        shape = g.shape(layer.output)
        axis = int(layer.attrs.get("axis", 0)) % len(shape)
        outer = int(np.prod(shape[:axis], dtype=np.int64))
        inner = int(np.prod(shape[axis + 1 :], dtype=np.int64))
        body = [f"int in_ = i % {inner};", f"int a_ = (i / {inner}) % {shape[axis]};",
                f"int out_ = i / ({inner} * {shape[axis]});", "float v;"]  # fmt: skip
        inputs, start = [], 0
        for k, t in enumerate(layer.inputs):
            size = g.shape(t)[axis]
            arg = f"x{k}"
            inputs.append((arg, t))
            cond = f"if (a_ < {start + size}) " if k < len(layer.inputs) - 1 else ""
            prefix = "else " if k else ""
            body.append(f"{prefix}{cond}v = {arg}[(out_ * {size} + a_ - {start}) * {inner} + in_];")
            start += size
        body.append(self.store(layer, "v"))
        del outer
        self.emit(layer, body, int(np.prod(shape)), inputs, {})

    def lower_softmax(self, layer: Layer) -> None:
        shape = self.graph.shape(layer.output)
        axis = int(layer.attrs.get("axis", -1)) % len(shape)
        if any(d != 1 for d in shape[axis + 1 :]) and not layer.attrs.get("coerce_2d"):
            raise CompileError(
                f"npu: layer '{layer.name}' (softmax): only the last axis is supported"
            )
        row = int(np.prod(shape[axis:], dtype=np.int64))
        rows = int(np.prod(shape[:axis], dtype=np.int64))
        body = [
            f"int base = i * {row};",
            "float mx = x[base];",
            f"for (int k = 1; k < {row}; k++)",
            "    mx = fmax(mx, x[base + k]);",
            "float sum = 0.0f;",
            f"for (int k = 0; k < {row}; k++)",
            "    sum += exp(x[base + k] - mx);",
            f"for (int k = 0; k < {row}; k++)",
            "    " + self.store(layer, "exp(x[base + k] - mx) / sum", "base + k"),
        ]
        self.emit(layer, body, rows, [("x", layer.inputs[0])], {})

    # -------------------------------------------------------------- int8 (soff.npu.quantize)

    def _requant(self, layer: Layer, acc: str, channel: str) -> list[str]:
        """C lines: y[i] = clamp(round_half_even(acc * mult / 2**shift) + y_zero) (int64)."""
        mult = "mult[0]" if layer.weights["mult"].size == 1 else f"mult[{channel}]"
        return self._round_store(layer, f"(long){acc} * (long){mult}")

    def _round_store(self, layer: Layer, product: str, index: str = "i") -> list[str]:
        """C lines: y[index] = clamp(round_half_even(product / 2**shift) + y_zero)."""
        a = layer.attrs
        sh = int(a["shift"])
        yz = int(a.get("y_zero", 0))
        return [
            f"long p_ = {product};",
            f"long q_ = p_ >> {sh};",
            f"long rq_ = p_ - (q_ << {sh});",
            f"if (rq_ > {1 << (sh - 1)}L || (rq_ == {1 << (sh - 1)}L && (q_ & 1L) != 0L))",
            "    q_ = q_ + 1L;",
            *([f"q_ = q_ {'+' if yz > 0 else '-'} {abs(yz)}L;"] if yz else []),
            f"if (q_ < {int(a['qmin'])}L) q_ = {int(a['qmin'])}L;",
            f"if (q_ > {int(a['qmax'])}L) q_ = {int(a['qmax'])}L;",
            f"y[{index}] = (char)q_;",
        ]

    def lower_add_int8(self, layer: Layer) -> None:
        """x0·m0 + x1·m1 (or + the int64 constant), rounded and clamped (quantize._rescale)."""
        g = self.graph
        shape = g.shape(layer.output)
        body = _unravel("i", shape, [f"o{d}" for d in range(len(shape))]) if shape else []
        inputs = [("x", layer.inputs[0])]
        ia = self._broadcast_index(shape, g.shape(layer.inputs[0]))
        weights = {"mult": layer.weights["mult"]}
        if len(layer.inputs) > 1:
            inputs.append(("x1", layer.inputs[1]))
            ib = self._broadcast_index(shape, g.shape(layer.inputs[1]))
            other = f"(long)x1[{ib}] * (long)mult[1]"
        else:
            weights["k"] = layer.weights["constant"]
            other = f"k[{self._broadcast_index(shape, tuple(weights['k'].shape))}]"
        body += self._round_store(layer, f"(long)x[{ia}] * (long)mult[0] + {other}")
        self.emit(layer, body, int(np.prod(shape)), inputs, weights)

    def lower_concat_int8(self, layer: Layer) -> None:
        g = self.graph
        shape = g.shape(layer.output)
        axis = int(layer.attrs.get("axis", 0)) % len(shape)
        inner = int(np.prod(shape[axis + 1 :], dtype=np.int64))
        body = [f"int in_ = i % {inner};", f"int a_ = (i / {inner}) % {shape[axis]};",
                f"int out_ = i / ({inner} * {shape[axis]});", "long v;"]  # fmt: skip
        inputs, start = [], 0
        for k, t in enumerate(layer.inputs):
            size = g.shape(t)[axis]
            inputs.append((f"x{k}", t))
            cond = f"if (a_ < {start + size}) " if k < len(layer.inputs) - 1 else ""
            prefix = "else " if k else ""
            body.append(
                f"{prefix}{cond}v = (long)x{k}[(out_ * {size} + a_ - {start}) * {inner} + in_]"
                f" * (long)mult[{k}];"
            )
            start += size
        body += self._round_store(layer, "v")
        self.emit(layer, body, int(np.prod(shape)), inputs, {"mult": layer.weights["mult"]})

    def lower_avgpool_int8(self, layer: Layer) -> None:
        """The window's int32 sum times mult[elements in the window], rounded."""
        a, g = layer.attrs, self.graph
        n, c, h, w = g.shape(layer.inputs[0])
        shape = g.shape(layer.output)
        kh, kw = a["kernel"]
        sh, sw = a.get("strides", [1, 1])
        pt, pl, _, _ = a.get("pads", [0, 0, 0, 0])
        body = _unravel("i", shape, ["n", "ch", "oh", "ow"])
        body += [
            "int acc = 0;",
            "int cnt = 0;",
            f"for (int kh = 0; kh < {kh}; kh++) {{",
            f"    int ih = oh * {sh} - {pt} + kh;",
            f"    for (int kw = 0; kw < {kw}; kw++) {{",
            f"        int iw = ow * {sw} - {pl} + kw;",
            f"        if (ih >= 0 && ih < {h} && iw >= 0 && iw < {w}) {{",
            f"            acc += (int)x[((n * {c} + ch) * {h} + ih) * {w} + iw];",
            "            cnt = cnt + 1;",
            "        }",
            "    }",
            "}",
        ]
        count = str(kh * kw) if a.get("count_include_pad", 0) else "cnt"
        body += self._round_store(layer, f"(long)acc * (long)mult[{count}]")
        self.emit(layer, body, int(np.prod(shape)), [("x", layer.inputs[0])],
                  {"mult": layer.weights["mult"]})  # fmt: skip

    def lower_global_avgpool_int8(self, layer: Layer) -> None:
        x = self.graph.shape(layer.inputs[0])
        hw = int(np.prod(x[2:], dtype=np.int64))
        body = [
            "int acc = 0;",
            f"for (int k = 0; k < {hw}; k++)",
            f"    acc += (int)x[i * {hw} + k];",
            *self._round_store(layer, "(long)acc * (long)mult[0]"),
        ]
        self.emit(layer, body, x[0] * x[1], [("x", layer.inputs[0])],
                  {"mult": layer.weights["mult"]})  # fmt: skip

    def _int_weights(self, layer: Layer) -> dict[str, np.ndarray]:
        return {
            "w": layer.weights["weight"],
            "b": layer.weights["bias"],
            "mult": layer.weights["mult"],
        }

    def lower_dense_int8(self, layer: Layer) -> None:
        nb, k = self.graph.shape(layer.inputs[0])
        out = layer.weights["weight"].shape[0]
        body = [
            f"int j = i % {out};",
            f"int n = i / {out};",
            "int acc = b[j];",
            f"for (int k = 0; k < {k}; k++)",
            f"    acc += {_minus(f'(int)x[n * {k} + k]', int(layer.attrs.get('x_zero', 0)))}"
            f" * (int)w[j * {k} + k];",
            *self._requant(layer, "acc", "j"),
        ]
        self.emit(
            layer, body, nb * out, [("x", layer.inputs[0])], self._int_weights(layer), nb * out * k
        )

    def lower_conv_int8(self, layer: Layer) -> None:
        x_zero = int(layer.attrs.get("x_zero", 0))
        body, macs = self._conv_body(layer, "int acc = b[m];", "(int)", x_zero)
        body += self._requant(layer, "acc", "m")
        n = int(np.prod(self.graph.shape(layer.output)))
        self.emit(
            layer, body, n, [("x", layer.inputs[0])], self._int_weights(layer), macs,
        )  # fmt: skip

    def lower_maxpool_int8(self, layer: Layer) -> None:
        a, g = layer.attrs, self.graph
        n, c, h, w = g.shape(layer.inputs[0])
        shape = g.shape(layer.output)
        kh, kw = a["kernel"]
        sh, sw = a.get("strides", [1, 1])
        pt, pl, _, _ = a.get("pads", [0, 0, 0, 0])
        body = _unravel("i", shape, ["n", "ch", "oh", "ow"])
        body += [
            "int acc = -128;",
            f"for (int kh = 0; kh < {kh}; kh++) {{",
            f"    int ih = oh * {sh} - {pt} + kh;",
            f"    for (int kw = 0; kw < {kw}; kw++) {{",
            f"        int iw = ow * {sw} - {pl} + kw;",
            f"        if (ih >= 0 && ih < {h} && iw >= 0 && iw < {w}) {{",
            f"            int v = x[((n * {c} + ch) * {h} + ih) * {w} + iw];",
            "            acc = acc > v ? acc : v;",
            "        }",
            "    }",
            "}",
            "y[i] = (char)acc;",
        ]
        self.emit(layer, body, int(np.prod(shape)), [("x", layer.inputs[0])], {})

    def lower_relu_int8(self, layer: Layer) -> None:
        n = self.graph.tensors[layer.output].size
        self.emit(layer, ["y[i] = x[i] > 0 ? x[i] : (char)0;"], n, [("x", layer.inputs[0])], {})

    def lower_quant8(self, layer: Layer) -> None:
        n = self.graph.tensors[layer.output].size
        s = _lit(layer.attrs["scale"])
        zp = int(layer.attrs.get("zero_point", 0))
        v = f"rint(x[i] / {s})" + (f" {'+' if zp > 0 else '-'} {_lit(abs(zp))}" if zp else "")
        body = [f"float v = fmin(fmax({v}, -128.0f), 127.0f);", "y[i] = (char)(int)v;"]
        self.emit(layer, body, n, [("x", layer.inputs[0])], {})

    def lower_dequant8(self, layer: Layer) -> None:
        n = self.graph.tensors[layer.output].size
        q = _minus("(int)x[i]", int(layer.attrs.get("zero_point", 0)))
        body = [f"y[i] = (float){q} * {_lit(layer.attrs['scale'])};"]
        self.emit(layer, body, n, [("x", layer.inputs[0])], {})


def lower_graph(graph: Graph, weight_limit: int = WEIGHT_LIMIT, parallelism: int | str = 1) -> Plan:
    """The :class:`Plan` of a prepared graph (shapes inferred, BN folded, fused);
    ``parallelism`` is the compute units per layer (a number, or ``auto``)."""
    if parallelism != "auto" and (
        isinstance(parallelism, bool) or not isinstance(parallelism, int) or parallelism < 1
    ):
        raise CompileError(f"--parallelism takes a positive number or auto, not {parallelism!r}")
    low = _Lowering(graph, weight_limit, parallelism)
    for t in graph.inputs:
        low.buffers[t] = Buffer(t, graph.shape(t), graph.tensors[t].dtype, "input")
        low.tensor_buffer[t] = t
    for layer in graph.layers:
        low.lower(layer)
    outputs = []
    for t in graph.outputs:
        b = low.buffers[low.buf(t)]
        if b.role != "input":
            b.role, b.shape = "output", graph.shape(t)
        outputs.append(b.name)
    return Plan(graph.name, low.buffers, low.layers, list(graph.inputs), outputs, low.tensor_buffer)
