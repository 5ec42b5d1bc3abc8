"""A small Verilog-2005 AST and its printer.

Every piece of generated Verilog is built from these nodes and printed by
:func:`print_verilog`, so the output is deterministic (same AST, same bytes)
and every compound subexpression is parenthesised (precedence never matters).
Widths are ``int`` or an :class:`Expr` (e.g. ``Ref("WIDTH")`` in a
parameterised module).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

INDENT = "  "


def clog2(n: int) -> int:
    """Ceiling log2, as Verilog's ``$clog2`` (``clog2(1) == 0``)."""
    if n < 1:
        raise ValueError(f"clog2 needs a positive integer, not {n}")
    return (n - 1).bit_length()


def index_bits(n: int) -> int:
    """Bits needed to index ``n`` things, at least 1 (a Verilog vector cannot be empty)."""
    return max(1, clog2(n))


# --------------------------------------------------------------------------- expressions


class Expr:
    """Base of all expressions. Arithmetic and bitwise operators build nodes."""

    def __add__(self, other: ExprLike) -> BinOp:
        return BinOp("+", self, as_expr(other))

    def __sub__(self, other: ExprLike) -> BinOp:
        return BinOp("-", self, as_expr(other))

    def __mul__(self, other: ExprLike) -> BinOp:
        return BinOp("*", self, as_expr(other))

    def __and__(self, other: ExprLike) -> BinOp:
        return BinOp("&", self, as_expr(other))

    def __or__(self, other: ExprLike) -> BinOp:
        return BinOp("|", self, as_expr(other))

    def __xor__(self, other: ExprLike) -> BinOp:
        return BinOp("^", self, as_expr(other))

    def __lshift__(self, other: ExprLike) -> BinOp:
        return BinOp("<<", self, as_expr(other))

    def __rshift__(self, other: ExprLike) -> BinOp:
        return BinOp(">>", self, as_expr(other))

    def __invert__(self) -> UnOp:
        return UnOp("~", self)

    def __getitem__(self, key: ExprLike | slice) -> Expr:
        if isinstance(key, slice):
            if key.step is not None or key.start is None or key.stop is None:
                raise ValueError("a part select is written x[hi:lo]")
            return Slice(self, key.start, key.stop)
        return Index(self, key)


ExprLike = Expr | int
Width = int | Expr


@dataclass(frozen=True, eq=True)
class Ref(Expr):
    """A reference to a signal, port or parameter by name."""

    name: str


@dataclass(frozen=True, eq=True)
class Const(Expr):
    """A sized constant; negative values are masked to ``width`` (two's complement)."""

    value: int
    width: int
    signed: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.value, int) or isinstance(self.value, bool):
            raise TypeError(f"constant value must be an int, not {type(self.value).__name__}")
        if self.width < 1:
            raise ValueError(f"constant width must be at least 1, not {self.width}")


@dataclass(frozen=True, eq=True)
class Int(Expr):
    """An unsized integer literal (for parameter values, loop bounds, replication counts)."""

    value: int


BINARY_OPS = frozenset("+ - * / % & | ^ << >> >>> <<< == != < <= > >= && ||".split())
UNARY_OPS = frozenset(["~", "!", "-", "&", "|", "^", "~&", "~|", "~^"])


@dataclass(frozen=True, eq=True)
class BinOp(Expr):
    """``a op b``; with ``signed=True`` both operands are wrapped in ``$signed()``
    (for ``<``, ``>>>`` and friends)."""

    op: str
    a: Expr
    b: Expr
    signed: bool = False

    def __post_init__(self) -> None:
        if self.op not in BINARY_OPS:
            raise ValueError(f"unknown binary operator '{self.op}'")


@dataclass(frozen=True, eq=True)
class UnOp(Expr):
    """``op a``: ``~ ! -`` and the reductions ``& | ^ ~& ~| ~^``."""

    op: str
    a: Expr

    def __post_init__(self) -> None:
        if self.op not in UNARY_OPS:
            raise ValueError(f"unknown unary operator '{self.op}'")


@dataclass(frozen=True, eq=True)
class Ternary(Expr):
    cond: Expr
    a: Expr
    b: Expr


