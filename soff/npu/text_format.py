"""The ``.npu`` text format (grammar in ``npu.lark``, syntax in docs/npu.md).

A network written by hand: its inputs with shapes, layers in order (op, name,
input tensors, output tensor, attributes), weights loaded from ``.npy`` files
named relative to the ``.npu`` file. Layer ops and attributes are those of
:mod:`soff.npu.graph`; a string attribute is a weight file.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from lark import Lark, Token, Tree, UnexpectedInput

from soff.diagnostics import CompileError
from soff.npu.graph import OPS, Graph, Layer, NpuError, Tensor

#: attributes (plain values) each op accepts
ATTRS: dict[str, set[str]] = {
    "conv": {"strides", "pads", "dilations", "group"},
    "dense": set(),
    "leaky_relu": {"alpha"},
    "clip": {"min", "max"},
    "maxpool": {"kernel", "strides", "pads"},
    "avgpool": {"kernel", "strides", "pads", "count_include_pad"},
    "batchnorm": {"epsilon"},
    "flatten": {"axis"},
    "reshape": {"shape"},
    "concat": {"axis"},
    "softmax": {"axis"},
    "quantize": {"axis", "qmin", "qmax"},
    "dequantize": {"axis"},
}
#: weights (``.npy`` files) each op takes; the required ones first, then optional ones
WEIGHTS: dict[str, tuple[set[str], set[str]]] = {
    "conv": ({"weight"}, {"bias"}),
    "dense": ({"weight"}, {"bias"}),
    "add": (set(), {"constant"}),
    "mul": (set(), {"constant"}),
    "batchnorm": ({"scale", "bias", "mean", "var"}, set()),
    "quantize": ({"scale", "zero_point"}, set()),
    "dequantize": ({"scale", "zero_point"}, set()),
}
_PAIRS = ("strides", "dilations", "kernel")


@cache
def _parser() -> Lark:
    return Lark.open(
        str(Path(__file__).with_name("npu.lark")), parser="lalr", propagate_positions=True
    )


def _value(tree: Tree | Token) -> Any:
    if isinstance(tree, Token):
        return str(tree)
    kind = tree.data
    if kind == "number":
        text = str(tree.children[0])
        return float(text) if any(c in text for c in ".eE") else int(text)
    if kind == "string":
        return ast.literal_eval(str(tree.children[0]))
    if kind == "word":
        return str(tree.children[0])
    return [_value(c) for c in tree.children if c is not None]


def parse(text: str, filename: str = "<npu>", base_dir: str | Path | None = None) -> Graph:
    """Parse ``.npu`` text into a layer graph (weights from ``base_dir``)."""
    base = Path(base_dir) if base_dir is not None else Path(".")
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as e:
        got = getattr(e, "token", None) or getattr(e, "char", None)
        what = f"unexpected '{got}'" if got else "unexpected end of input"
        raise NpuError(f"{filename}:{e.line}:{e.column}: error: {what}") from None

    def fail(node: Any, message: str) -> CompileError:
        line = getattr(node, "line", None) or getattr(getattr(node, "meta", None), "line", 1)
        col = getattr(node, "column", None) or getattr(getattr(node, "meta", None), "column", 1)
        return NpuError(f"{filename}:{line}:{col}: error: {message}")

    graph = Graph([], [], {}, [], name=Path(filename).stem or "npu")
    defined: set[str] = set()
    statements: list[Any] = list(tree.children)
    for st in statements:
        if st.data == "network":
            graph.name = str(st.children[0])
        elif st.data == "input":
            name = st.children[0]
            shape = tuple(int(t) for t in st.children[-1].children)
            if name in defined:
                raise fail(name, f"tensor '{name}' is defined twice")
            graph.inputs.append(str(name))
            graph.tensors[str(name)] = Tensor(str(name), shape)
            defined.add(str(name))
        elif st.data == "output":
            for name in st.children[0].children:
                if name not in defined:
                    raise fail(name, f"output '{name}' is not defined")
                graph.outputs.append(str(name))
        else:
            graph.layers.append(_layer(st, defined, base, fail))
    if not graph.inputs:
        raise NpuError(f"{filename}: error: the network has no input")
    if not graph.outputs and graph.layers:
        graph.outputs = [graph.layers[-1].output]
    return graph


def _layer(st: Tree, defined: set[str], base: Path, fail: Any) -> Layer:
    op_tok, name_tok, ins_tree, out_tok = st.children[:4]
    op = str(op_tok)
    if op not in OPS:
        raise fail(op_tok, f"unknown layer op '{op}' (one of: {', '.join(OPS)})")
    ins = [str(t) for t in ins_tree.children]
    for t in ins_tree.children:
        if t not in defined:
            raise fail(t, f"tensor '{t}' is used before it is defined")
    if str(out_tok) in defined:
        raise fail(out_tok, f"tensor '{out_tok}' is defined twice")
    defined.add(str(out_tok))
    attrs: dict[str, Any] = {}
    weights: dict[str, np.ndarray] = {}
    required, optional = WEIGHTS.get(op, (set(), set()))
    allowed = ATTRS.get(op, set())
    for attr in st.children[4].children if len(st.children) > 4 and st.children[4] else []:
        if attr is None:
            continue
        key_tok, val = attr.children
        key, value = str(key_tok), _value(val)
        if key in required | optional:
            if not isinstance(value, str):
                raise fail(key_tok, f"'{key}' of {op} must be a .npy file name in quotes")
            path = base / value
            try:
                weights[key] = np.ascontiguousarray(np.load(path), dtype=np.float32)
            except (OSError, ValueError) as e:
                raise fail(key_tok, f"cannot load '{path}': {e}") from None
        elif key in allowed:
            if key in _PAIRS and isinstance(value, int):
                value = [value, value]
            if key == "pads" and isinstance(value, int):
                value = [value] * 4
            if key == "pads" and isinstance(value, list) and len(value) == 2:
                value = value * 2
            attrs[key] = value
        else:
            known = sorted(allowed | required | optional)
            raise fail(
                key_tok,
                f"{op} has no attribute '{key}'"
                + (f" (it has: {', '.join(known)})" if known else ""),
            )
    missing = required - weights.keys()
    if missing:
        raise fail(name_tok, f"{op} '{name_tok}' needs {', '.join(sorted(missing))}")
    if op in ("add", "mul") and len(ins) + ("constant" in weights) != 2:
        raise fail(name_tok, f"{op} needs two inputs, or one input and a constant")
    if op in ("maxpool", "avgpool") and "kernel" not in attrs:
        raise fail(name_tok, f"{op} '{name_tok}' needs a kernel size")
    if op == "reshape" and "shape" not in attrs:
        raise fail(name_tok, f"reshape '{name_tok}' needs a shape")
    if op not in ("add", "mul", "concat") and len(ins) != 1:
        raise fail(name_tok, f"{op} takes one input, not {len(ins)}")
    return Layer(str(name_tok), op, ins, [str(out_tok)], attrs, weights)


def parse_file(path: str | Path) -> Graph:
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as e:
        raise NpuError(f"{path}: error: {e.strerror}") from None
    return parse(text, str(path), path.parent)
