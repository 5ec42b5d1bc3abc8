"""The one compile pipeline that the CLI, the API and the tests all run."""

from __future__ import annotations

import soff.hls.passes  # noqa: F401  (registers the passes)
from soff.hls.pass_manager import Pass, parse_pipeline

DEFAULT_PIPELINE = "expand-math,fold-constants,dce,if-convert,fold-constants,cse,dce,schedule"


def ftz_pipeline(spec: str | None = None) -> str:
    """``spec`` (or the default pipeline) with ``flush-subnormals`` first, before
    ``expand-math``: what ``--ftz`` runs. The kernel's own operations are flushed; the
    binary64 arithmetic that expands a math function keeps its exact subnormals."""
    names = (spec or DEFAULT_PIPELINE).split(",")
    if "flush-subnormals" in names:
        return ",".join(names)
    return ",".join(["flush-subnormals", *names])


def default_pipeline(spec: str | None = None) -> list[Pass]:
    """Pass instances for ``spec`` (a ``-p`` string) or the default pipeline."""
    return parse_pipeline(spec or DEFAULT_PIPELINE)
