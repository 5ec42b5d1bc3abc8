"""Which loops of a single-work-item kernel get their iterations pipelined.

soff's datapath pipelines work-items: a work-item carries its loop-carried
values around a loop, so one work-item's next iteration starts only when the
previous one has come back over the back edge. A kernel run by one work-item
(a plain C function, or an OpenCL kernel that never asks for its id) would
run its loops at one iteration per loop latency.

A loop whose iterations are independent can do better: a *fork* at its
header issues one iteration per cycle, each a token like a work-item that
carries the iteration's induction values and the loop-invariant values, and
a *join* on its back edges counts the iterations that come back; when the
loop condition fails and every issued iteration is back, the fork lets the
original work-item through the header to the loop's exit. The iterations
overlap as work-items do, so the loop runs at one iteration per cycle when
memory keeps up (II 1).

:func:`plan_loops` decides this per loop and says why when it does not:

- the kernel is single-work-item (the ``single_work_item`` attribute of C
  functions, or no ``get_global_id``/``get_local_id``/``get_group_id``),
  and no enclosing loop is already pipelined (then this one circulates the
  enclosing loop's iterations, as loops circulate work-items);
- the header holds only phis and one comparison feeding its branch, whose
  operands are the phis and loop-invariant values; every phi is an
  induction variable ``i = phi(init, i +/- step)`` with a uniform step (a
  constant or an argument) or an integer *reduction* ``acc = acc OP c``
  (``+ - * & | ^``, possibly under an if-converted condition) that nothing
  else in the loop reads: each iteration then starts ``acc`` from OP's
  identity and the join combines the contributions that come back, in any
  order (wrapping integer OP is associative and commutative), with the
  initial value when the work-item leaves. Any other phi (a float sum, a
  partial sum the loop reads) is a loop-carried scalar, a recurrence this
  leaves to the circulating datapath;
- the loop is left only from its header (no ``break`` or ``return``
  inside), has one entry edge, and no barrier;
- memory carries nothing from one iteration to another: the loop has no
  atomics and no ``__local``/private-array stores, and each global store
  goes through a pointer argument that is ``restrict`` (so no other pointer
  reaches what it writes) or is the loop's only global access path (no
  global load, no store through another non-``restrict`` pointer: ``y[i] =
  f(i)``); no load in the loop goes through that argument; the store writes
  an address that differs in every iteration (the pointer plus an index that
  is the induction variable, widened or offset by loop-invariant values),
  and several stores through one argument compute the same address (an
  if/else writing ``y[i]`` either way). Anything else may alias and keeps
  today's order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from soff.hls.analysis import pointer_args, pointer_base
from soff.ir.core import Arg, Block, Kernel, Op, Value
from soff.ir.types import IntType

if TYPE_CHECKING:
    from soff.hls.schedule.datapath import Edge, Loop

#: ops that give a work-item its identity: a kernel using none runs the same
#: work in every work-item, so it is single-work-item in effect
_ID_OPS = ("global_id", "local_id", "group_id")


@dataclass
class LoopPipeline:
    """The fork/join plan of one loop (``pipelined``), or why it has none."""

    pipelined: bool
    cause: str  # why the iterations are (not) pipelined, for the report
    cond: Op | None = None  # the header's comparison, evaluated by the fork
    #: header phi -> the op computing its next value (add/sub of the phi and a uniform step)
    steps: dict[Op, Op] = field(default_factory=dict)
    entry_edge: int = -1  # index of the one edge entering the loop
    #: a loop-carried scalar: (phi, the op producing its next value) for the report
    carried: tuple[Op, Op] | None = None
    #: inside a pipelined loop: it circulates that loop's iterations like work-items
    circulates: bool = False
    #: integer reductions: header phi -> the op ``acc OP c`` computing its next value
    #: (OP one of :data:`REDUCTIONS`; possibly under an if-converted select); the
    #: iterations start from the identity and the join combines what they bring back
    reductions: dict[Op, Op] = field(default_factory=dict)


#: reduction operations (associative and commutative on integers, wrapping) and the
#: operation the join combines contributions with (``acc - c``: each iteration
#: returns ``0 - c``, which the join adds)
REDUCTIONS = {"add": "add", "sub": "add", "mul": "mul", "and": "and", "or": "or", "xor": "xor"}


def reduction_identity(opcode: str, t: IntType) -> int:
    """The identity element of the join's combining operation for ``opcode``."""
    combine = REDUCTIONS[opcode]
    return t.wrap(-1) if combine == "and" else 1 if combine == "mul" else 0


