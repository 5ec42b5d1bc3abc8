"""Lowering the pycparser AST of OpenCL C to soff IR (``lower-ast-to-ir``).

Expects the AST made by :mod:`soff.frontend.opencl` (address-space qualifiers
in ``quals``, ``__kernel`` in ``funcspec``). Leaves one :class:`Kernel` per
``__kernel`` function, in SSA form (built on the fly, Braun et al. 2013,
trivial phis pruned), with C's integer promotions and usual arithmetic
conversions made explicit as ``cast`` ops, ``&&``/``||``/``?:`` lowered to
control flow, memory order inside each block given by ``deps``, and every op
located at its source construct. Anything else raises
:class:`UnsupportedError` at the construct's location.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from pycparser import c_ast

from soff.diagnostics import CompileError, SourceLoc, UnsupportedError
from soff.frontend import atomics, cfunc, cuda, halfvec, printf, relational, structs, vectors
from soff.frontend.builtins import BUILTINS, lower_builtin
from soff.frontend.cuda import CudaContext
from soff.frontend.opencl import (
    ACCESS_QUALS,
    ADDRESS_SPACE_QUALS,
    SCALAR_TYPEDEFS,
    UNSUPPORTED_TYPE_NAMES,
    VECTOR_TYPE_NAMES,
    Attribute,
    ParsedSource,
)
from soff.frontend.vectors import VecPtr, VecValue, cl_name, ir_type, is_vec
from soff.ir.builder import Builder
from soff.ir.core import Arg, Block, Kernel, Module, Op, Value
from soff.ir.semantics import round_fraction
from soff.ir.types import (
    BOOL,
    F16,
    F32,
    F64,
    I32,
    I64,
    U8,
    U32,
    U64,
    VOID,
    ArrayType,
    FloatType,
    IntType,
    PtrType,
    StructType,
    Type,
    VectorType,
)
from soff.layout import WORK_DIM_ARG

WORKITEM_FUNCTIONS = {
    "get_global_id": "global_id",
    "get_local_id": "local_id",
    "get_group_id": "group_id",
    "get_global_size": "global_size",
    "get_local_size": "local_size",
    "get_num_groups": "num_groups",
}
#: work-group barriers and memory fences (see lower_barrier)
BARRIER_FUNCTIONS = frozenset(
    "barrier work_group_barrier mem_fence read_mem_fence write_mem_fence".split()
)
#: OpenCL C built-in functions soff knows of but does not implement yet.
KNOWN_BUILTINS = frozenset(
    """get_work_dim get_global_offset
    async_work_group_copy async_work_group_strided_copy wait_group_events prefetch printf
    abs abs_diff add_sat hadd rhadd clamp clz mad_hi mad_sat max min mul_hi rotate sub_sat
    upsample popcount mad24 mul24 acos acosh acospi asin asinh asinpi atan atan2 atanh atanpi
    atan2pi cbrt ceil copysign cos cosh cospi erfc erf exp exp2 exp10 expm1 fabs fdim floor
    fma fmax fmin fmod fract frexp hypot ilogb ldexp lgamma lgamma_r log log2 log10 log1p logb
    mad maxmag minmag modf nan nextafter pow pown powr remainder remquo rint rootn round rsqrt
    sin sincos sinh sinpi sqrt tan tanh tanpi tgamma trunc degrees mix radians step smoothstep
    sign cross dot distance length normalize fast_distance fast_length fast_normalize isequal
    isnotequal isgreater isgreaterequal isless islessequal islessgreater isfinite isinf isnan
    isnormal isordered isunordered signbit any all bitselect select shuffle shuffle2
    vec_step""".split()
)
_BUILTIN_PREFIXES = (
    "convert_", "as_", "vload", "vstore", "atomic_", "atom_", "read_image", "write_image",
    "get_image_", "native_", "half_",
)  # fmt: skip

_BINARY_OPCODES = {
    "+": "add", "-": "sub", "*": "mul", "/": "div", "%": "rem",
    "&": "and", "|": "or", "^": "xor", "<<": "shl", ">>": "shr",
}  # fmt: skip
_CMP_PREDS = {"==": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}


@dataclass(eq=False)
class Var:
    """A named local variable or kernel parameter (a scalar or a pointer)."""

    name: str
    type: Type
    loc: SourceLoc
    const: bool = False
    addr: Value | None = None  # set for variables in memory (arrays, __constant data)
    lanes: list[Var] | None = None  # a vector variable: one scalar variable per lane


#: The "value" of a call to a void function (an error wherever a value is needed).
_VOID_VALUE = Value(VOID)


class _LValue:
    type: Type

    def read(self, loc: SourceLoc) -> Value:
        raise NotImplementedError

    def write(self, value: Value, loc: SourceLoc) -> None:
        raise NotImplementedError

    # vector lvalues: some lanes only (a swizzle)
    def read_lanes(self, idx: list[int], loc: SourceLoc) -> list[Value]:
        v = self.read(loc)
        assert isinstance(v, VecValue)
        return [
            v.lanes[i] if i < len(v.lanes) else self.fn.const(0, v.lanes[0].type, loc) for i in idx
        ]

    def write_lanes(self, idx: list[int], values: list[Value], loc: SourceLoc) -> None:
        v = self.read(loc)
        assert isinstance(v, VecValue)
        lanes = list(v.lanes)
        for i, x in zip(idx, values, strict=True):
            if i < len(lanes):  # lane 3 of a 3-lane vector's .hi/.odd does not exist
                lanes[i] = x
        self.write(VecValue(lanes), loc)

    fn: _FunctionLowerer


def _loc(node: Any, fallback: SourceLoc | None = None) -> SourceLoc:
    coord = getattr(node, "coord", None)
    if coord is None or coord.line is None:
        if fallback is not None:
            return fallback
        return SourceLoc("<unknown>", 0)
    return SourceLoc(coord.file, coord.line, coord.column or 0)


def _int_literal(text: str, loc: SourceLoc) -> tuple[int, IntType]:
    """The value and type of a C integer constant (OpenCL: long is 64-bit)."""
    body = text.rstrip("uUlL")
    suffix = text[len(body) :].lower()
    unsigned, long_ = "u" in suffix, "l" in suffix
    try:
        if body[:2].lower() == "0x":
            value, decimal = int(body[2:], 16), False
        elif body[:2].lower() == "0b":
            value, decimal = int(body[2:], 2), False
        elif len(body) > 1 and body[0] == "0":
            value, decimal = int(body[1:], 8), False
        else:
            value, decimal = int(body, 10), True
    except ValueError:
        raise CompileError(f"invalid integer constant '{text}'", loc) from None
    if unsigned:
        candidates = [U64] if long_ else [U32, U64]
    elif decimal:
        candidates = [I64] if long_ else [I32, I64]
    else:
        candidates = [I64, U64] if long_ else [I32, U32, I64, U64]
    for t in candidates:
        if value <= t.max:
            return value, t
    if value <= U64.max:
        return value, U64  # gcc: "integer constant is so large that it is unsigned"
    raise CompileError(f"integer constant '{text}' is too large", loc)


_ESCAPES = {
    "n": 10,
    "t": 9,
    "r": 13,
    "0": 0,
    "a": 7,
    "b": 8,
    "f": 12,
    "v": 11,
    "\\": 92,
    "'": 39,
    '"': 34,
    "?": 63,
}


def _float_literal(text: str, loc: SourceLoc) -> tuple[float, FloatType]:
    """The value and type of a C floating constant (decimal or hex), correctly rounded."""
    body = text
    t = F64
    if body[-1] in "fF":
        body, t = body[:-1], F32
    elif body[-1] in "hH":
        raise UnsupportedError("half literals need cl_khr_fp16", loc)
    elif body[-1] in "lL":
        body = body[:-1]
    try:
        exact = _hex_fraction(body) if body[:2].lower() == "0x" else Fraction(body)
    except (ValueError, ZeroDivisionError):
        raise CompileError(f"invalid floating constant '{text}'", loc) from None
    return round_fraction(exact, t.width), t


def _hex_fraction(body: str) -> Fraction:
    mant, _, exp = body[2:].lower().partition("p")
    whole, _, frac = mant.partition(".")
    digits = int((whole + frac) or "0", 16)
    return Fraction(digits) * Fraction(2) ** (int(exp or "0") - 4 * len(frac))


def _char_literal(text: str, loc: SourceLoc) -> int:
    if not text.startswith("'"):
        raise UnsupportedError("wide character constants are not supported yet", loc)
    body = text[1:-1]
    values: list[int] = []
    i = 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            values.append(ord(c))
            i += 1
            continue
        e = body[i + 1]
        if e == "x":
            j = i + 2
            while j < len(body) and body[j] in "0123456789abcdefABCDEF":
                j += 1
            values.append(int(body[i + 2 : j], 16) & 0xFF)
            i = j
        elif e in "01234567":
            j = i + 1
            while j < len(body) and j < i + 4 and body[j] in "01234567":
                j += 1
            values.append(int(body[i + 1 : j], 8) & 0xFF)
            i = j
        elif e in _ESCAPES:
            values.append(_ESCAPES[e])
            i += 2
        else:
            raise CompileError(f"unknown escape sequence '\\{e}'", loc)
    if len(values) != 1:
        raise UnsupportedError("multi-character constants are not supported yet", loc)
    v = values[0]
    if v > 0xFF:
        raise UnsupportedError("non-ASCII character constants are not supported yet", loc)
    return v - 256 if v >= 128 else v  # char is signed in OpenCL


def _const_eval(node: Any) -> int | None:
    """The value of an integer constant expression, or None (approximate C typing)."""
    if isinstance(node, c_ast.Constant):
        if node.type == "char":
            try:
                return _char_literal(node.value, SourceLoc("", 0))
            except CompileError:
                return None
        if node.type in ("float", "double", "string"):
            return None
        try:
            return _int_literal(node.value, SourceLoc("", 0))[0]
        except CompileError:
            return None
    if isinstance(node, c_ast.UnaryOp) and node.op in ("-", "+", "~", "!"):
        v = _const_eval(node.expr)
        if v is None:
            return None
        return {"-": -v, "+": v, "~": ~v, "!": int(not v)}[node.op]
    if isinstance(node, c_ast.Cast):
        return _const_eval(node.expr)
    if isinstance(node, c_ast.BinaryOp):
        a, b = _const_eval(node.left), _const_eval(node.right)
        if a is None or b is None:
            return None
        ops: dict[str, Callable[[int, int], int]] = {
            "+": lambda x, y: x + y, "-": lambda x, y: x - y, "*": lambda x, y: x * y,
            "&": lambda x, y: x & y, "|": lambda x, y: x | y, "^": lambda x, y: x ^ y,
            "<<": lambda x, y: x << y, ">>": lambda x, y: x >> y,
            "==": lambda x, y: int(x == y), "!=": lambda x, y: int(x != y),
            "<": lambda x, y: int(x < y), "<=": lambda x, y: int(x <= y),
            ">": lambda x, y: int(x > y), ">=": lambda x, y: int(x >= y),
            "&&": lambda x, y: int(bool(x) and bool(y)), "||": lambda x, y: int(bool(x) or bool(y)),
        }  # fmt: skip
        if node.op in ops:
            return ops[node.op](a, b)
        if node.op in ("/", "%") and b != 0:
            q = abs(a) // abs(b) * (1 if (a < 0) == (b < 0) else -1)
            return q if node.op == "/" else a - q * b
        return None
    if isinstance(node, c_ast.TernaryOp):
        c = _const_eval(node.cond)
        if c is None:
            return None
        return _const_eval(node.iftrue if c else node.iffalse)
    return None


class _Context:
    """Program-wide facts: typedefs, functions, kernel attributes."""

    def __init__(self, parsed: ParsedSource) -> None:
        self.parsed = parsed
        self.typedefs: dict[str, Any] = {}
        #: program-scope __constant variables: name -> (type, flat initial data, location)
        self.constants: dict[str, tuple[Type, list[int | float], SourceLoc]] = {}
        self.functions: dict[str, c_ast.Node] = {}
        self.cuda: CudaContext | None = None  # CUDA C (soff.frontend.cuda)
        self.default_space = "private"  # of unqualified pointers ("global" in CUDA C)
        #: struct and union tags, and the types of specifiers already seen (soff.frontend.structs)
        self.tags: dict[str, StructType] = {}
        self.tag_nodes: dict[int, tuple[Any, StructType]] = {}
        self.addr_taken: dict[int, set[str]] = {}
        self.typedef_names: dict[int, str] = {}  # typedef struct {...} T: the struct is T
        #: written file-scope variables of a C program (soff.frontend.cfunc): name ->
        #: (type, flat initial data, location); the read-only ones are in ``constants``
        self.ram_vars: dict[str, tuple[Type, list[int | float], SourceLoc]] = {}

    def base_type(self, names: list[str], loc: SourceLoc) -> Type:
        if self.cuda is not None:
            if len(names) == 1 and names[0] in self.cuda.bindings:
                return self.cuda.bindings[names[0]]  # a type parameter of a function template
            names = cuda.type_names(self, names, loc)
        if len(names) == 1:
            name = names[0]
            if name == "half":
                return F16
            if name in VECTOR_TYPE_NAMES:
                base, n = VECTOR_TYPE_NAMES[name]
                return VectorType(self.base_type([base], loc), n)
            if name in UNSUPPORTED_TYPE_NAMES:
                if name.endswith("_t"):
                    raise UnsupportedError(f"the {name} type is not supported yet", loc)
                raise UnsupportedError(f"vector types ('{name}') are not supported yet", loc)
            if name in SCALAR_TYPEDEFS:
                return self.base_type(SCALAR_TYPEDEFS[name].split(), loc)
            if name in self.typedefs:
                return self.c_type(self.typedefs[name], loc)
        if names == ["float"]:
            return F32
        if names in (["double"], ["long", "double"]):
            return F64
        if names == ["void"]:
            return VOID
        if names == ["_Bool"]:
            return BOOL
        known = {"char", "short", "int", "long", "signed", "unsigned"}
        if not names or any(n not in known for n in names):
            raise CompileError(f"unknown type name '{' '.join(names)}'", loc)
        signed = "unsigned" not in names
        if "char" in names:
            width = 8
        elif "short" in names:
            width = 16
        elif "long" in names:
            width = 64
        else:
            width = 32
        return IntType(width, signed)

    def c_type(self, node: Any, loc: SourceLoc) -> Type:
        """The IR type of a pycparser type node (TypeDecl, PtrDecl, ...)."""
        loc = _loc(node, loc)
        if isinstance(node, c_ast.Typename):
            return self.c_type(node.type, loc)
        if isinstance(node, c_ast.TypeDecl):
            for q in node.quals:
                if q in ACCESS_QUALS:
                    raise UnsupportedError("image access qualifiers are not supported yet", loc)
            inner = node.type
            if isinstance(inner, c_ast.IdentifierType):
                return self.base_type(inner.names, _loc(inner, loc))
            if isinstance(inner, (c_ast.Struct, c_ast.Union)):
                return structs.struct_type(self, inner, _loc(inner, loc))
            if isinstance(inner, c_ast.Enum):
                return I32  # enumerators are int constants (structs.resolve_enums)
            raise UnsupportedError("this type is not supported yet", loc)
        if isinstance(node, c_ast.PtrDecl):
            pointee = self.c_type(node.type, loc)
            if isinstance(pointee, PtrType):
                raise UnsupportedError("pointers to pointers are not supported yet", loc)
            if pointee == VOID:
                raise UnsupportedError("void pointers are not supported yet", loc)
            return PtrType(pointee, _address_space(node.type) or self.default_space)
        if isinstance(node, c_ast.ArrayDecl):
            elem = self.c_type(node.type, loc)
            if elem == VOID or isinstance(elem, PtrType):
                raise UnsupportedError(f"arrays of {elem} are not supported yet", loc)
            if isinstance(_leaf_type(elem), VectorType):
                raise UnsupportedError(
                    f"arrays of vectors ({cl_name(_leaf_type(elem))}) are not supported yet", loc
                )
            if node.dim is None:
                return ArrayType(elem, 0)  # unsized: the initialiser gives the count
            n = _const_eval(node.dim)
            if n is None:  # sizeof(T) and offsetof(T, m) in the size
                n = _const_eval(structs.fold_sizeof(self, node.dim))
            if n is None and self.cuda is not None:  # file-scope const ints name sizes in C++
                n = _const_eval(cuda.substitute_constants(self, node.dim))
            if n is None:
                raise UnsupportedError(
                    "arrays whose size is not an integer constant are not supported", loc
                )
            if n <= 0:
                raise CompileError(f"array size must be positive, not {n}", loc)
            if isinstance(elem, ArrayType) and elem.count == 0:
                raise CompileError("array has incomplete element type", loc)
            return ArrayType(elem, n)
        if isinstance(node, c_ast.FuncDecl):
            raise UnsupportedError("function pointers are not supported yet", loc)
        raise UnsupportedError("this type is not supported yet", loc)


def _quals_of(node: Any) -> list[str]:
    while isinstance(node, (c_ast.PtrDecl, c_ast.ArrayDecl)):
        node = node.type
    return list(getattr(node, "quals", []) or [])


def _decl_space(node: Any) -> str | None:
    """The address space of a declared variable (of an array's elements for arrays)."""
    while isinstance(node, c_ast.ArrayDecl):
        node = node.type
    return _address_space(node)


def _address_space(node: Any) -> str | None:
    """The address space written on a (pointee) type node, if any."""
    for q in getattr(node, "quals", []) or []:
        if q in ADDRESS_SPACE_QUALS:
            return ADDRESS_SPACE_QUALS[q]
        if q in cuda.CUDA_ADDRESS_SPACES:  # __shared__, __constant__ (only CUDA C has them)
            return cuda.CUDA_ADDRESS_SPACES[q]
    return None


class _VarLValue(_LValue):
    def __init__(self, fn: _FunctionLowerer, var: Var) -> None:
        self.fn, self.var, self.type = fn, var, var.type

    def read(self, loc: SourceLoc) -> Value:
        return self.fn.read_var(self.var, self.fn.block, loc)

    def write(self, value: Value, loc: SourceLoc) -> None:
        if isinstance(self.var.type, ArrayType):
            raise CompileError(f"array '{self.var.name}' is not assignable", loc)
        if self.var.const:
            raise CompileError(
                f"cannot assign to variable '{self.var.name}' with const-qualified type", loc
            )
        self.fn.assign_var(self.var, value)


class _MemLValue(_LValue):
    def __init__(self, fn: _FunctionLowerer, ptr: Value) -> None:
        assert isinstance(ptr.type, PtrType)
        self.fn, self.ptr, self.type = fn, ptr, ptr.type.pointee

    def read(self, loc: SourceLoc) -> Value:
        if isinstance(self.type, ArrayType):
            return self.fn.decay(self.ptr, loc)
        if isinstance(self.type, StructType):
            return structs.load(self.fn, self.ptr, self.type, loc)
        if isinstance(self.ptr, VecPtr):
            return VecValue(self.read_lanes(list(range(self.ptr.vtype.count)), loc))
        return self.fn.load(self.ptr, loc)

    def write(self, value: Value, loc: SourceLoc) -> None:
        if isinstance(self.type, StructType):
            structs.store(self.fn, self.ptr, value, loc)
            return
        if isinstance(self.ptr, VecPtr):
            assert isinstance(value, VecValue)
            self.write_lanes(list(range(self.ptr.vtype.count)), value.lanes, loc)
            return
        self.fn.store(self.ptr, value, loc)

    def lane_ptr(self, i: int, loc: SourceLoc) -> Value:
        assert isinstance(self.ptr, VecPtr)
        base = self.ptr.base
        if i == 0:
            return base
        return self.fn.b.op("ptradd", [base, self.fn.const(i, I64, loc)], base.type, loc=loc)

    def read_lanes(self, idx: list[int], loc: SourceLoc) -> list[Value]:
        assert isinstance(self.ptr, VecPtr)
        n, elem = self.ptr.vtype.count, self.ptr.vtype.elem
        return [
            self.fn.load(self.lane_ptr(i, loc), loc) if i < n else self.fn.const(0, elem, loc)
            for i in idx
        ]

    def write_lanes(self, idx: list[int], values: list[Value], loc: SourceLoc) -> None:
        assert isinstance(self.ptr, VecPtr)
        for i, x in zip(idx, values, strict=True):
            if i < self.ptr.vtype.count:
                self.fn.store(self.lane_ptr(i, loc), x, loc)


class _RValue(_LValue):
    """A vector rvalue whose lanes a swizzle picks (``f(x).xy``)."""

    def __init__(self, fn: _FunctionLowerer, value: Value) -> None:
        self.fn, self.value, self.type = fn, value, value.type

    def read(self, loc: SourceLoc) -> Value:
        return self.value


class _SwizzleLValue(_LValue):
    """Some lanes of a vector lvalue (``v.xy``, ``p[i].s3``, ``v.hi.x``)."""

    def __init__(self, fn: _FunctionLowerer, base: _LValue, idx: list[int]) -> None:
        assert isinstance(base.type, VectorType)
        self.fn, self.base, self.idx = fn, base, idx
        elem = base.type.elem
        self.type = elem if len(idx) == 1 else VectorType(elem, len(idx))

    def read(self, loc: SourceLoc) -> Value:
        return vectors.make(self.base.read_lanes(self.idx, loc))

    def write(self, value: Value, loc: SourceLoc) -> None:
        self.base.write_lanes(self.idx, vectors.lanes_of(value), loc)

    def read_lanes(self, idx: list[int], loc: SourceLoc) -> list[Value]:
        return self.base.read_lanes([self.idx[i] for i in idx], loc)

    def write_lanes(self, idx: list[int], values: list[Value], loc: SourceLoc) -> None:
        self.base.write_lanes([self.idx[i] for i in idx], values, loc)


class _FunctionLowerer:
    def __init__(
        self, ctx: _Context, fdef: c_ast.FuncDef, attrs: list[Attribute], c_function: bool = False
    ) -> None:
        self.ctx = ctx
        #: a plain C function compiled as a single-work-item kernel (soff.frontend.cfunc)
        self.c_function = c_function
        self.rams: dict[str, Var] = {}
        self.fdef = fdef
        decl = fdef.decl
        self.name: str = decl.name
        self.loc = _loc(decl)
        self.kernel = Kernel(self.name, loc=self.loc)
        self.b = Builder(self.kernel)
        self.blocks: list[Block] = []
        self.preds: dict[Block, list[Block]] = {}
        self.sealed: set[Block] = set()
        self.defs: dict[Var, dict[Block, Value]] = {}
        self.incomplete: dict[Block, dict[Var, Op]] = {}
        self.phi_vars: dict[Op, Var] = {}
        self.replaced: dict[Op, Value] = {}  # removed trivial phis -> their replacement
        # pointer relations through phis (loop pointers): placeholder offsets, resolved
        # once every phi is complete (finish -> _resolve_pointer_offsets)
        self.ptr_offsets: list[tuple[Op, Op, str, SourceLoc]] = []
        self.mem: dict[Block, tuple[Op | None, list[Op]]] = {}
        self.undefs: list[Op] = []
        self.frame = _Frame(self.name, VOID, [{}])
        self.call_stack: list[str] = [self.name]
        self.exit: Block | None = None
        self.constants: dict[str, Var] = {}
        self.entered: dict[Block, None] = {}
        for a in attrs:
            self.kernel.attrs[a.name] = self.check_attribute(a)

    # -- blocks and SSA (Braun et al. 2013) ------------------------------------

    @property
    def block(self) -> Block:
        assert self.b.block is not None
        return self.b.block

    def new_block(self, name: str) -> Block:
        block = Block(name)
        block.parent = self.kernel
        self.blocks.append(block)
        self.preds[block] = []
        return block

    def set_block(self, block: Block) -> None:
        if block not in self.entered:
            self.entered[block] = None  # blocks are laid out in the order lowering enters them
        self.b.at(block)

    def br(self, target: Block, loc: SourceLoc) -> None:
        self.b.op("br", blocks=[target], loc=loc)
        self.preds[target].append(self.block)

    def cbr(self, cond: Value, if_true: Block, if_false: Block, loc: SourceLoc) -> None:
        self.b.op("cbr", [cond], blocks=[if_true, if_false], loc=loc)
        self.preds[if_true].append(self.block)
        self.preds[if_false].append(self.block)

    def start_dead_block(self) -> None:
        """Code after return/break/continue: an unreachable block, pruned at the end."""
        dead = self.new_block("dead")
        self.seal(dead)
        self.set_block(dead)

    def lane_vars(self, var: Var) -> list[Var]:
        t = var.type
        assert isinstance(t, VectorType)
        if var.lanes is None:
            names = "xyzw" if t.count <= 4 else "0123456789abcdef"
            prefix = "" if t.count <= 4 else "s"
            var.lanes = [
                Var(f"{var.name}.{prefix}{names[i]}", t.elem, var.loc, var.const)
                for i in range(t.count)
            ]
        return var.lanes

    def write_var(self, var: Var, block: Block, value: Value) -> None:
        """Define ``var`` in ``block``: a vector variable lane by lane."""
        if isinstance(var.type, StructType):  # scalar-replaced: member by member
            assert isinstance(value, structs.AggValue) and value.type == var.type
            for m, x in zip(structs.member_vars(self, var), value.items, strict=True):
                if m.addr is not None:  # an array member: its own alloca (stored here)
                    structs.store(self, m.addr, x, m.loc)
                else:
                    self.write_var(m, block, x)
            return
        if isinstance(var.type, VectorType):
            assert isinstance(value, VecValue) and value.type == var.type
            for lane, x in zip(self.lane_vars(var), value.lanes, strict=True):
                self.write_raw(lane, block, x)
            return
        if isinstance(value, VecPtr):
            value = value.base
        self.write_raw(var, block, value)

    def write_raw(self, var: Var, block: Block, value: Value) -> None:
        self.defs.setdefault(var, {})[block] = value

    def assign_var(self, var: Var, value: Value) -> None:
        if isinstance(value, structs.AggValue) and isinstance(var.type, StructType):
            for m, x in zip(structs.member_vars(self, var), value.items, strict=True):
                if m.addr is not None:
                    structs.store(self, m.addr, x, m.loc)
                else:
                    self.assign_var(m, x)
            return
        if isinstance(value, VecValue):
            for lane, x in zip(self.lane_vars(var), value.lanes, strict=True):
                if isinstance(x, Op) and x.name is None and x.opcode not in ("phi", "const"):
                    x.name = lane.name
        elif isinstance(value, Op) and value.name is None and value.opcode != "phi":
            value.name = var.name
        self.write_var(var, self.block, value)

    def read_var(self, var: Var, block: Block, loc: SourceLoc) -> Value:
        """The value of ``var`` in ``block`` (a VecValue or VecPtr for vector types)."""
        t = var.type
        if isinstance(t, StructType):
            return structs.AggValue(
                t,
                [
                    structs.load(self, m.addr, m.type, loc)
                    if m.addr is not None
                    else self.read_var(m, block, loc)
                    for m in structs.member_vars(self, var)
                ],
            )
        if isinstance(t, VectorType):
            return VecValue([self.read_raw(lane, block, loc) for lane in self.lane_vars(var)])
        value = self.read_raw(var, block, loc)
        if isinstance(t, PtrType) and isinstance(t.pointee, VectorType):
            return VecPtr(value, t.pointee)
        return value

    def read_raw(self, var: Var, block: Block, loc: SourceLoc) -> Value:
        value = self.defs.get(var, {}).get(block)
        if value is not None:
            return value
        return self.read_var_recursive(var, block, loc)

    def new_phi(self, var: Var, block: Block, loc: SourceLoc) -> Op:
        phi = Op("phi", [], ir_type(var.type), blocks=[], loc=var.loc, name=var.name)
        block.insert(len(block.phis), phi)
        self.phi_vars[phi] = var
        return phi

    def read_var_recursive(self, var: Var, block: Block, loc: SourceLoc) -> Value:
        value: Value
        if block not in self.sealed:
            phi = self.new_phi(var, block, loc)
            self.incomplete.setdefault(block, {})[var] = phi
            value = phi
        elif len(self.preds[block]) == 1:
            value = self.read_raw(var, self.preds[block][0], loc)
        elif not self.preds[block]:
            value = self.undef(ir_type(var.type))
        else:
            phi = self.new_phi(var, block, loc)
            self.write_raw(var, block, phi)
            value = self.add_phi_operands(var, phi, loc)
        self.write_raw(var, block, value)
        return value

    def add_phi_operands(self, var: Var, phi: Op, loc: SourceLoc) -> Value:
        block = phi.parent
        assert block is not None
        for pred in self.preds[block]:
            phi.operands.append(self.read_raw(var, pred, loc))
            phi.blocks.append(pred)
        return self.try_remove_trivial_phi(phi)

    def try_remove_trivial_phi(self, phi: Op) -> Value:
        same: Value | None = None
        for v in phi.operands:
            if v is same or v is phi:
                continue
            if same is not None:
                return phi
            same = v
        if same is None:
            same = self.undef(phi.type)
        users = [
            op
            for b in self.blocks
            for op in b.ops
            if op is not phi and any(v is phi for v in op.operands)
        ]
        for op in users:
            op.replace_operand(phi, same)
        for defs in self.defs.values():
            for blk, v in defs.items():
                if v is phi:
                    defs[blk] = same
        if phi.parent is not None:
            phi.parent.remove(phi)
        self.phi_vars.pop(phi, None)
        self.replaced[phi] = same
        for op in users:
            if op.opcode == "phi" and op.parent is not None and op in self.phi_vars:
                self.try_remove_trivial_phi(op)
        # removing a user may have removed ``same`` too: return what finally replaced it
        while isinstance(same, Op) and same in self.replaced:
            same = self.replaced[same]
        return same

    def seal(self, block: Block) -> None:
        for var, phi in self.incomplete.pop(block, {}).items():
            self.add_phi_operands(var, phi, var.loc)
        self.sealed.add(block)

    def undef(self, type: Type) -> Op:
        """An uninitialised value: reading it is undefined in C; soff reads 0."""
        entry = self.blocks[0]
        op = Op("const", [], type, {"value": 0}, loc=self.loc)
        op.parent = entry
        entry.ops.insert(0, op)
        self.undefs.append(op)
        return op

    # -- scopes -----------------------------------------------------------------

    @contextmanager
    def scope(self) -> Iterator[None]:
        self.frame.scopes.append({})
        try:
            yield
        finally:
            self.frame.scopes.pop()

    def declare(self, var: Var) -> None:
        if var.name in self.frame.scopes[-1]:
            raise CompileError(f"redefinition of '{var.name}'", var.loc)
        self.frame.scopes[-1][var.name] = var

    def lookup(self, name: str, loc: SourceLoc) -> Var:
        for s in reversed(self.frame.scopes):
            if name in s:
                return s[name]
        if name in self.rams:
            return self.rams[name]
        if name in self.ctx.constants:
            return self.program_constant(name)
        if self.ctx.cuda is not None and (var := cuda.lookup(self, name, loc)) is not None:
            return var
        if name in self.ctx.functions or name in WORKITEM_FUNCTIONS:
            raise UnsupportedError(f"using function '{name}' as a value is not supported yet", loc)
        raise CompileError(f"use of undeclared identifier '{name}'", loc)

    # -- the kernel ---------------------------------------------------------------

    def check_attribute(self, a: Attribute) -> Any:
        if a.name in ("reqd_work_group_size", "work_group_size_hint", "max_work_group_size"):
            if len(a.args) != 3 or not all(isinstance(x, int) and x > 0 for x in a.args):
                raise CompileError(f"'{a.name}' takes three positive integer constants", a.loc)
        return a.args

    def lower(self) -> Kernel:
        decl = self.fdef.decl
        ftype = decl.type
        ret = self.ctx.c_type(ftype.type, self.loc)
        if ret != VOID and not self.c_function:
            raise CompileError(f"kernel function '{self.name}' must return void", self.loc)
        entry = self.new_block("entry")
        self.seal(entry)
        self.set_block(entry)
        params = ftype.args.params if ftype.args is not None else []
        if len(params) == 1 and isinstance(params[0], c_ast.Typename):
            if self.ctx.c_type(params[0].type, _loc(params[0], self.loc)) == VOID:
                params = []
        for i, p in enumerate(params):
            self.lower_param(i, p)
        ret_arg = cfunc.start(self, ret) if self.c_function else None
        body = self.fdef.body
        with self.scope():
            for item in body.block_items or []:
                self.lower_stmt(item)
        end_loc = self.loc
        if self.exit is not None:
            self.br(self.exit, end_loc)
            self.seal(self.exit)
            self.set_block(self.exit)
        if ret_arg is not None:
            cfunc.finish(self, ret_arg, end_loc)
        self.b.op("ret", loc=end_loc)
        self.finish()
        return self.kernel

    def lower_param(self, index: int, p: Any) -> None:
        loc = _loc(p, self.loc)
        if not isinstance(p, c_ast.Decl) or not p.name:
            raise CompileError("kernel parameters must be named", loc)
        if self.c_function:
            t = cfunc.param_type(self, p, loc)
        else:
            t = self.ctx.c_type(p.type, loc)
        if isinstance(t, VectorType):
            self.vector_param(p, t, loc)
            return
        if isinstance(t, PtrType):
            space = _address_space(p.type.type) or (t.space if self.c_function else None)
            if self.ctx.cuda is not None:
                cuda.check_kernel_param(t, p.name, loc)
                space = space or t.space  # CUDA: global
            if space not in ("global", "constant", "local"):
                raise CompileError(
                    f"kernel pointer argument '{p.name}' must point to __global, __constant or __local memory",
                    loc,
                )
        elif isinstance(t, StructType):
            self.struct_param(p, t, loc)
            return
        elif t == F16:
            raise CompileError(f"kernel argument '{p.name}' cannot have type half", loc)
        elif not isinstance(t, (IntType, FloatType)):
            raise CompileError(f"kernel argument '{p.name}' cannot have type {t}", loc)
        elif _address_space(p.type) not in (None, "private"):
            raise CompileError(
                f"kernel argument '{p.name}' must be in the __private address space", loc
            )
        arg = Arg(ir_type(t), p.name, index, loc)  # __global float4 * is a float pointer
        self.kernel.args.append(arg)
        if isinstance(t, PtrType) and {"restrict", "__restrict", "__restrict__"} & set(
            _outer_quals(p.type)
        ):
            # the object it reaches is accessed through it alone (C99 restrict):
            # soff.hls.schedule.loop_pipeline relies on it to pipeline loop iterations
            self.kernel.attrs.setdefault("noalias", []).append(p.name)
        var = Var(p.name, t, loc, const="const" in _outer_quals(p.type))
        self.declare(var)
        self.write_raw(var, self.blocks[0], arg)

    def vector_param(self, p: c_ast.Decl, t: VectorType, loc: SourceLoc) -> None:
        """A vector kernel argument passed by value: one scalar argument per lane
        (``v.x``..``v.w``, ``v.s0``..``v.sf`` past four lanes; register ``v_x``), given
        as one value under the name ``v`` (soff.layout.expand_struct_args)."""
        if t.elem == F16:
            raise CompileError(f"kernel argument '{p.name}' cannot have type {cl_name(t)}", loc)
        value = structs.flat_args(self, t, p.name, loc)
        var = Var(p.name, t, loc, const="const" in _outer_quals(p.type))
        self.declare(var)
        self.write_var(var, self.blocks[0], value)

    def struct_param(self, p: c_ast.Decl, t: StructType, loc: SourceLoc) -> None:
        """A struct kernel argument passed by value: one scalar argument per member
        (``s.x``, ``s.v.y`` for a vector member's lanes; soff.layout.expand_struct_args)."""
        if structs.needs_memory(t):
            raise UnsupportedError(
                f"{structs.c_name(t)} kernel arguments passed by value ('{p.name}') holding "
                "arrays or unions are not supported yet: pass the struct through a "
                "__global or __constant pointer",
                loc,
            )
        value = structs.flat_args(self, t, p.name, loc)
        # the struct's type, for soff.struct_dtype: "name: struct.S{...}"
        self.kernel.attrs.setdefault("struct_args", []).append(f"{p.name}: {t}")
        var = Var(p.name, t, loc, const="const" in _outer_quals(p.type))
        self.declare(var)
        if p.name in structs.address_taken(self.fdef):
            self.private_object(var, loc)
            assert var.addr is not None
            structs.store(self, var.addr, value, loc)
        else:
            self.write_var(var, self.blocks[0], value)

    def _resolve_pointer_offsets(self) -> None:
        """Replace the placeholders of pointer relations through phis by the pointers'
        offsets (in elements, i64) from their common base: a ``ptradd`` adds its index
        to its operand's offset (an ``add`` right after it), a pointer phi gets a phi of
        its incoming pointers' offsets (right after it), any other pointer is a base
        at offset 0. Both pointers of a relation must reach the same base."""
        if not self.ptr_offsets:
            return
        entry = self.blocks[0]
        zero = Op("const", [], I64, {"value": 0})
        entry.insert(0, zero)
        memo: dict[Value, tuple[Value, Value]] = {}
        alias: dict[Value, Value] = {}  # a resolved pointer phi -> its base

        def base_of(r: Value) -> Value:
            while r in alias and alias[r] is not r:
                r = alias[r]
            return r

        def resolve(v: Value) -> tuple[Value, Value]:
            if v in memo:
                return memo[v]
            if isinstance(v, Op) and v.opcode == "ptradd" and v.type == v.operands[0].type:
                root, off = resolve(v.operands[0])
                block = v.parent
                assert block is not None
                at = block.ops.index(v) + 1
                step: Value = v.operands[1]
                if step.type != I64:
                    step = block.insert(at, Op("cast", [step], I64, loc=v.loc))
                    at += 1
                total = block.insert(at, Op("add", [off, step], I64, loc=v.loc))
                memo[v] = (root, total)
            elif isinstance(v, Op) and v.opcode == "phi" and v.parent is not None:
                block = v.parent
                offs = Op("phi", [], I64, blocks=list(v.blocks), loc=v.loc)
                block.insert(block.ops.index(v) + 1, offs)
                memo[v] = (v, offs)  # pending: reached again around a loop
                roots = []
                for x in v.operands:
                    root, off = resolve(x)
                    offs.operands.append(off)
                    root = base_of(root)
                    if root is not v and all(root is not r for r in roots):
                        roots.append(root)
                alias[v] = roots[0] if len(roots) == 1 else v
                memo[v] = (alias[v], offs)
            else:
                memo[v] = (v, zero)
            return memo[v]

        for oa, ob, what, loc in self.ptr_offsets:
            (ra, off_a), (rb, off_b) = resolve(oa.operands[0]), resolve(ob.operands[0])
            if base_of(ra) is not base_of(rb):
                raise UnsupportedError(_NO_COMMON_BASE.format(what=what), loc)
            for placeholder, off in ((oa, off_a), (ob, off_b)):
                for b in self.blocks:
                    for user in b.ops:
                        user.replace_operand(placeholder, off)
                assert placeholder.parent is not None
                placeholder.parent.remove(placeholder)
        self.ptr_offsets = []

    def finish(self) -> None:
        """Drop unreachable blocks and unused undefs; prune phis that became trivial."""
        entry = self.blocks[0]
        reachable = {entry}
        stack = [entry]
        while stack:
            for s in stack.pop().successors:
                if s not in reachable:
                    reachable.add(s)
                    stack.append(s)
        order = [*self.entered, *(b for b in self.blocks if b not in self.entered)]
        blocks = [b for b in order if b in reachable]
        for b in blocks:
            for phi in b.phis:
                keep = [
                    (v, p) for v, p in zip(phi.operands, phi.blocks, strict=True) if p in reachable
                ]
                phi.operands = [v for v, _ in keep]
                phi.blocks = [p for _, p in keep]
        self.blocks = blocks
        changed = True
        while changed:
            changed = False
            for b in blocks:
                for phi in list(b.phis):
                    if (
                        phi.parent is not None
                        and len({id(v) for v in phi.operands if v is not phi}) <= 1
                    ):
                        self.try_remove_trivial_phi(phi)
                        changed = True
        self.blocks = blocks
        self._resolve_pointer_offsets()
        used = {id(v) for b in blocks for op in b.ops for v in op.operands}
        for u in self.undefs:
            if u.parent is not None and id(u) not in used:
                u.parent.remove(u)
        if self.exit is not None and self.exit in blocks:
            blocks.remove(self.exit)
            blocks.append(self.exit)
        self.kernel.blocks = []
        for b in blocks:
            self.kernel.add_block(b)

    # -- statements -----------------------------------------------------------------

    def lower_stmt(self, node: Any) -> None:
        loc = _loc(node, self.loc)
        if isinstance(node, c_ast.Compound):
            with self.scope():
                for item in node.block_items or []:
                    self.lower_stmt(item)
        elif isinstance(node, c_ast.Decl):
            self.lower_decl(node)
        elif isinstance(node, c_ast.DeclList):
            for d in node.decls:
                self.lower_decl(d)
        elif isinstance(node, c_ast.If):
            self.lower_if(node, loc)
        elif isinstance(node, c_ast.While):
            self.lower_while(node, loc)
        elif isinstance(node, c_ast.DoWhile):
            self.lower_do(node, loc)
        elif isinstance(node, c_ast.For):
            self.lower_for(node, loc)
        elif isinstance(node, c_ast.Break):
            if not self.frame.breaks:
                raise CompileError("'break' statement not in loop or switch statement", loc)
            self.br(self.frame.breaks[-1], loc)
            self.start_dead_block()
        elif isinstance(node, c_ast.Continue):
            if not self.frame.continues:
                raise CompileError("'continue' statement not in loop statement", loc)
            self.br(self.frame.continues[-1], loc)
            self.start_dead_block()
        elif isinstance(node, c_ast.Return):
            self.lower_return(node, loc)
        elif isinstance(node, c_ast.EmptyStatement) or isinstance(node, c_ast.Pragma):
            pass
        elif isinstance(node, (c_ast.Goto, c_ast.Label)):
            raise UnsupportedError("goto and labels are not supported yet", loc)
        elif isinstance(node, c_ast.Switch):
            self.lower_switch(node, loc)
        elif isinstance(node, (c_ast.Case, c_ast.Default)):
            raise UnsupportedError(
                "case labels nested inside other statements of a switch are not supported yet", loc
            )
        elif isinstance(node, c_ast.Typedef):
            raise UnsupportedError("typedefs inside functions are not supported yet", loc)
        elif isinstance(node, c_ast.StaticAssert):
            raise UnsupportedError("_Static_assert is not supported yet", loc)
        else:
            self.lower_expr(node)

    def lower_decl(self, node: c_ast.Decl) -> None:
        loc = _loc(node, self.loc)
        if node.name is None:
            if isinstance(node.type, (c_ast.Struct, c_ast.Union)):
                structs.struct_type(self.ctx, node.type, loc)  # a struct declaration
            return  # or an enum's, whose enumerators structs.resolve_enums replaced
        if self.ctx.cuda and node.storage == ["extern"] and _decl_space(node.type) == "local":
            self.declare(cuda.dynamic_shared(self, node, loc))  # extern __shared__ T s[];
            return
        if self.ctx.cuda and cuda.is_auto(node.type):
            cuda.lower_auto_decl(self, node, loc)  # auto x = e;
            return
        for s in node.storage or []:
            raise UnsupportedError(f"'{s}' variables are not supported yet", loc)
        if isinstance(node.type, c_ast.FuncDecl):
            raise UnsupportedError(
                "function declarations inside functions are not supported yet", loc
            )
        space = _decl_space(node.type)
        if space == "local":
            self.lower_local_decl(node, loc)
            return
        if space in ("global", "constant"):
            raise CompileError(
                f"variable '{node.name}' inside a function must be in the __private address space",
                loc,
            )
        t = self.ctx.c_type(node.type, loc)
        if t == VOID:
            raise CompileError(f"variable '{node.name}' has incomplete type 'void'", loc)
        if t == F16:
            raise CompileError(
                f"variable '{node.name}' has type half, which is storage only without cl_khr_fp16",
                loc,
            )
        var = Var(node.name, t, loc, const="const" in _outer_quals(node.type))
        if isinstance(t, ArrayType):
            self.lower_array_decl(var, node, loc)
            return
        if isinstance(t, StructType):
            self.lower_struct_decl(var, node.init, loc)
            return
        if node.init is not None:
            if isinstance(node.init, c_ast.InitList) and isinstance(t, VectorType):
                items = [self.lower_expr(e) for e in node.init.exprs]
                self.declare(var)
                self.assign_var(var, vectors.literal(self, t, items, _loc(node.init, loc)))
                return
            if isinstance(node.init, c_ast.InitList):
                raise UnsupportedError(
                    "initializer lists are not supported yet", _loc(node.init, loc)
                )
            value = self.lower_expr(node.init)
            if (
                # CUDA's and C programs' generic pointers take the initializer's space
                (self.ctx.cuda is not None or self.c_function)
                and isinstance(t, PtrType)
                and isinstance(value.type, PtrType)
                and _address_space(node.type.type) is None
            ):
                t = var.type = PtrType(t.pointee, value.type.space)
            value = self.convert(value, t, _loc(node.init, loc))
            self.declare(var)
            self.assign_var(var, value)
        else:
            self.declare(var)

    def lower_struct_decl(self, var: Var, init: Any, loc: SourceLoc) -> None:
        """A private struct or union variable: SSA values per member where it can
        be (soff.frontend.structs), else an ``alloca`` in the entry block."""
        t = var.type
        assert isinstance(t, StructType)
        fdef = self.ctx.functions.get(self.frame.name, self.fdef)
        taken = self.ctx.addr_taken.get(id(fdef))
        if taken is None:
            taken = self.ctx.addr_taken[id(fdef)] = structs.address_taken(fdef)
        if structs.has_union(t) or var.name in taken:
            self.private_object(var, loc)
            self.declare(var)
            if init is not None:
                assert var.addr is not None
                structs.init_store(self, var.addr, t, init, loc)
            return
        self.declare(var)
        if init is None:
            return
        iloc = _loc(init, loc)
        self.assign_var(var, structs.init_value(self, t, init, iloc))

    def private_object(self, var: Var, loc: SourceLoc) -> None:
        """Give ``var`` an ``alloca`` in the entry block."""
        entry = self.blocks[0]
        addr = Op("alloca", [], PtrType(var.type, "private"), loc=loc, name=var.name)
        addr.parent = entry
        entry.ops.insert(0, addr)
        var.addr = addr

    def lower_local_decl(self, node: c_ast.Decl, loc: SourceLoc) -> None:
        """A ``__local`` variable (an array or a scalar): an ``alloca : ptr.local<T>``
        in the entry block, one object per work-group, zero-filled in soff."""
        if len(self.call_stack) > 1 and self.ctx.cuda is None:  # CUDA allows __shared__ there
            raise CompileError(
                f"variable '{node.name}' in the __local address space can only be declared "
                f"in a kernel function, not in '{self.call_stack[-1]}'",
                loc,
            )
        if node.init is not None:
            raise CompileError(
                f"variable '{node.name}' in the __local address space cannot have an initializer",
                _loc(node.init, loc),
            )
        t = self.ctx.c_type(node.type, loc)
        leaf = _leaf_type(t)
        if not isinstance(leaf, (IntType, FloatType, StructType)) or leaf == F16:
            raise UnsupportedError(f"__local variables of type {t} are not supported yet", loc)
        if isinstance(t, ArrayType) and _leaf_count(t) == 0:
            raise CompileError(
                f"definition of variable '{node.name}' with array type needs an explicit size",
                loc,
            )
        entry = self.blocks[0]
        addr = Op("alloca", [], PtrType(t, "local"), loc=loc, name=node.name)
        addr.parent = entry
        entry.ops.insert(0, addr)
        self.declare(Var(node.name, t, loc, const="const" in _outer_quals(node.type), addr=addr))

    def lower_array_decl(self, var: Var, node: c_ast.Decl, loc: SourceLoc) -> None:
        """A private array: an ``alloca`` in the entry block, and stores of its
        initialiser (zeros for the elements it leaves out) where it is declared."""
        t = var.type
        assert isinstance(t, ArrayType)
        leaves: list[Any] | None = None
        if node.init is not None and isinstance(_leaf_type(t), StructType):
            if t.count == 0:
                if not isinstance(node.init, c_ast.InitList):
                    raise UnsupportedError("array initializers must be brace-enclosed lists", loc)
                t = var.type = ArrayType(t.elem, len(node.init.exprs))
            self.private_object(var, loc)
            self.declare(var)
            assert var.addr is not None
            structs.init_store(self, var.addr, t, node.init, _loc(node.init, loc))
            return
        if node.init is not None:
            t, leaves = _array_init(t, node.init, _loc(node.init, loc))
            var.type = t
        elif t.count == 0:
            raise CompileError(
                f"definition of variable '{var.name}' with array type needs an explicit size or an initializer",
                loc,
            )
        entry = self.blocks[0]
        addr = Op("alloca", [], PtrType(t, "private"), loc=loc, name=var.name)
        addr.parent = entry
        entry.ops.insert(0, addr)
        var.addr = addr
        self.declare(var)
        if leaves is None:
            return
        elem = _leaf_type(t)
        base = self.b.op("bitcast", [addr], PtrType(elem, "private"), loc=loc)
        for i, leaf in enumerate(leaves):
            lloc = _loc(leaf, loc)
            v = (
                self.const(0, elem, lloc)
                if leaf is None
                else self.convert(self.lower_expr(leaf), elem, lloc)
            )
            ptr = self.b.op("ptradd", [base, self.const(i, I64, lloc)], base.type, loc=lloc)
            self.store(ptr, v, lloc)

    def program_constant(self, name: str) -> Var:
        """The per-kernel ``rodata`` op of a program-scope __constant variable."""
        var = self.constants.get(name)
        if var is None:
            t, data, loc = self.ctx.constants[name]
            entry = self.blocks[0]
            rt = ArrayType(U8, t.size) if isinstance(_leaf_type(t), StructType) else t
            addr = Op("rodata", [], PtrType(rt, "constant"), {"data": data}, loc=loc, name=name)
            addr.parent = entry
            entry.ops.insert(0, addr)
            if rt != t:  # struct data: the bytes seen as the struct
                addr = Op("bitcast", [addr], PtrType(t, "constant"), loc=loc)
                addr.parent = entry
                entry.ops.insert(1, addr)
            var = self.constants[name] = Var(name, t, loc, const=True, addr=addr)
        return var

    def decay(self, ptr: Value, loc: SourceLoc) -> Value:
        """An array lvalue used as a value: a pointer to its first element."""
        pt = ptr.type
        assert isinstance(pt, PtrType) and isinstance(pt.pointee, ArrayType)
        return self.b.op("bitcast", [ptr], PtrType(pt.pointee.elem, pt.space), loc=loc)

    def cond_value(self, node: Any) -> Value:
        return self.to_bool(self.lower_expr(node), _loc(node, self.loc))

    def lower_if(self, node: c_ast.If, loc: SourceLoc) -> None:
        cond = self.cond_value(node.cond)
        then_b = self.new_block("if.then")
        else_b = self.new_block("if.else") if node.iffalse is not None else None
        join = self.new_block("if.end")
        self.cbr(cond, then_b, else_b or join, loc)
        self.seal(then_b)
        self.set_block(then_b)
        self.lower_stmt(node.iftrue)
        self.br(join, loc)
        if else_b is not None:
            self.seal(else_b)
            self.set_block(else_b)
            self.lower_stmt(node.iffalse)
            self.br(join, loc)
        self.seal(join)
        self.set_block(join)

    def lower_loop_body(self, body: Any, brk: Block, cont: Block) -> None:
        self.frame.breaks.append(brk)
        self.frame.continues.append(cont)
        try:
            with self.scope():
                self.lower_stmt(body)
        finally:
            self.frame.breaks.pop()
            self.frame.continues.pop()

    def lower_return(self, node: c_ast.Return, loc: SourceLoc) -> None:
        f = self.frame
        if f.ret_var is None:
            if node.expr is not None:
                raise CompileError(f"void function '{f.name}' should not return a value", loc)
        else:
            if node.expr is None:
                raise CompileError(f"non-void function '{f.name}' should return a value", loc)
            value = self.convert(self.lower_expr(node.expr), f.ret_type, _loc(node.expr, loc))
            if f.ret_var.addr is not None:  # a struct that lives in memory
                structs.store(self, f.ret_var.addr, value, loc)
            else:
                self.write_var(f.ret_var, self.block, value)
        if f.ret_block is None:
            if f.ret_var is not None and not self.c_function:
                raise AssertionError("inlined functions have a return block")
            if self.exit is None:
                self.exit = self.new_block("exit")
            target = self.exit
        else:
            target = f.ret_block
        self.br(target, loc)
        self.start_dead_block()

    def lower_switch(self, node: c_ast.Switch, loc: SourceLoc) -> None:
        """A chain of compare-and-branch blocks, one per case label, into the case
        bodies laid out in source order (falling through from one to the next)."""
        cond = self.lower_expr(node.cond)
        if not isinstance(cond.type, IntType):
            raise CompileError(
                f"statement requires expression of integer type ('{cond.type}' invalid)",
                _loc(node.cond, loc),
            )
        cond = self.promote(cond, loc)
        assert isinstance(cond.type, IntType)
        items = node.stmt.block_items if isinstance(node.stmt, c_ast.Compound) else [node.stmt]
        items = list(items or [])
        labels: list[tuple[Any, Block]] = []  # (Case or Default node, body block)
        seen: dict[int, SourceLoc] = {}
        default: Block | None = None
        for item in items:
            if isinstance(item, c_ast.Case):
                v = _const_eval(item.expr)
                cloc = _loc(item, loc)
                if v is None:
                    raise CompileError(
                        "case label does not reduce to an integer constant", _loc(item.expr, cloc)
                    )
                v = cond.type.wrap(v)
                if v in seen:
                    raise CompileError(f"duplicate case value '{v}'", cloc)
                seen[v] = cloc
                labels.append((item, self.new_block("switch.case")))
            elif isinstance(item, c_ast.Default):
                if default is not None:
                    raise CompileError("multiple default labels in one switch", _loc(item, loc))
                default = self.new_block("switch.default")
                labels.append((item, default))
            elif not labels:
                if isinstance(item, c_ast.Decl):
                    raise UnsupportedError(
                        "declarations before the first case label are not supported yet",
                        _loc(item, loc),
                    )
                # unreachable code before the first label: C skips it
        end = self.new_block("switch.end")
        # the dispatch chain
        for item, target in labels:
            if isinstance(item, c_ast.Default):
                continue
            value = self.const(cond.type.wrap(_const_eval(item.expr) or 0), cond.type, loc)
            hit = self.b.op("cmp", [cond, value], BOOL, {"pred": "eq"}, loc=_loc(item, loc))
            nxt = self.new_block("switch.test")
            self.cbr(hit, target, nxt, _loc(item, loc))
            self.seal(nxt)
            self.set_block(nxt)
        self.br(default or end, loc)
        self.start_dead_block()
        self.frame.breaks.append(end)
        try:
            with self.scope():
                for item, target in labels:
                    self.br(target, loc)  # fall through from the previous label
                    self.seal(target)
                    self.set_block(target)
                    for stmt in item.stmts or []:
                        self.lower_stmt(stmt)
        finally:
            self.frame.breaks.pop()
        self.br(end, loc)
        self.seal(end)
        self.set_block(end)

    def lower_while(self, node: c_ast.While, loc: SourceLoc) -> None:
        header = self.new_block("while.cond")
        self.br(header, loc)
        self.set_block(header)
        cond = self.cond_value(node.cond)
        body = self.new_block("while.body")
        exit_ = self.new_block("while.end")
        self.cbr(cond, body, exit_, loc)
        self.seal(body)
        self.set_block(body)
        self.lower_loop_body(node.stmt, exit_, header)
        self.br(header, loc)
        self.seal(header)
        self.seal(exit_)
        self.set_block(exit_)

    def lower_do(self, node: c_ast.DoWhile, loc: SourceLoc) -> None:
        body = self.new_block("do.body")
        self.br(body, loc)
        self.set_block(body)
        cond_b = self.new_block("do.cond")
        exit_ = self.new_block("do.end")
        self.lower_loop_body(node.stmt, exit_, cond_b)
        self.br(cond_b, loc)
        self.seal(cond_b)
        self.set_block(cond_b)
        cond = self.cond_value(node.cond)
        self.cbr(cond, body, exit_, _loc(node.cond, loc))
        self.seal(body)
        self.seal(exit_)
        self.set_block(exit_)

    def lower_for(self, node: c_ast.For, loc: SourceLoc) -> None:
        with self.scope():
            if node.init is not None:
                self.lower_stmt(node.init)
            header = self.new_block("for.cond")
            self.br(header, loc)
            self.set_block(header)
            body = self.new_block("for.body")
            exit_ = self.new_block("for.end")
            if node.cond is not None:
                cond = self.cond_value(node.cond)
                self.cbr(cond, body, exit_, _loc(node.cond, loc))
            else:
                self.br(body, loc)
            self.seal(body)
            self.set_block(body)
            latch = self.new_block("for.inc")
            self.lower_loop_body(node.stmt, exit_, latch)
            self.br(latch, loc)
            self.seal(latch)
            self.set_block(latch)
            if node.next is not None:
                self.lower_expr(node.next)
            self.br(header, loc)
            self.seal(header)
            self.seal(exit_)
            self.set_block(exit_)

    # -- memory ---------------------------------------------------------------------

    def load(
        self, ptr: Value, loc: SourceLoc, name: str | None = None, half: bool = False
    ) -> Op:
        assert isinstance(ptr.type, PtrType)
        if not half:  # only vload_half and friends (soff.frontend.halfvec) read half
            self.check_half(ptr.type, loc)
        last_store, loads = self.mem.get(self.block, (None, []))
        op = self.b.op(
            "load",
            [ptr],
            ptr.type.pointee,
            deps=[last_store] if last_store else [],
            loc=loc,
            name=name,
        )
        self.mem[self.block] = (last_store, [*loads, op])
        return op

    def store(self, ptr: Value, value: Value, loc: SourceLoc, half: bool = False) -> Op:
        assert isinstance(ptr.type, PtrType)
        if not half:
            self.check_half(ptr.type, loc)
        if ptr.type.space == "constant":
            raise CompileError("cannot store to __constant memory", loc)
        last_store, loads = self.mem.get(self.block, (None, []))
        deps = ([last_store] if last_store else []) + loads
        op = self.b.op("store", [ptr, value], VOID, deps=deps, loc=loc)
        self.mem[self.block] = (op, [])
        return op

    def check_half(self, ptr: PtrType, loc: SourceLoc) -> None:
        if ptr.pointee == F16:
            raise UnsupportedError(
                "half values are storage only: read and write them with vload_half and "
                "vstore_half",
                loc,
            )

    # -- conversions ----------------------------------------------------------------

    def const(self, value: int | float, type: Type, loc: SourceLoc) -> Op:
        if isinstance(type, FloatType):
            value = float(value)
        return self.b.op("const", [], type, {"value": value}, loc=loc)

    def cast(self, v: Value, t: Type, loc: SourceLoc) -> Value:
        if v.type == t:
            return v
        return self.b.op("cast", [v], t, loc=loc)

    def to_bool(self, v: Value, loc: SourceLoc) -> Value:
        if v.type == BOOL:
            return v
        if is_vec(v):
            raise CompileError(
                f"a vector ({cl_name(v.type)}) is not a truth value: use any() or all()", loc
            )
        if isinstance(v.type, (IntType, FloatType)):
            return self.b.op("cmp", [v, self.const(0, v.type, loc)], BOOL, {"pred": "ne"}, loc=loc)
        raise UnsupportedError("pointers used as truth values are not supported yet", loc)

    def promote(self, v: Value, loc: SourceLoc) -> Value:
        t = v.type
        if isinstance(t, FloatType):
            return v
        if isinstance(t, VectorType):
            raise CompileError(f"a vector ({cl_name(t)}) cannot be used here", loc)
        if not isinstance(t, IntType):
            raise CompileError(f"invalid operand of type {t} (a number was expected)", loc)
        if t.width < 32:
            return self.cast(v, I32, loc)
        return v

    def arith_conv(self, a: Value, b: Value, loc: SourceLoc) -> tuple[Value, Value]:
        t = self.common_type(a.type, b.type, loc)
        return self.cast(a, t, loc), self.cast(b, t, loc)

    def common_type(self, a: Type, b: Type, loc: SourceLoc) -> Type:
        """The usual arithmetic conversions (OpenCL: long is 64-bit, no long double)."""
        for t in (a, b):
            if not isinstance(t, (IntType, FloatType)):
                raise CompileError(f"invalid operand of type {t} (a number was expected)", loc)
        if isinstance(a, FloatType) or isinstance(b, FloatType):
            width = max(t.width for t in (a, b) if isinstance(t, FloatType))
            if width == 16:
                raise CompileError("arithmetic on half values needs cl_khr_fp16", loc)
            return FloatType(width)
        assert isinstance(a, IntType) and isinstance(b, IntType)
        return _common_type(_promoted(a), _promoted(b))

    def convert(self, v: Value, t: Type, loc: SourceLoc) -> Value:
        """Implicit conversion as by assignment."""
        if v.type == t:
            return v
        if v.type == VOID:
            raise CompileError("void value not ignored as it ought to be", loc)
        if isinstance(t, VectorType) and isinstance(v.type, (IntType, FloatType)):
            return vectors.splat(self, v, t, loc)
        if isinstance(t, VectorType) or isinstance(v.type, VectorType):
            raise CompileError(
                f"cannot convert {cl_name(v.type)} to {cl_name(t)} implicitly"
                + (" (use convert_ functions)" if isinstance(t, VectorType) and is_vec(v) else ""),
                loc,
            )
        if isinstance(t, StructType) or isinstance(v.type, StructType):
            raise CompileError(f"cannot convert {cl_name(v.type)} to {cl_name(t)}", loc)
        if t == BOOL:
            return self.to_bool(v, loc)
        if isinstance(t, (IntType, FloatType)) and isinstance(v.type, (IntType, FloatType)):
            return self.cast(v, t, loc)
        if isinstance(t, PtrType) and isinstance(v.type, PtrType):
            if t.space != v.type.space:
                raise CompileError(
                    f"assigning a {v.type.space} pointer to a {t.space} pointer changes its address space",
                    loc,
                )
            raise UnsupportedError(f"conversion from {v.type} to {t} is not supported yet", loc)
        if isinstance(t, PtrType) or isinstance(v.type, PtrType):
            raise CompileError(f"incompatible conversion from {v.type} to {t}", loc)
        raise UnsupportedError(f"conversion from {v.type} to {t} is not supported yet", loc)

    # -- expressions ----------------------------------------------------------------

    def lower_expr(self, node: Any) -> Value:
        loc = _loc(node, self.loc)
        if isinstance(node, c_ast.Constant):
            return self.lower_constant(node, loc)
        if isinstance(node, c_ast.ID):
            var = self.lookup(node.name, loc)
            if var.addr is not None:
                if isinstance(var.type, ArrayType):
                    return self.decay(var.addr, loc)
                return _MemLValue(self, var.addr).read(loc)
            return self.read_var(var, self.block, loc)
        if isinstance(node, c_ast.BinaryOp):
            return self.lower_binary(node, loc)
        if isinstance(node, c_ast.UnaryOp):
            return self.lower_unary(node, loc)
        if isinstance(node, c_ast.Assignment):
            return self.lower_assignment(node, loc)
        if isinstance(node, c_ast.TernaryOp):
            return self.lower_ternary(node, loc)
        if isinstance(node, c_ast.Cast):
            t = self.ctx.c_type(node.to_type, loc)
            if isinstance(t, VectorType):
                exprs = node.expr.exprs if isinstance(node.expr, c_ast.ExprList) else [node.expr]
                items = [self.lower_expr(e) for e in exprs]
                if len(items) == 1 and is_vec(items[0]):
                    if items[0].type == t:
                        return items[0]
                    raise CompileError(
                        f"cannot cast {cl_name(items[0].type)} to {cl_name(t)}: "
                        "use convert_ or as_ functions",
                        loc,
                    )
                return vectors.literal(self, t, items, loc)
            v = self.lower_expr(node.expr)
            if t == VOID:
                return v
            if isinstance(t, PtrType) or isinstance(v.type, PtrType):
                return self.pointer_cast(v, t, loc)
            if is_vec(v):
                raise CompileError(f"cannot cast {cl_name(v.type)} to {cl_name(t)}", loc)
            return self.convert(v, t, loc)
        if isinstance(node, c_ast.ArrayRef):
            return self.lower_lvalue(node).read(loc)
        if isinstance(node, c_ast.FuncCall):
            return self.lower_call(node, loc)
        if isinstance(node, c_ast.ExprList):
            value: Value | None = None
            for e in node.exprs:
                value = self.lower_expr(e)
            assert value is not None
            return value
        if isinstance(node, c_ast.StructRef):
            return self.lower_swizzle(node, loc, lvalue=False).read(loc)
        if isinstance(node, (c_ast.InitList, c_ast.CompoundLiteral)):
            raise UnsupportedError(
                "compound literals and initializer lists are not supported yet", loc
            )
        raise UnsupportedError(f"this expression ({type(node).__name__}) is not supported yet", loc)

    def lower_constant(self, node: c_ast.Constant, loc: SourceLoc) -> Value:
        if node.type == "char":
            return self.const(_char_literal(node.value, loc), I32, loc)
        if node.type == "string":
            raise UnsupportedError("string literals are not supported yet", loc)
        if node.type in ("float", "double", "long double"):
            value, ft = _float_literal(node.value, loc)
            return self.const(value, ft, loc)
        value, t = _int_literal(node.value, loc)
        return self.const(value, t, loc)

    def lower_lvalue(self, node: Any) -> _LValue:
        loc = _loc(node, self.loc)
        if isinstance(node, c_ast.ID):
            var = self.lookup(node.name, loc)
            if var.addr is not None and not isinstance(var.type, ArrayType):
                return _MemLValue(self, var.addr)
            return _VarLValue(self, var)
        if isinstance(node, c_ast.ArrayRef):
            base = self.lower_expr(node.name)
            index = self.lower_expr(node.subscript)
            if isinstance(index.type, PtrType) and not isinstance(base.type, PtrType):
                base, index = index, base
            if not isinstance(base.type, PtrType):
                raise CompileError("subscripted value is not a pointer", loc)
            return _MemLValue(self, self.pointer_add(base, index, loc, negate=False))
        if isinstance(node, c_ast.UnaryOp) and node.op == "*":
            ptr = self.lower_expr(node.expr)
            if not isinstance(ptr.type, PtrType):
                raise CompileError("indirection requires a pointer operand", loc)
            return _MemLValue(self, ptr)
        if isinstance(node, c_ast.Cast):
            raise CompileError("a cast expression is not assignable", loc)
        if isinstance(node, c_ast.StructRef):
            return self.lower_swizzle(node, loc, lvalue=True)
        raise CompileError("expression is not assignable", loc)

    def lower_swizzle(self, node: c_ast.StructRef, loc: SourceLoc, lvalue: bool) -> _LValue:
        """``v.xy``: an lvalue of some lanes (an rvalue's lanes for ``lvalue=False``)."""
        if self.ctx.cuda is not None:
            builtin = cuda.builtin_variable(self, node, loc, lvalue)  # threadIdx.x & co
            if builtin is not None:
                return builtin
        field = node.field.name
        if node.type == "->":
            ptr = self.lower_expr(node.name)
            if not isinstance(ptr.type, PtrType) or not isinstance(ptr.type.pointee, StructType):
                raise CompileError(
                    f"member reference type '{cl_name(ptr.type)}' is not a pointer to a "
                    "struct or union",
                    loc,
                )
            return self.member(_MemLValue(self, ptr), field, loc)
        base_node = node.name
        base: _LValue
        if isinstance(base_node, (c_ast.ID, c_ast.ArrayRef, c_ast.StructRef)) or (
            isinstance(base_node, c_ast.UnaryOp) and base_node.op == "*"
        ):
            base = self.lower_lvalue(base_node) if lvalue else self.lower_lvalue_for_read(base_node)
        else:
            if lvalue:
                raise CompileError("expression is not assignable", loc)
            base = _RValue(self, self.lower_expr(base_node))
        if isinstance(base.type, StructType):
            return self.member(base, field, loc)
        if not isinstance(base.type, VectorType):
            raise UnsupportedError(
                f"member reference on {cl_name(base.type)}: structs and unions are not supported yet"
                if not isinstance(base.type, (IntType, FloatType))
                else f"member reference base type '{cl_name(base.type)}' is not a vector",
                loc,
            )
        idx = vectors.swizzle_indices(field, base.type, loc)
        if lvalue and len(set(idx)) != len(idx):
            raise CompileError(
                f"vector component '.{field}' names a lane twice and is not assignable", loc
            )
        return _SwizzleLValue(self, base, idx)

    def member(self, base: _LValue, name: str, loc: SourceLoc) -> _LValue:
        """The member ``name`` of a struct or union lvalue (or rvalue)."""
        t = base.type
        assert isinstance(t, StructType)
        for index, ft, off in structs.field_steps(t, name, loc):  # anonymous members
            if isinstance(base, _MemLValue):
                base = _MemLValue(self, structs.member_ptr(self, base.ptr, off, ft, loc))
            elif isinstance(base, _VarLValue):
                m = structs.member_vars(self, base.var)[index]
                base = _MemLValue(self, m.addr) if m.addr is not None else _VarLValue(self, m)
            else:
                value = base.read(loc)
                assert isinstance(value, structs.AggValue)
                base = _RValue(self, value.items[index])
        return base

    def lower_lvalue_for_read(self, node: Any) -> _LValue:
        if isinstance(node, c_ast.StructRef):
            return self.lower_swizzle(node, _loc(node, self.loc), lvalue=False)
        return self.lower_lvalue(node)

    def pointer_cast(self, v: Value, t: Type, loc: SourceLoc) -> Value:
        """Pointer casts between pointers to a vector type and to its element type."""
        if self.ctx.cuda is not None and isinstance(t, PtrType) and isinstance(v.type, PtrType):
            t = PtrType(t.pointee, v.type.space)  # CUDA: a cast keeps the address space
        if v.type == t:
            return v
        if isinstance(t, PtrType) and isinstance(v.type, PtrType) and t.space == v.type.space:
            raw = v.base if isinstance(v, VecPtr) else v
            elem = v.type.pointee.elem if isinstance(v.type.pointee, VectorType) else v.type.pointee
            if isinstance(t.pointee, VectorType) and t.pointee.elem == elem:
                return VecPtr(raw, t.pointee)
            if t.pointee == elem:
                return raw
            if isinstance(v.type.pointee, StructType) or isinstance(t.pointee, StructType):
                # reinterpreting a struct's bytes: ptradd on the result steps its pointee
                target = t.pointee.elem if isinstance(t.pointee, VectorType) else t.pointee
                cast = self.b.op("bitcast", [raw], PtrType(target, t.space), loc=loc)
                return VecPtr(cast, t.pointee) if isinstance(t.pointee, VectorType) else cast
        raise UnsupportedError(
            f"pointer casts (from {cl_name(v.type)} to {cl_name(t)}) are not supported yet", loc
        )

    def pointer_add(self, ptr: Value, index: Value, loc: SourceLoc, negate: bool) -> Value:
        if not isinstance(index.type, IntType):
            raise CompileError("pointer arithmetic needs an integer operand", loc)
        index = self.promote(index, loc)
        if isinstance(ptr, VecPtr):  # step whole vectors: stride elements each
            i64 = self.cast(index, I64, loc)
            if negate:
                i64 = self.b.op("neg", [i64], I64, loc=loc)
            step = self.const(vectors.stride(ptr.vtype), I64, loc)
            scaled = self.b.op("mul", [i64, step], I64, loc=loc)
            base = self.b.op("ptradd", [ptr.base, scaled], ptr.base.type, loc=loc)
            return VecPtr(base, ptr.vtype)
        if negate:
            index = self.cast(index, I64, loc)
            index = self.b.op("neg", [index], I64, loc=loc)
        return self.b.op("ptradd", [ptr, index], ptr.type, loc=loc)

    def pointer_relation(self, op: str, a: Value, b: Value, loc: SourceLoc) -> Value:
        """``a - b`` (a ptrdiff_t, in elements) or a comparison of two pointers into the
        same object (C: anything else is undefined). Each pointer is followed back
        through its ``ptradd`` steps to its base; the two bases must be the same value,
        and then the difference or comparison is that of the summed offsets."""
        if isinstance(a, VecPtr) or isinstance(b, VecPtr) or a.type != b.type:
            what = "subtraction" if op == "-" else "comparison"
            raise UnsupportedError(
                f"pointer {what} of {a.type} and {b.type} is not supported yet", loc
            )

        def walk(v: Value) -> tuple[Value, list[Value]]:
            steps = []
            while isinstance(v, Op) and v.opcode == "ptradd" and v.type == v.operands[0].type:
                steps.append(v.operands[1])
                v = v.operands[0]
            return v, steps

        (ra, sa), (rb, sb) = walk(a), walk(b)

        def total(steps: list[Value]) -> Value:
            acc = self.const(0, I64, loc)
            for i in steps:
                acc = self.b.op("add", [acc, self.cast(i, I64, loc)], I64, loc=loc)
            return acc

        what = "subtraction" if op == "-" else "comparison"
        if ra is not rb and not any(
            isinstance(r, Op) and r.opcode == "phi" for r in (ra, rb)
        ):
            raise UnsupportedError(_NO_COMMON_BASE.format(what=what), loc)
        if ra is not rb:
            # a pointer that a loop (or a branch) updates is a phi: its offset from the
            # common base becomes a phi of offsets once the loop is complete; until then
            # each pointer's offset is a placeholder holding the pointer
            oa = self.b.op("const", [a], I64, {"value": 0}, loc=loc)
            ob = self.b.op("const", [b], I64, {"value": 0}, loc=loc)
            self.ptr_offsets.append((oa, ob, what, loc))
        else:
            oa, ob = total(sa), total(sb)
        if op == "-":
            return self.b.op("sub", [oa, ob], I64, loc=loc)
        c = self.b.op("cmp", [oa, ob], BOOL, {"pred": _CMP_PREDS[op]}, loc=loc)
        return self.cast(c, I32, loc)

    def lower_binary(self, node: c_ast.BinaryOp, loc: SourceLoc) -> Value:
        op = node.op
        if op in ("&&", "||"):
            return self.lower_logical(node, loc)
        a = self.lower_expr(node.left)
        b = self.lower_expr(node.right)
        return self.binary(op, a, b, loc)

    def binary(self, op: str, a: Value, b: Value, loc: SourceLoc) -> Value:
        if is_vec(a) or is_vec(b):
            return vectors.binary(self, op, a, b, loc)
        a_ptr, b_ptr = isinstance(a.type, PtrType), isinstance(b.type, PtrType)
        if a_ptr or b_ptr:
            if op == "+" and a_ptr and not b_ptr:
                return self.pointer_add(a, b, loc, negate=False)
            if op == "+" and b_ptr and not a_ptr:
                return self.pointer_add(b, a, loc, negate=False)
            if op == "-" and a_ptr and not b_ptr:
                return self.pointer_add(a, b, loc, negate=True)
            if (op == "-" or op in _CMP_PREDS) and a_ptr and b_ptr:
                return self.pointer_relation(op, a, b, loc)
            raise CompileError(f"invalid operands to binary '{op}' ({a.type} and {b.type})", loc)
        if op in _CMP_PREDS:
            a, b = self.arith_conv(a, b, loc)
            return self.b.op("cmp", [a, b], BOOL, {"pred": _CMP_PREDS[op]}, loc=loc)
        if op in ("%", "&", "|", "^", "<<", ">>") and (
            isinstance(a.type, FloatType) or isinstance(b.type, FloatType)
        ):
            raise CompileError(
                f"invalid operands to binary '{op}' ({a.type} and {b.type}): "
                "it needs integer operands",
                loc,
            )
        if op in ("<<", ">>"):
            a = self.promote(a, loc)
            b = self.cast(self.promote(b, loc), a.type, loc)
            return self.b.op(_BINARY_OPCODES[op], [a, b], a.type, loc=loc)
        if op in _BINARY_OPCODES:
            a, b = self.arith_conv(a, b, loc)
            return self.b.op(_BINARY_OPCODES[op], [a, b], a.type, loc=loc)
        raise UnsupportedError(f"operator '{op}' is not supported yet", loc)

    def lower_logical(self, node: c_ast.BinaryOp, loc: SourceLoc) -> Value:
        """``&&``/``||`` with short-circuit: the right side runs in its own block."""
        is_and = node.op == "&&"
        left_v = self.lower_expr(node.left)
        if is_vec(left_v):  # element-wise, both sides evaluated
            return vectors.binary(self, node.op, left_v, self.lower_expr(node.right), loc)
        left = self.to_bool(left_v, _loc(node.left, loc))
        short = self.const(0 if is_and else 1, BOOL, loc)
        start = self.block
        rhs = self.new_block("land.rhs" if is_and else "lor.rhs")
        join = self.new_block("land.end" if is_and else "lor.end")
        if is_and:
            self.cbr(left, rhs, join, loc)
        else:
            self.cbr(left, join, rhs, loc)
        self.seal(rhs)
        self.set_block(rhs)
        right_v = self.lower_expr(node.right)
        if is_vec(right_v):
            raise UnsupportedError(
                f"'{node.op}' of a scalar and a vector is not supported yet", loc
            )
        right = self.to_bool(right_v, _loc(node.right, loc))
        rhs_end = self.block
        self.br(join, loc)
        self.seal(join)
        self.set_block(join)
        return self.b.op("phi", [short, right], BOOL, blocks=[start, rhs_end], loc=loc)

    def lower_ternary(self, node: c_ast.TernaryOp, loc: SourceLoc) -> Value:
        cond_v = self.lower_expr(node.cond)
        if is_vec(cond_v):  # per lane on the most significant bit; both sides evaluated
            tv = self.lower_expr(node.iftrue)
            fv = self.lower_expr(node.iffalse)
            return vectors.select_lanes(self, cond_v, tv, fv, loc)
        cond = self.to_bool(cond_v, _loc(node.cond, loc))
        then_b = self.new_block("cond.true")
        else_b = self.new_block("cond.false")
        join = self.new_block("cond.end")
        self.cbr(cond, then_b, else_b, loc)
        self.seal(then_b)
        self.seal(else_b)
        self.set_block(then_b)
        tv = self.lower_expr(node.iftrue)
        then_end = self.block
        self.set_block(else_b)
        fv = self.lower_expr(node.iffalse)
        else_end = self.block
        num = (IntType, FloatType)
        if is_vec(tv) or is_vec(fv):
            vt = tv.type if is_vec(tv) else fv.type
            assert isinstance(vt, VectorType)
            self.set_block(then_end)
            tv = self.convert(tv, vt, loc)
            self.br(join, loc)
            self.set_block(else_end)
            fv = self.convert(fv, vt, loc)
            self.br(join, loc)
            self.seal(join)
            self.set_block(join)
            assert isinstance(tv, VecValue) and isinstance(fv, VecValue)
            return VecValue(
                [
                    self.b.op("phi", [x, y], vt.elem, blocks=[then_end, else_end], loc=loc)
                    for x, y in zip(tv.lanes, fv.lanes, strict=True)
                ]
            )
        if isinstance(tv, structs.AggValue) or isinstance(fv, structs.AggValue):
            if tv.type != fv.type:
                raise CompileError(
                    f"incompatible operand types ('{cl_name(tv.type)}' and '{cl_name(fv.type)}')",
                    loc,
                )
            for end in (then_end, else_end):
                self.set_block(end)
                self.br(join, loc)
            self.seal(join)
            self.set_block(join)
            return structs.merge(self, tv, fv, [then_end, else_end], loc)
        if isinstance(tv, VecPtr) and isinstance(fv, VecPtr) and tv.type == fv.type:
            self.set_block(then_end)
            self.br(join, loc)
            self.set_block(else_end)
            self.br(join, loc)
            self.seal(join)
            self.set_block(join)
            base = self.b.op(
                "phi", [tv.base, fv.base], tv.base.type, blocks=[then_end, else_end], loc=loc
            )
            return VecPtr(base, tv.vtype)
        if isinstance(tv.type, num) and isinstance(fv.type, num):
            t: Type = self.common_type(tv.type, fv.type, loc)
        elif tv.type == fv.type:
            t = tv.type
        else:
            raise CompileError(f"incompatible operand types ('{tv.type}' and '{fv.type}')", loc)
        self.set_block(then_end)
        tv = self.cast(tv, t, loc)
        self.br(join, loc)
        self.set_block(else_end)
        fv = self.cast(fv, t, loc)
        self.br(join, loc)
        self.seal(join)
        self.set_block(join)
        return self.b.op("phi", [tv, fv], t, blocks=[then_end, else_end], loc=loc)

    def lower_unary(self, node: c_ast.UnaryOp, loc: SourceLoc) -> Value:
        op = node.op
        if op == "sizeof":
            return self.const(self.sizeof(node.expr, loc), U64, loc)
        if op in ("++", "--", "p++", "p--"):
            lv = self.lower_lvalue(node.expr)
            old = lv.read(loc)
            one = self.const(1, I32 if not is_vec(old) else old.type.elem, loc)  # type: ignore[attr-defined]
            if isinstance(old.type, PtrType):
                new = self.pointer_add(old, one, loc, negate="--" in op)
            else:
                new = self.convert(
                    self.binary("+" if "++" in op else "-", old, one, loc), lv.type, loc
                )
            lv.write(new, loc)
            return old if op.startswith("p") else new
        if op == "*":
            return self.lower_lvalue(node).read(loc)
        if op == "&":
            inner = node.expr
            if isinstance(inner, c_ast.ArrayRef) or (
                isinstance(inner, c_ast.UnaryOp) and inner.op == "*"
            ):
                lv = self.lower_lvalue(inner)
                assert isinstance(lv, _MemLValue)
                return lv.ptr
            if isinstance(inner, c_ast.StructRef):
                lv = self.lower_lvalue(inner)
                if isinstance(lv, _MemLValue):
                    return lv.ptr
                raise UnsupportedError(
                    "taking the address of this member is not supported yet", loc
                )
            if isinstance(inner, c_ast.ID):
                var = self.lookup(inner.name, loc)
                if var.addr is not None and not isinstance(var.type, ArrayType):
                    return var.addr  # a variable in memory (a __local scalar, a CUDA symbol)
                raise UnsupportedError("taking the address of a variable is not supported yet", loc)
            raise CompileError("cannot take the address of an rvalue", loc)
        v = self.lower_expr(node.expr)
        if isinstance(v, VecValue):
            return vectors.unary(self, op, v, loc)
        if op == "!":
            if isinstance(v.type, PtrType):
                raise UnsupportedError("pointers used as truth values are not supported yet", loc)
            if v.type == BOOL:
                return self.b.op("xor", [v, self.const(1, BOOL, loc)], BOOL, loc=loc)
            return self.b.op("cmp", [v, self.const(0, v.type, loc)], BOOL, {"pred": "eq"}, loc=loc)
        v = self.promote(v, loc)
        if op == "+":
            return v
        if op == "-":
            return self.b.op("neg", [v], v.type, loc=loc)
        if op == "~":
            if isinstance(v.type, FloatType):
                raise CompileError(f"invalid argument type {v.type} to unary '~'", loc)
            return self.b.op("not", [v], v.type, loc=loc)
        raise UnsupportedError(f"operator '{op}' is not supported yet", loc)

    def sizeof(self, node: Any, loc: SourceLoc) -> int:
        if isinstance(node, c_ast.Typename):
            t = self.ctx.c_type(node, loc)
        else:
            t = self.type_of(node, loc)
        if t == VOID:
            raise CompileError("invalid application of 'sizeof' to a void type", loc)
        return t.size

    def type_of(self, node: Any, loc: SourceLoc) -> Type:
        """The type of an expression without evaluating it (for sizeof)."""
        loc = _loc(node, loc)
        if isinstance(node, c_ast.ID):
            return self.lookup(node.name, loc).type
        if isinstance(node, c_ast.Constant):
            if node.type == "char":
                return I32
            if node.type in ("float", "double", "long double"):
                return _float_literal(node.value, loc)[1]
            if node.type == "string":
                raise UnsupportedError("string literals are not supported yet", loc)
            return _int_literal(node.value, loc)[1]
        if isinstance(node, c_ast.Cast):
            return self.ctx.c_type(node.to_type, loc)
        if isinstance(node, c_ast.ArrayRef) or (isinstance(node, c_ast.UnaryOp) and node.op == "*"):
            base = self.type_of(node.name if isinstance(node, c_ast.ArrayRef) else node.expr, loc)
            if isinstance(base, (PtrType, ArrayType)):
                return base.pointee if isinstance(base, PtrType) else base.elem
            raise CompileError("subscripted value is not a pointer or array", loc)
        if isinstance(node, c_ast.UnaryOp):
            if node.op == "sizeof":
                return U64
            if node.op == "!":
                return I32
            if node.op in ("-", "+", "~"):
                t = self.type_of(node.expr, loc)
                return _promoted(t) if isinstance(t, IntType) else t
            if node.op in ("++", "--", "p++", "p--"):
                return self.type_of(node.expr, loc)
        if isinstance(node, c_ast.BinaryOp):
            if node.op in _CMP_PREDS or node.op in ("&&", "||"):
                return I32
            a, b = self.type_of(node.left, loc), self.type_of(node.right, loc)
            if isinstance(a, (PtrType, ArrayType)) or isinstance(b, (PtrType, ArrayType)):
                raise UnsupportedError("sizeof of pointer arithmetic is not supported yet", loc)
            if node.op in ("<<", ">>"):
                return _promoted(a) if isinstance(a, IntType) else a
            return self.common_type(a, b, loc)
        if isinstance(node, c_ast.Assignment):
            return self.type_of(node.lvalue, loc)
        if isinstance(node, c_ast.StructRef):
            base = self.type_of(node.name, loc)
            if node.type == "->" and isinstance(base, PtrType):
                base = base.pointee
            if isinstance(base, StructType):
                return structs.field_of(base, node.field.name, loc)[1]
        raise UnsupportedError(
            f"sizeof of this expression ({type(node).__name__}) is not supported yet", loc
        )

    def lower_assignment(self, node: c_ast.Assignment, loc: SourceLoc) -> Value:
        lv = self.lower_lvalue(node.lvalue)
        if isinstance(lv.type, ArrayType):
            raise CompileError("an array is not assignable", loc)
        rhs = self.lower_expr(node.rvalue)
        if node.op == "=":
            value = self.convert(rhs, lv.type, loc)
        else:
            old = lv.read(loc)
            value = self.convert(self.binary(node.op[:-1], old, rhs, loc), lv.type, loc)
        lv.write(value, loc)
        return value

    def lower_call(self, node: c_ast.FuncCall, loc: SourceLoc) -> Value:
        if not isinstance(node.name, c_ast.ID):
            raise UnsupportedError("calls through function pointers are not supported yet", loc)
        name = node.name.name
        args = list(node.args.exprs) if node.args is not None else []
        if name in ("offsetof", "__builtin_offsetof") and len(args) == 2:
            if isinstance(args[0], c_ast.Typename):
                return self.const(structs.offsetof(self.ctx, args[0], args[1], loc), U64, loc)
        if name in WORKITEM_FUNCTIONS:
            if len(args) != 1:
                raise CompileError(
                    f"{'too many' if len(args) > 1 else 'too few'} arguments to function call "
                    f"'{name}', expected 1, have {len(args)}",
                    loc,
                )
            dim = _const_eval(args[0])
            if dim is None:
                raise UnsupportedError(
                    f"a non-constant dimension argument to {name} is not supported yet", loc
                )
            if 0 <= dim <= 2:
                return self.b.op(WORKITEM_FUNCTIONS[name], [], U64, {"dim": dim}, loc=loc)
            # OpenCL: out-of-range dimensions give 0 for ids and 1 for sizes
            return self.const(0 if name.endswith("_id") else 1, U64, loc)
        if name == "get_global_offset":
            # soff launches an NDRange without a global offset (clEnqueueNDRangeKernel's
            # global_work_offset is always NULL): every offset is 0
            if len(args) != 1:
                raise CompileError(
                    f"{'too many' if len(args) > 1 else 'too few'} arguments to function call "
                    f"'{name}', expected 1, have {len(args)}",
                    loc,
                )
            return self.const(0, U64, loc)
        if name == "get_work_dim":  # a hidden argument the launch fills in
            if args:
                raise CompileError(
                    f"too many arguments to function call '{name}', expected 0, have {len(args)}",
                    loc,
                )
            arg = next((a for a in self.kernel.args if a.name == WORK_DIM_ARG), None)
            if arg is None:
                arg = Arg(U32, WORK_DIM_ARG, len(self.kernel.args), loc)
                self.kernel.args.append(arg)
            return arg
        if name in BARRIER_FUNCTIONS:
            return self.lower_barrier(name, args, loc)
        if atomics.is_atomic_builtin(name):
            return atomics.lower_atomic(self, name, args, loc)
        if name.startswith(("atomic_", "atom_")):
            raise UnsupportedError(f"atomic functions ('{name}') are not supported yet", loc)
        if name == "printf" and not isinstance(self.ctx.functions.get(name), c_ast.FuncDef):
            return printf.lower_printf(self, args, loc)
        if name in self.ctx.functions:
            return self.inline_call(name, args, loc)
        if self.ctx.cuda is not None:
            value = cuda.lower_call(self, name, args, node, loc)
            if value is not None:
                return value
        if halfvec.is_half_builtin(name):
            return halfvec.lower(self, name, args, loc)
        if name in BUILTINS:
            return lower_builtin(self, name, args, loc)
        if vectors.is_vector_builtin(name):
            return vectors.lower_vector_builtin(self, name, args, loc)
        if relational.is_relational_builtin(name):
            return relational.lower(self, name, args, loc)
        if name in KNOWN_BUILTINS or name.startswith(_BUILTIN_PREFIXES):
            raise UnsupportedError(f"the built-in function '{name}' is not supported yet", loc)
        for s in self.frame.scopes:
            if name in s:
                raise CompileError(f"called object '{name}' is not a function", loc)
        raise CompileError(f"implicit declaration of function '{name}'", loc)

    def lower_barrier(self, name: str, args: list[Any], loc: SourceLoc) -> Value:
        """``barrier(flags)`` / ``work_group_barrier(flags[, scope])``: a ``barrier``
        op ordered after every earlier memory op of the block and before every
        later one. The fences (``mem_fence`` etc.) emit nothing: memory ops of one
        work-item are already ordered (docs/ir.md, "Local memory")."""
        counts = (1, 2) if name == "work_group_barrier" else (1,)
        if len(args) not in counts:
            word = "too many" if len(args) > max(counts) else "too few"
            raise CompileError(
                f"{word} arguments to function call '{name}', expected "
                f"{' or '.join(map(str, counts))}, have {len(args)}",
                loc,
            )
        flags = _const_eval(args[0])
        if flags is None:
            raise CompileError(f"the flags argument of {name} must be a constant", loc)
        if flags & ~3:
            raise UnsupportedError(
                f"{name} flags other than CLK_LOCAL_MEM_FENCE and CLK_GLOBAL_MEM_FENCE "
                "are not supported yet",
                loc,
            )
        if name.endswith("mem_fence"):
            return _VOID_VALUE
        names = [f for bit, f in ((1, "local"), (2, "global")) if flags & bit]
        last_store, loads = self.mem.get(self.block, (None, []))
        deps = ([last_store] if last_store else []) + loads
        op = self.b.op("barrier", [], VOID, {"flags": names}, deps=deps, loc=loc)
        self.mem[self.block] = (op, [])  # later loads and stores follow it
        return _VOID_VALUE

    def inline_call(
        self,
        name: str,
        arg_nodes: list[Any],
        loc: SourceLoc,
        values: list[Value] | None = None,
    ) -> Value:
        """Inline a helper function: arguments by value, the body lowered in a fresh
        scope, every ``return`` a branch to the block after the call. ``values``:
        arguments already lowered (``arg_nodes`` then only counts them)."""
        fdef = self.ctx.functions[name]
        if name in self.call_stack:
            cycle = self.call_stack[self.call_stack.index(name) :] + [name]
            raise CompileError(f"recursive call: {' -> '.join(cycle)}", loc)
        if not isinstance(fdef, c_ast.FuncDef):
            raise CompileError(f"function '{name}' is declared but never defined", loc)
        ftype = fdef.decl.type
        floc = _loc(fdef.decl)
        params = list(ftype.args.params) if ftype.args is not None else []
        if len(params) == 1 and isinstance(params[0], c_ast.Typename):
            if self.ctx.c_type(params[0].type, _loc(params[0], floc)) == VOID:
                params = []
        if any(isinstance(p, c_ast.EllipsisParam) for p in params):
            raise UnsupportedError(f"variadic function '{name}' is not supported", floc)
        if len(arg_nodes) != len(params):
            word = "too many" if len(arg_nodes) > len(params) else "too few"
            raise CompileError(
                f"{word} arguments to function call '{name}', expected {len(params)}, "
                f"have {len(arg_nodes)}",
                loc,
            )
        saved = None
        if values is None and self.ctx.cuda is not None and name in self.ctx.cuda.generic:
            # a CUDA function template's arguments: lowered first
            values = [self.lower_expr(node) for node in arg_nodes]
            saved = cuda.bind_template_types(self, name, params, values, loc)
        ret_type = self.ctx.c_type(ftype.type, floc)
        # arguments are evaluated in the caller, then bound to fresh variables
        bound: list[tuple[Var, Value]] = []
        for i, (p, node) in enumerate(zip(params, arg_nodes, strict=True)):
            ploc = _loc(p, floc)
            if not isinstance(p, c_ast.Decl):
                raise UnsupportedError("unnamed parameters are not supported yet", ploc)
            value = values[i] if values is not None else self.lower_expr(node)
            ptype_node = p.type
            if isinstance(ptype_node, c_ast.ArrayDecl):  # int a[] is int *a
                ptype_node = c_ast.PtrDecl([], ptype_node.type, ptype_node.coord)
            t = self.ctx.c_type(ptype_node, ploc)
            if isinstance(t, PtrType) and _address_space(ptype_node.type) is None:
                # an unqualified pointer parameter takes the argument's address space
                # (OpenCL 2.0's generic address space; inlining knows it statically)
                if isinstance(value.type, PtrType):
                    t = PtrType(t.pointee, value.type.space)
            value = self.convert(value, t, loc if node is None else _loc(node, loc))
            var = Var(p.name or "", t, ploc, const="const" in _outer_quals(ptype_node))
            bound.append((var, value))
        caller = self.frame
        ret_block = self.new_block(f"{name}.ret")
        ret_var = Var(f"{name}.result", ret_type, floc) if ret_type != VOID else None
        if ret_var is not None and structs.has_union(ret_type):
            self.private_object(ret_var, floc)
        self.frame = _Frame(name, ret_type, [{}], ret_block=ret_block, ret_var=ret_var)
        self.call_stack.append(name)
        try:
            with self.scope():
                taken = structs.address_taken(fdef) if bound else set()
                for var, value in bound:
                    if var.name:
                        self.declare(var)
                    if isinstance(var.type, StructType) and (
                        structs.has_union(var.type) or var.name in taken
                    ):
                        self.private_object(var, ploc)
                        assert var.addr is not None
                        structs.store(self, var.addr, value, ploc)
                        continue
                    self.assign_var(var, value)
                with self.scope():
                    for item in fdef.body.block_items or []:
                        self.lower_stmt(item)
            self.br(ret_block, loc)
            self.seal(ret_block)
            self.set_block(ret_block)
            if ret_var is None:
                return _VOID_VALUE
            if ret_var.addr is not None:
                return structs.load(self, ret_var.addr, ret_type, loc)
            return self.read_var(ret_var, ret_block, loc)
        finally:
            self.frame = caller
            self.call_stack.pop()
            if saved is not None:
                cuda.unbind_template_types(self, saved)


@dataclass(eq=False)
class _Frame:
    """The function being lowered: the kernel itself or a helper inlined into it."""

    name: str
    ret_type: Type
    scopes: list[dict[str, Var]]
    breaks: list[Block] = field(default_factory=list)
    continues: list[Block] = field(default_factory=list)
    ret_block: Block | None = None  # None for the kernel (returns go to its exit)
    ret_var: Var | None = None  # holds the return value of a non-void helper


def _outer_quals(node: Any) -> list[str]:
    """Qualifiers of the declared object itself (the pointer's own for pointers)."""
    if isinstance(node, c_ast.PtrDecl):
        return list(node.quals or [])
    return list(getattr(node, "quals", []) or [])


def _promoted(t: IntType) -> IntType:
    return I32 if t.width < 32 else t


def _common_type(a: Type, b: Type) -> IntType:
    """Usual arithmetic conversions on promoted integer types (OpenCL: long is 64-bit)."""
    assert isinstance(a, IntType) and isinstance(b, IntType)
    if a == b:
        return a
    if a.signed == b.signed:
        return a if a.width >= b.width else b
    u, s = (a, b) if not a.signed else (b, a)
    if u.width >= s.width:
        return u
    return s


def _leaf_type(t: Type) -> Type:
    while isinstance(t, ArrayType):
        t = t.elem
    return t


def _leaf_count(t: Type) -> int:
    n = 1
    while isinstance(t, ArrayType):
        n, t = n * t.count, t.elem
    return n


def _array_init(t: ArrayType, init: Any, loc: SourceLoc) -> tuple[ArrayType, list[Any]]:
    """The array type (its size completed) and the initialiser's scalar expressions in
    memory order (None for zero-filled elements), following C's brace elision."""
    if not isinstance(init, c_ast.InitList):
        raise UnsupportedError("array initializers must be brace-enclosed lists", loc)
    if t.count == 0:
        n = len(init.exprs)
        if not isinstance(t.elem, ArrayType) or (
            init.exprs and isinstance(init.exprs[0], c_ast.InitList)
        ):
            t = ArrayType(t.elem, n)
        else:
            per = _leaf_count(t.elem)
            t = ArrayType(t.elem, max(1, -(-n // per)))
    return t, _init_leaves(t, init, loc)


def _init_leaves(t: Type, node: Any, loc: SourceLoc) -> list[Any]:
    loc = _loc(node, loc)
    if isinstance(node, c_ast.NamedInitializer):
        raise UnsupportedError("designated initializers are not supported yet", loc)
    if not isinstance(t, ArrayType):
        if isinstance(node, c_ast.InitList):
            if len(node.exprs) != 1:
                raise CompileError("too many initializers for a scalar", loc)
            return _init_leaves(t, node.exprs[0], loc)
        return [node]
    if not isinstance(node, c_ast.InitList):
        raise UnsupportedError("array initializers must be brace-enclosed lists", loc)
    items = list(node.exprs)
    pos = 0

    def take(et: Type) -> list[Any]:
        nonlocal pos
        if pos >= len(items):
            return [None] * _leaf_count(et)
        item = items[pos]
        if isinstance(item, c_ast.InitList) or not isinstance(et, ArrayType):
            pos += 1
            return _init_leaves(et, item, loc)
        return [x for _ in range(et.count) for x in take(et.elem)]  # brace elision

    out = [x for _ in range(t.count) for x in take(t.elem)]
    if pos < len(items):
        raise CompileError("excess elements in array initializer", _loc(items[pos], loc))
    return out


def _const_number(node: Any, t: Type, loc: SourceLoc) -> int | float:
    """A constant initialiser converted to ``t`` (integer or float)."""
    loc = _loc(node, loc)
    if isinstance(t, FloatType):
        sign = 1.0
        inner = node
        while isinstance(inner, c_ast.UnaryOp) and inner.op in ("-", "+"):
            sign = -sign if inner.op == "-" else sign
            inner = inner.expr
        if isinstance(inner, c_ast.Cast):
            inner = inner.expr
        if isinstance(inner, c_ast.Constant) and inner.type in ("float", "double", "long double"):
            value, ft = _float_literal(inner.value, loc)
            if ft.width > t.width:
                value = round_fraction(Fraction(value), t.width)
            return sign * value
        iv = _const_eval(node)
        if iv is None:
            raise UnsupportedError("this constant initializer is not supported yet", loc)
        return round_fraction(Fraction(iv), t.width)
    assert isinstance(t, IntType)
    iv = _const_eval(node)
    if iv is None:
        raise CompileError("initializer element is not a compile-time constant", loc)
    return t.wrap(iv) if t != BOOL else int(iv != 0)


def _program_constant(
    ctx: _Context, decl: c_ast.Decl, loc: SourceLoc
) -> tuple[Type, list[int | float], SourceLoc]:
    t = ctx.c_type(decl.type, loc)
    if decl.init is None:
        raise CompileError(f"__constant variable '{decl.name}' needs an initializer", loc)
    if isinstance(_leaf_type(t), StructType):  # bytes, reinterpreted (program_constant)
        t, raw = structs.constant_bytes(t, decl.init, loc)
        return t, list(raw), loc
    if isinstance(t, ArrayType):
        t, leaves = _array_init(t, decl.init, _loc(decl.init, loc))
    elif isinstance(t, (IntType, FloatType)):
        leaves = _init_leaves(t, decl.init, loc)
    else:
        raise UnsupportedError(f"__constant variables of type {t} are not supported yet", loc)
    elem = _leaf_type(t)
    if not isinstance(elem, (IntType, FloatType)) or elem == F16:
        raise UnsupportedError(f"__constant data of type {elem} is not supported yet", loc)
    data = [0 if x is None else _const_number(x, elem, loc) for x in leaves]
    while data and data[-1] == 0 and not (isinstance(data[-1], float) and str(data[-1])[0] == "-"):
        data.pop()  # trailing zeros are implied
    return t, data, loc


def lower_module(
    parsed: ParsedSource,
    source_name: str | None = None,
    cuda_ctx: CudaContext | None = None,
    entry: str | None = None,
) -> Module:
    """Lower every ``__kernel`` function of a parsed translation unit, in source order
    (every ``__global__`` one for CUDA C, given ``cuda_ctx``), and the plain C
    function ``entry`` if it names one, as a single-work-item kernel after them
    (soff.frontend.cfunc). ``entry`` naming a kernel lowers that kernel only, so
    an error in another kernel of the file does not stop it."""
    ctx = _Context(parsed)
    if cuda_ctx is not None:
        ctx.cuda, ctx.default_space = cuda_ctx, "global"
    c_entry = None if cuda_ctx is not None else cfunc.find_entry(parsed.ast, entry)
    if c_entry is not None:
        ctx.default_space = "global"  # C: unqualified pointers point to the buffers
    file_vars: list[c_ast.Decl] = []
    module = Module(source=source_name)
    structs.resolve_enums(parsed.ast)
    seen: set[str] = set()
    kernels: list[c_ast.FuncDef] = []
    for ext in parsed.ast.ext:
        loc = _loc(ext)
        if loc.file == "<prelude>" or (
            isinstance(ext, c_ast.Typedef) and ext.name in _PRELUDE_NAMES
        ):
            continue
        if isinstance(ext, c_ast.FuncDef):
            name = ext.decl.name
            if name in seen:
                raise CompileError(f"redefinition of '{name}'", loc)
            seen.add(name)
            ctx.functions[name] = ext
            if any(s in ("__kernel", "kernel", "__global__") for s in ext.decl.funcspec or []):
                kernels.append(ext)
        elif isinstance(ext, c_ast.Typedef):
            ctx.typedefs[ext.name] = ext.type
            inner = getattr(ext.type, "type", None)
            if isinstance(inner, (c_ast.Struct, c_ast.Union)) and inner.name is None:
                ctx.typedef_names.setdefault(id(inner), ext.name)
        elif isinstance(ext, c_ast.Decl):
            if ctx.cuda is not None and cuda.module_decl(ctx, ext, loc):
                continue
            if isinstance(ext.type, c_ast.FuncDecl):
                ctx.functions.setdefault(ext.name, ext)
            elif ext.name is None and isinstance(ext.type, (c_ast.Struct, c_ast.Union)):
                structs.struct_type(ctx, ext.type, loc)  # a struct declaration
            elif ext.name is None and isinstance(ext.type, c_ast.Enum):
                continue  # enumerators: structs.resolve_enums
            elif ext.name is None:
                raise UnsupportedError("this declaration is not supported yet", loc)
            elif _decl_space(ext.type) == "constant":
                if ext.name in ctx.constants:
                    raise CompileError(f"redefinition of '{ext.name}'", loc)
                ctx.constants[ext.name] = _program_constant(ctx, ext, loc)
            elif c_entry is not None:
                file_vars.append(ext)  # a C program's global: cfunc.file_scope_vars
            else:
                raise UnsupportedError(
                    "program-scope variables other than __constant ones are not supported yet",
                    loc,
                )
        elif isinstance(ext, c_ast.Pragma):
            continue
        else:
            raise UnsupportedError(
                f"this declaration ({type(ext).__name__}) is not supported yet", loc
            )
    if c_entry is not None:
        cfunc.file_scope_vars(ctx, file_vars)
    chosen = [f for f in kernels if f.decl.name == entry]
    if chosen:  # -k names a kernel: the others' errors do not block it
        kernels = chosen
    for fdef in kernels:
        attrs = parsed.attributes.get(fdef.decl.name, [])
        module.kernels.append(_FunctionLowerer(ctx, fdef, attrs).lower())
    if c_entry is not None:
        attrs = parsed.attributes.get(c_entry.decl.name, [])
        module.kernels.append(_FunctionLowerer(ctx, c_entry, attrs, c_function=True).lower())
    return module


_NO_COMMON_BASE = (
    "pointer {what} of pointers whose common base soff cannot see is not supported yet "
    "(both must come from the same pointer by arithmetic in this function)"
)

_PRELUDE_NAMES = set(SCALAR_TYPEDEFS) | set(UNSUPPORTED_TYPE_NAMES) | cuda.CUDA_PRELUDE_NAMES
