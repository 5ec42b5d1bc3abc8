"""Board descriptions, loaded (and validated) from the data files in ``soff/boards/data``.

The schema is documented in ``soff/boards/README.md``. A ``--target`` may also
be the path of a board file of one's own (``--target myboard.toml``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from soff.diagnostics import CompileError
from soff.ir.core import MATH_FUNCTIONS, OPCODES

DEFAULT_BOARD = "generic"

# Operators whose latency the datapath scheduler looks up (every op it supports
# that is neither a work-item id, a constant, a phi, a terminator nor a memory
# access): every board must give each of them a latency.
SCHEDULED_OPS = (
    "add", "sub", "mul", "div", "rem", "and", "or", "xor", "shl", "shr", "neg", "not",
    "cmp", "select", "cast", "bitcast", "ptradd", "popcount", "clz",
)  # fmt: skip

# Names a latency table may use besides the IR opcodes: floating-point
# operators ("f" + opcode; the names soff.hls.bind looks up), conversions
# (itof int->float, ftoi float->int, fcast float<->float) and math functions.
FLOAT_OPS = (
    "fadd", "fsub", "fmul", "fdiv", "frem", "fneg", "fcmp", "fsqrt", "fcast", "fcvt", "itof", "ftoi",
)  # fmt: skip
MATH_OPS = tuple(MATH_FUNCTIONS) + (
    "exp", "exp2", "log", "log2", "sin", "cos", "tan", "pow", "rsqrt",
)  # fmt: skip
LATENCY_OPS = frozenset(OPCODES) | frozenset(FLOAT_OPS) | frozenset(MATH_OPS)

VENDORS = ("none", "lattice", "xilinx", "intel")
FLOWS = ("none", "open", "vitis", "quartus")

# section -> key -> allowed Python types (the schema; README.md explains it)
_STR, _NUM, _INT, _LIST = (str,), (int, float), (int,), (list,)
_SCHEMA: dict[str, dict[str, tuple[type, ...]]] = {
    "": {
        "name": _STR, "description": _STR, "vendor": _STR, "family": _STR, "part": _STR,
        "package": _STR, "speed_grade": _STR, "clock_mhz": _NUM, "flow": _STR,
    },
    "memory": {
        "kind": _STR, "channels": _INT, "data_width": _INT, "max_outstanding": _INT,
        "size_gib": _NUM, "latency": _INT, "local_latency": _INT, "note": _STR,
        "cache_lines": _INT,
    },
    "resources": {
        "lut": _INT, "ff": _INT, "bram": _INT, "bram_kbits": _INT, "dsp": _INT,
        "uram": _INT, "spram": _INT, "io": _INT,
    },
    "synth": {"yosys": _STR, "nextpnr": _STR, "nextpnr_args": _LIST, "io": _STR},
    "project": {"platform": _STR, "quartus_family": _STR, "quartus_device": _STR},
    "units": {"fmul_multiplier": _STR},
    "latency": {},  # checked by _check_latency
}  # fmt: skip
_REQUIRED = ("name", "description", "vendor", "part", "clock_mhz", "flow")


class BoardError(CompileError):
    """A board data file that does not follow the schema."""


@dataclass(frozen=True)
class Board:
    """One target board: part, clock, memory, resources and the operator latency table."""

    name: str
    description: str
    part: str
    clock_mhz: float
    vendor: str
    memory: dict[str, Any] = field(default_factory=dict)
    resources: dict[str, int] = field(default_factory=dict)
    latency_table: dict[str, int] = field(default_factory=dict)
    family: str = "generic"
    package: str = ""
    speed_grade: str = ""
    flow: str = "none"
    synth: dict[str, Any] = field(default_factory=dict)
    project: dict[str, str] = field(default_factory=dict)
    #: operator-library choices: ``fmul_multiplier`` ("dsp" or "lut")
    units: dict[str, str] = field(default_factory=dict)

    @property
    def data_width(self) -> int:
        return int(self.memory.get("data_width", 64))

    @property
    def max_outstanding(self) -> int:
        return int(self.memory.get("max_outstanding", 32))

    @property
    def memory_summary(self) -> str:
        """E.g. ``4x DDR4 512-bit``."""
        m = self.memory
        kind = m.get("kind", "AXI4")
        return f"{m.get('channels', 1)}x {kind} {self.data_width}-bit"

    def latency(self, op: str, width: int) -> int:
        """Pipeline stages of ``op`` at ``width`` bits: the smallest listed width >= it."""
        widths = sorted(int(k.split(".")[1]) for k in self.latency_table if k.startswith(op + "."))
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


@cache
def load_board(name: str | None = None) -> Board:
    """The board called ``name`` (default: generic), or the board file at path ``name``."""
    name = name or DEFAULT_BOARD
    if name.endswith(".toml"):
        path = Path(name)
        if not path.is_file():
            raise CompileError(f"board file '{name}' does not exist")
        return parse_board(path.read_text(), str(path), expect_name=None)
    names = board_names()
    if name not in names:
        raise CompileError(f"unknown target '{name}' (known targets: {', '.join(names)})")
    text = resources.files("soff.boards").joinpath("data", f"{name}.toml").read_text()
    return parse_board(text, f"soff/boards/data/{name}.toml", expect_name=name)


def parse_board(text: str, where: str, expect_name: str | None = None) -> Board:
    """Parse and validate one board file; errors name the file and the key."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise BoardError(f"{where}: not valid TOML: {e}") from None
    _check_schema(data, where)
    if expect_name is not None and data["name"] != expect_name:
        raise BoardError(
            f"{where}: name is '{data['name']}', but the file is named '{expect_name}.toml'"
        )
    if data["vendor"] not in VENDORS:
        raise BoardError(
            f"{where}: vendor must be one of {', '.join(VENDORS)}, not '{data['vendor']}'"
        )
    if data["flow"] not in FLOWS:
        raise BoardError(f"{where}: flow must be one of {', '.join(FLOWS)}, not '{data['flow']}'")
    if data["clock_mhz"] <= 0:
        raise BoardError(f"{where}: clock_mhz must be positive, not {data['clock_mhz']}")
    memory = dict(data.get("memory", {}))
    dw = memory.get("data_width", 64)
    if dw < 8 or dw & (dw - 1):
        raise BoardError(f"{where}: [memory] data_width must be a power of two >= 8, not {dw}")
    lines = memory.get("cache_lines", 256)
    if lines < 0 or lines & (lines - 1) or lines == 1:
        raise BoardError(
            f"{where}: [memory] cache_lines must be 0 (no caches) or a power of two >= 2, "
            f"not {lines}"
        )
    for key, value in data.get("resources", {}).items():
        if value < 0:
            raise BoardError(f"{where}: [resources] {key} must not be negative, not {value}")
    synth = dict(data.get("synth", {}))
    if synth.get("nextpnr") not in (None, "ecp5", "ice40"):
        raise BoardError(
            f"{where}: [synth] nextpnr must be 'ecp5' or 'ice40', not '{synth['nextpnr']}'"
        )
    if synth.get("io", "out-of-context") not in ("out-of-context", "harness"):
        raise BoardError(
            f"{where}: [synth] io must be 'out-of-context' or 'harness', not '{synth['io']}'"
        )
    if not all(isinstance(a, str) for a in synth.get("nextpnr_args", [])):
        raise BoardError(f"{where}: [synth] nextpnr_args must be a list of strings")
    if data["flow"] == "open" and "nextpnr" not in synth:
        raise BoardError(f"{where}: an open-flow board needs [synth] nextpnr")
    if data["flow"] == "vitis" and "platform" not in data.get("project", {}):
        raise BoardError(f"{where}: a Vitis board needs [project] platform")
    units = dict(data.get("units", {}))
    if units.get("fmul_multiplier", "dsp") not in ("dsp", "lut"):
        raise BoardError(
            f"{where}: [units] fmul_multiplier must be 'dsp' or 'lut', "
            f"not '{units['fmul_multiplier']}'"
        )
    table = dict(data.get("latency", {}))
    _check_latency(table, where)
    return Board(
        name=data["name"],
        description=data["description"],
        part=data["part"],
        clock_mhz=float(data["clock_mhz"]),
        vendor=data["vendor"],
        memory=memory,
        resources=dict(data.get("resources", {})),
        latency_table=table,
        family=data.get("family", "generic"),
        package=data.get("package", ""),
        speed_grade=data.get("speed_grade", ""),
        flow=data["flow"],
        synth=synth,
        project=dict(data.get("project", {})),
        units=units,
    )