def variable_name(v: Value) -> str:
    """The source variable a value is named after (``acc.2`` -> ``acc``)."""
    name = v.name or "?"
    return re.sub(r"(\.\d+)+$", "", name)


def single_work_item(kernel: Kernel) -> bool:
    if kernel.attrs.get("single_work_item"):
        return True
    return not any(op.opcode in _ID_OPS for op in kernel.ops())


def _where(op: Op) -> str:
    if op.loc is None:
        return op.opcode
    return f"{op.opcode} at line {op.loc.line}"


def _carried_source(v: Value, phi: Op, inside: set[Block]) -> Op | None:
    """The arithmetic op that produces a carried value (through selects and phis)."""
    seen: set[int] = set()
    stack = [v]
    while stack:
        x = stack.pop()
        if not isinstance(x, Op) or x is phi or id(x) in seen or x.parent not in inside:
            continue
        seen.add(id(x))
        if x.opcode in ("select", "phi"):
            stack.extend(reversed(x.operands[1:] if x.opcode == "select" else x.operands))
            continue
        return x
    return v if isinstance(v, Op) else None


def plan_loops(
    kernel: Kernel, loops: list[Loop], edges: list[Edge], barrier_blocks: set[int]
) -> list[LoopPipeline]:
    """One plan per loop of ``loops`` (outer loops come before the loops they hold)."""
    single = single_work_item(kernel)
    plans: list[LoopPipeline] = []
    for li, lp in enumerate(loops):
        enclosing = [j for j in range(li) if lp.blocks < loops[j].blocks and plans[j].pipelined]
        if not single:
            plan = LoopPipeline(
                False, "several work-items: they overlap in the loop instead of its iterations"
            )
        elif enclosing:
            plan = LoopPipeline(
                False,
                "it circulates the pipelined iterations of an enclosing loop",
                circulates=True,
            )
        else:
            plan = _plan(kernel, li, lp, edges, barrier_blocks)
        plans.append(plan)
    return plans