@dataclass(frozen=True, eq=True)
class Concat(Expr):
    """``{parts[0], parts[1], ...}`` (most significant first)."""

    parts: tuple[Expr, ...]


@dataclass(frozen=True, eq=True)
class Repl(Expr):
    """``{count{x}}``."""

    count: Width
    x: Expr


@dataclass(frozen=True, eq=True)
class Index(Expr):
    """Bit select (or memory word select) ``x[idx]``."""

    x: Expr
    idx: ExprLike


@dataclass(frozen=True, eq=True)
class Slice(Expr):
    """Part select ``x[hi:lo]``."""

    x: Expr
    hi: ExprLike
    lo: ExprLike


@dataclass(frozen=True, eq=True)
class IndexedSlice(Expr):
    """Indexed part select ``x[base +: width]``."""

    x: Expr
    base: ExprLike
    width: int


@dataclass(frozen=True, eq=True)
class Signed(Expr):
    x: Expr


@dataclass(frozen=True, eq=True)
class Unsigned(Expr):
    x: Expr


@dataclass(frozen=True, eq=True)
class Call(Expr):
    """A system function call such as ``$clog2(DEPTH)``."""

    func: str
    args: tuple[Expr, ...]


def as_expr(x: ExprLike) -> Expr:
    """An ``int`` becomes an unsized :class:`Int`; expressions pass through."""
    if isinstance(x, Expr):
        return x
    if isinstance(x, bool) or not isinstance(x, int):
        raise TypeError(f"expected an expression or int, not {type(x).__name__}")
    return Int(x)


def cat(*parts: Expr) -> Concat:
    return Concat(tuple(parts))


def eq(a: Expr, b: ExprLike) -> BinOp:
    return BinOp("==", a, as_expr(b))


def ne(a: Expr, b: ExprLike) -> BinOp:
    return BinOp("!=", a, as_expr(b))


def lt(a: Expr, b: ExprLike, signed: bool = False) -> BinOp:
    return BinOp("<", a, as_expr(b), signed)


def land(*xs: Expr) -> Expr:
    """Logical and of one or more expressions."""
    return _fold("&&", xs)


def lor(*xs: Expr) -> Expr:
    """Logical or of one or more expressions."""
    return _fold("||", xs)


def lnot(x: Expr) -> UnOp:
    return UnOp("!", x)


def reduce_or(x: Expr) -> UnOp:
    return UnOp("|", x)


def reduce_and(x: Expr) -> UnOp:
    return UnOp("&", x)


def mux(cond: Expr, a: Expr, b: Expr) -> Ternary:
    return Ternary(cond, a, b)


def _fold(op: str, xs: Sequence[Expr]) -> Expr:
    if not xs:
        raise ValueError(f"'{op}' needs at least one operand")
    out = xs[0]
    for x in xs[1:]:
        out = BinOp(op, out, x)
    return out


# --------------------------------------------------------------------------- statements


@dataclass
class Stmt:
    """Base of procedural statements; ``comment`` prints as a ``//`` line above."""


@dataclass
class NonBlocking(Stmt):
    lhs: Expr
    rhs: Expr
    comment: str | None = None


@dataclass
class Blocking(Stmt):
    lhs: Expr
    rhs: Expr
    comment: str | None = None


@dataclass
class If(Stmt):
    cond: Expr
    then: list[Stmt]
    else_: list[Stmt] = field(default_factory=list)
    comment: str | None = None


@dataclass
class Case(Stmt):
    """``case (expr)``; each item is ``(labels, body)``; a ``default`` is always printed."""

    expr: Expr
    items: Sequence[tuple[Sequence[Expr], Sequence[Stmt]]]
    default: list[Stmt] = field(default_factory=list)
    comment: str | None = None


@dataclass
class For(Stmt):
    """``for (var = start; var < stop; var = var + 1)`` over an ``integer`` variable."""

    var: str
    start: int
    stop: int
    body: list[Stmt]
    comment: str | None = None


@dataclass
class StmtComment(Stmt):
    text: str


# --------------------------------------------------------------------------- module items


@dataclass
class Item:
    """Base of module items; ``comment`` prints as a ``//`` line above the item."""


