"""Checks that a kernel is well formed: CFG structure, phis, SSA dominance,
memory dependences and operand types (see docs/ir.md).

``verify_kernel`` raises :class:`VerifyError` at the first problem, located at
the offending op's source location and naming the op in the IR text form.
"""

from __future__ import annotations

from soff.diagnostics import CompileError, SourceLoc
from soff.ir.core import (
    ATOMIC_FLOAT_OPS,
    ATOMIC_OPS,
    BARRIER_FLAGS,
    CMP_PREDS,
    MATH_FUNCTIONS,
    MATH_INT_OPERAND,
    MATH_INT_RESULT,
    OPCODES,
    WORKITEM_OPS,
    Arg,
    Block,
    Kernel,
    Module,
    Op,
    Value,
)
from soff.ir.printer import Namer
from soff.ir.types import (
    BOOL,
    I32,
    U64,
    VOID,
    ArrayType,
    FloatType,
    IntType,
    PtrType,
    Type,
    VectorType,
)

__all__ = ["VerifyError", "verify_kernel", "verify_module", "dominators"]

ARITH_OPS = ("add", "sub", "mul", "div", "rem")  # integers or floats
BITWISE_OPS = ("and", "or", "xor", "shl", "shr")  # integers only


class VerifyError(CompileError):
    """The IR breaks an invariant the passes rely on."""


def dominators(kernel: Kernel) -> dict[Block, Block | None]:
    """Immediate dominators of the blocks reachable from the entry (entry maps to None).

    Cooper, Harvey and Kennedy's iterative algorithm over reverse postorder.
    """
    if not kernel.blocks:
        return {}
    entry = kernel.entry
    order: list[Block] = []
    seen = {entry}
    stack: list[tuple[Block, int]] = [(entry, 0)]
    while stack:  # iterative DFS for postorder
        b, i = stack.pop()
        succs = b.successors
        if i < len(succs):
            stack.append((b, i + 1))
            s = succs[i]
            if s not in seen and s.parent is kernel:
                seen.add(s)
                stack.append((s, 0))
        else:
            order.append(b)
    rpo = order[::-1]
    index = {b: i for i, b in enumerate(rpo)}
    preds: dict[Block, list[Block]] = {b: [] for b in rpo}
    for b in rpo:
        for s in b.successors:
            if s in preds and b not in preds[s]:
                preds[s].append(b)
    idom: dict[Block, Block] = {entry: entry}

    def intersect(a: Block, b: Block) -> Block:
        while a is not b:
            while index[a] > index[b]:
                a = idom[a]
            while index[b] > index[a]:
                b = idom[b]
        return a

    changed = True
    while changed:
        changed = False
        for b in rpo[1:]:
            new: Block | None = None
            for p in preds[b]:
                if p in idom:
                    new = p if new is None else intersect(p, new)
            if new is not None and idom.get(b) is not new:
                idom[b] = new
                changed = True
    out: dict[Block, Block | None] = {b: idom[b] for b in rpo}
    out[entry] = None
    return out


def _is_int(t: Type) -> bool:
    return isinstance(t, IntType) or (isinstance(t, VectorType) and isinstance(t.elem, IntType))


def _is_num(t: Type) -> bool:
    return (
        _is_int(t)
        or isinstance(t, FloatType)
        or (isinstance(t, VectorType) and isinstance(t.elem, FloatType))
    )