def _plan(
    kernel: Kernel, li: int, lp: Loop, edges: list[Edge], barrier_blocks: set[int]
) -> LoopPipeline:
    blocks = [kernel.blocks[i] for i in sorted(lp.blocks)]
    inside = set(blocks)
    header = kernel.blocks[lp.header]

    # (imported here: datapath imports this module)
    from soff.hls.schedule.datapath import is_local_access, is_uniform

    def invariant(v: Value) -> bool:
        return is_uniform(v) or not isinstance(v, Op) or v.parent not in inside

    def no(cause: str, carried: tuple[Op, Op] | None = None) -> LoopPipeline:
        return LoopPipeline(False, cause, carried=carried)

    # loop-carried scalars first: they are the usual reason
    steps: dict[Op, Op] = {}
    reductions: dict[Op, Op] = {}
    loop_ops = [op for b in blocks for op in b.ops]
    for phi in header.phis:
        nexts = {id(v): v for v, b in zip(phi.operands, phi.blocks, strict=True) if b in inside}
        nxt = next(iter(nexts.values())) if len(nexts) == 1 else None
        if (
            isinstance(nxt, Op)
            and isinstance(phi.type, IntType)
            and (
                (nxt.opcode == "add" and phi in nxt.operands)
                or (nxt.opcode == "sub" and nxt.operands[0] is phi)
            )
        ):
            other = [v for v in nxt.operands if v is not phi]
            if len(other) == 1 and (isinstance(other[0], Arg) or _is_const(other[0])):
                steps[phi] = nxt
                continue
        red = _is_reduction(phi, nxt, loop_ops, inside) if isinstance(nxt, Op) else None
        if red is not None:
            reductions[phi] = red
            continue
        src = _carried_source(nxt if nxt is not None else phi, phi, inside) or phi
        return no(
            f"loop-carried `{variable_name(phi)}` through {_where(src)}",
            (phi, src),
        )
    if any(i in barrier_blocks for i in lp.blocks):
        return no("a barrier in the loop")
    entering = [ei for ei, e in enumerate(edges) if li in e.enters]
    if len(entering) != 1:
        return no(f"{len(entering)} edges enter the loop (the fork takes one)")
    for e in edges:
        if li in e.exits and e.src != lp.header:
            b = kernel.blocks[e.src]
            return no(f"it is left from inside its body (^{b.name}: break or return)")
    # the header: phis, one comparison on phis and invariants, the branch
    term = header.terminator
    body_ops = [
        op for op in header.ops if op.opcode not in ("phi", "const") and not op.is_terminator
    ]
    if (
        term is None
        or term.opcode != "cbr"
        or len(body_ops) != 1
        or body_ops[0].opcode != "cmp"
        or term.operands[0] is not body_ops[0]
        or not all(v in steps or invariant(v) for v in body_ops[0].operands)
        or not all(isinstance(v.type, IntType) for v in body_ops[0].operands)
    ):
        return no("its header computes more than a comparison of induction variables")
    cond = body_ops[0]
    # memory: nothing may flow from one iteration to another
    ops = [op for b in blocks for op in b.ops]
    stored: dict[Value, tuple] = {}  # pointer argument -> the address its stores write
    noalias = set(kernel.attrs.get("noalias", []) or [])
    for op in ops:
        if op.opcode == "atomic":
            return no(f"{_where(op)}: atomics order iterations")
        if op.opcode != "store":
            continue
        if is_local_access(op):
            return no(f"{_where(op)} writes an on-chip array another iteration may read")
        base = pointer_base(op.operands[0])
        if not isinstance(base, Arg):
            return no(
                f"store at line {op.loc.line if op.loc else '?'} through a computed pointer "
                "may alias other accesses"
            )
        if base.name not in noalias:
            # without restrict, the store may reach what any other access does:
            # allowed only as the loop's one global access path (y[i] = f(i))
            loads = [
                m for m in ops if m.opcode == "load" and not is_local_access(m) and not _rom(m)
            ]
            others = [
                m
                for m in ops
                if m.opcode == "store"
                and not is_local_access(m)
                and pointer_base(m.operands[0]) is not base
                and not _restricted(m, noalias)
            ]
            if loads or others:
                return no(
                    f"store at line {op.loc.line if op.loc else '?'} through `{base.name}` may "
                    "alias other accesses (declare the pointer argument restrict)"
                )
        key = _address_key(op.operands[0], base, steps, invariant)
        if key is None:
            return no(
                f"store through `{base.name}` at line {op.loc.line if op.loc else '?'}: "
                "its address may repeat across iterations"
            )
        if stored.setdefault(base, key) != key:
            # y[i] and y[i + 1]: one iteration writes what the next one writes
            return no(f"two stores through `{base.name}` may write the same element")
    for op in ops:
        if op.opcode != "load" or not stored or is_local_access(op) or _rom(op):
            continue
        # through ptradd/bitcast/select/phi: `p = c ? y : x; ... p[i]` may read y
        bases = pointer_args(op.operands[0])
        if bases is None:
            return no(
                f"load at line {op.loc.line if op.loc else '?'} through a computed pointer "
                "may read what the loop stores"
            )
        for base in bases:
            if base in stored:
                return no(
                    f"`{base.name}` is read and written in the loop (line "
                    f"{op.loc.line if op.loc else '?'}): iterations may depend on each other"
                )
    reduced = (
        ", reduction "
        + ", ".join(f"`{variable_name(p)}`" for p in reductions)
        + " combined as iterations return"
        if reductions
        else ""
    )
    return LoopPipeline(
        True,
        "iterations pipelined: induction "
        + ", ".join(f"`{variable_name(p)}`" for p in steps)
        + f" issued one per cycle{reduced}, no loop-carried memory dependence",
        cond=cond,
        steps=steps,
        entry_edge=entering[0],
        reductions=reductions,
    )


