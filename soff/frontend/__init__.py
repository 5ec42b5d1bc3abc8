"""OpenCL C and CUDA C front end: preprocess (pcpp), parse (pycparser), lower to soff IR."""

from __future__ import annotations

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
) -> Module:
    """Compile OpenCL C ``source`` (named ``filename`` in messages) to a Module.

    One kernel per ``__kernel`` function, in source order. Raises CompileError
    (UnsupportedError for valid programs soff cannot compile yet) with the
    source location. CUDA C (``lang="cuda"``, or a ``.cu`` file name) gives one
    kernel per ``__global__`` function; ``shared_bytes`` sizes its ``extern
    __shared__`` arrays (see :mod:`soff.frontend.cuda`).
    """
    try:
        if language_of(filename, lang) == "cuda":
            from soff.frontend.cuda import compile_cuda

            return compile_cuda(source, filename, defines, include_dirs, shared_bytes)
        text = preprocess(source, filename, defines, include_dirs)
        parsed = parse(text, filename)
        return lower_module(parsed, filename)
    except CompileError:
        raise
    except RecursionError:
        raise CompileError("the program is nested too deeply", SourceLoc(filename, 0)) from None
    except Exception as e:  # a bug in soff: still a message, never a traceback for the user
        raise CompileError(
            f"internal compiler error: {type(e).__name__}: {e}", SourceLoc(filename, 0)
        ) from e


def compile_file(
    path: str,
    defines: dict[str, str | None] | None = None,
    include_dirs: list[str] | None = None,
    lang: str | None = None,
    shared_bytes: int | None = None,
) -> Module:
    """Compile the OpenCL C (or CUDA C) file at ``path``; see :func:`compile_source`."""
    try:
        with open(path, encoding="utf-8") as f:
            source = f.read()
    except OSError as e:
        raise CompileError(f"cannot read '{path}': {e.strerror or e}", None) from None
    except UnicodeDecodeError:
        raise CompileError(f"'{path}' is not UTF-8 text", SourceLoc(path, 1)) from None
    if source.startswith("\ufeff"):
        source = source[1:]
    return compile_source(source, path, defines, include_dirs, lang, shared_bytes)
