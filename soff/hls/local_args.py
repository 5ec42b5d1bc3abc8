"""``__local`` pointer arguments in hardware: on-chip RAMs sized at compile time.

The host sizes a ``__local T *p`` argument at launch (``clSetKernelArg(k, i,
nbytes, NULL)``; ``soff.Local(nbytes)``), but a circuit's RAMs are fixed when
it is built. Before scheduling, each such argument becomes a ``__local`` array
of the size asked for (``local_arg_bytes``, else :data:`DEFAULT_BYTES`): an
``alloca : ptr.local<[n x T]>`` in the entry block whose decayed pointer
replaces the argument, so the rest of the back end sees an ordinary
``__local`` array (a RAM per array, one work-group at a time). The argument
keeps its register (the host may write anything there; the circuit ignores
it). ``design.simulate`` compiles the kernel again when a run's
``Local(nbytes)`` differs from the compiled size.
"""

from __future__ import annotations

from collections.abc import Mapping

from soff.diagnostics import CompileError
from soff.ir.core import Kernel, Op
from soff.ir.types import ArrayType, PtrType

DEFAULT_BYTES = 4096  # per __local pointer argument, when the size is not given


def local_pointer_args(kernel: Kernel) -> list[str]:
    """Names of ``kernel``'s ``__local`` pointer arguments, in order."""
    return [
        a.name or f"arg{a.index}"
        for a in kernel.args
        if isinstance(a.type, PtrType) and a.type.space == "local"
    ]


def bind_local_args(kernel: Kernel, sizes: Mapping[str, int] | None = None) -> dict[str, int]:
    """Turn ``kernel``'s ``__local`` pointer arguments into ``__local`` arrays of
    ``sizes[name]`` bytes (rounded down to whole elements); returns the sizes used."""
    sizes = dict(sizes or {})
    unknown = sorted(set(sizes) - set(local_pointer_args(kernel)))
    if unknown:
        raise CompileError(
            f"kernel '{kernel.name}' has no __local pointer argument named "
            + ", ".join(f"'{n}'" for n in unknown),
            kernel.loc,
        )
    bound: dict[str, int] = {}
    entry = kernel.entry
    at = 0
    for a in kernel.args:
        t = a.type
        if not (isinstance(t, PtrType) and t.space == "local"):
            continue
        name = a.name or f"arg{a.index}"
        nbytes = int(sizes.get(name, DEFAULT_BYTES))
        elem = t.pointee
        size = max(elem.size, 1)
        count = nbytes // size
        if count < 1:
            raise CompileError(
                f"__local argument '{name}' needs at least one {size}-byte element, "
                f"not {nbytes} bytes",
                kernel.loc,
            )
        array = Op(
            "alloca", [], PtrType(ArrayType(elem, count), "local"), loc=kernel.loc, name=name
        )
        ptr = Op("bitcast", [array], t, loc=kernel.loc)
        kernel.replace_all_uses(a, ptr)
        entry.insert(at, array)
        entry.insert(at + 1, ptr)
        at += 2
        bound[name] = count * size
    return bound