def _type_name(types: tuple[type, ...]) -> str:
    names = {str: "a string", float: "a number", int: "an integer", list: "a list"}
    return names[types[-1]]


def _check_schema(data: dict[str, Any], where: str) -> None:
    for key in _REQUIRED:
        if key not in data:
            raise BoardError(f"{where}: missing key '{key}'")
    for key, value in data.items():
        if isinstance(value, dict):
            if key not in _SCHEMA or key == "":
                sections = ", ".join(s for s in _SCHEMA if s)
                raise BoardError(f"{where}: unknown section [{key}] (known sections: {sections})")
            if key == "latency":
                continue
            _check_keys(value, _SCHEMA[key], where, f"[{key}] ")
        else:
            _check_keys({key: value}, _SCHEMA[""], where, "")


def _check_keys(
    values: dict[str, Any], schema: dict[str, tuple[type, ...]], where: str, sec: str
) -> None:
    for key, value in values.items():
        if key not in schema:
            raise BoardError(f"{where}: unknown key {sec}'{key}' (known keys: {', '.join(schema)})")
        types = schema[key]
        if not isinstance(value, types) or (isinstance(value, bool) and types != _STR):
            raise BoardError(
                f"{where}: {sec}{key} must be {_type_name(types)}, not {type(value).__name__}"
            )


def _check_latency(table: dict[str, Any], where: str) -> None:
    for key, value in table.items():
        op, dot, width = key.partition(".")
        if op not in LATENCY_OPS:
            raise BoardError(f"{where}: [latency] '{key}': '{op}' is not an operator")
        if dot and not (width.isdigit() and int(width) > 0):
            raise BoardError(
                f"{where}: [latency] '{key}': the width after '.' must be a positive integer"
            )
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise BoardError(
                f"{where}: [latency] '{key}' must be a non-negative integer, not {value!r}"
            )
    ops = {k.partition(".")[0] for k in table}
    missing = [op for op in SCHEDULED_OPS if op not in ops]
    if missing:
        raise BoardError(
            f"{where}: [latency] has no entry for {', '.join(missing)} "
            "(the scheduler needs every one of: " + ", ".join(SCHEDULED_OPS) + ")"
        )
