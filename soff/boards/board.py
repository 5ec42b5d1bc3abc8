"""Board descriptions, loaded from the data files in ``soff/boards/data``."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from soff.diagnostics import CompileError

DEFAULT_BOARD = "generic"


@dataclass(frozen=True)
class Board:
    """One target board: part, clock, memory and the operator latency table."""

    name: str
    description: str
    part: str
    clock_mhz: float
    vendor: str
    memory: dict[str, Any] = field(default_factory=dict)
    resources: dict[str, int] = field(default_factory=dict)
    latency_table: dict[str, int] = field(default_factory=dict)

    @property
    def data_width(self) -> int:
        return int(self.memory.get("data_width", 64))

    @property
    def max_outstanding(self) -> int:
        return int(self.memory.get("max_outstanding", 32))

    def latency(self, op: str, width: int) -> int:
        """Pipeline stages of ``op`` at ``width`` bits: the smallest listed width >= it."""
        widths = sorted(
            int(k.split(".")[1]) for k in self.latency_table if k.startswith(op + ".")
        )
        for w in widths:
            if w >= width:
                return self.latency_table[f"{op}.{w}"]
        if widths:
            return self.latency_table[f"{op}.{widths[-1]}"] * max(1, width // widths[-1])
        if op in self.latency_table:
            return self.latency_table[op]
        raise CompileError(f"board '{self.name}' has no latency for operator '{op}'")


def board_names() -> list[str]:
    files = resources.files("soff.boards").joinpath("data").iterdir()
    return sorted(f.name[:-5] for f in files if f.name.endswith(".toml"))


@lru_cache(maxsize=None)
def load_board(name: str | None = None) -> Board:
    name = name or DEFAULT_BOARD
    names = board_names()
    if name not in names:
        raise CompileError(f"unknown target '{name}' (known targets: {', '.join(names)})")
    text = resources.files("soff.boards").joinpath("data", f"{name}.toml").read_text()
    data = tomllib.loads(text)
    return Board(
        name=data["name"],
        description=data.get("description", ""),
        part=data.get("part", ""),
        clock_mhz=float(data.get("clock_mhz", 100.0)),
        vendor=data.get("vendor", "none"),
        memory=dict(data.get("memory", {})),
        resources=dict(data.get("resources", {})),
        latency_table=dict(data.get("latency", {})),
    )
