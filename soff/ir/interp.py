"""The reference interpreter: runs a kernel over an NDRange on numpy buffers.

It is the golden model for hardware tests, so it follows docs/ir.md to the
letter: integers wrap to their type, division and shifts have the defined
corner cases, casts extend by the source's signedness, phis take their values
in parallel on the edge into their block. Floats are numpy ``float16/32/64``
scalars, so rounding is IEEE round-to-nearest-even.

Each block is compiled once into a Python function (one statement per op,
phi copies at the branches), so thousands of work-items run quickly. Without
barriers, work-items run one after another in order of global id, dimension 0
fastest. A kernel with ``barrier`` ops runs work-group by work-group: each
work-item is a Python generator that yields at each barrier (a block is split
into segments there); the group's work-items run in order of local id up to
the next barrier, and all of them must reach the same barrier op (or all
return), else :class:`InterpError` ("barrier divergence"). ``__local`` memory
(pointer arguments, sized by the host with :class:`Local`, and
``alloca : ptr.local<T>`` arrays) is a fresh zero-filled buffer per work-group.
"""

from __future__ import annotations

import operator
import struct
from collections.abc import Callable, Iterator, Mapping
from fractions import Fraction
from typing import Any

import numpy as np

from soff.diagnostics import SourceLoc, UnsupportedError
from soff.ir.core import (
    MATH_FUNCTIONS,
    WORKITEM_OPS,
    Arg,
    Block,
    Kernel,
    Op,
    Value,
    predicate_index,
)
from soff.ir.semantics import math_eval, round_fraction
from soff.ir.types import ArrayType, FloatType, IntType, PtrType, Type
from soff.ir.verifier import verify_kernel

__all__ = ["InterpError", "Local", "run_kernel", "default_local_size", "atomic_update"]