class _Verifier:
    def __init__(self, kernel: Kernel, barrier_order: bool = False) -> None:
        self.kernel = kernel
        self.barrier_order = barrier_order
        self._namer: Namer | None = None

    # -- messages --------------------------------------------------------
    @property
    def namer(self) -> Namer:
        if self._namer is None:
            self._namer = Namer(self.kernel)
        return self._namer

    def name(self, v: Value) -> str:
        if isinstance(v, Arg) or (isinstance(v, Op) and id(v) in self.namer.names):
            return self.namer.value(v)
        return f"<value {v.name or '?'} not in @{self.kernel.name}>"

    def describe(self, op: Op) -> str:
        if op.is_terminator:
            return f"'{op.opcode}'"
        return f"'{self.name(op)} = {op.opcode}'"

    def fail(self, op: Op | None, msg: str, block: Block | None = None) -> VerifyError:
        loc: SourceLoc | None = self.kernel.loc
        where = f"in @{self.kernel.name}"
        if block is not None:
            where += f", ^{block.name}"
        if op is not None:
            loc = op.loc or loc
            if op.parent is not None and block is None:
                where += f", ^{op.parent.name}"
            return VerifyError(f"{where}: {self.describe(op)}: {msg}", loc)
        return VerifyError(f"{where}: {msg}", loc)

    # -- checks ----------------------------------------------------------
    def run(self) -> None:
        k = self.kernel
        if not k.blocks:
            raise self.fail(None, "kernel has no blocks")
        self.check_structure()
        self.preds = k.predecessors()
        if self.preds[k.entry]:
            preds = ", ".join("^" + p.name for p in self.preds[k.entry])
            raise self.fail(None, f"entry block ^{k.entry.name} has predecessors ({preds})")
        self.check_phis()
        self.check_ssa()
        for op in k.ops():
            self.check_types(op)
        for b in k.blocks if self.barrier_order else []:
            if any(op.opcode == "barrier" for op in b.ops):
                self.check_barrier_order(b)

    def check_structure(self) -> None:
        k = self.kernel
        blocks = set()
        for b in k.blocks:
            if b in blocks:
                raise self.fail(None, f"block ^{b.name} appears twice in the kernel")
            blocks.add(b)
            if b.parent is not k:
                raise self.fail(None, f"block ^{b.name} has a different parent kernel")
        for b in k.blocks:
            if not b.ops:
                raise self.fail(None, "block is empty (it needs a terminator)", b)
            for op in b.ops[:-1]:
                if op.is_terminator:
                    raise self.fail(op, "terminator in the middle of the block", b)
            last = b.ops[-1]
            if not last.is_terminator:
                raise self.fail(last, "block does not end in a terminator (br, cbr or ret)", b)
            for op in b.ops:
                if op.opcode not in OPCODES:
                    raise self.fail(op, f"unknown opcode '{op.opcode}'")
                for t in op.blocks:
                    if t not in blocks:
                        raise self.fail(op, f"block ^{t.name} is not in this kernel")
                if op.blocks and not (op.is_terminator or op.opcode == "phi"):
                    raise self.fail(op, "only terminators and phis take blocks")
            n_blocks = {"br": 1, "cbr": 2, "ret": 0}[last.opcode]
            n_operands = {"br": 0, "cbr": 1, "ret": 0}[last.opcode]
            if len(last.blocks) != n_blocks:
                raise self.fail(last, f"expects {n_blocks} target block(s), got {len(last.blocks)}")
            if len(last.operands) != n_operands:
                raise self.fail(last, f"expects {n_operands} operand(s), got {len(last.operands)}")

    def check_phis(self) -> None:
        for b in self.kernel.blocks:
            in_head = True
            preds = self.preds[b]
            for op in b.ops:
                if op.opcode != "phi":
                    in_head = False
                    continue
                if not in_head:
                    raise self.fail(op, "phi after a non-phi op (phis must start the block)")
                if len(op.operands) != len(op.blocks):
                    raise self.fail(
                        op,
                        f"{len(op.operands)} incoming value(s) but {len(op.blocks)} block(s)",
                    )
                seen: set[Block] = set()
                for pb in op.blocks:
                    if pb in seen:
                        raise self.fail(op, f"predecessor ^{pb.name} listed twice")
                    seen.add(pb)
                    if pb not in preds:
                        raise self.fail(op, f"^{pb.name} is not a predecessor of ^{b.name}")
                missing = [p for p in preds if p not in seen]
                if missing:
                    names = ", ".join("^" + p.name for p in missing)
                    raise self.fail(op, f"no incoming value for predecessor(s) {names}")

    def check_ssa(self) -> None:
        k = self.kernel
        args = set()
        for a in k.args:
            if a in args:
                raise self.fail(None, f"argument %{a.name} appears twice")
            args.add(a)
        position: dict[Op, tuple[Block, int]] = {}
        for b in k.blocks:
            for i, op in enumerate(b.ops):
                if op in position:
                    raise self.fail(
                        op, "op is defined more than once (appears twice in the kernel)"
                    )
                if op.parent is not b:
                    raise self.fail(op, "op's parent is not the block that holds it", b)
                position[op] = (b, i)
        idom = dominators(k)

        def dominates(a: Block, b: Block) -> bool:
            if b not in idom:
                return True  # uses in unreachable code are not checked
            if a not in idom:
                return False
            node: Block | None = b
            while node is not None:
                if node is a:
                    return True
                node = idom[node]
            return False

        for b in k.blocks:
            for i, op in enumerate(b.ops):
                for j, v in enumerate(op.operands):
                    if isinstance(v, Arg):
                        if v not in args:
                            raise self.fail(op, f"operand {j} is an argument of another kernel")
                        continue
                    if not isinstance(v, Op) or v not in position:
                        raise self.fail(
                            op, f"operand {j} ({self.name(v)}) is not defined in this kernel"
                        )
                    if v.type == VOID:
                        raise self.fail(op, f"operand {j} ({self.name(v)}) has no value (void)")
                    db, di = position[v]
                    if op.opcode == "phi":
                        pred = op.blocks[j]
                        if not dominates(db, pred):
                            raise self.fail(
                                op,
                                f"incoming value {self.name(v)} does not dominate the end "
                                f"of predecessor ^{pred.name}",
                            )
                    elif db is b:
                        if di >= i:
                            raise self.fail(
                                op, f"operand {self.name(v)} is used before its definition"
                            )
                    elif not dominates(db, b):
                        raise self.fail(
                            op,
                            f"operand {self.name(v)} (defined in ^{db.name}) does not dominate this use",
                        )
                if op.deps:
                    if not op.info.memory:
                        raise self.fail(op, "only memory ops have after(...) dependences")
                    for d in op.deps:
                        if d not in position:
                            raise self.fail(op, "after(...) names an op that is not in this kernel")
                        if not d.info.memory:
                            raise self.fail(
                                op, f"after({self.name(d)}): {self.name(d)} is not a memory op"
                            )
                        db, di = position[d]
                        if db is not b:
                            raise self.fail(
                                op, f"after({self.name(d)}): {self.name(d)} is in another block"
                            )
                        if di >= i:
                            raise self.fail(
                                op, f"after({self.name(d)}): {self.name(d)} does not come earlier"
                            )

    def check_barrier_order(self, b: Block) -> None:
        """A barrier follows (through ``after`` chains) every earlier memory op of its
        block, and every later memory op of the block follows it."""
        before: dict[Op, set[Op]] = {}  # memory op -> the memory ops it follows, transitively
        barriers: list[Op] = []
        for op in b.ops:
            if not op.info.memory:
                continue
            seen: set[Op] = set()
            for d in op.deps:
                seen.add(d)
                seen |= before.get(d, set())
            before[op] = seen
            for bar in barriers:
                if bar not in seen:
                    raise self.fail(op, f"does not follow the earlier {self.describe(bar)}")
            if op.opcode == "barrier":
                for prev in before:
                    if prev is not op and prev not in seen:
                        raise self.fail(op, f"does not follow the earlier {self.describe(prev)}")
                barriers = [op]  # later ops following this one follow the earlier barriers

    def check_types(self, op: Op) -> None:
        oc, t, ops = op.opcode, op.type, op.operands
        types = [v.type for v in ops]

        def need(n: int | tuple[int, ...]) -> None:
            counts = (n,) if isinstance(n, int) else n
            if len(ops) not in counts:
                want = " or ".join(str(c) for c in counts)
                raise self.fail(op, f"expects {want} operand(s), got {len(ops)}")

        if op.is_terminator:
            if t != VOID:
                raise self.fail(op, f"terminator has type {t}, expected void")
            if oc == "cbr" and types[0] != BOOL:
                raise self.fail(op, f"condition has type {types[0]}, expected u1")
            return
        if oc in ARITH_OPS or oc in BITWISE_OPS:
            need(2)
            ok = _is_num(t) if oc in ARITH_OPS else _is_int(t)
            if not ok:
                kinds = "integer or float" if oc in ARITH_OPS else "integer"
                raise self.fail(op, f"result type {t} is not an {kinds} type")
            if types[0] != t or types[1] != t:
                raise self.fail(
                    op, f"operand types {types[0]} and {types[1]} do not match the result type {t}"
                )
        elif oc in ("neg", "not", "popcount", "clz"):
            need(1)
            if not (_is_num(t) if oc == "neg" else _is_int(t)):
                raise self.fail(op, f"result type {t} is not valid for '{oc}'")
            if types[0] != t:
                raise self.fail(op, f"operand type {types[0]} does not match the result type {t}")
        elif oc == "cmp":
            need(2)
            if types[0] != types[1]:
                raise self.fail(op, f"compares different types {types[0]} and {types[1]}")
            if t != BOOL:
                raise self.fail(op, f"result type is {t}, expected u1")
            if op.attrs.get("pred") not in CMP_PREDS:
                raise self.fail(
                    op,
                    f"pred attribute {op.attrs.get('pred')!r} is not one of {', '.join(CMP_PREDS)}",
                )
        elif oc == "math":
            fn = op.attrs.get("fn")
            if fn not in MATH_FUNCTIONS:
                raise self.fail(op, f"fn attribute {fn!r} is not a math function")
            need(MATH_FUNCTIONS[fn])
            ft = types[0] if fn in MATH_INT_RESULT else t
            if not isinstance(ft, FloatType):
                what = "operand" if ft is not t else "result"
                raise self.fail(op, f"{what} type {ft} is not a float type")
            if fn in MATH_INT_RESULT and t != I32:
                raise self.fail(op, f"result type is {t}, expected i32")
            for i, x in enumerate(types):
                if MATH_INT_OPERAND.get(fn) == i:
                    if x != I32:
                        raise self.fail(op, f"operand {i} has type {x}, expected i32")
                elif x != ft:
                    raise self.fail(op, f"operand type {x} does not match the result type {ft}")
        elif oc == "select":
            need(3)
            if types[0] != BOOL:
                raise self.fail(op, f"condition has type {types[0]}, expected u1")
            if types[1] != t or types[2] != t:
                raise self.fail(
                    op, f"arm types {types[1]} and {types[2]} do not match the result type {t}"
                )
        elif oc in ("cast", "bitcast"):
            need(1)
            if t == VOID or types[0] == VOID:
                raise self.fail(op, "cannot convert to or from void")
            if oc == "bitcast" and types[0].bits != t.bits:
                raise self.fail(op, f"bitcast between {types[0]} and {t} of different sizes")
        elif oc in WORKITEM_OPS:
            need(0)
            dim = op.attrs.get("dim")
            if not isinstance(dim, int) or isinstance(dim, bool) or not 0 <= dim <= 2:
                raise self.fail(op, f"dim attribute must be 0, 1 or 2, not {dim!r}")
            if t != U64:
                raise self.fail(op, f"result type is {t}, expected u64")
        elif oc == "const":
            need(0)
            if "value" not in op.attrs:
                raise self.fail(op, "const has no value attribute")
            if t == VOID:
                raise self.fail(op, "const has type void")
        elif oc == "barrier":
            need(0)
            if t != VOID:
                raise self.fail(op, f"barrier has type {t}, expected void")
            flags = op.attrs.get("flags")
            if (
                not isinstance(flags, list)
                or any(f not in BARRIER_FLAGS for f in flags)
                or len(set(flags)) != len(flags)
            ):
                raise self.fail(
                    op,
                    f"flags attribute {flags!r} must be a list of distinct "
                    f"{' and '.join(BARRIER_FLAGS)}",
                )
        elif oc in ("alloca", "rodata"):
            need(0)
            spaces = ("private", "local") if oc == "alloca" else ("constant",)
            if not (isinstance(t, PtrType) and t.space in spaces):
                want = " or ".join(f"ptr.{s}" for s in spaces)
                raise self.fail(op, f"result type {t} is not a {want}")
            if oc == "alloca" and op.parent is not self.kernel.entry:
                raise self.fail(op, "alloca outside the entry block")
            if oc == "rodata":
                data = op.attrs.get("data")
                leaf: Type = t.pointee
                count = 1
                while isinstance(leaf, ArrayType):
                    count *= leaf.count
                    leaf = leaf.elem
                if not isinstance(leaf, (IntType, FloatType)):
                    raise self.fail(op, f"rodata of type {t.pointee} (scalars or arrays of them)")
                if not isinstance(data, list) or not all(
                    isinstance(x, (int, float)) and not isinstance(x, bool) for x in data
                ):
                    raise self.fail(op, "data attribute must be a list of numbers")
                if len(data) > count:
                    raise self.fail(op, f"{len(data)} data values for {count} elements")
        elif oc == "printf":
            if not isinstance(op.attrs.get("format"), str):
                raise self.fail(op, "printf has no format attribute")
            if t != VOID:
                raise self.fail(op, f"printf has type {t}, expected void")
            if any(not isinstance(x, (IntType, FloatType)) for x in types):
                raise self.fail(op, "printf operands must be integers or floats")
        elif oc == "ptradd":
            need(2)
            if not isinstance(types[0], PtrType):
                raise self.fail(op, f"first operand has type {types[0]}, expected a pointer")
            if not isinstance(types[1], IntType):
                raise self.fail(op, f"index has type {types[1]}, expected an integer")
            if not isinstance(t, PtrType):
                raise self.fail(op, f"result type {t} is not a pointer")
        elif oc == "load":
            need((1, 2))
            p = types[0]
            if not isinstance(p, PtrType):
                raise self.fail(op, f"address has type {p}, expected a pointer")
            if p.pointee != t:
                raise self.fail(op, f"loads {t} through a pointer to {p.pointee}")
            if len(types) == 2 and types[1] != BOOL:
                raise self.fail(op, f"predicate has type {types[1]}, expected u1")
        elif oc == "store":
            need((2, 3))
            p = types[0]
            if not isinstance(p, PtrType):
                raise self.fail(op, f"address has type {p}, expected a pointer")
            if types[1] != p.pointee:
                raise self.fail(op, f"stores {types[1]} through a pointer to {p.pointee}")
            if len(types) == 3 and types[2] != BOOL:
                raise self.fail(op, f"predicate has type {types[2]}, expected u1")
            if t != VOID:
                raise self.fail(op, f"store has type {t}, expected void")
        elif oc == "atomic":
            self.check_atomic(op, types)
        elif oc == "phi":
            for v, vt in zip(ops, types, strict=True):
                if vt != t:
                    raise self.fail(
                        op, f"incoming value {self.name(v)} has type {vt}, expected {t}"
                    )

    def check_atomic(self, op: Op, types: list[Type]) -> None:
        kind = op.attrs.get("op")
        if kind not in ATOMIC_OPS:
            raise self.fail(op, f"op attribute {kind!r} is not an atomic operation")
        n = 1 + ATOMIC_OPS[kind]
        if len(types) not in (n, n + 1):
            raise self.fail(op, f"atomic {kind} expects {n} or {n + 1} operand(s), got {len(types)}")
        p, t = types[0], op.type
        if not isinstance(p, PtrType):
            raise self.fail(op, f"address has type {p}, expected a pointer")
        if p.space not in ("global", "local"):
            raise self.fail(op, f"atomic on {p.space} memory (only global and local)")
        if p.pointee != t:
            raise self.fail(op, f"result type {t} is not the pointee type {p.pointee}")
        floats_ok = kind in ATOMIC_FLOAT_OPS and isinstance(t, FloatType) and t.width in (32, 64)
        if not (floats_ok or (isinstance(t, IntType) and t.width in (32, 64))):
            raise self.fail(op, f"atomic {kind} on type {t}")
        for i, x in enumerate(types[1:n], 1):
            if x != t:
                raise self.fail(op, f"operand {i} has type {x}, expected {t}")
        if len(types) == n + 1 and types[n] != BOOL:
            raise self.fail(op, f"predicate has type {types[n]}, expected u1")


def verify_kernel(kernel: Kernel, barrier_order: bool = False) -> None:
    """Raise :class:`VerifyError` if ``kernel`` is not well formed.

    With ``barrier_order``, also check that each ``barrier`` follows every earlier
    memory op of its block through ``after`` chains and every later one follows
    it. Off by default: the front end guarantees it, but the hardware passes do
    not keep it yet (if-conversion re-chains only loads and stores), and the
    hardware back end rejects barriers anyway."""
    _Verifier(kernel, barrier_order).run()


def verify_module(module: Module, barrier_order: bool = False) -> None:
    """Verify every kernel of ``module``; kernel names must be unique."""
    names: set[str] = set()
    for k in module.kernels:
        if k.name in names:
            raise VerifyError(f"kernel @{k.name} is defined twice", k.loc)
        names.add(k.name)
        verify_kernel(k, barrier_order)
