"""A seeded random OpenCL C kernel generator (Csmith/YARPGen-style) for differential testing.

Every generated program is free of undefined behaviour by construction:

- arithmetic that could overflow (``+ - *``, unary ``-``) is done in a wide unsigned
  type (``uint`` or ``ulong``) and converted back, so it wraps and never overflows;
- shift amounts are masked below the width of the promoted left operand; shifts
  of signed values are done on the unsigned bits (left) or the promoted signed
  value (right, which OpenCL defines as arithmetic);
- division and remainder go through ``safe_div_T``/``safe_rem_T`` helpers that
  avoid a zero divisor and ``MIN / -1``;
- buffer indices are masked to the (power-of-two) buffer length;
- loops have constant trip bounds, their counters are only changed in the header;
- each work-item writes only its own output slots (``out[gid * S + j]``), so
  there are no races, and every access is in bounds;
- builtins get operands in their defined domain (``clamp`` with ``lo <= hi``,
  ``mul24``/``mad24`` with 24-bit operands).

The output is formatted one statement per line, with a block's header line
ending in ``{`` and its closing ``}`` on its own line, so that the line-based
reducer in :mod:`soff.testing.reduce` can remove and unwrap whole statements.

To extend the generator (floats, vectors, ``__local`` memory, ...), add a type to
:data:`INT_TYPES` (or a new table), an expression form to
:meth:`Generator.expr`, or a statement form to :meth:`Generator.stmt`, behind a
flag in :class:`Features` so that the hardware-supported subset stays the default.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class IntType:
    name: str
    bits: int
    signed: bool

    @property
    def unsigned(self) -> IntType:
        return UNSIGNED_OF[self.bits]

    @property
    def wide(self) -> IntType:
        """The unsigned type arithmetic on this type is done in (no signed overflow)."""
        return ULONG if self.bits == 64 else UINT

    @property
    def promoted_bits(self) -> int:
        return 64 if self.bits == 64 else 32

    @property
    def min(self) -> int:
        return -(1 << (self.bits - 1)) if self.signed else 0

    @property
    def max(self) -> int:
        return (1 << (self.bits - 1)) - 1 if self.signed else (1 << self.bits) - 1

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(f"{'i' if self.signed else 'u'}{self.bits // 8}")

    def literal(self, v: int) -> str:
        """A C expression of this type with value ``v`` (in range)."""
        if self.bits == 64:
            if self.signed:
                if v == self.min:
                    return "(long)(-9223372036854775807L - 1L)"
                return f"{v}L" if v >= 0 else f"(-{-v}L)"
            return f"{v}UL"
        if self.name == "int":
            if v == self.min:
                return "(-2147483647 - 1)"
            return f"{v}" if v >= 0 else f"(-{-v})"
        if self.name == "uint":
            return f"{v}u"
        return f"(({self.name}){v})" if v >= 0 else f"(({self.name})(-{-v}))"


CHAR = IntType("char", 8, True)
UCHAR = IntType("uchar", 8, False)
SHORT = IntType("short", 16, True)
USHORT = IntType("ushort", 16, False)
INT = IntType("int", 32, True)
UINT = IntType("uint", 32, False)
LONG = IntType("long", 64, True)
ULONG = IntType("ulong", 64, False)
SIZE_T = IntType("size_t", 64, False)
INT_TYPES = [CHAR, UCHAR, SHORT, USHORT, INT, UINT, LONG, ULONG]
UNSIGNED_OF = {8: UCHAR, 16: USHORT, 32: UINT, 64: ULONG}
SIGNED_OF = {8: CHAR, 16: SHORT, 32: INT, 64: LONG}


@dataclass
class Features:
    """What the generator may use (the defaults: what the hardware supports today)."""

    builtins: bool = True
    switch: bool = True
    helpers: bool = True
    early_return: bool = True
    two_d: bool = True
    while_loops: bool = True
    # Loop conditions with &&, ||, ?: or inlined calls (the generator's while/do
    # loops use 'c++ < n && cond'). Off works around the front-end bug in
    # tests/regressions/frontend_loop_cond_logical.cl (a loop condition that
    # makes blocks breaks SSA after the loop) so that fuzzing reaches the hardware.
    loop_cond_logic: bool = True
    # Probability of a 4x larger 1-D NDRange (more work-items in flight than a
    # loop admits, more work-groups). Drawn from a separate random stream, so
    # it changes the sizes but never the program text of a seed.
    big_ndrange: float = 0.3
    # Read the work-item's own output slots in expressions (store-to-load order).
    read_outputs: bool = True
    # Not supported by the hardware yet; leave off for hardware fuzzing.
    popcount_clz: bool = False


@dataclass
class BufferSpec:
    name: str
    type: IntType
    length: int
    output: bool


@dataclass
class ScalarSpec:
    name: str
    type: IntType
    value: int


@dataclass
class Program:
    """A generated kernel with everything needed to run it."""

    seed: int
    source: str
    kernel: str
    global_size: tuple[int, ...]
    local_size: tuple[int, ...]
    buffers: list[BufferSpec]
    scalars: list[ScalarSpec]
    data_seed: int

    def make_args(self) -> dict[str, Any]:
        """Fresh argument values (buffers filled from ``data_seed``, biased to corner values)."""
        rng = np.random.default_rng(self.data_seed)
        args: dict[str, Any] = {}
        for b in self.buffers:
            args[b.name] = interesting_array(rng, b.type, b.length)
        for s in self.scalars:
            args[s.name] = s.value
        return args

    def to_json(self, args: dict[str, Any] | None = None) -> dict[str, Any]:
        args = self.make_args() if args is None else args
        return {
            "seed": self.seed,
            "kernel": self.kernel,
            "global_size": list(self.global_size),
            "local_size": list(self.local_size),
            "args": {
                name: (
                    {"dtype": str(v.dtype), "data": [int(x) for x in v.tolist()]}
                    if isinstance(v, np.ndarray)
                    else int(v)
                )
                for name, v in args.items()
            },
        }


def args_from_json(spec: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, v in spec["args"].items():
        if isinstance(v, dict):
            out[name] = np.array(v["data"], dtype=np.dtype(v["dtype"]))
        else:
            out[name] = int(v)
    return out


def interesting_value(rng: random.Random | np.random.Generator, t: IntType) -> int:
    r = rng.random()
    if r < 0.35:
        special = [0, 1, 2, 3, 7, 8, 15, 16, 31, 32, 63, t.max, t.max - 1, t.min, t.min + 1]
        if t.signed:
            special += [-1, -2, -8, -16]
        v = special[int(rng.random() * len(special))]
        return max(t.min, min(t.max, v))
    if r < 0.6:
        return int(rng.random() * 64) - (32 if t.signed else 0)
    return t.min + int(rng.random() * (t.max - t.min + 1)) % (t.max - t.min + 1)


def interesting_array(rng: np.random.Generator, t: IntType, n: int) -> np.ndarray:
    return np.array([interesting_value(rng, t) for _ in range(n)], dtype=object).astype(t.dtype)


@dataclass
class Var:
    name: str
    type: IntType
    readonly: bool = False


@dataclass
class Helper:
    name: str
    ret: IntType
    params: list[IntType]


@dataclass
class _Scope:
    vars: list[Var] = field(default_factory=list)


class Generator:
    """Generates one program from a seed. ``gen.program()`` is the entry point."""

    IN_LEN = 64  # power of two: input indices are masked with IN_LEN - 1
    # The hardware takes up to 256 loads and 256 stores per kernel (8-bit AXI IDs);
    # the front end may add a few (the final read-modify-writes). Kernels rarely
    # reach 30 loads, so this hardly ever binds (at 11, under the old limit of 16,
    # it cut 70% of the kernels short).
    MAX_LOADS = 64
    MAX_STORES = 64

    def __init__(self, seed: int, features: Features | None = None, size: int | None = None) -> None:
        self.seed = seed
        self.r = random.Random(seed)
        self.f = features or Features()
        self.size = size if size is not None else self.r.choice([1, 2, 2, 3])
        self.counter = 0
        self.safe_needed: set[tuple[str, IntType]] = set()
        self.helpers: list[Helper] = []
        self.lines: list[str] = []
        self.indent = 1
        self.scopes: list[_Scope] = []
        self.loop_depth = 0
        self.trip_product = 1
        self.in_helper = False
        self.stmt_budget = 0
        self.expr_depth_max = 3
        self.index_depth = 0
        self.n_loads = 0
        self.no_blocks = False
        self.n_stores = 0

    # ------------------------------------------------------------------ helpers
    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def emit(self, line: str) -> None:
        self.lines.append("    " * self.indent + line)

    def pick_type(self) -> IntType:
        return self.r.choice(INT_TYPES)

    def visible(self) -> list[Var]:
        return [v for s in self.scopes for v in s.vars]

    def declare(self, v: Var) -> None:
        self.scopes[-1].vars.append(v)

    def cast(self, t: IntType, e: str) -> str:
        return f"({t.name})({e})"

    # -------------------------------------------------------------- expressions
    def leaf(self, t: IntType) -> str:
        r = self.r.random()
        vs = self.visible()
        if r < 0.45 and vs:
            v = self.r.choice(vs)
            return v.name if v.type == t else self.cast(t, v.name)
        if (r < 0.6 and not self.in_helper and self.inputs and self.index_depth < 1
                and self.n_loads < self.MAX_LOADS):
            self.n_loads += 1
            b = self.r.choice(self.inputs)
            e = f"{b.name}[{self.index(b.length)}]"
            return e if b.type == t else self.cast(t, e)
        if (r < 0.64 and not self.in_helper and self.f.read_outputs and self.index_depth < 1
                and self.n_loads < self.MAX_LOADS):
            # a work-item's own output slot: orders loads after its earlier stores
            self.n_loads += 1
            b = self.r.choice(self.outputs)
            e = f"{b.name}[gid * {self.slots} + {self.r.randrange(self.slots)}]"
            return e if b.type == t else self.cast(t, e)
        if r < 0.7 and not self.in_helper:
            fn = self.r.choice(["get_global_id", "get_local_id", "get_group_id", "get_global_size",
                                "get_local_size", "get_num_groups"])
            dim = self.r.randrange(len(self.global_size))
            return self.cast(t, f"{fn}({dim})")
        return t.literal(interesting_value(self.r, t))

    def index(self, length: int) -> str:
        """An in-bounds index into a buffer of power-of-two ``length``."""
        if self.r.random() < 0.3:
            return f"(gid & {length - 1}u)" if self.r.random() < 0.5 else f"{self.r.randrange(length)}"
        self.index_depth += 1
        e = self.expr(self.pick_type(), 1)
        self.index_depth -= 1
        return f"((uint)({e}) & {length - 1}u)"

    def expr(self, t: IntType, depth: int | None = None) -> str:
        """An expression whose value has type ``t`` (as written, after any casts)."""
        if depth is None:
            depth = self.r.randint(1, self.expr_depth_max)
        if depth <= 0 or self.r.random() < 0.15:
            return self.leaf(t)
        d = depth - 1
        forms = [
            (self.e_arith, 5), (self.e_bitwise, 3), (self.e_shift, 2), (self.e_divrem, 1.5),
            (self.e_unary, 1.5), (self.e_cmp, 2), (self.e_logic, 1), (self.e_ternary, 1.5),
            (self.e_cast, 1.5),
        ]
        if self.f.builtins:
            forms.append((self.e_builtin, 2))
        if self.f.helpers and self.helpers:
            forms.append((self.e_call, 1))
        if self.no_blocks:  # no expression that lowers to several blocks
            forms = [(f, w) for f, w in forms
                     if f not in (self.e_logic, self.e_ternary, self.e_call, self.e_divrem)]
        fn = self.r.choices([f for f, _ in forms], [w for _, w in forms])[0]
        return fn(t, d)

    def e_arith(self, t: IntType, d: int) -> str:
        op = self.r.choice(["+", "-", "*"])
        w = t.wide
        a, b = self.expr(self.pick_type(), d), self.expr(self.pick_type(), d)
        return self.cast(t, f"({w.name})({a}) {op} ({w.name})({b})")

    def e_bitwise(self, t: IntType, d: int) -> str:
        op = self.r.choice(["&", "|", "^"])
        return self.cast(t, f"({self.expr(t, d)}) {op} ({self.expr(self.pick_type(), d)})")

    def e_shift(self, t: IntType, d: int) -> str:
        a = self.expr(t, d)
        amt = f"({self.expr(self.pick_type(), d)}) & {t.promoted_bits - 1}"
        if self.r.random() < 0.5 or not t.signed:
            # left shift of the unsigned bits: never overflows
            w = t.wide
            return self.cast(t, f"({w.name})({a}) << ({amt})")
        return self.cast(t, f"({a}) >> ({amt})")

    def e_divrem(self, t: IntType, d: int) -> str:
        op = self.r.choice(["div", "rem"])
        # operate in t's promoted type so the helper sees the C semantics exactly
        pt = t if t.bits >= 32 else (INT if self.r.random() < 0.5 else UINT)
        self.safe_needed.add((op, pt))
        return self.cast(t, f"safe_{op}_{pt.name}({self.expr(pt, d)}, {self.expr(self.pick_type(), d)})")

    def e_unary(self, t: IntType, d: int) -> str:
        k = self.r.choice(["-", "~", "!"])
        a = self.expr(self.pick_type(), d)
        if k == "-":
            return self.cast(t, f"-({t.wide.name})({a})")
        return self.cast(t, f"{k}({a})")

    def e_cmp(self, t: IntType, d: int) -> str:
        op = self.r.choice(["<", "<=", ">", ">=", "==", "!="])
        return self.cast(t, f"({self.expr(self.pick_type(), d)}) {op} ({self.expr(self.pick_type(), d)})")

    def e_logic(self, t: IntType, d: int) -> str:
        op = self.r.choice(["&&", "||"])
        return self.cast(t, f"({self.expr(self.pick_type(), d)}) {op} ({self.expr(self.pick_type(), d)})")

    def e_ternary(self, t: IntType, d: int) -> str:
        c = self.expr(self.pick_type(), d)
        return self.cast(t, f"({c}) ? ({self.expr(self.pick_type(), d)}) : ({self.expr(self.pick_type(), d)})")

    def e_cast(self, t: IntType, d: int) -> str:
        mid = self.pick_type()
        return self.cast(t, self.cast(mid, self.expr(self.pick_type(), d)))

    def e_builtin(self, t: IntType, d: int) -> str:
        names = ["min", "max", "abs", "clamp", "rotate", "hadd", "add_sat", "sub_sat", "mul_hi", "abs_diff"]
        if t.bits == 32:
            names += ["mul24", "mad24"]
        if self.f.popcount_clz:
            names += ["popcount", "clz"]
        n = self.r.choice(names)
        a = lambda: self.cast(t, self.expr(self.pick_type(), d))  # noqa: E731
        if n == "abs":
            return self.cast(t, f"abs({a()})")
        if n == "abs_diff":
            return self.cast(t, f"abs_diff({a()}, {a()})")
        if n == "clamp":
            lo, hi = sorted(interesting_value(self.r, t) for _ in range(2))
            return f"clamp({a()}, {t.literal(lo)}, {t.literal(hi)})"
        if n in ("popcount", "clz"):
            return f"{n}({a()})"
        if n in ("mul24", "mad24"):
            # operands must be 24-bit values (signed: within [-2^23, 2^23))
            mask = "0x7fffff" if t.signed else "0xffffffu"
            m = lambda: f"(({a()}) & {mask})"  # noqa: E731
            if n == "mul24":
                if t.signed:  # keep the product within 31 bits
                    return f"mul24(({a()}) & 0x7fff, ({a()}) & 0xffff)"
                return f"mul24({m()}, {m()})"
            if t.signed:  # the addition in mad24 must not overflow: keep it small
                return f"mad24({m()}, ({a()}) & 0xff, ({a()}) & 0xffff)"
            return f"mad24({m()}, {m()}, {a()})"
        return f"{n}({a()}, {a()})"

    def e_call(self, t: IntType, d: int) -> str:
        h = self.r.choice(self.helpers)
        args = ", ".join(self.cast(p, self.expr(self.pick_type(), max(d - 1, 0))) for p in h.params)
        e = f"{h.name}({args})"
        return e if h.ret == t else self.cast(t, e)

    def cond(self) -> str:
        return self.expr(self.pick_type(), self.r.randint(1, 2))

    # --------------------------------------------------------------- statements
    def block(self, n: int) -> None:
        self.scopes.append(_Scope())
        for _ in range(n):
            if self.stmt_budget <= 0:
                break
            self.stmt()
        self.scopes.pop()

    def assignable(self) -> list[Var]:
        return [v for v in self.visible() if not v.readonly]

    def stmt(self) -> None:
        self.stmt_budget -= 1
        depth = len(self.scopes)
        forms: list[tuple[Any, float]] = [(self.s_decl, 3), (self.s_assign, 4)]
        if not self.in_helper:
            forms.append((self.s_store, 2.5))
        if depth < 5:
            forms += [(self.s_if, 2), (self.s_for, 1.2)]
            if self.f.while_loops:
                forms.append((self.s_while, 0.6))
            if self.f.switch:
                forms.append((self.s_switch, 0.6))
        if self.loop_depth > 0:
            forms.append((self.s_break, 0.8))
        if self.f.early_return and (self.in_helper or self.r.random() < 0.3):
            forms.append((self.s_return, 0.3))
        fn = self.r.choices([f for f, _ in forms], [w for _, w in forms])[0]
        fn()

    def s_decl(self) -> None:
        t = self.pick_type()
        name = self.fresh("v")
        self.emit(f"{t.name} {name} = {self.expr(t)};")
        self.declare(Var(name, t))

    def s_assign(self) -> None:
        vs = self.assignable()
        if not vs:
            return self.s_decl()
        v = self.r.choice(vs)
        t = v.type
        r = self.r.random()
        if r < 0.3 and t.bits >= 32 and not t.signed:
            op = self.r.choice(["+=", "-=", "*=", "^=", "|=", "&="])
            self.emit(f"{v.name} {op} ({t.name})({self.expr(self.pick_type())});")
        elif r < 0.45:
            op = self.r.choice(["^=", "|=", "&="])
            self.emit(f"{v.name} {op} {self.expr(t)};")
        elif r < 0.55 and not t.signed:
            self.emit(f"{v.name}{self.r.choice(['++', '--'])};")
        else:
            self.emit(f"{v.name} = {self.expr(t)};")

    def s_store(self) -> None:
        if self.n_stores >= self.MAX_STORES or self.n_loads >= self.MAX_LOADS:
            return self.s_assign()
        self.n_stores += 1
        b = self.r.choice(self.outputs)
        slot = self.r.randrange(self.slots) if self.r.random() < 0.7 else (
            f"((uint)({self.expr(self.pick_type(), 1)}) & {self.slots - 1}u)")
        target = f"{b.name}[gid * {self.slots} + {slot}]"
        if self.r.random() < 0.25:
            # read-modify-write of the work-item's own slot
            self.n_loads += 1
            self.emit(f"{target} ^= {self.expr(b.type)};")
        else:
            self.emit(f"{target} = {self.expr(b.type)};")

    def s_if(self) -> None:
        self.emit(f"if ({self.cond()}) {{")
        self.indent += 1
        self.block(self.r.randint(1, 3))
        self.indent -= 1
        if self.r.random() < 0.5:
            self.emit("} else {")
            self.indent += 1
            self.block(self.r.randint(1, 3))
            self.indent -= 1
        self.emit("}")

    def _trip(self) -> int:
        limit = max(1, 48 // self.trip_product)
        return self.r.randint(1, min(6, limit))

    def s_for(self) -> None:
        n = self._trip()
        t = self.r.choice([INT, UINT, UCHAR, LONG, SHORT])
        i = self.fresh("i")
        bound = f"{n}"
        if self.r.random() < 0.3:
            # a data-dependent trip count, still at most n
            self.no_blocks = not self.f.loop_cond_logic
            bound = f"({t.name})((uint)({self.expr(self.pick_type(), 1)}) % {n + 1}u)"
            self.no_blocks = False
        self.emit(f"for ({t.name} {i} = 0; {i} < {bound}; {i}++) {{")
        self._loop_body(n, Var(i, t, readonly=True))
        self.emit("}")

    def s_while(self) -> None:
        n = self._trip()
        c = self.fresh("c")
        self.emit(f"int {c} = 0;")
        if not self.f.loop_cond_logic:
            # the same loops without a short-circuit in the condition
            if self.r.random() < 0.5:
                self.emit(f"while ({c}++ < {n}) {{")
                self.indent += 1
                self.emit(f"if (!({self.cond()})) break;")
                self.indent -= 1
                self._loop_body(n, None)
                self.emit("}")
            else:
                self.emit("do {")
                self._loop_body(n, None)
                self.indent += 1
                self.emit(f"if (!({self.cond()})) break;")
                self.indent -= 1
                self.emit(f"}} while (++{c} < {n});")
            return
        if self.r.random() < 0.5:
            self.emit(f"while ({c}++ < {n} && ({self.cond()})) {{")
            self._loop_body(n, None)
            self.emit("}")
        else:
            self.emit("do {")
            self._loop_body(n, None)
            self.emit(f"}} while (++{c} < {n} && ({self.cond()}));")

    def _loop_body(self, n: int, var: Var | None) -> None:
        self.indent += 1
        self.loop_depth += 1
        self.trip_product *= n
        self.scopes.append(_Scope([var] if var else []))
        self.block(self.r.randint(1, 4))
        self.scopes.pop()
        self.trip_product //= n
        self.loop_depth -= 1
        self.indent -= 1

    def s_break(self) -> None:
        self.emit(f"if ({self.cond()}) {self.r.choice(['break', 'continue'])};")

    def s_return(self) -> None:
        if self.in_helper:
            self.emit(f"if ({self.cond()}) return {self.expr(self.ret_type)};")
        else:
            self.emit(f"if ({self.cond()}) return;")

    def s_switch(self) -> None:
        self.emit(f"switch ((uint)({self.expr(self.pick_type(), 2)}) & 7u) {{")
        cases = sorted(self.r.sample(range(8), self.r.randint(1, 4)))
        saved_loop = self.loop_depth
        for k in cases:
            self.emit(f"case {k}: {{")
            self.indent += 1
            self.loop_depth = 0  # a 'break' here would leave the switch, not a loop: keep it simple
            self.block(self.r.randint(1, 2))
            self.loop_depth = saved_loop
            if self.r.random() < 0.75:
                self.emit("break;")
            self.indent -= 1
            self.emit("}")
        if self.r.random() < 0.6:
            self.emit("default: {")
            self.indent += 1
            self.block(1)
            self.indent -= 1
            self.emit("}")
        self.emit("}")

    # ----------------------------------------------------------------- program
    def helper(self) -> None:
        ret = self.pick_type()
        params = [self.pick_type() for _ in range(self.r.randint(1, 3))]
        name = self.fresh("h")
        self.in_helper = True
        self.ret_type = ret
        self.scopes = [_Scope([Var(f"p{k}", p) for k, p in enumerate(params)])]
        self.lines = []
        self.indent = 1
        self.stmt_budget = self.r.randint(2, 6)
        self.block(self.stmt_budget)
        self.emit(f"return {self.expr(ret)};")
        body = self.lines
        sig = ", ".join(f"{p.name} p{k}" for k, p in enumerate(params))
        self.helper_text.append("\n".join([f"{ret.name} {name}({sig}) {{", *body, "}"]))
        self.in_helper = False
        self.helpers.append(Helper(name, ret, params))

    def safe_text(self) -> list[str]:
        out = []
        for op, t in sorted(self.safe_needed, key=lambda x: (x[0], x[1].name)):
            c = "/" if op == "div" else "%"
            if t.signed:
                cond = f"b == 0 || (a == {t.literal(t.min)} && b == {t.literal(-1)})"
            else:
                cond = "b == 0"
            fallback = "a" if op == "div" else "0"
            out.append(
                f"{t.name} safe_{op}_{t.name}({t.name} a, {t.name} b) {{\n"
                f"    return ({cond}) ? {fallback} : (a {c} b);\n}}"
            )
        return out

    def program(self) -> Program:
        r = self.r
        # NDRange
        gsz: tuple[int, ...]
        lsz: tuple[int, ...]
        if self.f.two_d and r.random() < 0.3:
            gsz = r.choice([(8, 4), (4, 8), (16, 2), (8, 8)])
            lsz = (r.choice([d for d in (1, 2, 4, 8) if gsz[0] % d == 0]),
                   r.choice([d for d in (1, 2, 4) if gsz[1] % d == 0]))
        else:
            g = r.choice([16, 32, 48, 64])
            gsz = (g,)
            lsz = (r.choice([d for d in (4, 8, 16) if g % d == 0]),)
        if len(gsz) == 1 and random.Random(self.seed * 31 + 17).random() < self.f.big_ndrange:
            gsz = (gsz[0] * 4,)
            lsz = (lsz[0] * 2,)
        self.global_size, self.local_size = gsz, lsz
        n_items = int(np.prod(gsz))
        self.slots = r.choice([1, 2, 4])
        self.inputs = [BufferSpec(f"in{k}", self.pick_type(), self.IN_LEN, False)
                       for k in range(r.randint(1, 3))]
        self.outputs = [BufferSpec(f"out{k}", self.pick_type(), n_items * self.slots, True)
                        for k in range(r.randint(1, 2))]
        self.scalars = [ScalarSpec(f"s{k}", t, interesting_value(r, t))
                        for k in range(r.randint(0, 2)) for t in [self.pick_type()]]

        self.helper_text: list[str] = []
        if self.f.helpers:
            for _ in range(r.choice([0, 1, 1, 2])):
                self.helper()

        self.in_helper = False
        self.lines = []
        self.indent = 1
        params = [f"__global const {b.type.name} *{b.name}" for b in self.inputs]
        params += [f"__global {b.type.name} *{b.name}" for b in self.outputs]
        params += [f"{s.type.name} {s.name}" for s in self.scalars]
        if len(gsz) == 1:
            self.emit("size_t gid = get_global_id(0);")
        else:
            self.emit("size_t gid = get_global_id(1) * get_global_size(0) + get_global_id(0);")
        self.scopes = [_Scope([Var(s.name, s.type) for s in self.scalars])]
        self.block(0)
        self.scopes.append(_Scope())
        # a few values to start from
        for _ in range(r.randint(1, 3)):
            self.stmt_budget = 1
            self.s_decl()
        self.stmt_budget = 6 + 6 * self.size
        while self.stmt_budget > 0:
            self.stmt()
        # make the final values observable
        vs = [v for v in self.scopes[-1].vars]
        for b in self.outputs:
            if vs:
                v = r.choice(vs)
                self.emit(f"{b.name}[gid * {self.slots} + {self.slots - 1}] ^= ({b.type.name})({v.name});")
        self.scopes.pop()
        kernel = "\n".join([f"__kernel void fuzz({', '.join(params)}) {{", *self.lines, "}"])
        source = "\n\n".join([f"/* soff fuzz seed {self.seed} */", *self.safe_text(),
                              *self.helper_text, kernel]) + "\n"
        return Program(
            seed=self.seed, source=source, kernel="fuzz", global_size=gsz, local_size=lsz,
            buffers=self.inputs + self.outputs, scalars=self.scalars,
            data_seed=self.seed * 7919 + 1,
        )


def generate(seed: int, features: Features | None = None) -> Program:
    """The program for ``seed`` (deterministic)."""
    return Generator(seed, features).program()
