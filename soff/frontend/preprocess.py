"""Preprocessing OpenCL C with pcpp: -D, -I, #include, the predefined macros.

The output is C text with ``#line`` markers. Tokens that come straight from a
source file keep their original column (they are padded with spaces to it),
so that the parser's coordinates map back to the user's file, line and
column. Only tokens produced by macro expansion lose their columns.
Preprocessor errors become :class:`CompileError` with a location.
"""

from __future__ import annotations

import io
import os
import re
from typing import Any

import pcpp
from pcpp.preprocessor import trigraph

from soff.diagnostics import CompileError, SourceLoc, UnsupportedError

#: Macros every OpenCL C 1.2 compiler predefines (plus ``__SOFF__``).
PREDEFINED_MACROS: dict[str, str] = {
    "__OPENCL_VERSION__": "120",
    "CL_VERSION_1_0": "100",
    "CL_VERSION_1_1": "110",
    "CL_VERSION_1_2": "120",
    "__OPENCL_C_VERSION__": "120",
    "__ENDIAN_LITTLE__": "1",
    "__SOFF__": "1",
    "CLK_LOCAL_MEM_FENCE": "1",
    "CLK_GLOBAL_MEM_FENCE": "2",
    "true": "1",
    "false": "0",
}

#: The limits and math constants OpenCL C 1.2 predefines (§6.12.2, §6.12.3), which
#: kernels use without an #include (INT_MAX, FLT_MAX, M_PI_F, MAXFLOAT, ...).
OPENCL_LIMIT_MACROS: dict[str, str] = {
    "CHAR_BIT": "8",
    "SCHAR_MAX": "127",
    "SCHAR_MIN": "(-127 - 1)",
    "CHAR_MAX": "SCHAR_MAX",
    "CHAR_MIN": "SCHAR_MIN",
    "UCHAR_MAX": "255",
    "SHRT_MAX": "32767",
    "SHRT_MIN": "(-32767 - 1)",
    "USHRT_MAX": "65535",
    "INT_MAX": "2147483647",
    "INT_MIN": "(-2147483647 - 1)",
    "UINT_MAX": "0xffffffffU",
    "LONG_MAX": "0x7fffffffffffffffL",
    "LONG_MIN": "(-0x7fffffffffffffffL - 1)",
    "ULONG_MAX": "0xffffffffffffffffUL",
    "FLT_DIG": "6",
    "FLT_MANT_DIG": "24",
    "FLT_MAX_10_EXP": "38",
    "FLT_MAX_EXP": "128",
    "FLT_MIN_10_EXP": "(-37)",
    "FLT_MIN_EXP": "(-125)",
    "FLT_RADIX": "2",
    "FLT_MAX": "3.402823466e+38F",
    "FLT_MIN": "1.175494351e-38F",
    "FLT_EPSILON": "1.192092896e-07F",
    "DBL_DIG": "15",
    "DBL_MANT_DIG": "53",
    "DBL_MAX_10_EXP": "308",
    "DBL_MAX_EXP": "1024",
    "DBL_MIN_10_EXP": "(-307)",
    "DBL_MIN_EXP": "(-1021)",
    "DBL_MAX": "1.7976931348623158e+308",
    "DBL_MIN": "2.2250738585072014e-308",
    "DBL_EPSILON": "2.2204460492503131e-16",
    "MAXFLOAT": "FLT_MAX",
    "HUGE_VALF": "as_float(0x7f800000)",
    "INFINITY": "as_float(0x7f800000)",
    "NAN": "as_float(0x7fc00000)",
    "HUGE_VAL": "as_double(0x7ff0000000000000L)",
    **{
        f"M_{name}{suffix}": f"{value}{'F' if suffix else ''}"
        for name, value in {
            "E": "2.718281828459045",
            "LOG2E": "1.4426950408889634",
            "LOG10E": "0.4342944819032518",
            "LN2": "0.6931471805599453",
            "LN10": "2.302585092994046",
            "PI": "3.141592653589793",
            "PI_2": "1.5707963267948966",
            "PI_4": "0.7853981633974483",
            "1_PI": "0.3183098861837907",
            "2_PI": "0.6366197723675814",
            "2_SQRTPI": "1.1283791670955126",
            "SQRT2": "1.4142135623730951",
            "SQRT1_2": "0.7071067811865476",
        }.items()
        for suffix in ("", "_F")
    },
}


