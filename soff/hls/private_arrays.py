"""Private arrays in hardware: one on-chip RAM slot per work-item of a work-group.

A private array (``alloca : ptr.private<T>``: an array, or a scalar whose
address is taken) belongs to one work-item, and many work-items are in the
datapath at once. Before scheduling, each becomes a ``__local`` array of
``capacity`` copies of ``T`` — an on-chip RAM — and each work-item uses the
copy at its linear local id. That is exact while one work-group at a time is
in the datapath, which a kernel with ``__local`` memory already guarantees
(``DatapathSchedule.group_serial``) and which the datapath then enforces for
this kernel too; ``capacity`` is the largest work-group it can run
(``reqd_work_group_size``, else :data:`DEFAULT_CAPACITY`), checked at launch.

As in C, a private array's elements are indeterminate until written (a slot
keeps what the previous work-item left); the IR interpreter zero-fills them.
"""

from __future__ import annotations

from soff.diagnostics import UnsupportedError
from soff.ir.core import Kernel, Op, Value
from soff.ir.types import U64, ArrayType, PtrType

DEFAULT_CAPACITY = 256  # work-items per work-group, without reqd_work_group_size
MAX_RAM_BYTES = 1 << 20  # per private array, all slots together


def group_capacity(kernel: Kernel) -> int:
    reqd = kernel.attrs.get("reqd_work_group_size")
    if isinstance(reqd, (list, tuple)) and len(reqd) == 3:
        return max(1, int(reqd[0]) * int(reqd[1]) * int(reqd[2]))
    return DEFAULT_CAPACITY


def _derived(kernel: Kernel, root: Op) -> list[Op]:
    """Pointer-typed ops computed from ``root`` (bitcasts, ptradds, selects, phis)."""
    uses = kernel.uses()
    out: list[Op] = []
    seen = {root}
    work: list[Value] = [root]
    while work:
        v = work.pop()
        for op in uses.get(v, []):
            if op in seen or not isinstance(op.type, PtrType) or v not in op.operands:
                continue
            if op.opcode in ("load", "store", "atomic"):
                continue
            seen.add(op)
            out.append(op)
            work.append(op)
    return out


def lower_private_arrays(kernel: Kernel) -> int:
    """Rewrite ``kernel``'s private allocas as per-work-item slots of ``__local``
    RAMs; returns the work-group capacity (0 when the kernel has none)."""
    allocas = [
        op
        for op in kernel.ops()
        if op.opcode == "alloca" and isinstance(op.type, PtrType) and op.type.space == "private"
    ]
    if not allocas:
        return 0
    cap = group_capacity(kernel)
    entry = kernel.entry
    loc = kernel.loc
    # the linear local id: lid0 + lsz0 * (lid1 + lsz1 * lid2), as u64
    ops: list[Op] = []

    def op(code: str, operands: list[Value], attrs: dict | None = None) -> Op:
        o = Op(code, operands, U64, attrs or {}, loc=loc)
        ops.append(o)
        return o

    lid = [op("local_id", [], {"dim": d}) for d in range(3)]
    lsz = [op("local_size", [], {"dim": d}) for d in range(2)]
    lin = op("add", [lid[1], op("mul", [lsz[1], lid[2]])])
    lin = op("add", [lid[0], op("mul", [lsz[0], lin])])
    for i, o in enumerate(ops):
        entry.insert(i, o)
    for a in allocas:
        t = a.type
        assert isinstance(t, PtrType)
        size = t.pointee.size
        if size * cap > MAX_RAM_BYTES:
            raise UnsupportedError(
                f"private array '{a.name or '?'}' of {size} bytes needs {size * cap} bytes of "
                f"on-chip RAM for {cap} work-items; more than {MAX_RAM_BYTES} is not supported "
                "(declare a smaller reqd_work_group_size)",
                a.loc,
            )
        derived = _derived(kernel, a)
        ram = Op("alloca", [], PtrType(ArrayType(t.pointee, cap), "local"), loc=a.loc, name=a.name)
        first = Op("bitcast", [ram], PtrType(t.pointee, "local"), loc=a.loc)
        mine = Op("ptradd", [first, lin], PtrType(t.pointee, "local"), loc=a.loc)
        block = a.parent
        assert block is not None
        at = block.ops.index(a)
        kernel.replace_all_uses(a, mine)
        block.remove(a)
        # the slot pointer needs ``lin``, which the entry block computes first
        if block is entry:
            at = max(at, entry.ops.index(lin) + 1)
        for k, new in enumerate((ram, first, mine)):
            block.insert(at + k, new)
        for d in derived:
            pt = d.type
            assert isinstance(pt, PtrType)
            d.type = PtrType(pt.pointee, "local")
    return cap
