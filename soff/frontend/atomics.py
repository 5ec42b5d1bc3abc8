"""Atomic built-ins lowered to the IR's ``atomic`` op (docs/ir.md).

OpenCL 1.1 ``atomic_*`` and the 1.0 extension names ``atom_*`` take a
``volatile __global`` or ``__local`` pointer to ``int`` or ``unsigned int``
(``atom_*``: also ``long``/``ulong``); ``atomic_xchg`` also takes ``float``.
:data:`CUDA_ATOMICS` maps the CUDA names onto the same lowering, with CUDA's
wrapping ``atomicInc``/``atomicDec`` (ops ``inc_wrap``/``dec_wrap``) and
``atomicAdd`` on ``float`` and ``double``; a CUDA front end calls :func:`lower_cuda_atomic`.
Each call is ordered like a store: after the last store and the loads since,
and later loads and stores follow it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from soff.diagnostics import CompileError, SourceLoc
from soff.frontend.vectors import cl_name
from soff.ir.core import ATOMIC_OPS, Value
from soff.ir.types import F32, F64, I32, I64, U32, U64, PtrType, Type

if TYPE_CHECKING:
    from soff.frontend.lower import _FunctionLowerer

__all__ = [
    "ATOMIC_BUILTINS",
    "CUDA_ATOMICS",
    "AtomicBuiltin",
    "emit_atomic",
    "is_atomic_builtin",
    "lower_atomic",
    "lower_cuda_atomic",
]


@dataclass(frozen=True)
class AtomicBuiltin:
    """One atomic built-in: the IR ``op``, the pointee types it accepts and
    whether its value arguments come in the order (compare, value)."""

    op: str
    types: tuple[Type, ...]
    compare_first: bool = False

    @property
    def nargs(self) -> int:
        return 1 + ATOMIC_OPS[self.op]


_INT32 = (I32, U32)
_INT = (I32, U32, I64, U64)
_OPENCL_OPS = {
    "add": "add", "sub": "sub", "xchg": "xchg", "min": "min", "max": "max",
    "and": "and", "or": "or", "xor": "xor", "inc": "inc", "dec": "dec", "cmpxchg": "cmpxchg",
}  # fmt: skip


def _opencl_table() -> dict[str, AtomicBuiltin]:
    table: dict[str, AtomicBuiltin] = {}
    for suffix, op in _OPENCL_OPS.items():
        cmp_first = op == "cmpxchg"
        table["atomic_" + suffix] = AtomicBuiltin(
            op, _INT32 + ((F32,) if op == "xchg" else ()), cmp_first
        )
        table["atom_" + suffix] = AtomicBuiltin(op, _INT, cmp_first)
    return table


#: OpenCL atomic built-in name -> its lowering
ATOMIC_BUILTINS: dict[str, AtomicBuiltin] = _opencl_table()

#: CUDA atomic function name -> its lowering (``atomicInc(p, limit)`` is
#: ``(old >= limit) ? 0 : old + 1``, ``atomicDec(p, limit)`` is
#: ``(old == 0 || old > limit) ? limit : old - 1``)
CUDA_ATOMICS: dict[str, AtomicBuiltin] = {
    "atomicAdd": AtomicBuiltin("add", _INT + (F32, F64)),
    "atomicSub": AtomicBuiltin("sub", _INT32),
    "atomicExch": AtomicBuiltin("xchg", _INT + (F32,)),
    "atomicMin": AtomicBuiltin("min", _INT),
    "atomicMax": AtomicBuiltin("max", _INT),
    "atomicAnd": AtomicBuiltin("and", _INT),
    "atomicOr": AtomicBuiltin("or", _INT),
    "atomicXor": AtomicBuiltin("xor", _INT),
    "atomicInc": AtomicBuiltin("inc_wrap", (U32,)),
    "atomicDec": AtomicBuiltin("dec_wrap", (U32,)),
    "atomicCAS": AtomicBuiltin("cmpxchg", (I32, U32, U64), compare_first=True),
}


def is_atomic_builtin(name: str) -> bool:
    return name in ATOMIC_BUILTINS


def lower_atomic(fn: _FunctionLowerer, name: str, arg_nodes: list[Any], loc: SourceLoc) -> Value:
    """Lower a call of OpenCL atomic built-in ``name`` (a key of :data:`ATOMIC_BUILTINS`)."""
    return _lower(fn, name, ATOMIC_BUILTINS[name], arg_nodes, loc)


def lower_cuda_atomic(
    fn: _FunctionLowerer, name: str, arg_nodes: list[Any], loc: SourceLoc
) -> Value:
    """Lower a call of CUDA atomic function ``name`` (a key of :data:`CUDA_ATOMICS`)."""
    return _lower(fn, name, CUDA_ATOMICS[name], arg_nodes, loc)


def _lower(
    fn: _FunctionLowerer, name: str, spec: AtomicBuiltin, arg_nodes: list[Any], loc: SourceLoc
) -> Value:
    if len(arg_nodes) != spec.nargs:
        word = "too many" if len(arg_nodes) > spec.nargs else "too few"
        raise CompileError(
            f"{word} arguments to function call '{name}', expected {spec.nargs}, "
            f"have {len(arg_nodes)}",
            loc,
        )
    ptr = fn.lower_expr(arg_nodes[0])
    values = [fn.lower_expr(a) for a in arg_nodes[1:]]
    if spec.compare_first:
        values.reverse()  # the IR takes (%p, %value, %compare)
    return emit_atomic(fn, name, spec, ptr, values, loc)


def emit_atomic(
    fn: _FunctionLowerer,
    name: str,
    spec: AtomicBuiltin,
    ptr: Value,
    values: list[Value],
    loc: SourceLoc,
) -> Value:
    """The ``atomic`` op for already lowered arguments (``values`` in IR order),
    ordered like a store in the current block."""
    pt = ptr.type
    if not isinstance(pt, PtrType):
        raise CompileError(
            f"the first argument of '{name}' must be a pointer, not {cl_name(pt)}", loc
        )
    if pt.space not in ("global", "local"):
        raise CompileError(
            f"'{name}' needs a pointer to __global or __local memory, not to {pt.space} memory",
            loc,
        )
    if pt.pointee not in spec.types:
        allowed = ", ".join(cl_name(t) for t in spec.types)
        raise CompileError(
            f"'{name}' is not defined on {cl_name(pt.pointee)} (it takes a pointer to {allowed})",
            loc,
        )
    t = pt.pointee
    values = [fn.convert(v, t, loc) for v in values]
    last_store, loads = fn.mem.get(fn.block, (None, []))
    deps = ([last_store] if last_store else []) + loads
    op = fn.b.op("atomic", [ptr, *values], t, {"op": spec.op}, deps=deps, loc=loc)
    fn.mem[fn.block] = (op, [])
    return op