def _is_reduction(phi: Op, nxt: Op, loop_ops: list[Op], inside: set[Block]) -> Op | None:
    """The op ``phi OP c`` if ``phi = phi(init, phi OP c)`` (or, if-converted,
    ``phi(init, select(k, phi OP c, phi))`` either way round) where nothing else in
    the loop reads ``phi`` or a partial result, so the iterations may compute their
    contributions independently and in any order (integer OP: exact); else None."""
    if not isinstance(phi.type, IntType) or nxt.type != phi.type or nxt.parent not in inside:
        return None
    red, sel = nxt, None
    if nxt.opcode == "select" and len(nxt.operands) == 3:
        _, t, f = nxt.operands
        other = f if t is phi else t if f is phi else None
        if not isinstance(other, Op) or other is phi or other.parent not in inside:
            return None
        red, sel = other, nxt
    if red.opcode not in REDUCTIONS or red.type != phi.type or len(red.operands) != 2:
        return None
    if red.operands.count(phi) != 1 or red.opcode == "sub" and red.operands[0] is not phi:
        return None  # c - acc alternates signs
    if sel is not None and phi in sel.operands[:1]:
        return None
    for op in loop_ops:
        if op is phi or op is red or op is sel:
            continue
        if phi in op.operands or red in op.operands or sel is not None and sel in op.operands:
            return None
    if sel is not None and sel.operands.count(red) != 1:
        return None
    if not all(v is nxt or b not in inside for v, b in zip(phi.operands, phi.blocks, strict=True)):
        return None
    return red


def _rom(op: Op) -> bool:
    base = pointer_base(op.operands[0])
    return isinstance(base, Op) and base.opcode == "rodata"


def _restricted(op: Op, noalias: set[str]) -> bool:
    base = pointer_base(op.operands[0])
    return isinstance(base, Arg) and base.name in noalias


def _is_const(v: Value) -> bool:
    return isinstance(v, Op) and v.opcode == "const"


def _vkey(v: Value) -> object:
    """A loop-invariant value for comparing addresses: constants by value."""
    if _is_const(v):
        assert isinstance(v, Op)
        return ("const", str(v.type), v.attrs.get("value"))
    return id(v)


def _address_key(addr: Value, base: Arg, steps: dict[Op, Op], invariant) -> tuple | None:
    """A key that is the same for two addresses computed alike, when ``addr`` is
    ``base`` plus an index injective in one induction variable with a non-zero
    step: the induction variable itself, widened, or plus/minus loop-invariant
    values (one ptradd, or a chain whose other offsets are invariant; no bitcasts,
    which could make elements overlap). None otherwise: the address may repeat."""
    # walk the ptradd chain: exactly one offset may vary, the rest must be invariant
    key: list[object] = []
    varying: list[Value] = []
    v = addr
    while isinstance(v, Op) and v.opcode in ("ptradd", "bitcast"):
        if v.opcode == "bitcast":
            return None  # a reinterpreted pointer: elements may overlap
        off = v.operands[1]
        if invariant(off):
            key.append(("offset", str(v.type), _vkey(off)))
        else:
            varying.append(off)
            key.append(("index", str(v.type)))
        v = v.operands[0]
    if v is not base or len(varying) != 1:
        return None
    idx = varying[0]
    while True:
        if idx in steps:
            step = [s for s in steps[idx].operands if s is not idx][0]  # type: ignore[index]
            if _is_const(step) and int(step.attrs.get("value", 0)) == 0:  # type: ignore[union-attr]
                return None
            return (*key, ("induction", id(idx)))
        if not isinstance(idx, Op):
            return None
        if idx.opcode == "cast" and isinstance(idx.type, IntType):
            src = idx.operands[0]
            if not isinstance(src.type, IntType) or src.type.bits > idx.type.bits:
                return None  # a truncation may repeat indices
            key.append(("cast", str(idx.type)))
            idx = src
        elif idx.opcode in ("add", "sub") and sum(not invariant(x) for x in idx.operands) == 1:
            if idx.opcode == "sub" and not invariant(idx.operands[1]):
                return None  # invariant - i: still injective, but keep it simple
            other = next(x for x in idx.operands if invariant(x))
            key.append((idx.opcode, str(idx.type), _vkey(other)))
            idx = next(x for x in idx.operands if not invariant(x))
        else:
            return None
