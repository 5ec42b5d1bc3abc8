"""The AXI4-Lite register map of a generated kernel top (see docs/interface.md).

A small data object shared by Verilog generation (which builds the control
slave from it) and simulation (which programs the kernel through it). It does
not depend on the IR: it is built from the argument names and widths.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

CONTROL = 0x00
GIE = 0x04
IER = 0x08
ISR = 0x0C
FIRST_ARG = 0x10
SLOT = 8
ADDR_BITS = 12

NDRANGE_REGS = (
    "global_size_0",
    "global_size_1",
    "global_size_2",
    "local_size_0",
    "local_size_1",
    "local_size_2",
)


@dataclass(frozen=True)
class Register:
    """One argument or NDRange register: ``bits`` wide, at byte ``offset``."""

    name: str
    offset: int
    bits: int
    kind: str  # "pointer", "scalar" or "ndrange"
    signed: bool = False

    @property
    def words(self) -> int:
        return (self.bits + 31) // 32


@dataclass(frozen=True)
class RegisterMap:
    """Register layout of one kernel's AXI4-Lite control slave."""

    kernel: str
    registers: tuple[Register, ...] = field(default_factory=tuple)

    @classmethod
    def build(cls, kernel: str, args: list[tuple[str, int, str, bool]]) -> RegisterMap:
        """``args`` is ``[(name, bits, kind, signed), ...]`` in declaration order."""
        regs = []
        offset = FIRST_ARG
        for name, bits, kind, signed in args:
            if bits > 64:
                raise ValueError(f"argument '{name}' is {bits} bits wide; at most 64 fit a slot")
            regs.append(Register(name, offset, bits, kind, signed))
            offset += SLOT
        for name in NDRANGE_REGS:
            regs.append(Register(name, offset, 32, "ndrange"))
            offset += SLOT
        if offset > (1 << ADDR_BITS):
            raise ValueError(f"kernel '{kernel}' has too many arguments for the register map")
        return cls(kernel, tuple(regs))

    def __getitem__(self, name: str) -> Register:
        for reg in self.registers:
            if reg.name == name:
                return reg
        raise KeyError(name)

    @property
    def args(self) -> tuple[Register, ...]:
        return tuple(r for r in self.registers if r.kind != "ndrange")

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> RegisterMap:
        data = json.loads(text)
        return cls(data["kernel"], tuple(Register(**r) for r in data["registers"]))

    def describe(self) -> list[str]:
        """Human-readable lines, used in the Verilog header and the report."""
        lines = [
            "0x00 control: bit0 ap_start, bit1 ap_done (clear on read), bit2 ap_idle, bit3 ap_ready",
            "0x04 GIE, 0x08 IER, 0x0C ISR (toggle on write)",
        ]
        for r in self.registers:
            sign = " signed" if r.signed else ""
            lines.append(f"0x{r.offset:02X} {r.name}: {r.kind}{sign}, {r.bits} bits")
        return lines
