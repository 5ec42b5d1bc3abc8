"""The IR text form. ``parse_module(print_module(m))`` prints back identically.

Syntax (one op per line)::

    kernel @name(%arg: type, ...) {attr = value, ...} loc("file":line:col) {
    ^block:
      %result = opcode %operand, ... [^succ, ...] {attr = value} after(%dep, ...) : type loc(...)
      cbr %cond [^then, ^else]
    }

Every non-terminator op is named (void ops too, so that ``after`` can name
them). Names come from the op's ``name`` hint (the source variable) or a
counter, made unique within the kernel.
"""

from __future__ import annotations

import re
from typing import Any

from soff.diagnostics import SourceLoc
from soff.ir.core import Block, Kernel, Module, Op, Value

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_NAME_OK = re.compile(r"[^A-Za-z0-9_.]")


def format_attr(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        if _IDENT.match(value) and value not in ("true", "false", "inf", "nan"):
            return value
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(format_attr(v) for v in value) + "]"
    raise TypeError(f"cannot print attribute value {value!r}")


def format_loc(loc: SourceLoc) -> str:
    file = loc.file.replace("\\", "\\\\").replace('"', '\\"')
    return f'loc("{file}":{loc.line}:{loc.col})'


class Namer:
    """Deterministic unique names for a kernel's values and blocks."""

    def __init__(self, kernel: Kernel) -> None:
        self.names: dict[int, str] = {}
        taken: set[str] = set()
        counter = 0

        def claim(hint: str | None) -> str:
            nonlocal counter
            if hint:
                base = _NAME_OK.sub("_", hint)
                if base[0].isdigit():
                    base = "v" + base
                name, n = base, 1
                while name in taken:
                    name = f"{base}.{n}"
                    n += 1
            else:
                while str(counter) in taken:
                    counter += 1
                name = str(counter)
                counter += 1
            taken.add(name)
            return name

        for a in kernel.args:
            self.names[id(a)] = claim(a.name)
        for op in kernel.ops():
            if not op.is_terminator:
                hint = op.name if op.name and not op.name.isdigit() else None
                self.names[id(op)] = claim(hint)
        self.block_names: dict[int, str] = {}
        btaken: set[str] = set()
        for b in kernel.blocks:
            base = _NAME_OK.sub("_", b.name) if b.name else "bb"
            name, n = base, 1
            while name in btaken:
                name = f"{base}.{n}"
                n += 1
            btaken.add(name)
            self.block_names[id(b)] = name

    def value(self, v: Value) -> str:
        try:
            return "%" + self.names[id(v)]
        except KeyError:
            return f"%<undefined {v!r}>"

    def block(self, b: Block) -> str:
        return "^" + self.block_names.get(id(b), f"<undefined {b.name}>")


def print_op(op: Op, namer: Namer) -> str:
    parts = []
    if not op.is_terminator:
        parts.append(namer.value(op) + " =")
    parts.append(op.opcode)
    text = " ".join(parts)
    if op.operands:
        text += " " + ", ".join(namer.value(v) for v in op.operands)
    if op.blocks:
        text += " [" + ", ".join(namer.block(b) for b in op.blocks) + "]"
    if op.attrs:
        attrs = ", ".join(f"{k} = {format_attr(op.attrs[k])}" for k in sorted(op.attrs))
        text += " {" + attrs + "}"
    if op.deps:
        text += " after(" + ", ".join(namer.value(d) for d in op.deps) + ")"
    if not op.is_terminator:
        text += f" : {op.type}"
    if op.loc is not None:
        text += " " + format_loc(op.loc)
    return text


def print_kernel(kernel: Kernel) -> str:
    namer = Namer(kernel)
    args = ", ".join(f"{namer.value(a)}: {a.type}" for a in kernel.args)
    head = f"kernel @{kernel.name}({args})"
    if kernel.attrs:
        head += (
            " {"
            + ", ".join(f"{k} = {format_attr(kernel.attrs[k])}" for k in sorted(kernel.attrs))
            + "}"
        )
    if kernel.loc is not None:
        head += " " + format_loc(kernel.loc)
    lines = [head + " {"]
    for b in kernel.blocks:
        lines.append(namer.block(b) + ":")
        for op in b.ops:
            lines.append("  " + print_op(op, namer))
    lines.append("}")
    return "\n".join(lines) + "\n"


def print_module(module: Module) -> str:
    return "\n".join(print_kernel(k) for k in module.kernels)
