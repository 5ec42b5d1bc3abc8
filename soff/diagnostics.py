"""Source locations and gcc-style compile errors shared by every stage."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class SourceLoc:
    """A position in a source file (1-based line and column)."""

    file: str
    line: int
    col: int = 0

    def __str__(self) -> str:
        if self.col:
            return f"{self.file}:{self.line}:{self.col}"
        return f"{self.file}:{self.line}"


class CompileError(Exception):
    """A user-facing error: printed as ``file:line:col: error: message``."""

    def __init__(self, message: str, loc: SourceLoc | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.loc = loc

    def __str__(self) -> str:
        if self.loc is not None:
            return f"{self.loc}: error: {self.message}"
        return f"soff: error: {self.message}"


class UnsupportedError(CompileError):
    """A valid program uses a feature soff does not implement yet."""


def format_warning(message: str, loc: SourceLoc | None = None) -> str:
    """Format a warning the way gcc does."""
    if loc is not None:
        return f"{loc}: warning: {message}"
    return f"soff: warning: {message}"
