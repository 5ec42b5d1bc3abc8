"""The pass manager: a registry of passes and a pipeline that runs them.

A pass is a small class in its own file under ``soff/hls/passes/`` with a
kebab-case ``name``, options as dataclass fields and a ``run(module, ctx)``
that returns whether it changed anything. Pipelines are data (a list of pass
names with options) built in one place (:mod:`soff.hls.pipeline`), so the
CLI, the API and the tests all run the same thing; ``-p "dce,cse"`` uses the
same spec.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from soff.diagnostics import CompileError
from soff.ir.core import Module

PASSES: dict[str, type[Pass]] = {}


def register(cls: type[Pass]) -> type[Pass]:
    """Class decorator adding a pass to the registry under its ``name``."""
    if cls.name in PASSES:
        raise ValueError(f"pass '{cls.name}' registered twice")
    PASSES[cls.name] = cls
    return cls


@dataclass
class PassContext:
    """What passes share: the target board and the analyses/results they produce."""

    board: Any = None
    results: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


@dataclass
class Pass:
    """Base class. Subclasses set ``name`` and may add dataclass option fields."""

    name: ClassVar[str] = ""

    def run(self, module: Module, ctx: PassContext) -> bool:
        raise NotImplementedError


@dataclass
class PassManagerOptions:
    verify: bool = True
    print_ir_after: set[str] = field(default_factory=set)
    print_ir_after_all: bool = False
    dump_ir_dir: Path | None = None
    stop_after: str | None = None
    printer: Callable[[str], None] = print


def parse_pipeline(spec: str) -> list[Pass]:
    """``"dce,cse,schedule-asap{latency=2}"`` -> pass instances (unknown names are errors)."""
    passes: list[Pass] = []
    for item in filter(None, (s.strip() for s in _split_top(spec))):
        name, _, rest = item.partition("{")
        name = name.strip()
        if name not in PASSES:
            known = ", ".join(sorted(PASSES))
            raise CompileError(f"unknown pass '{name}' (known passes: {known})")
        cls = PASSES[name]
        opts: dict[str, Any] = {}
        if rest:
            for kv in rest.rstrip("}").split(";"):
                if not kv.strip():
                    continue
                k, _, v = kv.partition("=")
                k = k.strip().replace("-", "_")
                fields = {f.name: f for f in dataclasses.fields(cls)}
                if k not in fields:
                    raise CompileError(f"pass '{name}' has no option '{k}'")
                opts[k] = _coerce(v.strip())
        passes.append(cls(**opts))
    return passes


def _split_top(spec: str) -> list[str]:
    out, depth, cur = [], 0, ""
    for ch in spec:
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
            continue
        depth += ch == "{"
        depth -= ch == "}"
        cur += ch
    out.append(cur)
    return out


def _coerce(v: str) -> Any:
    if v.lower() in ("true", "false"):
        return v.lower() == "true"
    try:
        return int(v, 0)
    except ValueError:
        return v


class PassManager:
    """Runs passes in order, verifying the IR between them."""

    def __init__(self, passes: list[Pass], options: PassManagerOptions | None = None) -> None:
        self.passes = passes
        self.options = options or PassManagerOptions()
        self.timings: list[tuple[str, float]] = []

    def run(self, module: Module, ctx: PassContext) -> bool:
        from soff.ir.printer import print_module
        from soff.ir.verifier import verify_module

        opts = self.options
        changed_any = False
        for index, p in enumerate(self.passes):
            t0 = time.perf_counter()
            changed = p.run(module, ctx)
            self.timings.append((p.name, time.perf_counter() - t0))
            changed_any |= bool(changed)
            if opts.verify:
                verify_module(module)
            if opts.print_ir_after_all or p.name in opts.print_ir_after:
                opts.printer(f"// -----// IR after {p.name} //----- //\n{print_module(module)}")
            if opts.dump_ir_dir is not None:
                opts.dump_ir_dir.mkdir(parents=True, exist_ok=True)
                path = opts.dump_ir_dir / f"{index:02d}-{p.name}.ir"
                path.write_text(print_module(module))
            if opts.stop_after == p.name:
                break
        return changed_any
