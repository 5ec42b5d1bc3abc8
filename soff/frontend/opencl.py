"""Parsing preprocessed OpenCL C with pycparser.

OpenCL's extra keywords are handled without moving any token, so pycparser's
coordinates stay exact:

- the lexer maps the address-space qualifiers (``__global global __local
  local __constant constant __private private``) and the image access
  qualifiers to pycparser's type-qualifier token, keeping their spelling:
  they show up in the AST's ``quals`` lists as written;
- it maps ``__kernel``/``kernel`` to the function-specifier token, so kernels
  carry ``'__kernel'`` or ``'kernel'`` in ``Decl.funcspec``;
- GNU ``__attribute__((...))`` (which pycparser does not parse) is blanked out
  in a text pre-pass, replaced by spaces of the same length; kernel
  attributes such as ``reqd_work_group_size`` are recorded for the function
  whose definition follows;
- OpenCL type names (``uchar``, ``size_t``, vectors, ...) are declared by a
  prelude of typedefs placed before the first ``#line`` marker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pycparser import c_ast, c_lexer, c_parser

from soff.diagnostics import CompileError, SourceLoc, UnsupportedError

ADDRESS_SPACE_QUALS = {
    "__global": "global",
    "global": "global",
    "__local": "local",
    "local": "local",
    "__constant": "constant",
    "constant": "constant",
    "__private": "private",
    "private": "private",
}
ACCESS_QUALS = (
    "__read_only",
    "read_only",
    "__write_only",
    "write_only",
    "__read_write",
    "read_write",
)
KERNEL_SPECS = ("__kernel", "kernel")

#: OpenCL scalar type names and the C types they stand for.
SCALAR_TYPEDEFS = {
    "uchar": "unsigned char",
    "ushort": "unsigned short",
    "uint": "unsigned int",
    "ulong": "unsigned long",
    "size_t": "unsigned long",
    "ptrdiff_t": "long",
    "intptr_t": "long",
    "uintptr_t": "unsigned long",
    "bool": "_Bool",
}
_VECTOR_BASES = (
    "char",
    "uchar",
    "short",
    "ushort",
    "int",
    "uint",
    "long",
    "ulong",
    "float",
    "double",
    "half",
)
#: Type names OpenCL reserves that soff does not support yet (declared so they parse).
UNSUPPORTED_TYPE_NAMES = frozenset(
    ["half", "image1d_t", "image2d_t", "image3d_t", "image1d_array_t", "image1d_buffer_t",
     "image2d_array_t", "sampler_t", "event_t"]
    + [f"{b}{n}" for b in _VECTOR_BASES for n in (2, 3, 4, 8, 16)]
)  # fmt: skip
#: OpenCL vector type names -> (element type name, lane count); half vectors excluded.
VECTOR_TYPE_NAMES = {
    f"{b}{n}": (b, n) for b in _VECTOR_BASES if b != "half" for n in (2, 3, 4, 8, 16)
}
#: Kernel attributes kept in ``Kernel.attrs``.
KERNEL_ATTRIBUTES = (
    "reqd_work_group_size",
    "work_group_size_hint",
    "vec_type_hint",
    "max_work_group_size",
    "intel_reqd_sub_group_size",
)

PRELUDE = "".join(f"typedef {c} {n};\n" for n, c in SCALAR_TYPEDEFS.items()) + "".join(
    f"typedef int {n};\n" for n in sorted(UNSUPPORTED_TYPE_NAMES)
)


class _OpenCLLexer(c_lexer.CLexer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in (*ADDRESS_SPACE_QUALS, *ACCESS_QUALS):
            self._keyword_map[name] = "VOLATILE"
        for name in KERNEL_SPECS:
            self._keyword_map[name] = "INLINE"


@dataclass
class Attribute:
    name: str
    args: list[Any]
    loc: SourceLoc


@dataclass
class ParsedSource:
    ast: c_ast.FileAST
    #: kernel attributes by the name of the function they precede
    attributes: dict[str, list[Attribute]] = field(default_factory=dict)


_LINE_MARKER = re.compile(r'^#line (\d+) "((?:[^"\\]|\\.)*)"$')
_TOKEN = re.compile(
    r"""(?P<str>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|(?P<id>[A-Za-z_]\w*)|(?P<nl>\n)|(?P<other>.)""",
    re.S,
)
_C_KEYWORDS = frozenset(
    "if else for while do switch return sizeof void char short int long signed unsigned float double "
    "const volatile restrict inline static extern typedef struct union enum __attribute__".split()
)


class _TextMap:
    """Maps offsets in preprocessed text back to source locations via #line markers."""

    def __init__(self, text: str) -> None:
        self.marks: list[tuple[int, int, str]] = []  # (text line index, source line, file)
        for i, line in enumerate(text.split("\n")):
            m = _LINE_MARKER.match(line)
            if m:
                self.marks.append(
                    (i, int(m.group(1)), m.group(2).replace('\\"', '"').replace("\\\\", "\\"))
                )
        self.text = text

    def loc(self, offset: int) -> SourceLoc:
        line_idx = self.text.count("\n", 0, offset)
        col = offset - (self.text.rfind("\n", 0, offset) + 1) + 1
        file, line = "<prelude>", line_idx + 1
        for idx, src_line, f in self.marks:
            if idx < line_idx:
                file, line = f, src_line + (line_idx - idx - 1)
        return SourceLoc(file, line, col)


def _attr_arg(text: str) -> Any:
    text = text.strip()
    try:
        return int(text.rstrip("uUlL"), 0)
    except ValueError:
        return text


def _strip_attributes(text: str) -> tuple[str, dict[str, list[Attribute]]]:
    """Blank out ``__attribute__((...))``; return the text and the kernel attributes."""
    tmap = _TextMap(text)
    chars = list(text)
    attributes: dict[str, list[Attribute]] = {}
    pending: list[Attribute] = []
    toks = [(m.lastgroup, m.group(), m.start()) for m in _TOKEN.finditer(text)]
    i = 0
    at_line_start = True
    while i < len(toks):
        kind, val, pos = toks[i]
        if kind == "nl":
            at_line_start = True
            i += 1
            continue
        if at_line_start and val == "#":  # a #line marker (the only directive left)
            while i < len(toks) and toks[i][0] != "nl":
                i += 1
            continue
        if not val.isspace():
            at_line_start = False
        if kind == "id" and val == "__attribute__":
            j = i + 1
            while j < len(toks) and toks[j][1].isspace():
                j += 1
            depth, k = 0, j
            while k < len(toks):
                if toks[k][1] == "(":
                    depth += 1
                elif toks[k][1] == ")":
                    depth -= 1
                    if depth == 0:
                        break
                k += 1
            if j >= len(toks) or toks[j][1] != "(" or k >= len(toks):
                raise CompileError("malformed __attribute__", tmap.loc(pos))
            end = toks[k][2] + 1
            body = text[toks[j][2] + 1 : end - 1].strip()
            if body.startswith("(") and body.endswith(")"):
                body = body[1:-1]
            for m in re.finditer(r"(\w+)\s*(?:\(([^()]*)\))?", body):
                name = m.group(1).strip("_") if m.group(1).startswith("__") else m.group(1)
                if name in ("packed", "aligned"):  # would change struct layouts
                    raise UnsupportedError(
                        f"__attribute__(({name})) is not supported yet: soff lays structs out "
                        "with the natural alignment of their members",
                        tmap.loc(text.find(m.group(1), toks[j][2])),
                    )
                if name in KERNEL_ATTRIBUTES:
                    args = [_attr_arg(a) for a in m.group(2).split(",")] if m.group(2) else []
                    at = text.find(m.group(1), toks[j][2])
                    pending.append(Attribute(name, args, tmap.loc(at)))
            for p in range(pos, end):
                if chars[p] != "\n":
                    chars[p] = " "
            i = k + 1
            continue
        if kind == "id" and pending and val not in _C_KEYWORDS:
            j = i + 1
            while j < len(toks) and toks[j][1].isspace():
                j += 1
            if j < len(toks) and toks[j][1] == "(":
                attributes.setdefault(val, []).extend(pending)
                pending = []
        if val in (";", "{") and pending:
            pending = []  # attributes of something other than a function
        i += 1
    return "".join(chars), attributes


#: pycparser's lexer messages for what survives preprocessing only when unterminated
_LEXER_MESSAGES = {
    "Comments are not supported, see https://github.com/eliben/pycparser#3using.": (
        "unterminated comment"
    ),
    "Illegal character '\"'": "missing terminating '\"' character",
    "Unmatched '": "missing terminating ' character",
}
_PARSE_ERROR = re.compile(r"^(.*?):(\d+)(?::(\d+))?: (.*)$", re.S)


class _CProgramLexer(_OpenCLLexer):
    """C programs (``.c`` files): ``global``, ``local``, ``kernel`` & co are plain
    identifiers; only the ``__``-prefixed OpenCL keywords stay keywords."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in (*ADDRESS_SPACE_QUALS, *ACCESS_QUALS, *KERNEL_SPECS):
            if not name.startswith("__"):
                self._keyword_map.pop(name, None)


def parse(text: str, filename: str, cuda: bool = False, c_program: bool = False) -> ParsedSource:
    """Parse preprocessed OpenCL C (with #line markers) into a pycparser AST;
    with ``cuda``, the device code of CUDA C (see :mod:`soff.frontend.cuda`);
    with ``c_program``, a C program (:class:`_CProgramLexer`)."""
    stripped, attributes = _strip_attributes(text)
    if cuda:
        from soff.frontend.cuda import CUDA_PRELUDE, CudaLexer

        lexer: type[c_lexer.CLexer] = CudaLexer
        prelude = CUDA_PRELUDE
    else:
        lexer, prelude = (_CProgramLexer if c_program else _OpenCLLexer), PRELUDE
    parser = c_parser.CParser(lexer=lexer)
    try:
        ast = parser.parse(prelude + stripped, filename)
    except c_parser.ParseError as e:
        msg = str(e)
        m = _PARSE_ERROR.match(msg)
        if m:
            loc = SourceLoc(m.group(1), int(m.group(2)), int(m.group(3) or 0))
            msg = m.group(4)
        else:
            loc = _next_token_loc(parser) or _TextMap(text).loc(len(text.rstrip()))
            msg = msg.split(": ", 1)[-1]
            if msg == "At end of input":
                msg = "unexpected end of input"
        if msg.startswith("before: "):
            msg = f"syntax error before '{msg[len('before: ') :]}'"
        raise CompileError(_LEXER_MESSAGES.get(msg, msg), loc) from None
    return ParsedSource(ast, attributes)


def _next_token_loc(parser: c_parser.CParser) -> SourceLoc | None:
    try:
        tok = parser._peek()  # the token the parser stopped at
    except Exception:
        return None
    if tok is None or not tok.filename:
        return None
    return SourceLoc(tok.filename, tok.lineno, tok.column)
