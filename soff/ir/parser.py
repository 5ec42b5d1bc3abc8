"""Parses the IR text form written by :mod:`soff.ir.printer` back into a Module.

``parse_module(print_module(m))`` prints back identically. Values and blocks
may be used before the line that defines them (phis, back edges). Numeric
value names (``%12``) are the printer's counters and are dropped; other names
become the op's name hint. Errors are :class:`CompileError`\\ s located in the
IR text (``file:line:col``).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from soff.diagnostics import CompileError, SourceLoc
from soff.ir.core import OPCODES, Arg, Block, Kernel, Module, Op, Value
from soff.ir.types import (
    ADDRESS_SPACES,
    VOID,
    ArrayType,
    FloatType,
    IntType,
    PtrType,
    StructType,
    Type,
    VectorType,
)

__all__ = ["parse_module", "parse_kernel", "parse_type"]

_GRAMMAR = Path(__file__).with_name("ir.lark")

# Readable names for the grammar's terminals in "expected ..." messages.
_TERMINAL_NAMES = {
    "KERNEL_NAME": "kernel name (@name)",
    "VALUE": "value (%name)",
    "BLOCK": "block (^name)",
    "OPCODE": "opcode",
    "IDENT": "identifier",
    "INT_TYPE": "integer type",
    "FLOAT_TYPE": "float type",
    "PTR": "pointer type",
    "STRUCT": "struct type",
    "INT": "integer",
    "FLOAT": "float",
    "STRING": "string",
    "_NL": "end of line",
    "$END": "end of input",
}


@cache
def _lark(start: str = "start") -> Lark:
    return Lark(_GRAMMAR.read_text(), parser="lalr", start=start, maybe_placeholders=True)


def _describe(parser: Lark, name: str) -> str:
    if name in _TERMINAL_NAMES:
        return _TERMINAL_NAMES[name]
    try:
        term = parser.get_terminal(name)
    except KeyError:
        return name
    if term.pattern.type == "str":
        return f"'{term.pattern.value}'"
    return name


def _syntax_error(parser: Lark, e: UnexpectedInput, filename: str) -> CompileError:
    loc = SourceLoc(filename, max(e.line, 1), max(e.column, 1))
    if isinstance(e, UnexpectedCharacters):
        msg = f"syntax error: unexpected character {e.char!r}"
        expected = e.allowed or set()
    elif isinstance(e, UnexpectedToken):
        tok = e.token
        if tok.type == "$END":
            msg = "syntax error: unexpected end of input"
        elif tok.type == "_NL":
            msg = "syntax error: unexpected end of line"
        else:
            msg = f"syntax error: unexpected '{tok}'"
        expected = e.expected or set()
    elif isinstance(e, UnexpectedEOF):
        msg = "syntax error: unexpected end of input"
        expected = set(e.expected or [])
    else:  # pragma: no cover
        msg, expected = "syntax error", set()
    names = sorted({_describe(parser, n) for n in expected})
    if names:
        msg += "; expected " + (names[0] if len(names) == 1 else "one of " + ", ".join(names))
    return CompileError(msg, loc)


def _unquote(tok: str) -> str:
    return re.sub(r"\\(.)", r"\1", tok[1:-1], flags=re.S)


class _Builder:
    """Turns a parse tree into IR objects, resolving names per kernel."""

    def __init__(self, filename: str) -> None:
        self.filename = filename

    def where(self, tok: Any) -> SourceLoc:
        if isinstance(tok, Tree):
            tok = next(t for t in tok.scan_values(lambda v: isinstance(v, Token)))
        return SourceLoc(self.filename, tok.line or 1, tok.column or 1)

    def error(self, msg: str, tok: Any) -> CompileError:
        return CompileError(msg, self.where(tok))

    # -- types -----------------------------------------------------------
    def type(self, t: Any) -> Type:
        kind = t.data
        ch = t.children
        try:
            if kind == "int_type":
                return IntType(int(ch[0][1:]), ch[0][0] == "i")
            if kind == "float_type":
                width = int(ch[0][1:])
                if width not in (16, 32, 64):
                    raise self.error(f"unknown float type '{ch[0]}' (f16, f32 or f64)", ch[0])
                return FloatType(width)
            if kind == "void_type":
                return VOID
            if kind == "ptr_type":
                space = ch[0][4:]
                if space not in ADDRESS_SPACES:
                    raise self.error(
                        f"unknown address space '{space}' (one of {', '.join(ADDRESS_SPACES)})",
                        ch[0],
                    )
                return PtrType(self.type(ch[1]), space)
            if kind == "vec_type":
                return VectorType(self.type(ch[1]), int(ch[0]))
            if kind == "array_type":
                return ArrayType(self.type(ch[1]), int(ch[0]))
            if kind == "struct_type":
                fields = tuple(
                    (str(f.children[0]), self.type(f.children[1])) for f in ch[1:] if f is not None
                )
                kw, name = str(ch[0]).split(".", 1)
                return StructType(name, fields, union=kw == "union")
        except ValueError as e:
            raise self.error(str(e), t) from None
        raise AssertionError(kind)  # pragma: no cover

    # -- attributes ------------------------------------------------------
    def attr_value(self, t: Any) -> Any:
        kind = t.data
        if kind == "int_attr":
            return int(t.children[0])
        if kind == "float_attr":
            return float(t.children[0])
        if kind == "str_attr":
            return _unquote(t.children[0])
        if kind == "ident_attr":
            s = str(t.children[0])
            return float(s) if s in ("inf", "nan") else s
        if kind == "true_attr":
            return True
        if kind == "false_attr":
            return False
        if kind == "list_attr":
            return [self.attr_value(c) for c in t.children if c is not None]
        raise AssertionError(kind)  # pragma: no cover

    def attrs(self, t: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if t is None:
            return out
        for a in t.children:
            if a is None:
                continue
            key = a.children[0]
            if str(key) in out:
                raise self.error(f"attribute '{key}' given twice", key)
            out[str(key)] = self.attr_value(a.children[1])
        return out

    def loc(self, t: Any) -> SourceLoc | None:
        if t is None:
            return None
        file, line, col = t.children
        return SourceLoc(_unquote(file), int(line), int(col))

    # -- kernels ---------------------------------------------------------
    def kernel(self, t: Any) -> Kernel:
        name_tok, *rest = t.children
        # children: name, args..., attr_dict|None, loc|None, blocks...
        args: list[Any] = [c for c in rest if isinstance(c, Tree) and c.data == "arg"]
        blocks: list[Any] = [c for c in rest if isinstance(c, Tree) and c.data == "block"]
        n_args = len(rest) - len(blocks) - 2
        attr_t, loc_t = rest[n_args], rest[n_args + 1]
        kernel = Kernel(str(name_tok)[1:], attrs=self.attrs(attr_t), loc=self.loc(loc_t))

        values: dict[str, Value] = {}
        def_tok: dict[str, Token] = {}

        def define(tok: Token, v: Value) -> None:
            name = tok[1:]
            if name in values:
                prev = def_tok[name]
                raise self.error(f"value '{tok}' is defined twice (first at line {prev.line})", tok)
            values[name] = v
            def_tok[name] = tok

        for i, a in enumerate(args):
            tok = a.children[0]
            # numeric names are printer counters (an argument without a name)
            arg = Arg(self.type(a.children[1]), "" if tok[1:].isdigit() else tok[1:], i)
            kernel.args.append(arg)
            define(tok, arg)

        block_map: dict[str, Block] = {}
        for b in blocks:
            tok = b.children[0]
            if tok[1:] in block_map:
                raise self.error(f"block '{tok}' is defined twice", tok)
            block_map[tok[1:]] = kernel.add_block(Block(tok[1:]))

        def block_ref(tok: Token) -> Block:
            try:
                return block_map[tok[1:]]
            except KeyError:
                raise self.error(f"unknown block '{tok}'", tok) from None

        pending: list[tuple[Op, list[Token], list[Token]]] = []
        for b in blocks:
            block = block_map[b.children[0][1:]]
            for o in b.children[1:]:
                op, operand_toks, dep_toks = self.op(o, block_ref)
                block.append(op)
                res_tok = o.children[0]
                if res_tok is not None:
                    define(res_tok, op)
                pending.append((op, operand_toks, dep_toks))

        def value_ref(tok: Token) -> Value:
            try:
                return values[tok[1:]]
            except KeyError:
                raise self.error(f"unknown value '{tok}'", tok) from None

        for op, operand_toks, dep_toks in pending:
            op.operands = [value_ref(tok) for tok in operand_toks]
            deps = []
            for tok in dep_toks:
                d = value_ref(tok)
                if not isinstance(d, Op):
                    raise self.error(f"after({tok}): '{tok}' is an argument, not an op", tok)
                deps.append(d)
            op.deps = deps
        return kernel

    def op(self, t: Any, block_ref: Any) -> tuple[Op, list[Token], list[Token]]:
        res, opcode, operands, blist, attr_t, after, type_t, loc_t = t.children
        if opcode not in OPCODES:
            raise self.error(f"unknown opcode '{opcode}'", opcode)
        info = OPCODES[str(opcode)]
        if info.terminator and res is not None:
            raise self.error(f"terminator '{opcode}' has no result to name", res)
        if info.terminator and type_t is not None:
            raise self.error(f"terminator '{opcode}' has no type", opcode)
        name: str | None = None
        if res is not None and not res[1:].isdigit():
            name = res[1:]
        operand_toks = list(operands.children) if operands is not None else []
        blocks = [block_ref(tok) for tok in blist.children if tok is not None] if blist else []
        dep_toks = [tok for tok in after.children if tok is not None] if after else []
        op = Op(
            str(opcode),
            type=self.type(type_t) if type_t is not None else VOID,
            attrs=self.attrs(attr_t),
            blocks=blocks,
            loc=self.loc(loc_t),
            name=name,
        )
        return op, operand_toks, dep_toks


def _parse(text: str, filename: str, start: str = "start") -> Tree:
    parser = _lark(start)
    try:
        return parser.parse(text)
    except UnexpectedInput as e:
        raise _syntax_error(parser, e, filename) from None


def parse_module(text: str, filename: str = "<ir>") -> Module:
    """Parse IR text (one or more kernels) into a Module."""
    if text and not text.endswith("\n"):
        text += "\n"
    tree = _parse(text, filename)
    b = _Builder(filename)
    trees = [k for k in tree.children if isinstance(k, Tree)]
    module = Module([b.kernel(k) for k in trees])
    names: set[str] = set()
    for k, t in zip(module.kernels, trees, strict=True):
        if k.name in names:
            raise b.error(f"kernel '@{k.name}' is defined twice", t.children[0])
        names.add(k.name)
    return module


def parse_kernel(text: str, filename: str = "<ir>") -> Kernel:
    """Parse IR text holding exactly one kernel."""
    module = parse_module(text, filename)
    if len(module.kernels) != 1:
        raise CompileError(
            f"expected exactly one kernel, found {len(module.kernels)}", SourceLoc(filename, 1, 1)
        )
    return module.kernels[0]


def parse_type(text: str) -> Type:
    """Parse a type's text form, e.g. ``ptr.global<vec<4 x f32>>``."""
    module = parse_module(f"kernel @t(%x: {text}) {{\n}}\n", "<type>")
    return module.kernels[0].args[0].type
