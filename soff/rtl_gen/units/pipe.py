"""A small builder for pipelined datapaths on top of :mod:`soff.rtl_gen.vast`.

A unit generator writes its logic once, as a sequence of named wires
(:meth:`Pipe.let`) separated by *cut points* (:meth:`Pipe.cut`) that say where
a pipeline register may go, each closing a segment with an estimated delay.
:meth:`Pipe.module` then places ``latency - 1`` registers on the cuts that
minimise the slowest stage (plus one output register), and inserts the delay
registers a value needs when it is used in a later stage. Every register
advances only when ``ce`` is high, so the whole unit stalls as one.

Values are :class:`V` (an expression and its width); the helpers below keep
operand widths equal so the output is clean under ``verilator -Wall``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from soff.rtl_gen.vast import (
    Always,
    Assign,
    BinOp,
    Const,
    Expr,
    If,
    Index,
    Int,
    Item,
    Module,
    NonBlocking,
    Port,
    Pragma,
    Ref,
    Reg,
    Repl,
    Slice,
    Stmt,
    Ternary,
    UnOp,
    Wire,
    cat,
)


@dataclass(frozen=True)
class V:
    """A Verilog expression of a known width (unsigned unless compared with ``lts``)."""

    e: Expr
    w: int

    def __getitem__(self, k: int | slice) -> V:
        if isinstance(k, slice):
            hi, lo = k.start, k.stop
            if not (self.w > hi >= lo >= 0):
                raise ValueError(f"part select [{hi}:{lo}] out of a {self.w}-bit value")
            if hi == self.w - 1 and lo == 0:
                return self
            self._check_ref()
            if hi == lo:
                return V(Index(self.e, hi), 1)
            return V(Slice(self.e, hi, lo), hi - lo + 1)
        if not 0 <= k < self.w:
            raise ValueError(f"bit {k} out of a {self.w}-bit value")
        if self.w == 1:
            return self
        self._check_ref()
        return V(Index(self.e, k), 1)

    def _check_ref(self) -> None:
        if not isinstance(self.e, Ref):
            raise ValueError("select bits of a named signal (Pipe.let it first)")

    @property
    def msb(self) -> V:
        return self[self.w - 1]


# --------------------------------------------------------------------------- value helpers


def const(value: int, w: int) -> V:
    return V(Const(value & ((1 << w) - 1), w), w)


def zeros(w: int) -> V:
    return const(0, w)


def ones(w: int) -> V:
    return const(-1, w)


def zext(x: V, w: int) -> V:
    if w < x.w:
        raise ValueError(f"cannot zero-extend {x.w} bits to {w}")
    if w == x.w:
        return x
    return V(cat(Const(0, w - x.w), x.e), w)


def sext(x: V, w: int) -> V:
    if w < x.w:
        raise ValueError(f"cannot sign-extend {x.w} bits to {w}")
    if w == x.w:
        return x
    return V(cat(Repl(Int(w - x.w), x.msb.e), x.e), w)


def catv(*xs: V) -> V:
    return V(cat(*(x.e for x in xs)), sum(x.w for x in xs))


def _pair(a: V, b: V, w: int | None) -> tuple[V, V, int]:
    w = max(a.w, b.w) if w is None else w
    return zext(a, w), zext(b, w), w


def add(a: V, b: V, w: int | None = None) -> V:
    a, b, w = _pair(a, b, w)
    return V(BinOp("+", a.e, b.e), w)


def sub(a: V, b: V, w: int | None = None) -> V:
    a, b, w = _pair(a, b, w)
    return V(BinOp("-", a.e, b.e), w)


def mul(a: V, b: V) -> V:
    w = a.w + b.w
    return V(BinOp("*", zext(a, w).e, zext(b, w).e), w)


def neg(a: V) -> V:
    return V(BinOp("-", Const(0, a.w), a.e), a.w)


def _cmp(op: str, a: V, b: V, signed: bool = False) -> V:
    if signed:
        w = max(a.w, b.w)
        a, b = sext(a, w), sext(b, w)
    else:
        a, b, _ = _pair(a, b, None)
    return V(BinOp(op, a.e, b.e, signed), 1)


def eq(a: V, b: V | int) -> V:
    return _cmp("==", a, const(b, a.w) if isinstance(b, int) else b)


def ne(a: V, b: V | int) -> V:
    return _cmp("!=", a, const(b, a.w) if isinstance(b, int) else b)


def ltu(a: V, b: V) -> V:
    return _cmp("<", a, b)


def geu(a: V, b: V) -> V:
    return _cmp(">=", a, b)


def lts(a: V, b: V) -> V:
    """Signed ``a < b`` (both sign-extended to the wider width)."""
    return _cmp("<", a, b, signed=True)


def mux(c: V, a: V, b: V) -> V:
    """``c ? a : b``."""
    if c.w != 1:
        raise ValueError("a mux condition is one bit")
    a, b, w = _pair(a, b, None)
    return V(Ternary(c.e, a.e, b.e), w)


def band(*xs: V) -> V:
    return _fold("&", xs)


def bor(*xs: V) -> V:
    return _fold("|", xs)


def bxor(*xs: V) -> V:
    return _fold("^", xs)


def _fold(op: str, xs: tuple[V, ...]) -> V:
    w = max(x.w for x in xs)
    out = zext(xs[0], w).e
    for x in xs[1:]:
        out = BinOp(op, out, zext(x, w).e)
    return V(out, w)


def bnot(x: V) -> V:
    return V(UnOp("~", x.e), x.w)


def red_or(x: V) -> V:
    return x if x.w == 1 else V(UnOp("|", x.e), 1)


def red_and(x: V) -> V:
    return x if x.w == 1 else V(UnOp("&", x.e), 1)


# --------------------------------------------------------------------------- the builder


@dataclass
class _Def:
    name: str
    w: int
    e: Expr
    stage: int


class Pipe:
    """Logical description of a pipelined unit; :meth:`module` turns it into Verilog."""

    def __init__(self) -> None:
        self.defs: list[_Def] = []
        self.ports: list[tuple[str, int]] = []
        self.stage_of: dict[str, int] = {}
        self.width_of: dict[str, int] = {}
        self.weights: list[float] = []
        self.stage = 0
        self.out: tuple[str, int] | None = None

    def input(self, name: str, w: int) -> V:
        self._claim(name, w, 0)
        self.ports.append((name, w))
        return V(Ref(name), w)

    def _claim(self, name: str, w: int, stage: int) -> None:
        if name in self.stage_of or name in ("clk", "ce", "y"):
            raise ValueError(f"signal '{name}' defined twice")
        if "_p" in name and name.rsplit("_p", 1)[1].isdigit():
            raise ValueError(f"signal name '{name}' is reserved for pipeline registers")
        self.stage_of[name] = stage
        self.width_of[name] = w

    def let(self, name: str, x: V) -> V:
        """A wire ``name`` computing ``x`` in the current segment."""
        base, n = name, 1
        while name in self.stage_of:
            n += 1
            name = f"{base}_{n}"
        self._claim(name, x.w, self.stage)
        self.defs.append(_Def(name, x.w, x.e, self.stage))
        return V(Ref(name), x.w)

    def cut(self, weight: float = 1.0) -> None:
        """Close the current segment (estimated delay ``weight``); a register may go here."""
        self.weights.append(weight)
        self.stage += 1

    def output(self, x: V, weight: float = 1.0) -> None:
        if self.out is not None:
            raise ValueError("a unit has one output")
        x = self.let("result", x)
        assert isinstance(x.e, Ref)
        self.weights.append(weight)
        self.out = (x.e.name, x.w)

    # ----------------------------------------------------------------------- placement

    def _choose_cuts(self, regs: int) -> set[int]:
        """Indices of the cuts that get a register: ``regs`` of them, minimising the
        heaviest stage (segments between chosen cuts)."""
        n = len(self.weights)  # segments; cuts are 0..n-2
        k = min(regs, n - 1)
        if k == n - 1:
            return set(range(n - 1))
        if k <= 0:
            return set()
        pre = [0.0]
        for w in self.weights:
            pre.append(pre[-1] + w)
        inf = float("inf")
        # best[j][i]: min over placements of j cuts in segments[0:i] of the max stage weight,
        # the last stage ending at segment i (exclusive)
        best = [[inf] * (n + 1) for _ in range(k + 1)]
        arg = [[-1] * (n + 1) for _ in range(k + 1)]
        for i in range(1, n + 1):
            best[0][i] = pre[i]
        for j in range(1, k + 1):
            for i in range(j + 1, n + 1):
                for m in range(j, i):
                    v = max(best[j - 1][m], pre[i] - pre[m])
                    if v < best[j][i]:
                        best[j][i] = v
                        arg[j][i] = m
        chosen: set[int] = set()
        i, j = n, k
        while j > 0:
            m = arg[j][i]
            chosen.add(m - 1)  # a register after segment m-1, i.e. cut index m-1
            i, j = m, j - 1
        return chosen

    def module(self, name: str, latency: int, comment: str | None = None) -> Module:
        if self.out is None:
            raise ValueError("the unit has no output")
        if latency < 1:
            raise ValueError(f"latency must be at least 1, not {latency}")
        chosen = self._choose_cuts(latency - 1)
        phys_of_stage: list[int] = []
        count = 0
        for s in range(len(self.weights)):
            phys_of_stage.append(count)
            if s in chosen:
                count += 1
        phys = {n: phys_of_stage[s] for n, s in self.stage_of.items()}
        regs: list[tuple[str, int, str]] = []
        delayed: dict[tuple[str, int], str] = {}

        def at(sig: str, ps: int) -> str:
            p0 = phys[sig]
            if ps == p0:
                return sig
            if ps < p0:
                raise AssertionError(f"'{sig}' used before it is computed")
            key = (sig, ps)
            if key not in delayed:
                prev = at(sig, ps - 1)
                rn = f"{sig}_p{ps}"
                regs.append((rn, self.width_of[sig], prev))
                delayed[key] = rn
            return delayed[key]

        def subst(e: Expr, ps: int) -> Expr:
            if isinstance(e, Ref):
                return Ref(at(e.name, ps)) if e.name in phys else e
            if isinstance(e, (Const, Int)):
                return e
            kw = {}
            for f in fields(e):  # type: ignore[arg-type]
                v = getattr(e, f.name)
                if isinstance(v, Expr):
                    v = subst(v, ps)
                elif isinstance(v, tuple):
                    v = tuple(subst(x, ps) if isinstance(x, Expr) else x for x in v)
                kw[f.name] = v
            return type(e)(**kw)

        assigns: list[Item] = []
        for d in self.defs:
            assigns.append(Assign(Ref(d.name), subst(d.e, phys[d.name])))
        out_name, out_w = self.out
        final = at(out_name, latency)
        assigns.append(Assign(Ref("y"), Ref(final)))

        decls: list[Item] = [Wire(d.name, d.w) for d in self.defs]
        decls += [Reg(rn, w) for rn, w, _ in regs]
        body: list[Stmt] = [NonBlocking(Ref(rn), Ref(src)) for rn, _, src in regs]
        items: list[Item] = [
            Pragma("verilator lint_off UNUSEDSIGNAL"),
            *decls,
            *assigns,
            Always([If(Ref("ce"), body)], comment="pipeline registers advance together"),
            Pragma("verilator lint_on UNUSEDSIGNAL"),
        ]
        ports = [Port("clk", "input"), Port("ce", "input")]
        ports += [Port(n, "input", w, lint_off=("UNUSEDSIGNAL",)) for n, w in self.ports]
        ports.append(Port("y", "output", out_w))
        return Module(name, [], ports, items, header_comment=comment)
