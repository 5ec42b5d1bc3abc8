"""The vectorised interpreter: numpy over the work-item axis.

It gives the results of :mod:`soff.ir.interp` (the reference, one Python
generator per work-item) many times faster, so that :func:`soff.ir.interp.run_kernel`
uses it by default (``vectorize=True``). Every SSA value is a numpy array with
one lane per active work-item, or a numpy scalar when it is the same for all
of them (constants, scalar arguments, sizes). Integers live in the numpy
integer type of their width (wider containers for odd widths, wrapped after
each op), ``f32`` stays ``float32``.

Control flow runs with masks: the work-items of a chunk of the NDRange each
have a program counter (a segment: a block, split after each barrier), and
the interpreter repeatedly runs the earliest segment in reverse post-order
for every work-item that is there. Divergent work-items therefore reconverge
at the join after an ``if``, and a loop runs until no work-item is left in
it. Values used outside the segment that made them are kept in full-length
arrays; phis take their values on the edge, per work-item.

A kernel with barriers or ``__local`` memory runs in chunks of whole
work-groups, every group of a chunk at once: ``__local`` memory is one
zero-filled object per group, and a barrier is released when all work-items
of every group that reached it are there. Anything else (work-items of a
group at different barriers, or returned while others wait) is left to the
reference interpreter, which reports the divergence the way it always has.

What it does not vectorise falls back to :mod:`soff.ir.interp` for the
whole launch, transparently: ``atomic`` ops, ``math`` functions without a
numpy version, odd bitcasts, loads of pointers, and barrier divergence.
Runtime errors (out-of-bounds or read-only accesses) are :class:`InterpError`
in the reference's words, naming the first failing work-item in the
reference's order among those executing the failing op.

Work-items of one launch see each other's global-memory writes at other
times than in the reference (all lanes run each op together, where the
reference runs work-items one after another): kernels where work-items
race on global memory (undefined behaviour in OpenCL) may differ.
"""

from __future__ import annotations

import functools
import heapq
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from soff.ir import interp
from soff.ir.core import MATH_FUNCTIONS, WORKITEM_OPS, Block, Kernel, Op, Value, predicate_index
from soff.ir.semantics import float_fma, math_eval
from soff.ir.types import FloatType, IntType, PtrType, Type
from soff.ir.verifier import verify_kernel

__all__ = ["run_kernel_fast", "NotVectorized", "CHUNK_ITEMS", "NUMPY_MATH"]

#: work-items run together at most (rounded to whole work-groups); bounds memory use
CHUNK_ITEMS = 1 << 17
#: bytes of private arrays per chunk at most (a chunk holds at least one work-group)
_PRIVATE_BUDGET = 1 << 26

_FLOAT_DTYPES = {16: np.float16, 32: np.float32, 64: np.float64}
#: order keys of grouped runs: group << 42 | barriers passed << 21 | local id
_PHASE_SHIFT, _GROUP_SHIFT = 21, 42


class _Fallback(Exception):
    """Raised where the vectorised interpreter leaves the launch to the reference."""


class NotVectorized(RuntimeError):
    """``run_kernel_fast(..., fallback=False)`` met something it leaves to the reference."""


def _container(t: IntType) -> Any:
    """The numpy integer type that holds ``t`` (its width, or the next wider one;
    ``object``, i.e. Python ints, beyond 64 bits)."""
    for bits in (8, 16, 32, 64):
        if t.width <= bits:
            return np.dtype(f"{'i' if t.signed and t.width > 1 else 'u'}{bits // 8}").type
    return object


def _pywrap(t: IntType) -> Callable[[Any], Any]:
    """Reduce Python ints (or an object array of them) to ``t``'s range."""
    m = (1 << t.width) - 1
    if not t.signed:
        return lambda x: _sc(np.bitwise_and(np.asarray(x, object), m))
    h = 1 << (t.width - 1)
    return lambda x: _sc(((np.asarray(x, object) + h) & m) - h)


_BYTE_BITS = np.array([bin(i).count("1") for i in range(256)], np.uint8)


def _popcount(x: np.ndarray) -> np.ndarray:
    """Set bits of unsigned integers (np.bitwise_count needs numpy 2)."""
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(x)
    b = np.ascontiguousarray(x).view(np.uint8).reshape(*x.shape, x.dtype.itemsize)
    return _BYTE_BITS[b].sum(axis=-1, dtype=np.uint8)


def _dtype(t: Type) -> Any:
    if isinstance(t, IntType):
        return _container(t)
    if isinstance(t, FloatType):
        return _FLOAT_DTYPES[t.width]
    raise _Fallback(f"values of type {t}")


def _sc(x: Any) -> Any:
    """A 0-d array as a numpy scalar (numpy returns those from ``where`` on scalars)."""
    return x[()] if isinstance(x, np.ndarray) and x.ndim == 0 else x


def _unsigned(dt: Any) -> Any:
    return np.dtype(dt).newbyteorder("=").str.replace("i", "u")


def _wrapper(t: IntType) -> Callable[[Any], Any]:
    """Reduce container values to ``t``'s range (identity for 8/16/32/64-bit types)."""
    dt = _container(t)
    if dt is object:
        return _pywrap(t)
    bits = np.dtype(dt).itemsize * 8
    if t.width == bits:
        return lambda x: x
    if t.width == 1 and t.signed:
        raise _Fallback("i1")
    if not t.signed or t.width == 1:
        mask = dt((1 << t.width) - 1)
        return lambda x: _sc(np.bitwise_and(x, mask, dtype=dt))
    ut = np.dtype(_unsigned(dt)).type
    s = ut(bits - t.width)
    ss = dt(bits - t.width)
    return lambda x: _sc((np.left_shift(np.asarray(x).astype(ut), s)).astype(dt) >> ss)


# -- memory ------------------------------------------------------------------


