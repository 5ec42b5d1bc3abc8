"""numpy views of the OpenCL layout of structs and unions (docs/ir.md,
"Structs and unions"): the host builds a buffer for a ``__global S *``
argument as a structured array of :func:`struct_dtype`, or as any array
holding the same bytes."""

from __future__ import annotations

from collections.abc import Mapping
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
    kernels: list[Kernel] = []
    if isinstance(design_or_kernel, Kernel):
        kernels = [design_or_kernel]
    elif isinstance(design_or_kernel, Module):
        kernels = design_or_kernel.kernels
    else:  # a Design: the front end's IR
        from soff.ir.parser import parse_kernel

        kernels = [parse_kernel(design_or_kernel.source_ir or design_or_kernel.ir)]
    for k in kernels:
        types += [a.type for a in k.args]
        # structs passed by value (flattened into their members' arguments)
        types += [parse_type(str(x).split(": ", 1)[1]) for x in k.attrs.get("struct_args", [])]
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


#: the hidden one-element buffer a C function compiled as a kernel returns its value
#: in (soff.frontend.cfunc; ``SimResult.return_value``)
RETURN_ARG = "__return"
#: the hidden uint argument ``get_work_dim()`` reads: the launch's dimension count,
#: filled in by the interpreter and ``Design.simulate`` (soff.frontend.lower)
WORK_DIM_ARG = "__work_dim"


def with_work_dim(names: list[str], args: Mapping[str, Any], global_size: Any) -> dict[str, Any]:
    """``args`` with :data:`WORK_DIM_ARG` set from ``global_size`` (an int: 1
    dimension; a sequence: its length) when the kernel has that argument."""
    out = dict(args)
    if WORK_DIM_ARG in names and WORK_DIM_ARG not in out:
        out[WORK_DIM_ARG] = 1 if isinstance(global_size, (int, np.integer)) else len(global_size)
    return out


def expand_struct_args(names: list[str], args: Mapping[str, Any]) -> dict[str, Any]:
    """``args`` with the value of each struct passed by value (a one-element
    structured array, a ``np.void`` or a dict, under the argument's name ``s``)
    spread over the kernel's flat arguments ``names`` (``s.x``, ``s.v.y``: see
    :func:`soff.frontend.structs.flat_args`); ``s_x`` is taken for ``s.x`` too."""
    out = dict(args)
    roots: set[str] = set()
    for name in names:
        if "." not in name or name in out:
            continue
        if name.replace(".", "_") in args:
            out[name] = out.pop(name.replace(".", "_"))
            continue
        root, *path = name.split(".")
        if root not in args:
            continue
        roots.add(root)
        out[name] = _member(args[root], root, path)
    for root in roots:
        del out[root]
    return out


def _member(value: Any, root: str, path: list[str]) -> Any:
    cur = value
    if isinstance(cur, np.ndarray) and cur.dtype.names is not None:
        if cur.size != 1:
            raise ValueError(
                f"struct argument '{root}' must be one struct (a one-element structured array), "
                f"not {cur.size}"
            )
        cur = cur.reshape(-1)[0]
    for comp in path:
        if isinstance(cur, dict):
            cur = cur[comp]
        elif getattr(cur, "dtype", None) is not None and cur.dtype.names is not None:
            if comp not in cur.dtype.names:
                raise ValueError(f"struct argument '{root}' has no field '{comp}'")
            cur = cur[comp]
        else:  # a vector lane
            lanes = "xyzw" if len(comp) == 1 else None
            idx = lanes.index(comp) if lanes else int(comp[1:], 16)
            cur = cur[idx]
    return cur.item() if isinstance(cur, np.generic) else cur