#: Macros soff predefines for CUDA C (nvcc's device pass; see soff.frontend.cuda).
CUDA_PREDEFINED_MACROS: dict[str, str] = {
    "__CUDACC__": "1",
    "__NVCC__": "1",
    "__CUDA_ARCH__": "700",
    "__CUDACC_VER_MAJOR__": "12",
    "CUDART_VERSION": "12000",
    "__cplusplus": "201703L",
    "__SOFF__": "1",
    "true": "1",
    "false": "0",
    "NULL": "0",
    "nullptr": "0",
}
#: soff's own small headers (cuda.h, cuda_runtime.h, stdio.h, ...) for CUDA C
CUDA_INCLUDE_DIR = os.path.join(os.path.dirname(__file__), "include")


class _LineTable:
    """Offsets of line starts in a source text, as pcpp's lexer sees it."""

    def __init__(self, text: str) -> None:
        # pcpp replaces trigraphs and strips trailing blanks before lexing
        lexed = "\n".join(x.rstrip() for x in trigraph(text).splitlines())
        self.lines = lexed.split("\n")
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line) + 1)

    def column(self, lineno: int, lexpos: int, value: str) -> int | None:
        """The column of a token read from this file, None for a macro-expanded one."""
        if not 1 <= lineno < len(self.starts):
            return None
        start, end = self.starts[lineno - 1], self.starts[lineno]
        if start <= lexpos < end:
            col = lexpos - start
            if self.lines[lineno - 1][col : col + len(value)] == value:
                return col + 1
        return None

    def first_column(self, lineno: int) -> int:
        if 1 <= lineno <= len(self.lines):
            line = self.lines[lineno - 1]
            return len(line) - len(line.lstrip()) + 1
        return 0


class _Preprocessor(pcpp.Preprocessor):
    """pcpp with errors raised as CompileError instead of printed."""

    def __init__(self, main_abs: str, main_name: str) -> None:
        super().__init__()
        self.rewrite_paths: list[tuple[str, str]] = []  # keep token sources absolute; we map them back
        self.line_directive = None
        self.tables: dict[str, _LineTable] = {}
        self.names: dict[str, str] = {main_abs: main_name}
        self.skip_missing_system_includes = False

    def display_name(self, source: str | None) -> str:
        if not source:
            return "<unknown>"
        source = os.path.abspath(source)
        name = self.names.get(source)
        if name is None:
            rel = os.path.relpath(source)
            name = source if rel.startswith("..") else rel
            self.names[source] = name
        return name

    def loc(self, source: str | None, lineno: int, col: int | None = None) -> SourceLoc:
        if col is None:
            table = self.table(source)
            col = table.first_column(lineno) if table else 0
        return SourceLoc(self.display_name(source), lineno, col)

    def table(self, source: str | None) -> _LineTable | None:
        return self.tables.get(os.path.abspath(source)) if source else None

    def on_error(self, file: str, line: int, msg: str) -> None:
        raise CompileError(msg, self.loc(file, line))

    def on_file_open(self, is_system_include: bool, includepath: str) -> Any:
        with open(includepath, encoding="utf-8") as f:  # raises OSError when absent
            data = f.read()
        if data.startswith("\ufeff"):
            data = data[1:]
        self.tables[os.path.abspath(includepath)] = _LineTable(data)
        return io.StringIO(data)

    def on_include_not_found(
        self, is_malformed: bool, is_system_include: bool, curdir: str, includepath: str
    ) -> Any:
        d = self.lastdirective
        loc = self.loc(d.source, d.lineno) if d is not None else None
        if is_malformed:
            raise CompileError(f"malformed #include: {includepath}", loc)
        if is_system_include and self.skip_missing_system_includes:
            raise pcpp.OutputDirective(pcpp.Action.IgnoreAndRemove)  # a host header (CUDA)
        raise CompileError(f"'{includepath}' file not found", loc)

    def on_directive_unknown(
        self, directive: Any, toks: Any, ifpassthru: Any, precedingtoks: Any
    ) -> Any:
        name = directive.value
        text = "".join(t.value for t in toks).strip()
        loc = self.loc(directive.source, directive.lineno)
        if name == "pragma":
            return True  # OPENCL EXTENSION, unroll, ...: accepted and dropped
        if name == "warning":
            return True
        if name == "error":
            raise CompileError(f"#error {text}".rstrip(), loc)
        if name == "line":
            raise UnsupportedError("#line directives are not supported yet", loc)
        raise CompileError(f"invalid preprocessing directive #{name}", loc)


#: A C preprocessing number (C11 6.4.8), which pcpp's lexer splits into pieces
#: (``0.3f`` is ``0`` ``.`` ``3`` ``f``): pieces written without a blank between
#: them in a macro body must stay together when the body is expanded.
_PP_NUMBER = re.compile(r"\.?[0-9](?:[eEpP][+-]|[0-9A-Za-z_.])*")


