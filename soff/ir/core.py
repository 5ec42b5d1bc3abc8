"""The IR: Module -> Kernel -> basic blocks -> SSA operations.

Each basic block is a dataflow graph of ops. Memory order inside a block is
explicit: a memory op lists the memory ops it must follow in ``deps``, so the
graph alone says what may run in parallel. Ordering across blocks follows the
control flow. Every op carries the source location it came from.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from soff.diagnostics import SourceLoc
from soff.ir.types import VOID, PtrType, Type


@dataclass(frozen=True)
class OpInfo:
    """Static facts about an opcode."""

    name: str
    terminator: bool = False
    memory: bool = False  # reads or writes memory; ordered through ``deps``
    side_effect: bool = False  # must not be removed even if unused
    commutative: bool = False


_INFOS = [
    OpInfo("const"),
    # integer and float arithmetic; signedness comes from the operand type
    OpInfo("add", commutative=True),
    OpInfo("sub"),
    OpInfo("mul", commutative=True),
    OpInfo("div"),
    OpInfo("rem"),
    OpInfo("and", commutative=True),
    OpInfo("or", commutative=True),
    OpInfo("xor", commutative=True),
    OpInfo("shl"),
    OpInfo("shr"),  # arithmetic for signed types, logical for unsigned
    OpInfo("neg"),
    OpInfo("not"),
    OpInfo("popcount"),  # number of set bits; result has the operand's type
    OpInfo("clz"),  # leading zero bits (the width for 0); result has the operand's type
    OpInfo("cmp"),  # attrs: pred in eq ne lt le gt ge; result is u1
    OpInfo("select"),  # select %cond, %if_true, %if_false
    OpInfo("math"),  # attrs: fn (see MATH_FUNCTIONS); float operands of the result type
    OpInfo("cast"),  # value conversion to the result type (C semantics)
    OpInfo("bitcast"),
    # work-item functions; attrs: dim
    OpInfo("global_id"),
    OpInfo("local_id"),
    OpInfo("group_id"),
    OpInfo("global_size"),
    OpInfo("local_size"),
    OpInfo("num_groups"),
    # memory
    # alloca : ptr.private<T>: a zero-filled private object of type T per work-item;
    # alloca : ptr.local<T>: a zero-filled __local object of type T per work-group
    # (entry block only); never merged or removed
    OpInfo("alloca", side_effect=True),
    OpInfo("rodata"),  # rodata {data} : ptr.constant<T>: read-only T holding data
    OpInfo("ptradd"),  # ptradd %p, %index: %p + index * sizeof(pointee)
    OpInfo("load", memory=True),  # load %p [, %pred]
    OpInfo("store", memory=True, side_effect=True),  # store %p, %value [, %pred]
    # atomic %p, %value... [, %pred] {op}: read-modify-write of *%p as one indivisible
    # step; the result is the old value (ATOMIC_OPS gives the value operands per op)
    OpInfo("atomic", memory=True, side_effect=True),
    # barrier {flags = [local, global]}: every work-item of the work-group waits here,
    # and the flagged memory is consistent across the group afterwards
    OpInfo("barrier", memory=True, side_effect=True),
    # printf %v... {format}: prints the values by the C format (the interpreter; the
    # hardware back end drops it with a warning: soff.hls.printf)
    OpInfo("printf", side_effect=True),
    # SSA and control flow
    OpInfo("phi"),  # phi %v0, %v1 ... with blocks [^pred0, ^pred1 ...]
    OpInfo("br", terminator=True, side_effect=True),
    OpInfo("cbr", terminator=True, side_effect=True),
    OpInfo("ret", terminator=True, side_effect=True),
]
OPCODES: dict[str, OpInfo] = {i.name: i for i in _INFOS}

WORKITEM_OPS = ("global_id", "local_id", "group_id", "global_size", "local_size", "num_groups")
#: memory a ``barrier``'s ``flags`` attribute may name
BARRIER_FLAGS = ("local", "global")
CMP_PREDS = ("eq", "ne", "lt", "le", "gt", "ge")
#: ``atomic`` operations -> number of value operands after the pointer (docs/ir.md):
#: new = old + v, old - v, v, min, max, &, |, ^, old + 1, old - 1,
#: (old >= v) ? 0 : old + 1, (old == 0 || old > v) ? v : old - 1,
#: (old == cmp) ? v : old for operands (%p, %v, %cmp)
ATOMIC_OPS = {
    "add": 1, "sub": 1, "xchg": 1, "min": 1, "max": 1, "and": 1, "or": 1, "xor": 1,
    "inc": 0, "dec": 0, "inc_wrap": 1, "dec_wrap": 1, "cmpxchg": 2,
}  # fmt: skip
#: ``atomic`` operations allowed on float types (f32/f64); the others take integers
ATOMIC_FLOAT_OPS = ("add", "xchg")
#: functions of the ``math`` op and their operand counts (docs/ir.md gives their meaning)
MATH_FUNCTIONS = {
    "fabs": 1, "sqrt": 1, "floor": 1, "ceil": 1, "trunc": 1, "round": 1, "rint": 1,
    "fmin": 2, "fmax": 2, "fma": 3,
    "exp": 1, "exp2": 1, "exp10": 1, "expm1": 1, "log": 1, "log2": 1, "log10": 1, "log1p": 1,
    "pow": 2, "pown": 2, "powr": 2, "rootn": 2, "rsqrt": 1, "cbrt": 1, "hypot": 2,
    "sin": 1, "cos": 1, "tan": 1, "asin": 1, "acos": 1, "atan": 1, "atan2": 2,
    "sinh": 1, "cosh": 1, "tanh": 1, "asinh": 1, "acosh": 1, "atanh": 1,
    "fmod": 2, "remainder": 2, "copysign": 2, "fdim": 2, "ldexp": 2, "logb": 1, "ilogb": 1,
}  # fmt: skip
#: math functions with an ``i32`` operand: fn -> its index (the others are of the result type)
MATH_INT_OPERAND = {"pown": 1, "rootn": 1, "ldexp": 1}
#: math functions whose result is ``i32`` (their operand is any float type)
MATH_INT_RESULT = frozenset({"ilogb"})


def predicate_index(op: Op) -> int | None:
    """The operand slot of a memory op's optional ``u1`` predicate (present when
    the op has that many operands plus one), or None for ops that take none."""
    if op.opcode == "load":
        return 1
    if op.opcode == "store":
        return 2
    if op.opcode == "atomic":
        return 1 + ATOMIC_OPS.get(str(op.attrs.get("op")), 0)
    return None


class Value:
    """Anything an op can use: a kernel argument or an op's result."""

    type: Type
    name: str | None

    def __init__(self, type: Type, name: str | None = None) -> None:
        self.type = type
        self.name = name


