"""numpy views of the OpenCL layout of structs and unions (docs/ir.md,
"Structs and unions"): the host builds a buffer for a ``__global S *``
argument as a structured array of :func:`struct_dtype`, or as any array
holding the same bytes."""

from __future__ import annotations

from typing import Any

import numpy as np

from soff.ir.types import ArrayType, FloatType, IntType, PtrType, StructType, Type, VectorType


def numpy_dtype(t: Type) -> np.dtype:
    """The numpy dtype laid out like ``t`` in OpenCL memory (same offsets, itemsize)."""
    if isinstance(t, IntType):
        if t.width == 1:
            return np.dtype(np.bool_)
        return np.dtype(f"{'i' if t.signed else 'u'}{t.size}")
    if isinstance(t, FloatType):
        return np.dtype(f"f{t.size}")
    if isinstance(t, VectorType):  # a 3-vector takes the room of 4 lanes (the 4th unused)
        return np.dtype((numpy_dtype(t.elem), 4 if t.count == 3 else t.count))
    if isinstance(t, ArrayType):
        return np.dtype((numpy_dtype(t.elem), t.count))
    if isinstance(t, StructType):
        return np.dtype(
            {
                "names": [n for n, _ in t.fields],
                "formats": [numpy_dtype(ft) for _, ft in t.fields],
                "offsets": t.offsets(),
                "itemsize": t.size,
            }
        )
    raise TypeError(f"no numpy dtype for {t}")


def find_struct(types: list[Type], name: str) -> StructType | None:
    """The struct or union named ``name`` among ``types`` (searched through
    pointers, arrays and members)."""
    stack = list(types)
    while stack:
        t = stack.pop()
        if isinstance(t, StructType):
            if t.name == name:
                return t
            stack.extend(ft for _, ft in t.fields)
        elif isinstance(t, (PtrType,)):
            stack.append(t.pointee)
        elif isinstance(t, (ArrayType, VectorType)):
            stack.append(t.elem)
    return None


def struct_dtype(design_or_kernel: Any, name: str) -> np.dtype:
    """The numpy dtype of struct (or union) ``name`` of a kernel's arguments.

    ``design_or_kernel`` is a :class:`soff.Design`, an IR ``Kernel`` or
    ``Module``. A buffer for a ``__global struct S *`` argument is then
    ``np.zeros(n, soff.struct_dtype(design, "S"))``; a ``typedef struct {...} T``
    is named ``T``."""
    from soff.ir.core import Kernel, Module
    from soff.ir.parser import parse_type

    types: list[Type] = []
    if isinstance(design_or_kernel, Kernel):
        types = [a.type for a in design_or_kernel.args]
    elif isinstance(design_or_kernel, Module):
        types = [a.type for k in design_or_kernel.kernels for a in k.args]
    else:  # a Design: its KernelInfo holds the pointee types as text
        for a in design_or_kernel.kernel.args:
            types.append(parse_type(a.type))
    t = find_struct(types, name)
    if t is None:
        raise KeyError(f"no struct or union named '{name}' among the kernel's arguments")
    return numpy_dtype(t)


def pointee_size(type_text: str) -> int | None:
    """The size of a struct or union pointee type given as IR text (None otherwise)."""
    if not type_text.startswith(("struct.", "union.")):
        return None
    from soff.ir.parser import parse_type

    return parse_type(type_text).size