@dataclass
class _VBuf:
    """One memory object (or one per work-item / work-group) as bytes."""

    name: str
    kind: str  # for messages, as in the reference
    data: np.ndarray  # uint8
    size: int  # bytes of one object
    scope: str = "shared"  # "shared", "item" (private) or "group" (__local)
    readonly: bool = False
    views: dict[Any, np.ndarray] = field(default_factory=dict)
    tracked: bool = True  # the kernel may store to it: check for races (see _track)
    #: per cell of ``gran`` bytes, 1 + the order key of the last work-item that
    #: wrote it / the latest that read it (0: none); None until first used
    writer: np.ndarray | None = None
    reader: np.ndarray | None = None
    gran: int = 1

    def view(self, dt: Any) -> np.ndarray:
        v = self.views.get(dt)
        if v is None:
            isz = np.dtype(dt).itemsize
            v = self.data[: len(self.data) // isz * isz].view(dt)
            self.views[dt] = v
        return v


class _Ctx:
    """One chunk of work-items being run."""

    def __init__(self, n: int, ids: np.ndarray, gpos: np.ndarray, ndims: int) -> None:
        self.n = n
        self.ids = ids  # (9, n) uint64: global id, local id, group id, dims 0..2
        self.gpos = gpos  # each work-item's group, numbered within the chunk
        self.ndims = ndims
        self.arange = np.arange(n, dtype=np.int64)
        self.idx: np.ndarray | None = None  # the active work-items (None: all n)
        self.bufs: list[_VBuf] = []
        self.keys = np.zeros(n, np.int64)  # each work-item's place in the reference's order
        self.phase: np.ndarray | None = None  # barriers passed (grouped runs)

    def order_keys(self, items: np.ndarray) -> np.ndarray:
        """Where the reference interpreter runs these work-items' current step:
        launch order, or (group, barriers passed, local id) in grouped runs."""
        k = self.keys[items]
        if self.phase is not None:
            k = k + (self.phase[items] << np.int64(_PHASE_SHIFT))
        return k

    def lanes(self) -> np.ndarray:
        return self.arange if self.idx is None else self.idx

    def gid(self, lane: int) -> tuple[int, ...]:
        item = int(self.lanes()[lane])
        return tuple(int(self.ids[d, item]) for d in range(self.ndims))


def _gather(v: Any, idx: np.ndarray | None) -> Any:
    if idx is None:
        return v
    if isinstance(v, tuple):
        return (_gather(v[0], idx), _gather(v[1], idx))
    if isinstance(v, np.ndarray) and v.ndim:
        return np.take(v, idx)  # faster than v[idx]
    return v


def _select_lanes(v: Any, m: np.ndarray) -> Any:
    """The lanes of ``v`` where the boolean mask ``m`` holds."""
    if isinstance(v, tuple):
        return (_select_lanes(v[0], m), _select_lanes(v[1], m))
    if isinstance(v, np.ndarray) and v.ndim:
        return np.compress(m, v)  # faster than v[m]
    return v


def _scatter(
    store: list[Any], owned: set[int], slot: int, v: Any, idx: np.ndarray | None, n: int, dt: Any
) -> None:
    """Write ``v`` (the active lanes' values) into ``store[slot]`` (all n work-items).
    A full write keeps ``v`` itself; the first partial write after it copies
    (``owned`` holds the slots whose arrays are this store's own)."""
    if idx is None:
        store[slot] = v
        owned.discard(slot)
        return
    cur = store[slot]
    fresh = slot not in owned
    if dt is None:  # a pointer: (buffer index, byte offset)
        if not isinstance(cur, tuple):
            cur = (np.int64(-1), np.int64(0))
        parts = []
        for c, x in zip(cur, v, strict=True):
            if not (isinstance(c, np.ndarray) and c.ndim):
                if np.ndim(x) == 0 and x == c:
                    parts.append(c)
                    continue
                c = np.full(n, c, np.int64)
            elif fresh:
                c = c.copy()
            c[idx] = x
            parts.append(c)
        store[slot] = (parts[0], parts[1])
    else:
        if not (isinstance(cur, np.ndarray) and cur.ndim):
            cur = np.full(n, 0 if cur is None else cur, dt)
        elif fresh:
            cur = cur.copy()
        cur[idx] = v
        store[slot] = cur
    owned.add(slot)


# -- compiled program ------------------------------------------------------------


@dataclass
class _Seg:
    """A block, or the part of one after a barrier: the unit run under one mask."""

    block: Block
    ops: list[Op]
    end: Op | None  # the terminator, or the barrier that ends this segment
    first: bool  # starts its block
    code: list[tuple[int, Callable[[list[Any], _Ctx], Any]]] = field(default_factory=list)
    live_in: list[int] = field(default_factory=list)
    live_out: list[tuple[int, Any]] = field(default_factory=list)
    edges: dict[Block, list[tuple[int, int, Any]]] = field(default_factory=dict)


def _successors(b: Block) -> list[Block]:
    end = b.ops[-1] if b.ops else None
    return list(end.blocks) if end is not None and end.opcode in ("br", "cbr") else []


class _Program:
    """A kernel compiled into segments of vectorised op functions."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self.slot: dict[Value, int] = {}
        for a in kernel.args:
            self.slot[a] = len(self.slot)
        for op in kernel.ops():
            self.slot[op] = len(self.slot)
        self.uniform_ops: list[Op] = []  # const, rodata, alloca: set before the run
        self.barriers = False
        self.local_allocas: list[Op] = []
        self.private_allocas: list[Op] = []
        self.segs: list[_Seg] = []
        self.first_seg: dict[Block, int] = {}
        for b in self._order():
            self.first_seg[b] = len(self.segs)
            cur: list[Op] = []
            first = True
            for op in b.ops:
                oc = op.opcode
                if oc == "phi":
                    continue
                if oc in ("const", "rodata", "alloca") or oc in WORKITEM_OPS[3:]:
                    self.uniform_ops.append(op)
                    if oc == "alloca":
                        assert isinstance(op.type, PtrType)
                        if op.type.space == "local":
                            self.local_allocas.append(op)
                        else:
                            self.private_allocas.append(op)
                    continue
                if oc == "barrier":
                    self.barriers = True
                    self.segs.append(_Seg(b, cur, op, first))
                    cur, first = [], False
                    continue
                if oc in ("br", "cbr", "ret"):
                    self.segs.append(_Seg(b, cur, op, first))
                    cur = []
                    break
                cur.append(op)
        self.done = len(self.segs)
        self.stored = self._stored_objects()
        self._liveness()
        for seg in self.segs:
            seg.code = [(self.slot[op], self._op(op)) for op in seg.ops]

    def _stored_objects(self) -> set[Value] | None:
        """The arguments and allocas that stores may write (None: any of them)."""
        out: set[Value] = set()
        seen: set[Value] = set()
        todo = [op.operands[0] for op in self.kernel.ops() if op.opcode in ("store", "atomic")]
        while todo:
            v = todo.pop()
            if v in seen:
                continue
            seen.add(v)
            if not isinstance(v, Op) or v.opcode in ("alloca", "rodata"):
                out.add(v)
            elif v.opcode in ("ptradd", "bitcast", "cast"):
                todo.append(v.operands[0])
            elif v.opcode == "select":
                todo += v.operands[1:]
            elif v.opcode == "phi":
                todo += v.operands
            else:
                return None
        return out

    def _order(self) -> list[Block]:
        """The blocks in the order the scheduler prefers: reverse post-order with
        every loop kept together (its blocks before the blocks after it), so
        work-items that leave a loop early wait at its exit until the others
        come (plain reverse post-order can put an exit before the body, and a
        barrier after a loop would then see a part of the group). A block's key
        is the reverse post-order positions of the headers of the loops around
        it, outermost first, then its own; the order stays topological."""
        import networkx as nx

        rpo = self._rpo()
        index = {b: i for i, b in enumerate(rpo)}
        g = nx.DiGraph()
        g.add_nodes_from(rpo)
        for b in rpo:
            g.add_edges_from((b, t) for t in _successors(b))
        idom = nx.immediate_dominators(g, rpo[0])

        def dominates(h: Block, u: Block) -> bool:
            while True:
                if u is h:
                    return True
                if idom[u] is u:
                    return False
                u = idom[u]

        headers: dict[Block, set[Block]] = {b: set() for b in rpo}
        for u in rpo:
            for h in _successors(u):
                if index[h] <= index[u] and dominates(h, u):  # a back edge: a natural loop
                    body, todo = {h}, [u]
                    while todo:
                        x = todo.pop()
                        if x not in body:
                            body.add(x)
                            todo += g.predecessors(x)
                    for x in body:
                        headers[x].add(h)
        return sorted(rpo, key=lambda b: [*sorted(index[h] for h in headers[b]), index[b]])

    def _rpo(self) -> list[Block]:
        """Blocks reachable from the entry in reverse post-order."""
        seen: set[Block] = set()
        post: list[Block] = []
        entry = self.kernel.blocks[0]
        stack: list[tuple[Block, int]] = [(entry, 0)]
        seen.add(entry)
        while stack:
            b, i = stack.pop()
            succ = _successors(b)
            if i < len(succ):
                stack.append((b, i + 1))
                s = succ[i]
                if s not in seen:
                    seen.add(s)
                    stack.append((s, 0))
            else:
                post.append(b)
        return post[::-1]

    def _liveness(self) -> None:
        slot = self.slot
        uses: list[set[int]] = []
        defs: list[set[int]] = []
        for seg in self.segs:
            u: set[int] = set()
            d = {slot[op] for op in seg.ops}
            for op in seg.ops + ([seg.end] if seg.end is not None else []):
                u.update(slot[v] for v in op.operands)
            end = seg.end
            if end is not None and end.opcode in ("br", "cbr"):
                for tgt in end.blocks:
                    for phi in tgt.ops:
                        if phi.opcode != "phi":
                            break
                        u.add(slot[phi.operands[phi.blocks.index(seg.block)]])
            uses.append(u)
            defs.append(d)
        self.global_slots = set().union(*(u - d for u, d in zip(uses, defs, strict=True)))
        values = {slot[v]: v for v in slot}
        for seg, u, d in zip(self.segs, uses, defs, strict=True):
            seg.live_in = sorted(u - d)
            seg.live_out = [
                (s, self._store_dtype(values[s])) for s in sorted(d & self.global_slots)
            ]
            end = seg.end
            if end is not None and end.opcode in ("br", "cbr"):
                for tgt in end.blocks:
                    copies = []
                    for phi in tgt.ops:
                        if phi.opcode != "phi":
                            break
                        src = phi.operands[phi.blocks.index(seg.block)]
                        copies.append((slot[phi], slot[src], self._store_dtype(phi)))
                    seg.edges[tgt] = copies

    @staticmethod
    def _store_dtype(v: Value) -> Any:
        return None if isinstance(v.type, PtrType) else _dtype(v.type)

    # -- ops ---------------------------------------------------------------
    def _op(self, op: Op) -> Callable[[list[Any], _Ctx], Any]:
        oc, t = op.opcode, op.type
        ins = [self.slot[v] for v in op.operands]
        if oc in WORKITEM_OPS:
            dim = int(op.attrs["dim"])
            k = WORKITEM_OPS.index(oc)
            row = k * 3 + dim
            return lambda env, ctx: _gather(ctx.ids[row], ctx.idx)
        if oc in ("add", "sub", "mul", "div", "rem", "and", "or", "xor", "shl", "shr"):
            return self._binary(op, ins)
        if oc in ("neg", "not", "popcount", "clz"):
            return self._unary(op, ins[0])
        if oc == "cmp":
            return self._cmp(op, ins)
        if oc == "select":
            c, a, b = ins
            if isinstance(t, PtrType):

                def select_ptr(env: list[Any], ctx: _Ctx) -> Any:
                    m = env[c] != 0
                    pa, pb = env[a], env[b]
                    return (_sc(np.where(m, pa[0], pb[0])), _sc(np.where(m, pa[1], pb[1])))

                return select_ptr
            if isinstance(t, IntType) and _container(t) is object:
                return lambda env, ctx: _sc(
                    np.where(env[c] != 0, np.asarray(env[a], object), np.asarray(env[b], object))
                )
            return lambda env, ctx: _sc(np.where(env[c] != 0, env[a], env[b]))
        if oc == "cast":
            return self._cast(op, ins[0])
        if oc == "bitcast":
            return self._bitcast(op, ins[0])
        if oc == "math":
            return self._math(op, ins)
        if oc == "ptradd":
            pt = op.operands[0].type
            assert isinstance(pt, PtrType)
            size = np.int64(pt.pointee.size)
            p, i = ins

            def ptradd(env: list[Any], ctx: _Ctx) -> Any:
                ptr = env[p]
                return (ptr[0], ptr[1] + np.asarray(env[i]).astype(np.int64) * size)

            return ptradd
        if oc == "load":
            return self._load(op, ins)
        if oc == "store":
            return self._store(op, ins)
        if oc == "atomic":
            return self._atomic(op, ins)
        raise _Fallback(f"op {oc}")

    def _binary(self, op: Op, ins: list[int]) -> Callable[[list[Any], _Ctx], Any]:
        oc, t = op.opcode, op.type
        a, b = ins
        if isinstance(t, FloatType):
            dt = _FLOAT_DTYPES[t.width]
            fop: Any = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide,
                        "rem": np.fmod}.get(oc)  # fmt: skip
            if fop is None:
                raise _Fallback(f"{oc} on {t}")
            return lambda env, ctx: _sc(fop(env[a], env[b], dtype=dt))
        if not isinstance(t, IntType):
            raise _Fallback(f"{oc} on {t}")
        dt = _container(t)
        wrap = _wrapper(t)
        w = t.width
        if oc in ("add", "sub", "mul", "and", "or", "xor"):
            iop: Any = {"add": np.add, "sub": np.subtract, "mul": np.multiply,
                        "and": np.bitwise_and, "or": np.bitwise_or, "xor": np.bitwise_xor}[oc]  # fmt: skip
            return lambda env, ctx: wrap(_sc(iop(env[a], env[b], dtype=dt)))
        if dt is object:
            return self._wide_binary(op, a, b, wrap)
        if oc in ("shl", "shr"):
            ut = np.dtype(_unsigned(dt)).type
            wd = dt(w)
            if oc == "shl":

                def shl(env: list[Any], ctx: _Ctx) -> Any:
                    s = np.asarray(np.remainder(env[b], wd, dtype=dt)).astype(ut)
                    x = np.asarray(env[a]).astype(ut)
                    return wrap(_sc(np.left_shift(x, s).astype(dt)))

                return shl
            return lambda env, ctx: _sc(np.right_shift(env[a], np.remainder(env[b], wd, dtype=dt)))
        # div, rem: C truncation with the IR's defined corner cases
        one, zero = dt(1), dt(0)
        if t.signed:
            lo = dt(t.min)

            def sdivrem(env: list[Any], ctx: _Ctx) -> Any:
                x, y = env[a], env[b]
                z = y == 0
                ovf = (x == lo) & (y == -1)
                ys = np.where(z | ovf, one, y).astype(dt)
                r = np.fmod(x, ys, dtype=dt)
                if oc == "rem":
                    return _sc(np.where(z, x, r).astype(dt))
                q = ((x - r) // ys).astype(dt)
                return wrap(_sc(np.where(z, dt(-1), q).astype(dt)))

            return sdivrem
        allones = dt((1 << w) - 1)

        def udivrem(env: list[Any], ctx: _Ctx) -> Any:
            x, y = env[a], env[b]
            z = y == 0
            ys = np.where(z, one, y).astype(dt)
            if oc == "rem":
                return _sc(np.where(z, x, np.remainder(x, ys, dtype=dt)).astype(dt))
            return _sc(np.where(z, allones, np.floor_divide(x, ys, dtype=dt)).astype(dt))

        del zero
        return udivrem

    @staticmethod
    def _wide_binary(
        op: Op, a: int, b: int, wrap: Callable[[Any], Any]
    ) -> Callable[[list[Any], _Ctx], Any]:
        """Shifts, division and remainder on Python ints (types wider than 64 bits)."""
        t = op.type
        assert isinstance(t, IntType)
        w, m, h = t.width, (1 << t.width) - 1, 1 << (t.width - 1)
        f: Callable[[Any, Any], Any] = {
            "shl": lambda x, y: x << (y % w),
            "shr": lambda x, y: x >> (y % w),
            "div": (lambda x, y: interp._sdiv(x, y, m, h))
            if t.signed
            else (lambda x, y: interp._udiv(x, y, m)),
            "rem": interp._srem if t.signed else interp._urem,
        }[op.opcode]
        uf = np.frompyfunc(f, 2, 1)
        return lambda env, ctx: wrap(_sc(uf(env[a], env[b])))

    def _unary(self, op: Op, a: int) -> Callable[[list[Any], _Ctx], Any]:
        oc, t = op.opcode, op.type
        if isinstance(t, FloatType) and oc == "neg":
            return lambda env, ctx: -env[a]
        if not isinstance(t, IntType):
            raise _Fallback(f"{oc} on {t}")
        dt = _container(t)
        wrap = _wrapper(t)
        w = t.width
        if dt is object:
            if oc == "neg":
                return lambda env, ctx: wrap(-np.asarray(env[a], object))
            if oc == "not":
                return lambda env, ctx: wrap(~np.asarray(env[a], object))
            raise _Fallback(f"{oc} on {t}")
        ut = np.dtype(_unsigned(dt)).type
        mask = ut((1 << w) - 1)
        if oc == "neg":
            return lambda env, ctx: wrap(_sc(np.negative(env[a], dtype=dt)))
        if oc == "not":
            return lambda env, ctx: wrap(_sc(np.invert(env[a], dtype=dt)))
        if oc == "popcount":
            return lambda env, ctx: _sc(_popcount(np.asarray(env[a]).astype(ut) & mask).astype(dt))

        def clz(env: list[Any], ctx: _Ctx) -> Any:
            x = np.asarray(env[a]).astype(ut) & mask
            n = np.zeros(x.shape, np.int64)  # bit length, by halving
            for sh in (32, 16, 8, 4, 2, 1):
                if sh >= np.dtype(ut).itemsize * 8:
                    continue
                big = (x >> ut(sh)) != 0
                n += np.where(big, sh, 0)
                x = np.where(big, x >> ut(sh), x)
            n += (x != 0).astype(np.int64)
            return _sc((w - n).astype(dt))

        return clz

    def _cmp(self, op: Op, ins: list[int]) -> Callable[[list[Any], _Ctx], Any]:
        pred = str(op.attrs.get("pred"))
        fn = {"eq": np.equal, "ne": np.not_equal, "lt": np.less, "le": np.less_equal,
              "gt": np.greater, "ge": np.greater_equal}[pred]  # fmt: skip
        a, b = ins
        if isinstance(op.operands[0].type, PtrType):

            def pcmp(env: list[Any], ctx: _Ctx) -> Any:
                pa, pb = env[a], env[b]
                same = pa[0] == pb[0]
                if pred == "eq":
                    r = same & (pa[1] == pb[1])
                elif pred == "ne":
                    r = ~(same & (pa[1] == pb[1]))
                else:
                    r = fn(pa[1], pb[1])
                return _sc(np.asarray(r).astype(np.uint8))

            return pcmp
        return lambda env, ctx: _sc(np.asarray(fn(env[a], env[b])).astype(np.uint8))

    def _cast(self, op: Op, a: int) -> Callable[[list[Any], _Ctx], Any]:
        st, t = op.operands[0].type, op.type
        if isinstance(t, PtrType) and isinstance(st, PtrType):
            return lambda env, ctx: env[a]
        if isinstance(t, IntType) and isinstance(st, IntType):
            dt, wrap = _container(t), _wrapper(t)
            if dt is object or _container(st) is object:
                pywrap = _pywrap(t)
                if dt is object:
                    return lambda env, ctx: pywrap(np.asarray(env[a]).astype(object))
                return lambda env, ctx: _sc(
                    np.asarray(pywrap(np.asarray(env[a]).astype(object))).astype(dt)
                )
            return lambda env, ctx: wrap(_sc(np.asarray(env[a]).astype(dt)))
        if (
            isinstance(st, IntType)
            and _container(st) is object
            or (isinstance(t, IntType) and _container(t) is object)
        ):
            raise _Fallback(f"casts from {st} to {t}")
        if isinstance(t, FloatType) and isinstance(st, (IntType, FloatType)):
            fdt = _FLOAT_DTYPES[t.width]
            return lambda env, ctx: _sc(np.asarray(env[a]).astype(fdt))
        if isinstance(t, IntType) and isinstance(st, FloatType):
            dt, wrap = _container(t), _wrapper(t)
            two64 = np.float64(2.0**64)
            two63 = np.float64(2.0**63)

            def f2i(env: list[Any], ctx: _Ctx) -> Any:
                x = np.asarray(env[a]).astype(np.float64)
                ok = np.isfinite(x)
                x = np.trunc(np.where(ok, x, 0.0))
                big = np.abs(x) >= two63
                if big.any():  # wrap modulo 2**64, exactly (C leaves it undefined)
                    r = np.fmod(x, two64)
                    r = np.where(r >= two63, r - two64, np.where(r < -two63, r + two64, r))
                    x = np.where(big, r, x)
                return wrap(_sc(x.astype(np.int64).astype(dt)))

            return f2i
        raise _Fallback(f"casts from {st} to {t}")

    def _bitcast(self, op: Op, a: int) -> Callable[[list[Any], _Ctx], Any]:
        st, t = op.operands[0].type, op.type
        if st == t or isinstance(t, PtrType) and isinstance(st, PtrType):
            return lambda env, ctx: env[a]
        if all(isinstance(x, (IntType, FloatType)) and x.bits in (8, 16, 32, 64) for x in (st, t)):
            sdt, ddt = _dtype(st), _dtype(t)
            if np.dtype(sdt).itemsize == np.dtype(ddt).itemsize:
                return lambda env, ctx: _sc(np.asarray(env[a], sdt).view(ddt))
        raise _Fallback(f"bitcast from {st} to {t}")

    def _math(self, op: Op, ins: list[int]) -> Callable[[list[Any], _Ctx], Any]:
        t = op.type
        fn = str(op.attrs.get("fn"))
        ft = op.operands[0].type
        impl = NUMPY_MATH.get(fn)
        if impl is None or not isinstance(ft, FloatType) or not isinstance(t, (IntType, FloatType)):
            raise _Fallback(f"the math function {fn!r} on {ft}")
        width, dt = ft.width, _dtype(t)
        return lambda env, ctx: _sc(np.asarray(impl([env[i] for i in ins], width)).astype(dt))

    # -- memory ops ------------------------------------------------------------
    def _access(
        self, op: Op, kind: str, ctx: _Ctx, ptr: tuple, size: int, lanes: np.ndarray | None,
        rmw: bool = False,
    ) -> list[tuple[_VBuf, Any, np.ndarray | None]]:  # fmt: skip
        """Byte addresses of an access by the active lanes (``lanes``: a subset of
        them, or None for all), grouped by buffer, after the bounds checks
        (``rmw``: a load then a store, as the reference does an atomic)."""
        bid, off = ptr
        if lanes is not None:
            if isinstance(bid, np.ndarray) and bid.ndim:
                bid = bid[lanes]
            if isinstance(off, np.ndarray) and off.ndim:
                off = off[lanes]
        if isinstance(bid, np.ndarray) and bid.ndim:
            groups = [(int(u), bid == u) for u in np.unique(bid)]
        else:
            groups = [(int(bid), None)]
        out = []
        for b, m in groups:
            o = off if m is None or not (isinstance(off, np.ndarray) and off.ndim) else off[m]
            sub = lanes if m is None else (np.flatnonzero(m) if lanes is None else lanes[m])
            if b < 0:
                self._fail(op, kind, ctx, None, 0, size, sub, None)
            buf = ctx.bufs[b]
            if kind == "store" and buf.readonly:
                self._fail(op, kind, ctx, buf, o, size, sub, None)
            bad = (o < 0) | (o > buf.size - size)
            if np.any(bad):
                self._fail(op, kind, ctx, buf, o, size, sub, bad)
            if rmw and buf.readonly:
                self._fail(op, "store", ctx, buf, o, size, sub, None)
            items = ctx.lanes() if sub is None else ctx.lanes()[sub]
            if buf.scope != "shared":
                obj = items if buf.scope == "item" else ctx.gpos[items]
                o = obj * np.int64(buf.size) + o
            if buf.tracked and buf.scope != "item" and not buf.readonly:
                mode = "rmw" if rmw else kind
                _track(buf, o, size, ctx.order_keys(items), mode)
            out.append((buf, o, m))
        return out

    def _fail(
        self, op: Op, kind: str, ctx: _Ctx, buf: _VBuf | None, off: Any, size: int,
        sub: np.ndarray | None, bad: Any,
    ) -> None:  # fmt: skip
        j = 0 if bad is None or not np.ndim(bad) else int(np.flatnonzero(bad)[0])
        lane = j if sub is None else int(sub[j])
        gid = ctx.gid(lane)
        if buf is None:
            raise interp.InterpError(f"{kind} through a null pointer at work-item {gid}", op.loc)
        if kind == "store" and buf.readonly:
            raise interp.InterpError(
                f"store to read-only {buf.kind} '{buf.name}' at work-item {gid}", op.loc
            )
        o = int(off[j]) if np.ndim(off) else int(off)
        raise interp.InterpError(
            f"{kind} out of bounds of {buf.kind} '{buf.name}': bytes [{o}, {o + size}) "
            f"of a {buf.size}-byte buffer, at work-item with global id {gid}",
            op.loc,
        )

    @staticmethod
    def _read(buf: _VBuf, addr: Any, dt: Any, size: int) -> Any:
        if np.ndim(addr) == 0:
            a = int(addr)
            return np.frombuffer(buf.data[a : a + size].tobytes(), dtype=dt)[0]
        if not np.any(addr & (size - 1)):
            return buf.view(dt)[addr // size]
        raw = buf.data[addr[:, None] + np.arange(size)]
        return np.ascontiguousarray(raw).view(dt).reshape(-1)

    @staticmethod
    def _write(buf: _VBuf, addr: Any, value: Any, dt: Any, size: int) -> None:
        value = np.asarray(value).astype(dt)
        if np.ndim(addr) == 0:
            v = value.reshape(-1)[-1:]  # the last work-item's write wins
            a = int(addr)
            buf.data[a : a + size] = v.view(np.uint8)
            return
        if not np.any(addr & (size - 1)):
            buf.view(dt)[addr // size] = value
            return
        bytes_ = np.ascontiguousarray(np.broadcast_to(value, addr.shape)).view(np.uint8)
        buf.data[addr[:, None] + np.arange(size)] = bytes_.reshape(-1, size)

    def _load(self, op: Op, ins: list[int]) -> Callable[[list[Any], _Ctx], Any]:
        t = op.type
        if not isinstance(t, (IntType, FloatType)):
            raise _Fallback(f"loads of type {t}")
        dt = _dtype(t)
        size = t.size
        if isinstance(t, IntType) and size * 8 != np.dtype(dt).itemsize * 8:
            raise _Fallback(f"loads of type {t}")
        if isinstance(t, IntType) and t.width not in (8, 16, 32, 64):
            raise _Fallback(f"loads of type {t}")
        p = ins[0]
        pred = ins[1] if len(ins) == 2 else None
        zero = dt(0)

        def load(env: list[Any], ctx: _Ctx) -> Any:
            ptr = env[p]
            lanes = None
            k = None
            if pred is not None:
                c = env[pred]
                if np.ndim(c) == 0:
                    if not c:
                        return zero
                else:
                    m = c != 0
                    if not m.any():
                        return np.zeros(len(m), dt)
                    if not m.all():
                        lanes, k = np.flatnonzero(m), len(m)
            parts = self._access(op, "load", ctx, ptr, size, lanes)
            if len(parts) == 1 and lanes is None:
                buf, addr, _ = parts[0]
                return self._read(buf, addr, dt, size)
            n = k if k is not None else len(ctx.lanes())
            out = np.zeros(n, dt)
            for buf, addr, m in parts:
                sel = lanes if m is None else (np.flatnonzero(m) if lanes is None else lanes[m])
                out[slice(None) if sel is None else sel] = self._read(buf, addr, dt, size)
            return out

        return load

    def _atomic(self, op: Op, ins: list[int]) -> Callable[[list[Any], _Ctx], Any]:
        t = op.type
        kind = str(op.attrs.get("op"))
        if not isinstance(t, (IntType, FloatType)) or t.bits not in (8, 16, 32, 64):
            raise _Fallback(f"atomics of type {t}")
        dt = _dtype(t)
        size = t.size
        update = _atomic_update(kind, t)
        pi = predicate_index(op)
        assert pi is not None
        p, vals = ins[0], ins[1:pi]
        pred = ins[pi] if len(ins) > pi else None

        def atomic(env: list[Any], ctx: _Ctx) -> Any:
            n = len(ctx.lanes())
            lanes = None
            if pred is not None:
                c = env[pred]
                if np.ndim(c) == 0:
                    if not c:
                        return dt(0)
                else:
                    m = c != 0
                    if not m.any():
                        return np.zeros(n, dt)
                    if not m.all():
                        lanes = np.flatnonzero(m)
            k = n if lanes is None else len(lanes)
            vs = []
            for i in vals:
                v = np.broadcast_to(env[i], (n,)) if np.ndim(env[i]) == 0 else env[i]
                vs.append(np.asarray(v if lanes is None else v[lanes]).astype(dt))
            result = np.zeros(n, dt)
            for buf, addr, m in self._access(op, "load", ctx, env[p], size, lanes, rmw=True):
                a = np.broadcast_to(addr, (k if m is None else int(m.sum()),))
                if np.any(a & (size - 1)):
                    raise _Fallback("unaligned atomics")
                sel = np.arange(k) if m is None else np.flatnonzero(m)
                old = _atomic_apply(buf.view(dt), a // size, [v[sel] for v in vs], kind, dt, update)
                result[sel if lanes is None else lanes[sel]] = old
            return result

        return atomic

    def _store(self, op: Op, ins: list[int]) -> Callable[[list[Any], _Ctx], Any]:
        t = op.operands[1].type
        if not isinstance(t, (IntType, FloatType)):
            raise _Fallback(f"stores of type {t}")
        dt = _dtype(t)
        size = t.size
        if isinstance(t, IntType) and t.width not in (8, 16, 32, 64):
            raise _Fallback(f"stores of type {t}")
        p, v = ins[0], ins[1]
        pred = ins[2] if len(ins) == 3 else None

        def store(env: list[Any], ctx: _Ctx) -> Any:
            ptr, val = env[p], env[v]
            lanes = None
            if pred is not None:
                c = env[pred]
                if np.ndim(c) == 0:
                    if not c:
                        return None
                else:
                    m = c != 0
                    if not m.any():
                        return None
                    if not m.all():
                        lanes = np.flatnonzero(m)
            n = len(ctx.lanes())
            parts = self._access(op, "store", ctx, ptr, size, lanes)
            for buf, addr, m in parts:
                x = val
                if np.ndim(x):
                    if lanes is not None:
                        x = x[lanes]
                    if m is not None:
                        x = x[m]
                    self._write(buf, addr, x, dt, size)
                else:
                    cnt = n if lanes is None else len(lanes)
                    a = addr if np.ndim(addr) else np.full(cnt if m is None else int(m.sum()), addr)
                    self._write(buf, a, x, dt, size)
            return None

        return store


def _atomic_update(kind: str, t: Type) -> Callable[..., Any]:
    """The new value of ``atomic {op = kind}`` on arrays of old values and operands
    (docs/ir.md; the numpy form of :func:`soff.ir.interp.atomic_update`)."""
    dt = _dtype(t)
    one = dt(1)
    if isinstance(t, FloatType):
        table: dict[str, Callable[..., Any]] = {
            "add": lambda old, v: np.add(old, v, dtype=dt),
            "xchg": lambda old, v: v,
        }
    else:
        table = {
            "add": lambda old, v: np.add(old, v, dtype=dt),
            "sub": lambda old, v: np.subtract(old, v, dtype=dt),
            "xchg": lambda old, v: v,
            "min": np.minimum,
            "max": np.maximum,
            "and": np.bitwise_and,
            "or": np.bitwise_or,
            "xor": np.bitwise_xor,
            "inc": lambda old: np.add(old, one, dtype=dt),
            "dec": lambda old: np.subtract(old, one, dtype=dt),
            "inc_wrap": lambda old, v: np.where(old >= v, dt(0), np.add(old, one, dtype=dt)),
            "dec_wrap": lambda old, v: np.where(
                (old == 0) | (old > v), v, np.subtract(old, one, dtype=dt)
            ),
            "cmpxchg": lambda old, v, c: np.where(old == c, v, old),
        }
    if kind not in table:
        raise _Fallback(f"atomic {kind} on {t}")
    return table[kind]


def _atomic_apply(
    view: np.ndarray, cell: np.ndarray, vals: list[np.ndarray], kind: str, dt: Any,
    update: Callable[..., Any],
) -> np.ndarray:  # fmt: skip
    """Do the atomics of lanes (in the reference's order) on ``view[cell]``; return
    the old values. Lanes on one location take turns in lane order: integer
    add/sub/inc/dec by a prefix sum, the others in rounds (the r-th lane of
    every location in round r)."""
    k = len(cell)
    order = np.argsort(cell, kind="stable")
    sc = cell[order]
    pos = np.arange(k)
    first = np.ones(k, bool)
    first[1:] = sc[1:] != sc[:-1]
    start = np.maximum.accumulate(np.where(first, pos, 0))
    sv = [v[order] for v in vals]
    old = np.empty(k, dt)
    if np.dtype(dt).kind in "iu" and kind in ("add", "sub", "inc", "dec"):
        if kind in ("inc", "dec"):
            d = np.full(k, 1 if kind == "inc" else -1).astype(dt)
        else:
            d = sv[0] if kind == "add" else np.negative(sv[0], dtype=dt)
        cs = np.cumsum(d, dtype=dt)
        before = np.subtract(cs, d, dtype=dt)  # wrapping: exact modulo 2**width
        excl = np.subtract(before, before[start], dtype=dt)
        o = np.add(view[sc], excl, dtype=dt)
        view[sc] = np.add(o, d, dtype=dt)  # the last lane of each location wins
        old[order] = o
        return old
    rank = pos - start
    by_rank = np.argsort(rank, kind="stable")
    bounds = np.searchsorted(rank[by_rank], np.arange(int(rank.max()) + 2))
    out = np.empty(k, dt)
    for r in range(len(bounds) - 1):
        j = by_rank[bounds[r] : bounds[r + 1]]
        c = sc[j]
        o = view[c]
        out[j] = o
        view[c] = update(o, *(v[j] for v in sv))
    old[order] = out
    return old


def _track(buf: _VBuf, addr: Any, size: int, keys: np.ndarray, mode: str) -> None:
    """Check that an access (``mode``: load, store, or rmw for an atomic) by
    work-items with these order keys (ascending) sees what the reference
    interpreter, running work-items one after another, would: no byte written
    by a later work-item before, and for a store or an atomic, none read by a
    later one before. Otherwise the work-items race (undefined in OpenCL) and
    the launch goes to the reference, whose order then decides. (The lanes of
    one atomic op are done in the reference's order: see _Program._atomic.)"""
    if len(keys) == 0:
        return
    a = np.broadcast_to(addr, keys.shape)
    aligned = not np.any(a & (size - 1))
    if buf.writer is None or buf.reader is None:
        buf.gran = size if aligned else 1
        cells = len(buf.data) // buf.gran + 1
        buf.writer = np.zeros(cells, np.int64)  # calloc: pages come on first touch
        buf.reader = np.zeros(cells, np.int64)
    elif size % buf.gran or not aligned and buf.gran > 1:  # finer accesses: byte cells
        buf.writer = np.repeat(buf.writer, buf.gran)
        buf.reader = np.repeat(buf.reader, buf.gran)
        buf.gran = 1
    g = buf.gran
    cell = a // g if g > 1 else a
    k1 = keys + 1
    if size > g:
        cell = (cell[:, None] + np.arange(size // g)).reshape(-1)
        k1 = np.repeat(k1, size // g)
    if np.any(buf.writer[cell] > k1):
        raise _Fallback("work-items race on memory")
    if mode != "load" and np.any(buf.reader[cell] > k1):
        raise _Fallback("work-items race on memory")
    if mode != "store":
        buf.reader[cell] = np.maximum(buf.reader[cell], k1)
    if mode != "load":
        buf.writer[cell] = k1  # the last (largest) key wins for repeated cells


# -- math -------------------------------------------------------------------


def _round(args: list[Any], width: int) -> Any:
    """OpenCL ``round``: halfway cases away from zero."""
    x = args[0]
    t = np.trunc(x)
    one = np.asarray(x).dtype.type(1)
    r = np.where(np.abs(x - t) >= 0.5, t + np.copysign(one, x), t)
    return np.copysign(r, x).astype(np.asarray(x).dtype)


def _fma(args: list[Any], width: int) -> Any:
    """``a * b + c`` rounded once. For f16/f32: the product is exact in binary64,
    the sum is taken rounded to odd (TwoSum, then a nudge), and rounding that to
    the narrow type is correct (binary64 has more than 2p + 2 bits)."""
    dt = _FLOAT_DTYPES[width]
    if width == 64:
        f = np.frompyfunc(lambda a, b, c: float_fma(float(a), float(b), float(c), 64), 3, 1)
        return np.asarray(f(*args)).astype(np.float64)
    a, b, c = (np.asarray(x).astype(np.float64) for x in args)
    p = a * b
    s = p + c
    bb = s - p
    e = (p - (s - bb)) + (c - bb)
    odd = (np.asarray(s).view(np.uint64) & np.uint64(1)) != 0
    nudge = np.nextafter(s, np.where(e > 0, np.inf, -np.inf))
    s = np.where((e != 0) & ~odd & np.isfinite(s), nudge, s)
    fin = np.isfinite(a) & np.isfinite(b) & np.isfinite(c)
    return np.where(fin, s, p + c).astype(dt)


#: ``math`` functions whose numpy evaluation is exact (correctly rounded or exact by
#: nature), so it is the same on arrays as on the reference's scalars
_EXACT_MATH = frozenset({"fabs", "sqrt", "floor", "ceil", "trunc", "rint", "fmin", "fmax",
                         "copysign", "fmod", "fdim", "ldexp", "logb", "ilogb"})  # fmt: skip


def _numpy_math() -> dict[str, Callable[[list[Any], int], Any]]:
    """``math`` functions on numpy arrays of the op's type, by the shared
    :func:`soff.ir.semantics.math_eval` (what the reference runs, one work-item
    at a time). The exact ones run on whole arrays; ``round`` and ``fma`` are
    vectorised here. The others run element by element on scalars, because
    numpy's array loops may round differently from its scalar ones (f32
    ``power`` on arrays is off by one ulp where the scalar is right)."""
    table: dict[str, Callable[[list[Any], int], Any]] = {}
    for fn in MATH_FUNCTIONS:
        if fn in _EXACT_MATH:
            table[fn] = functools.partial(_shared_math, fn)
        else:
            table[fn] = functools.partial(_pointwise_math, fn)
    table["round"] = _round
    table["fma"] = _fma
    return table


def _shared_math(fn: str, args: list[Any], width: int) -> Any:
    return math_eval(fn, args, width)


def _pointwise_math(fn: str, args: list[Any], width: int) -> Any:
    if all(np.ndim(a) == 0 for a in args):
        return math_eval(fn, args, width)
    arrays = np.broadcast_arrays(*(np.asarray(a) for a in args))
    cols = [a.tolist() if a.dtype.kind in "iu" else list(a) for a in arrays]  # numpy scalars
    return [math_eval(fn, list(xs), width) for xs in zip(*cols, strict=True)]


#: ``math`` functions the vectorised interpreter runs (the others fall back)
NUMPY_MATH = _numpy_math()


# -- running ----------------------------------------------------------------------


def _uniform(prog: _Program, op: Op, launch: dict[str, Any]) -> Any:
    """The value of a const, rodata or alloca op (the same for every work-item)."""
    t = op.type
    if op.opcode == "const":
        v = op.attrs.get("value")
        if isinstance(t, IntType) and isinstance(v, (int, bool)):
            dt = _container(t)
            return t.wrap(int(v)) if dt is object else dt(t.wrap(int(v)))
        if isinstance(t, FloatType) and isinstance(v, (int, float)):
            return _FLOAT_DTYPES[t.width](v)
        raise _Fallback(f"constants {v!r} of type {t}")
    if op.opcode == "rodata":
        comp = interp._Compiler(prog.kernel, [0] * 18, 1)
        b = comp.rodata(op)
        launch["bufs"].append(
            _VBuf(b.name, b.kind, np.frombuffer(b.data, np.uint8), b.n, readonly=True)
        )
        return (np.int64(len(launch["bufs"]) - 1), np.int64(0))
    raise AssertionError(op.opcode)


def run_kernel_fast(
    kernel: Kernel,
    args: Mapping[str, np.ndarray | int | float],
    global_size: tuple[int, ...] | int,
    local_size: tuple[int, ...] | int | None = None,
    fallback: bool = True,
) -> dict[str, np.ndarray]:
    """:func:`soff.ir.interp.run_kernel`, vectorised. What it does not support
    (see the module docstring) runs in the reference interpreter, or with
    ``fallback=False`` raises :class:`NotVectorized` saying why."""
    from soff.layout import with_work_dim

    args = with_work_dim([a.name or "" for a in kernel.args], args, global_size)
    if any("." in (a.name or "") for a in kernel.args):  # a struct passed by value
        from soff.layout import expand_struct_args

        args = expand_struct_args([a.name or "" for a in kernel.args], args)
    launch = interp.launch_sizes(kernel, args, global_size, local_size)
    verify_kernel(kernel)
    try:
        prog = _Program(kernel)
        with np.errstate(all="ignore"):
            return _run(prog, kernel, args, launch)
    except _Fallback as e:
        if not fallback:
            raise NotVectorized(f"kernel '{kernel.name}': {e}") from None
        return interp.run_kernel(kernel, args, global_size, local_size, vectorize=False)


def _run(
    prog: _Program, kernel: Kernel, args: Mapping[str, Any], sizes: tuple
) -> dict[str, np.ndarray]:
    gsize, g3, l3, n3 = sizes
    ndims = len(gsize)
    buffers: dict[str, interp._Buffer] = {}
    launch: dict[str, Any] = {"bufs": []}
    bufs: list[_VBuf] = launch["bufs"]
    nslots = len(prog.slot)
    base: list[Any] = [None] * nslots
    locals_: list[tuple[int, str, int, str, bool]] = []  # slot, name, bytes, kind, tracked

    def written(v: Value) -> bool:
        return prog.stored is None or v in prog.stored

    for a in kernel.args:
        v = interp._arg_value(a, args[a.name or ""], buffers)
        s = prog.slot[a]
        if isinstance(v, interp.Local):
            locals_.append((s, a.name or "", v.nbytes, "__local argument", written(a)))
        elif isinstance(v, tuple):
            b = v[0]
            bufs.append(_VBuf(b.name, b.kind, np.frombuffer(b.data, np.uint8), b.n))
            bufs[-1].tracked = written(a)
            base[s] = (np.int64(len(bufs) - 1), np.int64(0))
        elif isinstance(a.type, IntType):
            dt = _container(a.type)
            base[s] = v if dt is object else dt(v)
        else:
            base[s] = v
    privates: list[tuple[int, str, int]] = []
    for op in prog.uniform_ops:
        s = prog.slot[op]
        if op.opcode == "alloca":
            assert isinstance(op.type, PtrType)
            if op.type.space == "local":
                locals_.append(
                    (s, op.name or "local", op.type.pointee.size, "__local array", written(op))
                )
            else:
                privates.append((s, op.name or "alloca", op.type.pointee.size))
        elif op.opcode in WORKITEM_OPS:
            sizes3 = (g3, l3, n3)[WORKITEM_OPS.index(op.opcode) - 3]
            base[s] = np.uint64(sizes3[int(op.attrs["dim"])])
        else:
            base[s] = _uniform(prog, op, launch)

    grouped = prog.barriers or bool(locals_)
    total = g3[0] * g3[1] * g3[2]
    gitems = l3[0] * l3[1] * l3[2]
    # private arrays are one object per work-item: fewer work-items per chunk for big ones
    private_bytes = sum(size for _, _, size in privates)
    items = min(CHUNK_ITEMS, max(1, _PRIVATE_BUDGET // max(private_bytes, 1)))
    per = max(1, items // gitems) * gitems
    for start in range(0, total, per):
        n = min(per, total - start)
        lin = np.arange(start, start + n, dtype=np.uint64)
        if grouped:
            gl, ll = lin // np.uint64(gitems), lin % np.uint64(gitems)
            gv = _split(gl, n3)
            lv = _split(ll, l3)
            ids = np.stack([g * np.uint64(sz) + li for g, li, sz in zip(gv, lv, l3, strict=True)]
                           + lv + gv)  # fmt: skip
            gpos = (gl - gl[0]).astype(np.int64)
        else:
            gvx = _split(lin, g3)
            lv = [x % np.uint64(sz) for x, sz in zip(gvx, l3, strict=True)]
            gv = [x // np.uint64(sz) for x, sz in zip(gvx, l3, strict=True)]
            ids = np.stack(gvx + lv + gv)
            gpos = np.zeros(n, np.int64)
        ctx = _Ctx(n, ids, gpos, ndims)
        if grouped:
            ctx.keys = (gl.astype(np.int64) << np.int64(_GROUP_SHIFT)) | ll.astype(np.int64)
            ctx.phase = np.zeros(n, np.int64)
        else:
            ctx.keys = lin.astype(np.int64)
        nb = len(bufs)
        ctx.bufs = bufs
        store = base[:]
        ng = int(gpos[-1]) + 1 if grouped else 1
        for s, name, size, kind, tracked in locals_:
            bufs.append(_VBuf(name, kind, np.zeros(size * ng, np.uint8), size, "group"))
            bufs[-1].tracked = tracked
            store[s] = (np.int64(len(bufs) - 1), np.int64(0))
        for s, name, size in privates:
            bufs.append(_VBuf(name, "private array", np.zeros(size * n, np.uint8), size, "item"))
            store[s] = (np.int64(len(bufs) - 1), np.int64(0))
        _run_chunk(prog, ctx, store, gitems if prog.barriers else 0)
        del bufs[nb:]
    return {name: buf.result() for name, buf in buffers.items()}


def _split(lin: np.ndarray, dims: tuple[int, ...]) -> list[np.ndarray]:
    """Linear indices (dimension 0 fastest) as per-dimension indices."""
    x = lin % np.uint64(dims[0])
    rest = lin // np.uint64(dims[0])
    y = rest % np.uint64(dims[1])
    z = rest // np.uint64(dims[1])
    return [x, y, z]


def _run_chunk(prog: _Program, ctx: _Ctx, store: list[Any], group_items: int) -> None:
    """Run the chunk's work-items to the end: each step runs the earliest segment
    (in reverse post-order) that has work-items waiting, for all of them."""
    n = ctx.n
    segs = prog.segs
    nslots = len(store)
    owned: set[int] = set()
    waiting = _Waiting(len(segs))
    waiting.add(0, None)
    while waiting.heap:
        cur = heapq.heappop(waiting.heap)
        idx = waiting.take(cur, n)
        seg = segs[cur]
        if group_items and not seg.first:  # resuming after a barrier
            counts = np.bincount(ctx.gpos if idx is None else ctx.gpos[idx])
            if np.any((counts != 0) & (counts != group_items)):
                raise _Fallback("barrier divergence")
            if ctx.phase is not None:
                ctx.phase[slice(None) if idx is None else idx] += 1
        ctx.idx = idx
        env: list[Any] = [None] * nslots
        for s in seg.live_in:
            env[s] = _gather(store[s], idx)
        for s, fn in seg.code:
            env[s] = fn(env, ctx)
        for s, dt in seg.live_out:
            _scatter(store, owned, s, env[s], idx, n, dt)
        end = seg.end
        if end is None or end.opcode == "ret":
            continue
        if end.opcode == "barrier":
            waiting.add(cur + 1, idx)
        elif end.opcode == "br":
            _edge(prog, owned, seg, end.blocks[0], env, store, waiting, idx, None, n)
        else:  # cbr
            c = env[prog.slot[end.operands[0]]]
            if np.ndim(c) == 0:
                _edge(
                    prog, owned, seg, end.blocks[0 if c else 1], env, store, waiting, idx, None, n
                )
            else:
                m = c != 0
                if m.all():
                    _edge(prog, owned, seg, end.blocks[0], env, store, waiting, idx, None, n)
                elif not m.any():
                    _edge(prog, owned, seg, end.blocks[1], env, store, waiting, idx, None, n)
                else:
                    _edge(prog, owned, seg, end.blocks[0], env, store, waiting, idx, m, n)
                    _edge(prog, owned, seg, end.blocks[1], env, store, waiting, idx, ~m, n)


class _Waiting:
    """The work-items waiting at each segment, and a heap of those segments."""

    def __init__(self, nsegs: int) -> None:
        self.parts: list[list[np.ndarray | None]] = [[] for _ in range(nsegs)]
        self.heap: list[int] = []

    def add(self, seg: int, idx: np.ndarray | None) -> None:
        if not self.parts[seg]:
            heapq.heappush(self.heap, seg)
        self.parts[seg].append(idx)

    def take(self, seg: int, n: int) -> np.ndarray | None:
        """The work-items waiting at ``seg`` in ascending order (None: all n)."""
        parts = self.parts[seg]
        self.parts[seg] = []
        if len(parts) == 1:
            return parts[0]
        total = sum(len(p) for p in parts if p is not None)  # None comes alone
        if total == n:
            return None
        if total * 32 > n:  # many: a mask over the chunk is cheaper than a merge
            mark = np.zeros(n, bool)
            for p in parts:
                mark[p] = True
            return np.flatnonzero(mark)
        idx: np.ndarray = np.concatenate(parts)  # type: ignore[arg-type]
        idx.sort(kind="stable")  # sorted runs: a merge
        return idx


def _edge(
    prog: _Program, owned: set[int], seg: _Seg, tgt: Block, env: list[Any], store: list[Any],
    waiting: _Waiting, idx: np.ndarray | None, m: np.ndarray | None, n: int,
) -> None:  # fmt: skip
    """Send the active lanes (those in ``m``, if given) to ``tgt``, taking its phis."""
    sub = idx if m is None else (np.flatnonzero(m) if idx is None else np.compress(m, idx))
    vals = [(dst, env[src] if m is None else _select_lanes(env[src], m), dt)
            for dst, src, dt in seg.edges[tgt]]  # fmt: skip
    for dst, v, dt in vals:
        _scatter(store, owned, dst, v, sub, n, dt)
    waiting.add(prog.first_seg[tgt], sub)
