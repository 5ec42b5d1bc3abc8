"""``printf`` in kernels (OpenCL C 1.2 §6.12.13, CUDA's device printf).

A call becomes one ``printf`` op whose ``format`` attribute is the C format with
string-literal ``%s`` arguments folded in and OpenCL's vector conversions
(``%v4f``) spread over the lanes (``%f,%f,%f,%f``), and whose operands are the
scalar arguments. The format is stored with Python's ``unicode_escape`` (printable
IR); :func:`soff.ir.printf.format_printf` turns it and the values into text. The interpreter
prints; the hardware back end drops the op with a warning (soff.hls.printf). The
call's value is 0 (success).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pycparser import c_ast

from soff.diagnostics import CompileError, SourceLoc, UnsupportedError
from soff.frontend.vectors import VecValue
from soff.ir.printf import CONVERSION
from soff.ir.types import I32, VOID, FloatType, IntType

if TYPE_CHECKING:
    from soff.frontend.lower import _FunctionLowerer
    from soff.ir.core import Value

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v",
            "\\": "\\", "'": "'", '"': '"', "?": "?"}  # fmt: skip


def string_literal(node: Any, loc: SourceLoc) -> str | None:
    """The text of a C string literal node (escapes decoded), or None if not one."""
    if not (isinstance(node, c_ast.Constant) and node.type == "string"):
        return None
    body = node.value
    if body.startswith("L"):
        raise UnsupportedError("wide string literals are not supported", loc)
    body = body[1:-1]
    out: list[str] = []
    i = 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        e = body[i + 1]
        if e == "x":
            j = i + 2
            while j < len(body) and body[j] in "0123456789abcdefABCDEF":
                j += 1
            out.append(chr(int(body[i + 2 : j], 16) & 0xFF))
            i = j
        elif e in "01234567":
            j = i + 1
            while j < len(body) and j < i + 4 and body[j] in "01234567":
                j += 1
            out.append(chr(int(body[i + 1 : j], 8) & 0xFF))
            i = j
        elif e in _ESCAPES:
            out.append(_ESCAPES[e])
            i += 2
        else:
            raise CompileError(f"unknown escape sequence '\\{e}'", loc)
    return "".join(out)


def lower_printf(fn: _FunctionLowerer, args: list[Any], loc: SourceLoc) -> Value:
    """``printf(format, ...)``: a ``printf`` op; the call's value is 0 (int)."""
    if not args:
        raise CompileError("too few arguments to function call 'printf', expected at least 1", loc)
    fmt = string_literal(args[0], loc)
    if fmt is None:
        raise CompileError("the format of printf must be a string literal", loc)
    rest = list(args[1:])
    pieces: list[str] = []
    operands: list[Any] = []
    pos = 0
    for m in CONVERSION.finditer(fmt):
        pieces.append(fmt[pos : m.start()])
        pos = m.end()
        spec = m.group(0)
        if m.group("conv") == "%":
            pieces.append("%%")
            continue
        if "*" in ((m.group("width") or "") + (m.group("prec") or "")):
            raise UnsupportedError("'*' widths and precisions in printf are not supported", loc)
        if not rest:
            raise CompileError(f"printf: no argument for the conversion '{spec}'", loc)
        node = rest.pop(0)
        if m.group("conv") == "s":
            text = string_literal(node, loc)
            if text is None:
                raise UnsupportedError("printf %s takes a string literal in soff", loc)
            pieces.append(text.replace("%", "%%"))
            continue
        value = fn.lower_expr(node)
        if value.type == VOID:
            raise CompileError("printf argument has type void", loc)
        vec = m.group("vec")
        if vec:
            if not isinstance(value, VecValue) or len(value.lanes) != int(vec[1:]):
                raise CompileError(f"printf: '{spec}' needs a {vec[1:]}-lane vector", loc)
            one = spec.replace(vec, "")
            pieces.append(",".join([one] * len(value.lanes)))
            operands += value.lanes
            continue
        if isinstance(value, VecValue):
            raise CompileError(
                f"printf: a vector argument needs a %v conversion, not '{spec}'", loc
            )
        if not isinstance(value.type, (IntType, FloatType)):
            raise UnsupportedError(f"printf arguments of type {value.type} are not supported", loc)
        pieces.append(spec)
        operands.append(value)
    pieces.append(fmt[pos:])
    if rest:
        raise CompileError("printf: more arguments than conversions in the format", loc)
    text = "".join(pieces).encode("unicode_escape").decode("ascii")
    fn.b.op("printf", operands, VOID, {"format": text}, loc=loc)
    return fn.const(0, I32, loc)
