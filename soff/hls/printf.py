"""Dropping ``printf`` ops from kernels bound for hardware.

The circuit has no console: each ``printf`` op is removed (what only it used goes
in the ``dce`` pass after) and each call site is named once in a warning on
stderr, ``file:line:col: warning: printf is ignored in hardware``. The
interpreters run the front end's IR, printf included.
"""

from __future__ import annotations

import sys
from typing import TextIO

from soff.diagnostics import format_warning
from soff.ir.core import Kernel


def drop_printf(kernel: Kernel, stream: TextIO | None = None) -> int:
    """Remove the kernel's ``printf`` ops, warning once per source location on
    ``stream`` (stderr); returns how many ops went."""
    out = stream if stream is not None else sys.stderr
    seen: set[str] = set()
    count = 0
    for block in kernel.blocks:
        for op in [op for op in block.ops if op.opcode == "printf"]:
            where = str(op.loc) if op.loc is not None else ""
            if where not in seen:
                seen.add(where)
                out.write(format_warning("printf is ignored in hardware", op.loc) + "\n")
            block.remove(op)
            count += 1
    return count