@dataclass
class Wire(Item):
    name: str
    width: Width = 1
    signed: bool = False
    comment: str | None = None

    @property
    def ref(self) -> Ref:
        return Ref(self.name)


@dataclass
class Reg(Item):
    name: str
    width: Width = 1
    signed: bool = False
    comment: str | None = None

    @property
    def ref(self) -> Ref:
        return Ref(self.name)


@dataclass
class Integer(Item):
    """An ``integer`` variable (loop counters)."""

    name: str
    comment: str | None = None


@dataclass
class Memory(Item):
    """``reg [width-1:0] name [0:depth-1];``"""

    name: str
    width: Width
    depth: Width
    comment: str | None = None

    @property
    def ref(self) -> Ref:
        return Ref(self.name)


@dataclass
class LocalParam(Item):
    name: str
    value: ExprLike
    comment: str | None = None


@dataclass
class Assign(Item):
    lhs: Expr
    rhs: Expr
    comment: str | None = None


@dataclass
class Always(Item):
    """``always @(posedge clock)``."""

    body: list[Stmt]
    clock: str = "clk"
    comment: str | None = None


@dataclass
class AlwaysComb(Item):
    """``always @*``."""

    body: list[Stmt]
    comment: str | None = None


@dataclass
class Instance(Item):
    module: str
    name: str
    params: list[tuple[str, ExprLike]] = field(default_factory=list)
    ports: list[tuple[str, Expr | None]] = field(default_factory=list)
    comment: str | None = None


@dataclass
class Comment(Item):
    """A ``//`` comment line (multi-line text gives several lines)."""

    text: str


@dataclass
class Pragma(Item):
    """A raw block comment, e.g. ``Pragma("verilator lint_off UNUSED")``."""

    text: str


@dataclass
class Blank(Item):
    """An empty line, for readability."""


@dataclass
class Parameter:
    """A module parameter in the ``#(...)`` header."""

    name: str
    default: ExprLike


@dataclass
class Port:
    name: str
    direction: str  # "input" or "output"
    width: Width = 1
    signed: bool = False
    is_reg: bool = False  # "output reg": driven from an always block
    lint_off: tuple[str, ...] = ()  # Verilator warnings waived around this port only

    def __post_init__(self) -> None:
        if self.direction not in ("input", "output"):
            raise ValueError(
                f"port '{self.name}' direction must be input or output, not '{self.direction}'"
            )
        if self.is_reg and self.direction != "output":
            raise ValueError(f"port '{self.name}' is an input and cannot be a reg")

    @property
    def ref(self) -> Ref:
        return Ref(self.name)


@dataclass
class Module:
    name: str
    params: list[Parameter] = field(default_factory=list)
    ports: list[Port] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    header_comment: str | None = None

    def port(self, name: str) -> Port:
        for p in self.ports:
            if p.name == name:
                return p
        raise KeyError(f"module '{self.name}' has no port '{name}'")


# --------------------------------------------------------------------------- printer


def print_expr(e: ExprLike) -> str:
    """The Verilog text of an expression; compound subexpressions are parenthesised."""
    if isinstance(e, int) and not isinstance(e, bool):
        return str(e)
    if isinstance(e, Ref):
        return e.name
    if isinstance(e, Const):
        return _print_const(e)
    if isinstance(e, Int):
        return str(e.value)
    if isinstance(e, BinOp):
        a, b = _operand(e.a), _operand(e.b)
        if e.signed:
            a, b = f"$signed({print_expr(e.a)})", f"$signed({print_expr(e.b)})"
        return f"{a} {e.op} {b}"
    if isinstance(e, UnOp):
        return f"{e.op}{_operand(e.a)}"
    if isinstance(e, Ternary):
        return f"{_operand(e.cond)} ? {_operand(e.a)} : {_operand(e.b)}"
    if isinstance(e, Concat):
        return "{" + ", ".join(print_expr(p) for p in e.parts) + "}"
    if isinstance(e, Repl):
        return "{" + _operand(e.count) + "{" + print_expr(e.x) + "}}"
    if isinstance(e, Index):
        return f"{_operand(e.x)}[{print_expr(e.idx)}]"
    if isinstance(e, Slice):
        return f"{_operand(e.x)}[{print_expr(e.hi)}:{print_expr(e.lo)}]"
    if isinstance(e, IndexedSlice):
        return f"{_operand(e.x)}[{print_expr(e.base)} +: {e.width}]"
    if isinstance(e, Signed):
        return f"$signed({print_expr(e.x)})"
    if isinstance(e, Unsigned):
        return f"$unsigned({print_expr(e.x)})"
    if isinstance(e, Call):
        return f"{e.func}(" + ", ".join(print_expr(a) for a in e.args) + ")"
    raise TypeError(f"not a Verilog expression: {type(e).__name__}")