def _glues(a: str, b: str) -> bool:
    """Whether writing ``b`` right after ``a`` could lex differently."""
    if not a or not b:
        return False
    word_a = a[-1].isalnum() or a[-1] in "_."
    word_b = b[0].isalnum() or b[0] in "_."
    return word_a == word_b


def _emit(pp: _Preprocessor) -> str:
    """Write pcpp's tokens as text, each source token at its original column."""
    out: list[str] = []
    ws_types = set(pp.t_WS) | set(pp.t_COMMENT)
    cur_src: str | None = None
    cur_line = 0
    cur_col = 1
    space = False
    prev_expanded = False
    started = False
    prev = ""
    number = ""  # the preprocessing number being written, if any
    while True:
        tok = pp.token()
        if tok is None:
            break
        if tok.type in ws_types:
            space = True
            continue
        src, line = tok.source, tok.lineno
        if not started or src != cur_src or line < cur_line or line > cur_line + 8:
            name = pp.display_name(src).replace("\\", "\\\\").replace('"', '\\"')
            out.append(("\n" if started else "") + f'#line {line} "{name}"\n')
            started, cur_src, cur_line, cur_col = True, src, line, 1
        elif line > cur_line:
            out.append("\n" * (line - cur_line))
            cur_line, cur_col = line, 1
        table = pp.table(src)
        col = table.column(line, tok.lexpos, tok.value) if table is not None else None
        if col is not None and col > cur_col:
            out.append(" " * (col - cur_col))
            cur_col = col
        elif number and not space and _PP_NUMBER.fullmatch(number + tok.value):
            pass  # the next piece of a number from a macro body: 0.3f, 1e-3
        elif cur_col > 1 and (
            space or ((col is None or prev_expanded) and _glues(prev, tok.value))
        ):
            out.append(" ")
            cur_col += 1
        if number and not space and _PP_NUMBER.fullmatch(number + tok.value):
            number += tok.value
        else:
            number = tok.value if tok.value == "." or _PP_NUMBER.fullmatch(tok.value) else ""
        out.append(tok.value)
        prev = tok.value
        cur_col += len(tok.value)
        space = False
        prev_expanded = col is None
    out.append("\n")
    return "".join(out)


def preprocess(
    source: str,
    filename: str,
    defines: dict[str, str | None] | None = None,
    include_dirs: list[str] | None = None,
    cuda: bool = False,
    c_program: bool = False,
) -> str:
    """Preprocess ``source`` (the text of ``filename``); return C text with #line markers.

    ``defines`` maps a macro name (or ``F(x)``) to its replacement text; ``None``
    defines it as ``1``, like ``-DNAME``. For CUDA C (``cuda``), the CUDA macros
    are predefined, soff's own headers come after ``include_dirs``, and
    ``#include <...>`` of a header found nowhere is dropped (host headers such
    as ``<iostream>``: the host code that needs them is dropped too). A C program
    (``c_program``: a ``.c`` file, soff.frontend.cfunc) gets soff's headers and
    the dropping of missing system headers too, without the CUDA macros.
    """
    main_abs = os.path.abspath(filename)
    pp = _Preprocessor(main_abs, filename)
    pp.tables[main_abs] = _LineTable(source)
    predefined = CUDA_PREDEFINED_MACROS if cuda else PREDEFINED_MACROS
    if not cuda and not c_program:  # C programs have them from soff's limits.h, float.h
        predefined = {**predefined, **OPENCL_LIMIT_MACROS}
    for name, value in predefined.items():
        pp.define(f"{name} {value}")
    for macro, text in (defines or {}).items():
        try:
            pp.define(f"{macro} {'1' if text is None else text}")
        except CompileError as e:  # no source location: the command line
            value = "" if text is None else f"={text}"
            message = e.message[:1].lower() + e.message[1:]
            raise CompileError(f"-D {macro}{value}: {message}") from None
    for d in [*(include_dirs or []), *([CUDA_INCLUDE_DIR] if cuda or c_program else [])]:
        pp.add_path(d)
    pp.skip_missing_system_includes = cuda or c_program
    pp.parse(source, main_abs)
    try:
        return _emit(pp)
    except CompileError:
        raise
    except Exception as e:  # pcpp's own failures (it has a few on malformed input)
        d = pp.lastdirective
        loc = pp.loc(d.source, d.lineno) if d is not None else SourceLoc(filename, 1, 1)
        if isinstance(e, RecursionError):
            raise CompileError("#include nested too deeply", loc) from None
        raise CompileError(f"malformed preprocessing directive ({type(e).__name__})", loc) from None


__all__ = ["CUDA_PREDEFINED_MACROS", "OPENCL_LIMIT_MACROS", "PREDEFINED_MACROS", "preprocess"]