_FLOAT_DTYPES = {16: np.float16, 32: np.float32, 64: np.float64}
_INT_STRUCTS = {
    (1, True): "<b",
    (1, False): "<B",
    (2, True): "<h",
    (2, False): "<H",
    (4, True): "<i",
    (4, False): "<I",
    (8, True): "<q",
    (8, False): "<Q",
}
_CMP = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
_PTR_ORDER = {"lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge}


class InterpError(RuntimeError):
    """A kernel did something undefined while being interpreted (e.g. an out-of-bounds access)."""

    def __init__(self, message: str, loc: SourceLoc | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.loc = loc

    def __str__(self) -> str:
        return f"{self.loc}: {self.message}" if self.loc is not None else self.message


class Local:
    """The value of a ``__local`` pointer argument: ``nbytes`` of local memory,
    a fresh zero-filled buffer for each work-group (OpenCL leaves it undefined)."""

    def __init__(self, nbytes: int) -> None:
        if not isinstance(nbytes, int) or nbytes <= 0:
            raise ValueError(f"local memory size must be a positive byte count, not {nbytes!r}")
        self.nbytes = nbytes

    def __repr__(self) -> str:
        return f"Local({self.nbytes})"


def default_local_size(global_size: tuple[int, ...]) -> tuple[int, ...]:
    """The work-group size the hardware picks when none is given: the largest of
    64, 32, ..., 1 that divides the global size in dimension 0, and 1 elsewhere."""
    g0 = global_size[0] if global_size else 1
    first = next(n for n in (64, 32, 16, 8, 4, 2, 1) if g0 % n == 0)
    return (first,) + (1,) * (len(global_size) - 1)


class _Buffer:
    """A buffer argument's bytes, with typed numpy views onto the same memory."""

    def __init__(
        self, name: str, array: np.ndarray, kind: str = "argument", readonly: bool = False
    ) -> None:
        self.name = name
        self.array = array
        self.kind = kind  # for messages: "argument", "private array", "__constant data"
        self.readonly = readonly
        self.data = bytearray(np.ascontiguousarray(array).tobytes())
        self.n = len(self.data)
        self.views: dict[Any, np.ndarray] = {}

    def view(self, dtype: Any) -> np.ndarray:
        v = self.views.get(dtype)
        if v is None:
            size = np.dtype(dtype).itemsize
            v = np.frombuffer(self.data, dtype=dtype, count=self.n // size)
            self.views[dtype] = v
        return v

    def result(self) -> np.ndarray:
        return (
            np.frombuffer(bytes(self.data), dtype=self.array.dtype).reshape(self.array.shape).copy()
        )


# -- runtime helpers (called from generated code) -------------------------


def _sdiv(a: int, b: int, m: int, h: int) -> int:
    if b == 0:
        return -1
    q = abs(a) // abs(b)
    if (a < 0) != (b < 0):
        q = -q
    return ((q + h) & m) - h  # MIN / -1 wraps to MIN


def _udiv(a: int, b: int, m: int) -> int:
    return m if b == 0 else a // b


def _srem(a: int, b: int) -> int:
    if b == 0:
        return a
    r = abs(a) % abs(b)
    return -r if a < 0 else r


def _urem(a: int, b: int) -> int:
    return a if b == 0 else a % b


def _f2i(x: Any, m: int, h: int | None) -> int:
    """C float-to-integer conversion (truncation); NaN gives 0 and values out of
    range wrap (C leaves both undefined)."""
    f = float(x)
    if f != f or f in (float("inf"), float("-inf")):
        return 0
    v = int(f)
    return ((v + h) & m) - h if h is not None else v & m


def _i2f(x: int, dt: Any, width: int) -> Any:
    """Integer to float conversion, rounded once (to nearest even)."""
    if width < 64 and abs(x) >= 1 << 53:  # float(x) would already round
        return dt(round_fraction(Fraction(x), width))
    return dt(float(x))


def _bitcast(x: Any, src: Type, dst: Type) -> Any:
    def dtype(t: Type) -> Any:
        if isinstance(t, FloatType):
            return _FLOAT_DTYPES[t.width]
        assert isinstance(t, IntType)
        return {8: np.uint8, 16: np.uint16, 32: np.uint32, 64: np.uint64}[t.width]

    if isinstance(src, IntType):
        x = x & ((1 << src.width) - 1)
    v = np.array(x, dtype=dtype(src)).view(dtype(dst))[()]
    if isinstance(dst, IntType):
        return dst.wrap(int(v))
    return v


def atomic_update(kind: str, t: Type) -> Callable[..., Any]:
    """The new value of an ``atomic {op = kind}`` on type ``t``, as a function of the
    old value and the op's value operands (docs/ir.md)."""
    if isinstance(t, FloatType):
        dt = _FLOAT_DTYPES[t.width]
        if kind == "add":
            return lambda old, v: dt(old + v)
        if kind == "xchg":
            return lambda old, v: v
        raise UnsupportedError(f"atomic {kind} on {t}")
    assert isinstance(t, IntType)
    w = t.wrap
    table: dict[str, Callable[..., Any]] = {
        "add": lambda old, v: w(old + v),
        "sub": lambda old, v: w(old - v),
        "xchg": lambda old, v: v,
        "min": min,
        "max": max,
        "and": lambda old, v: w(old & v),
        "or": lambda old, v: w(old | v),
        "xor": lambda old, v: w(old ^ v),
        "inc": lambda old: w(old + 1),
        "dec": lambda old: w(old - 1),
        "inc_wrap": lambda old, v: 0 if old >= v else w(old + 1),
        "dec_wrap": lambda old, v: v if old == 0 or old > v else w(old - 1),
        "cmpxchg": lambda old, v, c: v if old == c else old,
    }
    return table[kind]


class _Compiler:
    """Compiles one kernel into per-block Python functions."""

    def __init__(self, kernel: Kernel, wi: list[int], ndims: int) -> None:
        self.kernel = kernel
        self.wi = wi  # the current work-item's ids and sizes (see run_kernel)
        self.ndims = ndims
        self.slot: dict[Value, int] = {}
        for a in kernel.args:
            self.slot[a] = len(self.slot)
        for op in kernel.ops():
            self.slot[op] = len(self.slot)
        self.consts: dict[int, Any] = {}
        self.ns: dict[str, Any] = {
            "_sdiv": _sdiv,
            "_udiv": _udiv,
            "_srem": _srem,
            "_urem": _urem,
            "_f2i": _f2i,
            "_bitcast": _bitcast,
            "_i2f": _i2f,
            "_np": np,
            "_math": math_eval,
            "_pcmp": self._pcmp,
        }
        self.block_index = {b: i for i, b in enumerate(kernel.blocks)}
        self.barriers: list[Op] = []  # barrier k returns -2 - k from its segment
        self.resume: list[int] = []  # barrier k -> the segment after it
        self.segments: list[Callable[[list, list], int] | None] = [None] * len(kernel.blocks)
        self.local_allocas = [
            op
            for op in kernel.ops()
            if op.opcode == "alloca" and isinstance(op.type, PtrType) and op.type.space == "local"
        ]

    # -- helpers ---------------------------------------------------------
    def unsupported(self, op: Op, what: str) -> UnsupportedError:
        return UnsupportedError(f"the interpreter does not support {what} ({op.opcode})", op.loc)

    def r(self, v: Value) -> str:
        return f"r[{self.slot[v]}]"

    def const_name(self, value: Any) -> str:
        name = f"K{len(self.ns)}"
        self.ns[name] = value
        return name

    @staticmethod
    def wrap(expr: str, t: IntType) -> str:
        m = (1 << t.width) - 1
        if t.signed:
            h = 1 << (t.width - 1)
            return f"((({expr}) + {h}) & {m}) - {h}"
        return f"({expr}) & {m}"

    @staticmethod
    def _pcmp(a: tuple, b: tuple, pred: str) -> int:
        if pred == "eq":
            return int(a[0] is b[0] and a[1] == b[1])
        if pred == "ne":
            return int(not (a[0] is b[0] and a[1] == b[1]))
        return int(_PTR_ORDER[pred](a[1], b[1]))

    def dtype(self, t: Type) -> Any:
        assert isinstance(t, FloatType)
        return _FLOAT_DTYPES[t.width]

    def zero(self, t: Type) -> Any:
        if isinstance(t, IntType):
            return 0
        if isinstance(t, FloatType):
            return self.dtype(t)(0)
        return (None, 0)

    # -- memory ----------------------------------------------------------
    def oob(self, op: Op, kind: str, ptr: tuple, size: int) -> InterpError:
        buf, off = ptr
        gid = tuple(self.wi[0 : self.ndims])
        if buf is None:
            return InterpError(f"{kind} through a null pointer at work-item {gid}", op.loc)
        if kind == "store" and buf.readonly:
            return InterpError(
                f"store to read-only {buf.kind} '{buf.name}' at work-item {gid}", op.loc
            )
        return InterpError(
            f"{kind} out of bounds of {buf.kind} '{buf.name}': bytes [{off}, {off + size}) "
            f"of a {buf.n}-byte buffer, at work-item with global id {gid}",
            op.loc,
        )

    def make_load(self, op: Op) -> Callable[[tuple], Any]:
        t = op.type
        size = t.size
        oob = self.oob
        if isinstance(t, FloatType):
            dt = self.dtype(t)

            def load_float(ptr: tuple) -> Any:
                buf, off = ptr
                if buf is None or off < 0 or off + size > buf.n:
                    raise oob(op, "load", ptr, size)
                if off % size == 0:
                    return buf.view(dt)[off // size]
                return np.frombuffer(buf.data, dtype=dt, count=1, offset=off)[0]

            return load_float
        if not isinstance(t, IntType):
            raise self.unsupported(op, f"loads of type {t}")
        fmt = _INT_STRUCTS.get((size, t.signed))
        if fmt is not None and size * 8 == t.width:
            unpack = struct.Struct(fmt).unpack_from

            def load_int(ptr: tuple) -> Any:
                buf, off = ptr
                if buf is None or off < 0 or off + size > buf.n:
                    raise oob(op, "load", ptr, size)
                return unpack(buf.data, off)[0]

            return load_int

        def load_odd_width(ptr: tuple) -> Any:
            buf, off = ptr
            if buf is None or off < 0 or off + size > buf.n:
                raise oob(op, "load", ptr, size)
            return t.wrap(int.from_bytes(buf.data[off : off + size], "little"))

        return load_odd_width

    def make_store(self, op: Op, t: Type | None = None) -> Callable[[tuple, Any], None]:
        t = op.operands[1].type if t is None else t
        size = t.size
        oob = self.oob
        if isinstance(t, FloatType):
            dt = self.dtype(t)

            def store_float(ptr: tuple, value: Any) -> None:
                buf, off = ptr
                if buf is None or off < 0 or off + size > buf.n or buf.readonly:
                    raise oob(op, "store", ptr, size)
                if off % size == 0:
                    buf.view(dt)[off // size] = value
                else:
                    buf.data[off : off + size] = dt(value).tobytes()

            return store_float
        if not isinstance(t, IntType):
            raise self.unsupported(op, f"stores of type {t}")
        fmt = _INT_STRUCTS.get((size, t.signed))
        if fmt is not None and size * 8 == t.width:
            pack = struct.Struct(fmt).pack_into

            def store_int(ptr: tuple, value: Any) -> None:
                buf, off = ptr
                if buf is None or off < 0 or off + size > buf.n or buf.readonly:
                    raise oob(op, "store", ptr, size)
                pack(buf.data, off, value)

            return store_int
        mask = (1 << (size * 8)) - 1

        def store_odd_width(ptr: tuple, value: Any) -> None:
            buf, off = ptr
            if buf is None or off < 0 or off + size > buf.n or buf.readonly:
                raise oob(op, "store", ptr, size)
            buf.data[off : off + size] = (value & mask).to_bytes(size, "little")

        return store_odd_width

    def make_atomic(self, op: Op) -> Callable[..., Any]:
        """``atomic``: load, compute, store (one step: work-items run one at a time)."""
        t = op.type
        if not isinstance(t, (IntType, FloatType)):
            raise self.unsupported(op, f"atomics of type {t}")
        load, store = self.make_load(op), self.make_store(op, t)
        update = atomic_update(str(op.attrs["op"]), t)

        def atomic(ptr: tuple, *values: Any) -> Any:
            old = load(ptr)
            store(ptr, update(old, *values))
            return old

        return atomic

    # -- ops -------------------------------------------------------------
    def expr(self, op: Op) -> str:
        oc, t = op.opcode, op.type
        a = [self.r(v) for v in op.operands]
        if oc in ("add", "sub", "mul"):
            sym = {"add": "+", "sub": "-", "mul": "*"}[oc]
            if isinstance(t, IntType):
                return self.wrap(f"{a[0]} {sym} {a[1]}", t)
            if isinstance(t, FloatType):
                return f"{a[0]} {sym} {a[1]}"
        elif oc in ("div", "rem"):
            if isinstance(t, IntType):
                m, h = (1 << t.width) - 1, 1 << (t.width - 1)
                if oc == "div":
                    if t.signed:
                        return f"_sdiv({a[0]}, {a[1]}, {m}, {h})"
                    return f"_udiv({a[0]}, {a[1]}, {m})"
                return f"_{'s' if t.signed else 'u'}rem({a[0]}, {a[1]})"
            if isinstance(t, FloatType):
                if oc == "div":
                    return f"{a[0]} / {a[1]}"
                return f"{self.const_name(np.fmod)}({a[0]}, {a[1]})"
        elif oc in ("and", "or", "xor") and isinstance(t, IntType):
            sym = {"and": "&", "or": "|", "xor": "^"}[oc]
            return f"{a[0]} {sym} {a[1]}"  # in range for in-range operands
        elif oc == "shl" and isinstance(t, IntType):
            return self.wrap(f"{a[0]} << ({a[1]} % {t.width})", t)
        elif oc == "shr" and isinstance(t, IntType):
            return f"{a[0]} >> ({a[1]} % {t.width})"  # Python >> is arithmetic
        elif oc == "neg":
            if isinstance(t, IntType):
                return self.wrap(f"-{a[0]}", t)
            if isinstance(t, FloatType):
                return f"-{a[0]}"
        elif oc == "not" and isinstance(t, IntType):
            return self.wrap(f"~{a[0]}", t)
        elif oc == "popcount" and isinstance(t, IntType):
            return f'bin({a[0]} & {(1 << t.width) - 1}).count("1")'
        elif oc == "clz" and isinstance(t, IntType):
            return f"{t.width} - ({a[0]} & {(1 << t.width) - 1}).bit_length()"
        elif oc == "cmp":
            pred = str(op.attrs.get("pred"))
            st = op.operands[0].type
            if isinstance(st, PtrType):
                return f"_pcmp({a[0]}, {a[1]}, {pred!r})"
            if isinstance(st, (IntType, FloatType)):
                return f"int({a[0]} {_CMP[pred]} {a[1]})"
        elif oc == "select":
            return f"({a[1]} if {a[0]} else {a[2]})"
        elif oc == "math":
            return self.math(op, a)
        elif oc == "alloca":
            return self.alloca(op)
        elif oc == "cast":
            return self.cast(op, a[0])
        elif oc == "bitcast":
            st = op.operands[0].type
            if st == t or isinstance(t, PtrType) and isinstance(st, PtrType):
                return a[0]
            if all(
                isinstance(x, (IntType, FloatType)) and x.bits in (8, 16, 32, 64) for x in (st, t)
            ):
                return f"_bitcast({a[0]}, {self.const_name(st)}, {self.const_name(t)})"
        elif oc == "ptradd":
            pt = op.operands[0].type
            assert isinstance(pt, PtrType)
            return f"({a[0]}[0], {a[0]}[1] + {a[1]} * {pt.pointee.size})"
        elif oc == "load":
            fn = self.const_name(self.make_load(op))
            if len(a) == 2:
                return f"({fn}({a[0]}) if {a[1]} else {self.const_name(self.zero(t))})"
            return f"{fn}({a[0]})"
        elif oc == "atomic":
            fn = self.const_name(self.make_atomic(op))
            pi = predicate_index(op)
            assert pi is not None
            call = f"{fn}({', '.join(a[:pi])})"
            if len(a) > pi:
                return f"({call} if {a[pi]} else {self.const_name(self.zero(t))})"
            return call
        elif oc in WORKITEM_OPS:
            dim = op.attrs["dim"]
            return f"wi[{WORKITEM_OPS.index(oc) * 3 + dim}]"
        raise self.unsupported(op, f"type {t}")

    def rodata(self, op: Op) -> _Buffer:
        t = op.type
        assert isinstance(t, PtrType)
        leaf = t.pointee
        while isinstance(leaf, ArrayType):
            leaf = leaf.elem
        out = bytearray()
        for v in op.attrs.get("data", []):
            if isinstance(leaf, FloatType):
                out += self.dtype(leaf)(v).tobytes()
            elif isinstance(leaf, IntType):
                out += (int(v) & ((1 << (leaf.size * 8)) - 1)).to_bytes(leaf.size, "little")
            else:
                raise self.unsupported(op, f"rodata of type {t.pointee}")
        out += bytes(max(0, t.pointee.size - len(out)))
        raw = np.frombuffer(bytes(out), np.uint8)
        return _Buffer(op.name or "rodata", raw, "__constant data", readonly=True)

    def alloca(self, op: Op) -> str:
        t = op.type
        assert isinstance(t, PtrType)
        size, name = t.pointee.size, op.name or "alloca"

        def fresh() -> tuple[_Buffer, int]:
            return (_Buffer(name, np.zeros(size, np.uint8), "private array"), 0)

        return f"{self.const_name(fresh)}()"

    def math(self, op: Op, a: list[str]) -> str:
        fn = op.attrs.get("fn")
        if fn == "fabs":
            return f"abs({a[0]})"
        if fn in ("sqrt", "floor", "ceil", "trunc", "fmin", "fmax"):
            return f"_np.{fn}({', '.join(a)})"  # numpy keeps the operand's precision
        ft = op.operands[0].type
        if fn not in MATH_FUNCTIONS or not isinstance(ft, FloatType):
            raise self.unsupported(op, f"the math function {fn!r}")
        return f"_math({fn!r}, ({', '.join(a)},), {ft.width})"

    def cast(self, op: Op, a: str) -> str:
        st, t = op.operands[0].type, op.type
        if isinstance(t, IntType):
            if isinstance(st, IntType):
                return self.wrap(a, t)
            if isinstance(st, FloatType):
                m = (1 << t.width) - 1
                h = (1 << (t.width - 1)) if t.signed else None
                return f"_f2i({a}, {m}, {h})"
        if isinstance(t, FloatType) and isinstance(st, IntType):
            return f"_i2f({a}, {self.const_name(self.dtype(t))}, {t.width})"
        if isinstance(t, FloatType) and isinstance(st, FloatType):
            return f"{self.const_name(self.dtype(t))}({a})"
        if isinstance(t, PtrType) and isinstance(st, PtrType):
            return a
        raise self.unsupported(op, f"casts from {st} to {t}")

    def const_value(self, op: Op) -> Any:
        t, v = op.type, op.attrs.get("value")
        if isinstance(t, IntType) and isinstance(v, (int, bool)):
            return t.wrap(int(v))
        if isinstance(t, FloatType) and isinstance(v, (int, float)):
            return self.dtype(t)(v)
        raise self.unsupported(op, f"constants {v!r} of type {t}")

    def edge(self, src: Block, dst: Block, indent: str) -> list[str]:
        lines = []
        dsts, srcs = [], []
        for op in dst.ops:
            if op.opcode != "phi":
                break
            i = op.blocks.index(src)
            dsts.append(self.r(op))
            srcs.append(self.r(op.operands[i]))
        if dsts:
            lines.append(f"{indent}{', '.join(dsts)}, = {', '.join(srcs)},")
        lines.append(f"{indent}return {self.block_index[dst]}")
        return lines

    def emit(self, lines: list[str], index: int, b: Block) -> None:
        code = "\n".join(lines) + "\n"
        exec(compile(code, f"<soff interp @{self.kernel.name} ^{b.name}>", "exec"), self.ns)  # noqa: S102
        self.segments[index] = self.ns[f"seg_{index}"]

    def block(self, b: Block, index: int) -> None:
        """Compile block ``b`` into segment ``index`` (and one more segment after
        each barrier); a segment returns the next block's index, -1 at ``ret``,
        or -2 - k at barrier k."""
        lines = [f"def seg_{index}(r, wi):"]
        for op in b.ops:
            oc = op.opcode
            if oc == "alloca" and op in self.local_allocas:
                continue  # a per-group buffer set up by run_kernel
            if oc == "barrier":
                k = len(self.barriers)
                self.barriers.append(op)
                lines.append(f"    return {-2 - k}")
                self.emit(lines, index, b)
                index = len(self.segments)
                self.segments.append(None)
                self.resume.append(index)
                lines = [f"def seg_{index}(r, wi):"]
                continue
            if oc in ("phi", "const", "rodata"):
                if oc == "const":
                    self.consts[self.slot[op]] = self.const_value(op)
                elif oc == "rodata":
                    self.consts[self.slot[op]] = (self.rodata(op), 0)
                continue
            if oc == "store":
                fn = self.const_name(self.make_store(op))
                call = f"{fn}({self.r(op.operands[0])}, {self.r(op.operands[1])})"
                if len(op.operands) == 3:
                    lines.append(f"    if {self.r(op.operands[2])}: {call}")
                else:
                    lines.append(f"    {call}")
            elif oc == "printf":
                fn = self.const_name(_printf_fn(op))
                lines.append(f"    {fn}({', '.join(self.r(v) for v in op.operands)})")
            elif oc == "br":
                lines += self.edge(b, op.blocks[0], "    ")
            elif oc == "cbr":
                lines.append(f"    if {self.r(op.operands[0])}:")
                lines += self.edge(b, op.blocks[0], "        ")
                lines += self.edge(b, op.blocks[1], "    ")
            elif oc == "ret":
                lines.append("    return -1")
            else:
                lines.append(f"    {self.r(op)} = {self.expr(op)}")
        self.emit(lines, index, b)

    def compile(self) -> list[Callable[[list, list], int]]:
        for i, b in enumerate(self.kernel.blocks):
            self.block(b, i)
        out = [f for f in self.segments if f is not None]
        assert len(out) == len(self.segments)
        return out


def _printf_fn(op: Op) -> Callable[..., None]:
    """What a ``printf`` op runs: format its operands and print (soff.ir.printf)."""
    from soff.ir.printf import emit, format_printf

    fmt, types = str(op.attrs["format"]), [v.type for v in op.operands]

    def run(*values: Any) -> None:
        emit(format_printf(fmt, list(values), types))

    return run


def _name(arg: Arg) -> str:
    return arg.name or ""


def _arg_value(arg: Arg, value: Any, buffers: dict[str, _Buffer]) -> Any:
    t = arg.type
    if isinstance(t, PtrType) and t.space == "local":
        if not isinstance(value, Local):
            raise TypeError(
                f"argument '{arg.name}' is a __local pointer and needs soff.ir.interp.Local(nbytes), "
                f"not {type(value).__name__}"
            )
        return value  # replaced by a per-group buffer in run_kernel
    if isinstance(t, PtrType):
        if isinstance(value, Local):
            raise TypeError(f"argument '{arg.name}' is a {t.space} pointer, not a __local one")
        if not isinstance(value, np.ndarray):
            raise TypeError(
                f"argument '{arg.name}' is a pointer and needs a numpy array, "
                f"not {type(value).__name__}"
            )
        buf = _Buffer(_name(arg), value)
        buffers[_name(arg)] = buf
        return (buf, 0)
    if isinstance(t, IntType):
        if isinstance(value, (float, np.floating)) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"argument '{arg.name}' must be an integer, not {type(value).__name__}")
        return t.wrap(int(value))
    if isinstance(t, FloatType):
        if not isinstance(value, (int, float, np.integer, np.floating)):
            raise TypeError(f"argument '{arg.name}' must be a number, not {type(value).__name__}")
        return _FLOAT_DTYPES[t.width](value)
    raise UnsupportedError(f"the interpreter does not support arguments of type {t}", arg.loc)


def launch_sizes(
    kernel: Kernel,
    args: Mapping[str, Any],
    global_size: tuple[int, ...] | int,
    local_size: tuple[int, ...] | int | None,
) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """Check a launch: the global size, the local size (``reqd_work_group_size``
    or :func:`default_local_size` when None) and the argument names. Returns the
    global size and the global, local and group counts padded to 3 dimensions."""
    gsize = (global_size,) if isinstance(global_size, int) else tuple(global_size)
    if not 1 <= len(gsize) <= 3 or any(g < 1 for g in gsize):
        raise ValueError(f"global size must have 1 to 3 positive dimensions, not {gsize}")
    if local_size is None:
        reqd = kernel.attrs.get("reqd_work_group_size")
        lsize = tuple(reqd[: len(gsize)]) if reqd else default_local_size(gsize)
    else:
        lsize = (local_size,) if isinstance(local_size, int) else tuple(local_size)
    if len(lsize) != len(gsize):
        raise ValueError(f"local size {lsize} and global size {gsize} differ in dimensions")
    for d, (g, loc) in enumerate(zip(gsize, lsize, strict=True)):
        if loc < 1 or g % loc:
            raise ValueError(f"local size {loc} does not divide global size {g} in dimension {d}")
    g3 = gsize + (1,) * (3 - len(gsize))
    l3 = lsize + (1,) * (3 - len(lsize))
    n3 = tuple(g // loc for g, loc in zip(g3, l3, strict=True))

    names = {_name(a) for a in kernel.args}
    missing = [_name(a) for a in kernel.args if _name(a) not in args]
    if missing:
        raise TypeError(f"kernel '{kernel.name}' is missing argument(s) {', '.join(missing)}")
    extra = sorted(set(args) - names)
    if extra:
        raise TypeError(f"kernel '{kernel.name}' has no argument(s) {', '.join(extra)}")
    return gsize, g3, l3, n3


def run_kernel(
    kernel: Kernel,
    args: Mapping[str, np.ndarray | int | float],
    global_size: tuple[int, ...] | int,
    local_size: tuple[int, ...] | int | None = None,
    vectorize: bool = True,
) -> dict[str, np.ndarray]:
    """Run ``kernel`` over the NDRange and return the buffer arguments afterwards.

    ``args`` maps argument names to numpy arrays (pointer arguments; copied, never
    mutated) or numbers. Without ``local_size`` the kernel's
    ``reqd_work_group_size`` is used, else :func:`default_local_size`.
    ``vectorize`` runs it in :mod:`soff.ir.vinterp` (numpy over the work-items,
    the same results; it comes back here for what it does not support);
    ``vectorize=False`` runs this reference interpreter, one work-item at a time.
    """
    from soff.layout import with_work_dim

    args = with_work_dim([_name(a) for a in kernel.args], args, global_size)
    if any("." in _name(a) for a in kernel.args):  # a struct passed by value
        from soff.layout import expand_struct_args

        args = expand_struct_args([_name(a) for a in kernel.args], args)
    if vectorize:
        from soff.ir.vinterp import run_kernel_fast

        return run_kernel_fast(kernel, args, global_size, local_size)
    gsize, g3, l3, n3 = launch_sizes(kernel, args, global_size, local_size)

    buffers: dict[str, _Buffer] = {}
    verify_kernel(kernel)
    wi = [0] * 18  # per WORKITEM_OPS entry, dims 0..2
    comp = _Compiler(kernel, wi, len(gsize))
    fns = comp.compile()
    base: list[Any] = [None] * len(comp.slot)
    for a in kernel.args:
        base[comp.slot[a]] = _arg_value(a, args[_name(a)], buffers)
    for s, v in comp.consts.items():
        base[s] = v
    wi[9:12] = g3  # global_size
    wi[12:15] = l3  # local_size
    wi[15:18] = n3  # num_groups

    local_slots: list[tuple[int, str, int, str]] = [
        (comp.slot[a], _name(a), base[comp.slot[a]].nbytes, "__local argument")
        for a in kernel.args
        if isinstance(base[comp.slot[a]], Local)
    ]
    for op in comp.local_allocas:
        assert isinstance(op.type, PtrType)
        local_slots.append(
            (comp.slot[op], op.name or "local", op.type.pointee.size, "__local array")
        )

    def set_group_memory() -> None:
        for s, n, size, kind in local_slots:
            base[s] = (_Buffer(n, np.zeros(size, np.uint8), kind), 0)

    with np.errstate(all="ignore"):
        if comp.barriers or local_slots:
            _run_groups(comp, fns, base, wi, l3, n3, set_group_memory)
        else:
            _run_items(fns, base, wi, g3, l3)
    return {name: buf.result() for name, buf in buffers.items()}


def _run_items(
    fns: list[Callable[[list, list], int]],
    base: list[Any],
    wi: list[int],
    g3: tuple[int, ...],
    l3: tuple[int, ...],
) -> None:
    """No barriers nor __local memory: run the work-items one after another in
    order of global id."""
    entry = fns[0]
    for z in range(g3[2]):
        for y in range(g3[1]):
            for x in range(g3[0]):
                wi[0:9] = (
                    x, y, z,
                    x % l3[0], y % l3[1], z % l3[2],
                    x // l3[0], y // l3[1], z // l3[2],
                )  # fmt: skip
                r = base[:]
                b = entry(r, wi)
                while b >= 0:
                    b = fns[b](r, wi)


def _work_item(
    fns: list[Callable[[list, list], int]],
    resume: list[int],
    r: list[Any],
    ids: tuple[int, ...],
    wi: list[int],
) -> Iterator[int]:
    """One work-item as a generator: yields the index of each barrier it reaches."""
    b = 0
    while True:
        wi[0:9] = ids
        while b >= 0:
            b = fns[b](r, wi)
        if b == -1:
            return
        yield -2 - b
        b = resume[-2 - b]


def _run_groups(
    comp: _Compiler,
    fns: list[Callable[[list, list], int]],
    base: list[Any],
    wi: list[int],
    l3: tuple[int, ...],
    n3: tuple[int, ...],
    set_group_memory: Callable[[], None],
) -> None:
    """Barriers or __local memory: run work-group by work-group (fresh __local
    memory for each), the work-items of a group in order of local id from
    barrier to barrier."""
    nd = comp.ndims
    for gz in range(n3[2]):
        for gy in range(n3[1]):
            for gx in range(n3[0]):
                set_group_memory()
                items: list[tuple[tuple[int, ...], Iterator[int]]] = []
                for lz in range(l3[2]):
                    for ly in range(l3[1]):
                        for lx in range(l3[0]):
                            ids: tuple[int, ...] = (
                                gx * l3[0] + lx, gy * l3[1] + ly, gz * l3[2] + lz,
                                lx, ly, lz, gx, gy, gz,
                            )  # fmt: skip
                            items.append((ids, _work_item(fns, comp.resume, base[:], ids, wi)))
                while True:
                    at: dict[int | None, list[tuple[int, ...]]] = {}
                    for item_ids, gen in items:
                        at.setdefault(next(gen, None), []).append(item_ids[0:nd])
                    if len(at) > 1:
                        raise _divergence(comp, (gx, gy, gz)[0:nd], at)
                    if None in at:
                        break


def _divergence(
    comp: _Compiler, group: tuple[int, ...], at: dict[int | None, list[tuple[int, ...]]]
) -> InterpError:
    def items(ids: list[tuple[int, ...]]) -> str:
        shown = ", ".join(str(i[0] if len(i) == 1 else i) for i in ids[:4])
        more = f" and {len(ids) - 4} more" if len(ids) > 4 else ""
        return f"work-item{'s' if len(ids) > 1 else ''} {shown}{more}"

    parts = []
    loc = None
    for k, ids in sorted(at.items(), key=lambda kv: kv[1][0][::-1]):
        if k is None:
            parts.append(f"{items(ids)} returned")
        else:
            bar = comp.barriers[k]
            loc = loc or bar.loc
            where = f" at {bar.loc}" if bar.loc is not None else f" #{k}"
            parts.append(f"{items(ids)} reached the barrier{where}")
    return InterpError(
        f"barrier divergence in work-group {group[0] if len(group) == 1 else group} "
        f"(global ids): " + "; ".join(parts),
        loc,
    )
