"""OpenCL C front end: preprocess (pcpp), parse (pycparser), lower to soff IR."""

from __future__ import annotations

from soff.diagnostics import CompileError, SourceLoc
from soff.frontend.lower import lower_module
from soff.frontend.opencl import parse
from soff.frontend.preprocess import preprocess
from soff.ir.core import Module

__all__ = ["compile_file", "compile_source"]


def compile_source(
    source: str,
    filename: str,
    defines: dict[str, str | None] | None = None,
    include_dirs: list[str] | None = None,
) -> Module:
    """Compile OpenCL C ``source`` (named ``filename`` in messages) to a Module.

    One kernel per ``__kernel`` function, in source order. Raises CompileError
    (UnsupportedError for valid programs soff cannot compile yet) with the
    source location.
    """
    try:
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
) -> Module:
    """Compile the OpenCL C file at ``path``; see :func:`compile_source`."""
    try:
        with open(path, encoding="utf-8") as f:
            source = f.read()
    except OSError as e:
        raise CompileError(f"cannot read '{path}': {e.strerror or e}", None) from None
    except UnicodeDecodeError:
        raise CompileError(f"'{path}' is not UTF-8 text", SourceLoc(path, 1)) from None
    if source.startswith("\ufeff"):
        source = source[1:]
    return compile_source(source, path, defines, include_dirs)
