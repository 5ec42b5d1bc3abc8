"""OpenCL C and CUDA C front end: preprocess (pcpp), parse (pycparser), lower to soff IR."""

from __future__ import annotations

import re
from types import TracebackType

from pycparser import c_ast

from soff.diagnostics import CompileError, SourceLoc
from soff.frontend.lower import lower_module
from soff.frontend.opencl import parse
from soff.frontend.preprocess import preprocess
from soff.ir.core import Module

__all__ = ["CUDA_EXTENSIONS", "compile_file", "compile_source", "language_of"]

#: file name extensions of CUDA C sources (anything else is OpenCL C)
CUDA_EXTENSIONS = (".cu", ".cuh")
LANGUAGES = ("opencl", "cuda")


def language_of(filename: str, lang: str | None = None) -> str:
    """The source language: ``lang`` if given, else ``cuda`` for ``.cu``/``.cuh`` files."""
    if lang is not None:
        if lang not in LANGUAGES:
            raise CompileError(f"unknown language '{lang}' (known: {', '.join(LANGUAGES)})")
        return lang
    return "cuda" if filename.endswith(CUDA_EXTENSIONS) else "opencl"


def compile_source(
    source: str,
    filename: str,
    defines: dict[str, str | None] | None = None,
    include_dirs: list[str] | None = None,
    lang: str | None = None,
    shared_bytes: int | None = None,
    entry: str | None = None,
) -> Module:
    """Compile OpenCL C ``source`` (named ``filename`` in messages) to a Module.

    One kernel per ``__kernel`` function, in source order. Raises CompileError
    (UnsupportedError for valid programs soff cannot compile yet) with the
    source location. CUDA C (``lang="cuda"``, or a ``.cu`` file name) gives one
    kernel per ``__global__`` function; ``shared_bytes`` sizes its ``extern
    __shared__`` arrays (see :mod:`soff.frontend.cuda`). ``entry`` naming a plain
    C function (no ``__kernel``) adds it as a single-work-item kernel
    (:mod:`soff.frontend.cfunc`).
    """
    _check_size(source, filename)
    try:
        if language_of(filename, lang) == "cuda":
            from soff.frontend.cuda import compile_cuda

            return compile_cuda(source, filename, defines, include_dirs, shared_bytes, entry)
        c_program = filename.endswith((".c", ".h"))
        text = preprocess(source, filename, defines, include_dirs, c_program=c_program)
        parsed = parse(text, filename, c_program=c_program)
        return lower_module(parsed, filename, entry=entry)
    except CompileError:
        raise
    except RecursionError as e:
        loc = _deepest_node_loc(e.__traceback__) or SourceLoc(filename, 1, 1)
        raise CompileError("expression or statement nested too deeply", loc) from None
    # any other exception is a bug in soff: it propagates (the CLI reports an internal error)


#: The most tokens a source may have (comments excluded): the front end and the
#: compiler after it take time that grows with the program, and no kernel that
#: fits an FPGA comes near this.
MAX_TOKENS = 200_000
_TOKENS = re.compile(r"//[^\n]*|/\*.*?(?:\*/|\Z)|\"(?:[^\"\\\n]|\\.)*\"?|\w+|\S", re.S)


def _check_size(source: str, filename: str) -> None:
    """Reject sources too large to compile in reasonable time, before any work on them."""
    if len(source) <= MAX_TOKENS:  # a token has at least one character
        return
    count = 0
    for m in _TOKENS.finditer(source):
        if not m.group().startswith(("//", "/*")):
            count += 1
            if count > MAX_TOKENS:
                line = source.count("\n", 0, m.start()) + 1
                col = m.start() - source.rfind("\n", 0, m.start())
                raise CompileError(
                    f"the source is too large: more than {MAX_TOKENS} tokens",
                    SourceLoc(filename, line, col),
                )


def _deepest_node_loc(tb: TracebackType | None) -> SourceLoc | None:
    """The location of the innermost AST node being worked on in a traceback."""
    loc = None
    while tb is not None:
        for value in tb.tb_frame.f_locals.values():
            coord = getattr(value, "coord", None) if isinstance(value, c_ast.Node) else None
            if coord is not None and coord.line:
                loc = SourceLoc(coord.file, coord.line, coord.column or 0)
        tb = tb.tb_next
    return loc


def compile_file(
    path: str,
    defines: dict[str, str | None] | None = None,
    include_dirs: list[str] | None = None,
    lang: str | None = None,
    shared_bytes: int | None = None,
    entry: str | None = None,
) -> Module:
    """Compile the OpenCL C (or CUDA C) file at ``path``; see :func:`compile_source`."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise CompileError(f"cannot read '{path}': {e.strerror or e}", None) from None
    try:
        source = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        col = e.start - data.rfind(b"\n", 0, e.start)
        raise CompileError(
            f"invalid UTF-8 byte 0x{data[e.start]:02x} (sources must be UTF-8 text)",
            SourceLoc(path, line, col),
        ) from None
    if source.startswith("\ufeff"):
        source = source[1:]
    return compile_source(source, path, defines, include_dirs, lang, shared_bytes, entry)