def _operand(e: ExprLike) -> str:
    """An operand of an operator: parenthesised unless atomic."""
    text = print_expr(e)
    if isinstance(e, (BinOp, UnOp, Ternary)):
        return f"({text})"
    if isinstance(e, Int) and e.value < 0:
        return f"({text})"
    if isinstance(e, int) and e < 0:
        return f"({text})"
    return text


def _print_const(c: Const) -> str:
    v = c.value & ((1 << c.width) - 1)
    s = "s" if c.signed else ""
    if c.width == 1:
        return f"1'{s}b{v}"
    if c.width > 32:
        return f"{c.width}'{s}h{v:x}"
    return f"{c.width}'{s}d{v}"


def _range(width: Width) -> str:
    """``[w-1:0] `` (with trailing space) or ``""`` for 1-bit."""
    if isinstance(width, int):
        if width < 1:
            raise ValueError(f"width must be at least 1, not {width}")
        return "" if width == 1 else f"[{width - 1}:0] "
    return f"[{_operand(width)}-1:0] "


def _comment_lines(text: str | None, ind: str) -> list[str]:
    if text is None:
        return []
    return [f"{ind}// {line}".rstrip() for line in text.splitlines()]


def _print_stmts(stmts: Sequence[Stmt], level: int) -> list[str]:
    out: list[str] = []
    for s in stmts:
        out.extend(_print_stmt(s, level))
    return out


def _block(stmts: Sequence[Stmt], level: int) -> list[str]:
    return _print_stmts(stmts, level + 1)


def _print_stmt(s: Stmt, level: int) -> list[str]:
    ind = INDENT * level
    if isinstance(s, StmtComment):
        return _comment_lines(s.text, ind)
    out = _comment_lines(getattr(s, "comment", None), ind)
    if isinstance(s, NonBlocking):
        out.append(f"{ind}{print_expr(s.lhs)} <= {print_expr(s.rhs)};")
    elif isinstance(s, Blocking):
        out.append(f"{ind}{print_expr(s.lhs)} = {print_expr(s.rhs)};")
    elif isinstance(s, If):
        out.append(f"{ind}if ({print_expr(s.cond)}) begin")
        out.extend(_block(s.then, level))
        els = s.else_
        while len(els) == 1 and isinstance(els[0], If) and els[0].comment is None:
            nested = els[0]
            out.append(f"{ind}end else if ({print_expr(nested.cond)}) begin")
            out.extend(_block(nested.then, level))
            els = nested.else_
        if els:
            out.append(f"{ind}end else begin")
            out.extend(_block(els, level))
        out.append(f"{ind}end")
    elif isinstance(s, Case):
        out.append(f"{ind}case ({print_expr(s.expr)})")
        for labels, body in s.items:
            lab = ", ".join(print_expr(x) for x in labels)
            out.append(f"{ind}{INDENT}{lab}: begin")
            out.extend(_block(body, level + 1))
            out.append(f"{ind}{INDENT}end")
        out.append(f"{ind}{INDENT}default: begin")
        out.extend(_block(s.default, level + 1))
        out.append(f"{ind}{INDENT}end")
        out.append(f"{ind}endcase")
    elif isinstance(s, For):
        v = s.var
        out.append(f"{ind}for ({v} = {s.start}; {v} < {s.stop}; {v} = {v} + 1) begin")
        out.extend(_block(s.body, level))
        out.append(f"{ind}end")
    else:
        raise TypeError(f"not a Verilog statement: {type(s).__name__}")
    return out