class Arg(Value):
    """A kernel argument. Pointer arguments carry their address space in the type."""

    def __init__(self, type: Type, name: str, index: int, loc: SourceLoc | None = None):
        super().__init__(type, name)
        self.index = index
        self.loc = loc

    @property
    def is_pointer(self) -> bool:
        return isinstance(self.type, PtrType)

    def __repr__(self) -> str:
        return f"Arg({self.name}: {self.type})"


class Op(Value):
    """One SSA operation. Its result (if ``type`` is not void) is the op itself."""

    def __init__(
        self,
        opcode: str,
        operands: list[Value] | None = None,
        type: Type = VOID,
        attrs: dict[str, Any] | None = None,
        blocks: list[Block] | None = None,
        deps: list[Op] | None = None,
        loc: SourceLoc | None = None,
        name: str | None = None,
    ) -> None:
        if opcode not in OPCODES:
            raise ValueError(f"unknown opcode '{opcode}'")
        super().__init__(type, name)
        self.opcode = opcode
        self.operands: list[Value] = list(operands or [])
        self.attrs: dict[str, Any] = dict(attrs or {})
        self.blocks: list[Block] = list(blocks or [])
        self.deps: list[Op] = list(deps or [])
        self.loc = loc
        self.parent: Block | None = None

    @property
    def info(self) -> OpInfo:
        return OPCODES[self.opcode]

    @property
    def is_terminator(self) -> bool:
        return self.info.terminator

    @property
    def has_result(self) -> bool:
        return self.type != VOID

    def replace_operand(self, old: Value, new: Value) -> None:
        self.operands = [new if v is old else v for v in self.operands]

    def __repr__(self) -> str:
        return f"Op({self.opcode} {self.name or ''}: {self.type})"


class Block:
    """A basic block: ops in order, the last one a terminator."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.ops: list[Op] = []
        self.parent: Kernel | None = None

    def append(self, op: Op) -> Op:
        op.parent = self
        self.ops.append(op)
        return op

    def insert(self, index: int, op: Op) -> Op:
        op.parent = self
        self.ops.insert(index, op)
        return op

    def remove(self, op: Op) -> None:
        self.ops.remove(op)
        op.parent = None

    @property
    def terminator(self) -> Op | None:
        if self.ops and self.ops[-1].is_terminator:
            return self.ops[-1]
        return None

    @property
    def successors(self) -> list[Block]:
        term = self.terminator
        return list(term.blocks) if term is not None else []

    @property
    def phis(self) -> list[Op]:
        return [op for op in self.ops if op.opcode == "phi"]

    def __repr__(self) -> str:
        return f"Block(^{self.name})"


@dataclass
class Kernel:
    """A kernel: typed arguments, attributes and a CFG whose first block is the entry."""

    name: str
    args: list[Arg] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)
    loc: SourceLoc | None = None

    @property
    def entry(self) -> Block:
        return self.blocks[0]

    def add_block(self, block: Block) -> Block:
        block.parent = self
        self.blocks.append(block)
        return block

    def ops(self) -> Iterator[Op]:
        for b in self.blocks:
            yield from b.ops

    def predecessors(self) -> dict[Block, list[Block]]:
        preds: dict[Block, list[Block]] = {b: [] for b in self.blocks}
        for b in self.blocks:
            for s in b.successors:
                if b not in preds[s]:
                    preds[s].append(b)
        return preds

    def uses(self) -> dict[Value, list[Op]]:
        """Map each value to the ops that use it (as an operand or a dependence)."""
        out: dict[Value, list[Op]] = {}
        for op in self.ops():
            for v in op.operands:
                out.setdefault(v, []).append(op)
            for d in op.deps:
                out.setdefault(d, []).append(op)
        return out

    def replace_all_uses(self, old: Value, new: Value) -> None:
        for op in self.ops():
            if any(v is old for v in op.operands):
                op.replace_operand(old, new)
            if isinstance(old, Op) and isinstance(new, Op):
                op.deps = [new if d is old else d for d in op.deps]


@dataclass
class Module:
    """A compilation unit: kernels (in source order)."""

    kernels: list[Kernel] = field(default_factory=list)
    source: str | None = None

    def kernel(self, name: str) -> Kernel:
        for k in self.kernels:
            if k.name == name:
                return k
        raise KeyError(name)
