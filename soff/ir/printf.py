"""Running ``printf`` ops (the interpreters): C formats by Python's %-formatting.

The ``format`` attribute holds the C format escaped with Python's
``unicode_escape`` (soff.frontend.printf). Output goes to ``sys.stdout`` unless
:func:`printf_output` sends it elsewhere (a file, or a list that collects it).
"""

from __future__ import annotations

import codecs
import math
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from soff.ir.types import FloatType, IntType, Type

#: one conversion specification: flags, width, precision, OpenCL vector size, length, conversion
CONVERSION = re.compile(
    r"%(?P<flags>[-+ #0]*)(?P<width>\*|\d+)?(?:\.(?P<prec>\*|\d*))?(?P<vec>v(?:16|2|3|4|8))?"
    r"(?P<len>hh|hl|h|ll|l|j|z|t|L)?(?P<conv>[diouxXfFeEgGaAcsp%])"
)
_sinks: list[TextIO | list[str]] = []


@contextmanager
def printf_output(sink: TextIO | list[str]) -> Iterator[None]:
    """Send the interpreters' printf output to ``sink`` (a file, or a list to append to)."""
    _sinks.append(sink)
    try:
        yield
    finally:
        _sinks.pop()


def emit(text: str) -> None:
    """Print one printf call's text where :func:`printf_output` says (stdout by default)."""
    sink = _sinks[-1] if _sinks else sys.stdout
    if isinstance(sink, list):
        sink.append(text)
    else:
        sink.write(text)
        sink.flush()


def format_printf(fmt: str, values: list[Any], types: list[Type]) -> str:
    """The text a ``printf`` op with ``format`` ``fmt`` prints for ``values``
    (C conversions mapped to Python's %-formatting, best effort)."""
    fmt = codecs.decode(fmt.encode("ascii"), "unicode_escape")
    out: list[str] = []
    pos = 0
    i = 0
    for m in CONVERSION.finditer(fmt):
        out.append(fmt[pos : m.start()])
        pos = m.end()
        conv = m.group("conv")
        if conv == "%":
            out.append("%")
            continue
        if i >= len(values):
            out.append(m.group(0))
            continue
        v, t = values[i], types[i]
        i += 1
        flags, width, prec = m.group("flags"), m.group("width") or "", m.group("prec")
        spec = "%" + flags + width + ("." + prec if prec is not None else "")
        if conv in "diouxXc" and isinstance(t, FloatType):
            v = int(v) if math.isfinite(v) else 0
        if conv in "ouxXp" and isinstance(t, IntType):
            v = int(v) & ((1 << t.width) - 1)  # unsigned view
        if conv in "di":
            out.append((spec + "d") % int(v))
        elif conv == "u":
            out.append((spec + "d") % int(v))
        elif conv in "oxX":
            out.append((spec + conv) % int(v))
        elif conv == "p":
            out.append(f"0x{int(v):x}")
        elif conv == "c":
            out.append(chr(int(v) & 0xFF))
        elif conv in "aA":
            text = float(v).hex()
            out.append(text.upper() if conv == "A" else text)
        else:  # f F e E g G
            out.append((spec + conv) % float(v))
    out.append(fmt[pos:])
    return "".join(out)