def _print_item(it: Item, level: int) -> list[str]:
    ind = INDENT * level
    if isinstance(it, Comment):
        return _comment_lines(it.text, ind)
    if isinstance(it, Pragma):
        return [f"{ind}/* {it.text} */"]
    if isinstance(it, Blank):
        return [""]
    out = _comment_lines(getattr(it, "comment", None), ind)
    if isinstance(it, Wire):
        sgn = "signed " if it.signed else ""
        out.append(f"{ind}wire {sgn}{_range(it.width)}{it.name};")
    elif isinstance(it, Reg):
        sgn = "signed " if it.signed else ""
        out.append(f"{ind}reg {sgn}{_range(it.width)}{it.name};")
    elif isinstance(it, Integer):
        out.append(f"{ind}integer {it.name};")
    elif isinstance(it, Memory):
        depth = it.depth
        last = str(depth - 1) if isinstance(depth, int) else f"{_operand(depth)}-1"
        out.append(f"{ind}reg {_range(it.width)}{it.name} [0:{last}];")
    elif isinstance(it, LocalParam):
        out.append(f"{ind}localparam {it.name} = {print_expr(it.value)};")
    elif isinstance(it, Assign):
        out.append(f"{ind}assign {print_expr(it.lhs)} = {print_expr(it.rhs)};")
    elif isinstance(it, Always):
        out.append(f"{ind}always @(posedge {it.clock}) begin")
        out.extend(_print_stmts(it.body, level + 1))
        out.append(f"{ind}end")
    elif isinstance(it, AlwaysComb):
        out.append(f"{ind}always @* begin")
        out.extend(_print_stmts(it.body, level + 1))
        out.append(f"{ind}end")
    elif isinstance(it, Instance):
        head = f"{ind}{it.module}"
        if it.params:
            ps = [f"{ind}{INDENT}.{n}({print_expr(v)})" for n, v in it.params]
            out.append(head + " #(")
            out.append(",\n".join(ps))
            head = f"{ind})"
        if it.ports:
            out.append(f"{head} {it.name} (")
            conns = [
                f"{ind}{INDENT}.{n}({'' if e is None else print_expr(e)})" for n, e in it.ports
            ]
            out.append(",\n".join(conns))
            out.append(f"{ind});")
        else:
            out.append(f"{head} {it.name} ();")
    else:
        raise TypeError(f"not a Verilog module item: {type(it).__name__}")
    return out


def _print_port(p: Port) -> str:
    kind = "reg" if p.is_reg else "wire"
    sgn = "signed " if p.signed else ""
    return f"{p.direction} {kind} {sgn}{_range(p.width)}{p.name}"


def print_module(m: Module) -> str:
    """One module's text (no ``default_nettype`` lines)."""
    lines = _comment_lines(m.header_comment, "")
    head = f"module {m.name}"
    if m.params:
        lines.append(head + " #(")
        ps = [f"{INDENT}parameter {p.name} = {print_expr(p.default)}" for p in m.params]
        lines.append(",\n".join(ps))
        head = ")"
    if m.ports:
        lines.append(head + " (")
        for i, p in enumerate(m.ports):
            sep = "," if i + 1 < len(m.ports) else ""
            lines += [f"{INDENT}/* verilator lint_off {w} */" for w in p.lint_off]
            lines.append(INDENT + _print_port(p) + sep)
            lines += [f"{INDENT}/* verilator lint_on {w} */" for w in p.lint_off]
        lines.append(");")
    else:
        lines.append(head + ";")
    for it in m.items:
        lines.extend(_print_item(it, 1))
    lines.append("endmodule")
    return "\n".join(lines) + "\n"


def print_verilog(modules: Sequence[Module]) -> str:
    """A complete Verilog-2005 file: the modules in the given order, between
    ``default_nettype none`` and ``default_nettype wire``."""
    names = [m.name for m in modules]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f"module defined more than once: {', '.join(dup)}")
    parts = ["`default_nettype none\n"]
    for m in modules:
        parts.append("\n" + print_module(m))
    parts.append("\n`default_nettype wire\n")
    return "".join(parts)
