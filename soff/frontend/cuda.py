"""CUDA C: the device code of ``.cu`` files, lowered by the OpenCL C lowering.

The pipeline is the OpenCL one with CUDA hooks: pcpp with the CUDA macros and
soff's own headers (:mod:`soff.frontend.preprocess`), the host code dropped
(:mod:`soff.frontend.cuda_extract`), pycparser with the CUDA keywords
(:class:`CudaLexer`), and :mod:`soff.frontend.lower` with a
:class:`CudaContext`, which calls the functions here for what CUDA spells
differently:

- ``__global__`` functions are kernels, ``__device__`` functions helpers
  (inlined); ``__host__``, ``__forceinline__``, ``__noinline__`` are ignored;
- ``__shared__`` is ``__local``, ``__constant__`` is ``__constant``;
  ``extern __shared__ T s[]`` is one ``__local`` array per work-group holding
  the dynamic shared memory (``shared_bytes`` bytes, given at compile time since
  the circuit holds it in on-chip RAM); file-scope ``__shared__`` arrays and
  file-scope ``const`` scalars and arrays with initialisers are allowed;
- unqualified pointers are generic: kernel pointer arguments point to global
  memory, a pointer initialised from (or a helper argument bound to, or a cast
  of) another pointer takes its address space;
- ``threadIdx/blockIdx/blockDim/gridDim.x/.y/.z`` are ``local_id``,
  ``group_id``, ``local_size``, ``num_groups`` (as ``unsigned int``),
  ``warpSize`` is 32, ``__syncthreads()`` is a barrier;
- the CUDA math functions and intrinsics map onto OpenCL built-ins
  (:data:`CUDA_BUILTINS`), ``make_float4(...)`` and friends are vector
  literals of soff's vector types (CUDA's ``float4`` is soff's ``float4``;
  operators on them are element-wise as in OpenCL C);
- ``__constant__`` and ``__device__`` variables without an initializer (the
  host fills them: ``cudaMemcpyToSymbol``) are extra buffer arguments named
  after them;
- the type parameters of ``__device__`` function templates are bound to the
  argument types of each inlined call (:func:`bind_template_types`).
"""

from __future__ import annotations

import copy as copy_module
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pycparser import c_ast, c_lexer

from soff.diagnostics import CompileError, SourceLoc, UnsupportedError
from soff.frontend import atomics
from soff.frontend.cuda_extract import AUTO_TYPE
from soff.frontend.opencl import PRELUDE, VECTOR_TYPE_NAMES
from soff.ir.core import Arg, Op, Value
from soff.ir.types import (
    I32,
    U32,
    U64,
    VOID,
    ArrayType,
    FloatType,
    IntType,
    PtrType,
    Type,
    VectorType,
)

if TYPE_CHECKING:
    from soff.frontend.lower import Var, _Context, _FunctionLowerer, _LValue

#: CUDA keywords and what the OpenCL lexer token they become
_FUNCTION_SPECIFIERS = ("__global__", "__device__", "__host__", "__forceinline__",
                        "__noinline__", "__inline__", "__managed__")  # fmt: skip
#: CUDA memory-space qualifiers -> soff address spaces (used as type qualifiers)
CUDA_ADDRESS_SPACES = {"__shared__": "local", "__constant__": "constant"}

_VEC_BASES = ("char", "uchar", "short", "ushort", "int", "uint", "long", "ulong", "float", "double")
#: CUDA-only type names -> the soff type name they stand for
CUDA_TYPE_ALIASES = {
    **{f"longlong{n}": f"long{n}" for n in (2, 3, 4)},
    **{f"ulonglong{n}": f"ulong{n}" for n in (2, 3, 4)},
}
#: CUDA type names soff does not support in device code (declared so that they parse)
CUDA_UNSUPPORTED_TYPES = frozenset(
    ["dim3", "longlong1", "ulonglong1"] + [f"{b}1" for b in _VEC_BASES]
)
CUDA_PRELUDE = PRELUDE + "".join(
    f"typedef int {n};\n"
    for n in sorted({*CUDA_TYPE_ALIASES, *CUDA_UNSUPPORTED_TYPES, AUTO_TYPE})
)
CUDA_PRELUDE_NAMES = frozenset({*CUDA_TYPE_ALIASES, *CUDA_UNSUPPORTED_TYPES, AUTO_TYPE})

#: threadIdx & co -> work-item op
BUILTIN_VARIABLES = {
    "threadIdx": "local_id",
    "blockIdx": "group_id",
    "blockDim": "local_size",
    "gridDim": "num_groups",
}
_DIMS = {"x": 0, "y": 1, "z": 2}

_F, _D = ["float"], ["double"]
_I, _U, _L, _UL = ["int"], ["unsigned", "int"], ["long"], ["unsigned", "long"]
_FLOAT_MATH = """sqrt rsqrt cbrt fabs fmin fmax floor ceil trunc round rint exp exp2 exp10 expm1
    log log2 log10 log1p logb pow sin cos tan asin acos atan atan2 sinh cosh tanh asinh acosh
    atanh sinpi cospi fmod remainder hypot fma copysign fdim erf erfc lgamma tgamma nextafter""".split()


@dataclass(frozen=True)
class Builtin:
    """A CUDA function as an OpenCL one: ``target`` (a built-in name, or an
    operator ``+ - * /``) on the arguments converted to ``args``, the result
    converted to ``result``."""

    target: str
    args: list[str] | None = None
    result: list[str] | None = None


#: CUDA math functions and intrinsics -> OpenCL built-ins
CUDA_BUILTINS: dict[str, Builtin] = {
    **{f + "f": Builtin(f, _F) for f in _FLOAT_MATH},
    "nearbyintf": Builtin("rint", _F),
    **{f"__{f}f": Builtin(f, _F) for f in "exp exp10 log log2 log10 pow sin cos tan".split()},
    "__fsqrt_rn": Builtin("sqrt", _F), "__frsqrt_rn": Builtin("rsqrt", _F),
    "__fmaf_rn": Builtin("fma", _F), "__fma_rn": Builtin("fma", _D),
    "__fdividef": Builtin("/", _F), "__fdiv_rn": Builtin("/", _F),
    "__fadd_rn": Builtin("+", _F), "__fsub_rn": Builtin("-", _F), "__fmul_rn": Builtin("*", _F),
    "__dadd_rn": Builtin("+", _D), "__dsub_rn": Builtin("-", _D), "__dmul_rn": Builtin("*", _D),
    "__ddiv_rn": Builtin("/", _D),
    "__mul24": Builtin("mul24", _I), "__umul24": Builtin("mul24", _U),
    "__mulhi": Builtin("mul_hi", _I), "__umulhi": Builtin("mul_hi", _U),
    "__mul64hi": Builtin("mul_hi", _L), "__umul64hi": Builtin("mul_hi", _UL),
    "__hadd": Builtin("hadd", _I), "__uhadd": Builtin("hadd", _U),
    "__rhadd": Builtin("rhadd", _I), "__urhadd": Builtin("rhadd", _U),
    "__popc": Builtin("popcount", _U, _I), "__popcll": Builtin("popcount", _UL, _I),
    "__clz": Builtin("clz", _I, _I), "__clzll": Builtin("clz", _L, _I),
    "umin": Builtin("min", _U), "umax": Builtin("max", _U),
    "llmin": Builtin("min", _L), "llmax": Builtin("max", _L),
    "ullmin": Builtin("min", _UL), "ullmax": Builtin("max", _UL),
    "llabs": Builtin("abs", _L, _L),
    "__float_as_int": Builtin("as_int", _F), "__int_as_float": Builtin("as_float", _I),
    "__float_as_uint": Builtin("as_uint", _F), "__uint_as_float": Builtin("as_float", _U),
    "__double_as_longlong": Builtin("as_long", _D), "__longlong_as_double": Builtin("as_double", _L),
    "__float2int_rz": Builtin("cast", _F, _I), "__float2uint_rz": Builtin("cast", _F, _U),
    "__float2ll_rz": Builtin("cast", _F, _L), "__double2int_rz": Builtin("cast", _D, _I),
    "__int2float_rn": Builtin("cast", _I, _F), "__uint2float_rn": Builtin("cast", _U, _F),
    "__int2double_rn": Builtin("cast", _I, _D), "__double2float_rn": Builtin("cast", _D, _F),
    "__float2double": Builtin("cast", _F, _D),
    "__float2int_rn": Builtin("convert_int_rte", _F), "__float2int_rd": Builtin("convert_int_rtn", _F),
    "__float2int_ru": Builtin("convert_int_rtp", _F),
}  # fmt: skip
#: CUDA functions soff knows of but does not support
_WARP_FUNCTIONS = frozenset(
    """__syncwarp __activemask __ballot __ballot_sync __any __any_sync __all __all_sync
    __uni_sync __match_any_sync __match_all_sync __shfl __shfl_up __shfl_down __shfl_xor
    __shfl_sync __shfl_up_sync __shfl_down_sync __shfl_xor_sync __reduce_add_sync
    __reduce_min_sync __reduce_max_sync __reduce_and_sync __reduce_or_sync __reduce_xor_sync
    __syncthreads_count __syncthreads_and __syncthreads_or""".split()
)
_TEXTURE_FUNCTIONS = frozenset(
    """tex1Dfetch tex1D tex2D tex3D tex1DLayered tex2DLayered texCubemap texCubemapLayered
    tex2Dgather tex1DLod tex2DLod tex3DLod tex1DGrad tex2DGrad tex3DGrad surf1Dread surf1Dwrite
    surf2Dread surf2Dwrite surf3Dread surf3Dwrite surf1DLayeredread surf1DLayeredwrite
    surf2DLayeredread surf2DLayeredwrite""".split()
)
_FENCES = frozenset(["__threadfence", "__threadfence_block", "__threadfence_system"])
_UNSUPPORTED_FUNCTIONS = frozenset(["clock", "clock64", "__nanosleep", "__brev", "__brevll",
                                    "__ffs", "__ffsll", "__sad", "__usad"])  # fmt: skip
WARP_SIZE = 32


class CudaLexer(c_lexer.CLexer):
    """pycparser's C lexer with the CUDA keywords (and none of OpenCL's)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in _FUNCTION_SPECIFIERS:
            self._keyword_map[name] = "INLINE"
        for name in CUDA_ADDRESS_SPACES:
            self._keyword_map[name] = "VOLATILE"
        for name in ("__restrict__", "__restrict"):
            self._keyword_map[name] = "RESTRICT"


@dataclass
class CudaContext:
    """What the lowering needs to know about a CUDA translation unit."""

    #: the dynamic shared memory size in bytes (``extern __shared__`` arrays)
    shared_bytes: int | None = None
    #: dropped ``__global__``/``__device__`` templates: name -> location
    templates: dict[str, SourceLoc] = field(default_factory=dict)
    #: file-scope ``__shared__`` / ``extern __shared__`` declarations by name
    shared: dict[str, c_ast.Decl] = field(default_factory=dict)
    #: file-scope ``const`` variables with an initializer, by name
    const_decls: dict[str, c_ast.Decl] = field(default_factory=dict)
    #: ``__constant__``/``__device__`` variables without an initializer (the host
    #: fills them): buffer arguments
    symbols: dict[str, c_ast.Decl] = field(default_factory=dict)
    #: file-scope names soff cannot use in device code: name -> (message, location)
    unusable: dict[str, tuple[str, SourceLoc]] = field(default_factory=dict)
    #: ``__device__`` function templates with type parameters: name -> the parameters
    generic: dict[str, list[str]] = field(default_factory=dict)
    #: file-scope ``texture<T, dim, mode>`` references: name -> (template arguments, location)
    textures: dict[str, tuple[list[str], SourceLoc]] = field(default_factory=dict)
    #: the types the parameters of the function templates being inlined stand for
    bindings: dict[str, Type] = field(default_factory=dict)
    #: per kernel (by id of its lowerer): the variables made for file-scope names
    made: dict[tuple[int, str], Var] = field(default_factory=dict)


def _context(fn: _FunctionLowerer) -> CudaContext:
    assert fn.ctx.cuda is not None
    return fn.ctx.cuda


def type_names(ctx: _Context, names: list[str], loc: SourceLoc) -> list[str]:
    """CUDA type names as the OpenCL ones they stand for."""
    if len(names) == 1:
        name = names[0]
        if name in CUDA_TYPE_ALIASES:
            return [CUDA_TYPE_ALIASES[name]]
        if name in CUDA_UNSUPPORTED_TYPES:
            raise UnsupportedError(f"the {name} type is not supported in device code yet", loc)
    return names


def module_decl(ctx: _Context, ext: c_ast.Decl, loc: SourceLoc) -> bool:
    """A file-scope declaration CUDA treats differently from OpenCL C (True if handled)."""
    from soff.frontend.lower import _decl_space, _outer_quals, _program_constant

    assert ctx.cuda is not None
    cu: CudaContext = ctx.cuda
    name = ext.name
    if name is None or isinstance(ext.type, c_ast.FuncDecl):
        return False
    space = _decl_space(ext.type)
    if space == "local":
        cu.shared[name] = ext
        return True
    if space == "constant" and ext.init is None:
        cu.symbols[name] = ext  # filled by the host (cudaMemcpyToSymbol): a kernel argument
        return True
    if space is not None:
        return False
    specs = set(ext.funcspec or [])
    if ("__device__" in specs or "__managed__" in specs) and ext.init is None:
        cu.symbols[name] = ext  # global memory the host reads and writes: a kernel argument
        return True
    if "__device__" in specs or "__managed__" in specs:
        cu.unusable[name] = (
            f"__device__ variables with an initializer ('{name}') are not supported yet "
            "(declare it without one: it becomes a buffer argument)",
            loc,
        )
        return True
    quals = _outer_quals(ext.type)
    elem = ext.type
    while isinstance(elem, c_ast.ArrayDecl):
        elem = elem.type
    if ext.init is not None and ("const" in quals or "const" in getattr(elem, "quals", [])):
        ext = copy_module.copy(ext)
        if isinstance(ext.init, c_ast.InitList):
            ext.init = c_ast.InitList(
                [substitute_constants(ctx, e) for e in ext.init.exprs], ext.init.coord
            )
        else:
            ext.init = substitute_constants(ctx, ext.init)
        ctx.constants[name] = _program_constant(ctx, ext, loc)  # usable in device code
        cu.const_decls[name] = ext
        return True
    cu.unusable[name] = (_host_variable_message(name), loc)
    return True


def _host_variable_message(name: str) -> str:
    return (
        f"host variable '{name}' cannot be used in device code "
        "(declare it __constant__ with an initializer, or pass it as an argument)"
    )


def substitute_constants(ctx: _Context, node: Any) -> Any:
    """``node`` with the file-scope ``const`` integer scalars it names replaced by
    their values (C++ lets them size arrays: ``const int B = 16; __shared__ float s[B];``)."""
    from soff.frontend.lower import _const_eval

    if isinstance(node, c_ast.ID):
        decl = ctx.cuda.const_decls.get(node.name) if ctx.cuda is not None else None
        if decl is not None and isinstance(decl.init, c_ast.Node):
            value = _const_eval(substitute_constants(ctx, decl.init))
            if value is not None:
                return c_ast.Constant("int", str(value), node.coord)
        return node
    sub = {
        c_ast.BinaryOp: ("left", "right"),
        c_ast.UnaryOp: ("expr",),
        c_ast.TernaryOp: ("cond", "iftrue", "iffalse"),
        c_ast.Cast: ("expr",),
    }.get(type(node))
    if sub is None:
        return node
    copy = copy_module.copy(node)
    for name in sub:
        setattr(copy, name, substitute_constants(ctx, getattr(node, name)))
    return copy


def lookup(fn: _FunctionLowerer, name: str, loc: SourceLoc) -> Var | None:
    """A file-scope CUDA name not declared in the function (None if unknown)."""
    cu = _context(fn)
    key = (id(fn), name)
    if key in cu.made:
        return cu.made[key]
    if name in cu.shared:
        decl = cu.shared[name]
        var = (
            dynamic_shared(fn, decl, _decl_loc(decl, loc))
            if "extern" in (decl.storage or [])
            else _shared_var(fn, decl, _decl_loc(decl, loc))
        )
        cu.made[key] = var
        return var
    if name in cu.symbols:
        var = cu.made[key] = _symbol_argument(
            fn, cu.symbols[name], _decl_loc(cu.symbols[name], loc)
        )
        return var
    if name == "warpSize":
        from soff.frontend.lower import Var

        entry = fn.blocks[0]
        op = Op("const", [], I32, {"value": WARP_SIZE}, loc=loc, name="warpSize")
        op.parent = entry
        entry.ops.insert(0, op)
        var = cu.made[key] = Var(name, I32, loc, const=True)
        fn.write_raw(var, entry, op)
        return var
    if name in BUILTIN_VARIABLES:
        raise UnsupportedError(f"'{name}' can only be used as {name}.x, {name}.y or {name}.z", loc)
    _check_unusable(cu, name, loc)
    return None


def _tex1dfetch(fn: _FunctionLowerer, args: list[Any], loc: SourceLoc) -> Value:
    """``tex1Dfetch(t, i)`` of a ``texture<T, 1[, cudaReadModeElementType]> t`` bound
    to linear memory (``cudaBindTexture``): a load of element ``i`` of a read-only
    ``__global`` buffer argument named after the texture (one per kernel that
    fetches from it, after the kernel's own arguments). The index must be in range:
    CUDA's zero for fetches beyond the bound memory is not modelled."""
    cu = _context(fn)
    ref = args[0]
    tname = ref.name if isinstance(ref, c_ast.ID) else None
    if tname is None or tname not in cu.textures:
        raise CompileError(
            "the first argument of 'tex1Dfetch' must name a file-scope texture reference", loc
        )
    targs, tloc = cu.textures[tname]
    mode = targs[2] if len(targs) > 2 else "cudaReadModeElementType"
    dims = targs[1] if len(targs) > 1 else "1"
    if dims not in ("1", "cudaTextureType1D") or mode != "cudaReadModeElementType":
        raise UnsupportedError(
            f"texture '{tname}' ({', '.join(targs)}) is not supported: only one-dimensional "
            "textures read as their element type (texture<T, 1, cudaReadModeElementType>)",
            loc,
        )
    key = (id(fn), f"texture {tname}")
    if key not in cu.made:
        elem = _texture_element(fn, targs[0], tname, tloc)
        arg = Arg(PtrType(elem, "global"), tname, len(fn.kernel.args), tloc)
        fn.kernel.args.append(arg)
        from soff.frontend.lower import Var

        var = Var(tname, arg.type, tloc, const=True)
        fn.write_raw(var, fn.blocks[0], arg)
        cu.made[key] = var
    var = cu.made[key]
    index = fn.lower_expr(args[1])
    if not isinstance(index.type, IntType):
        raise CompileError(f"the index of 'tex1Dfetch' must be an integer, not {index.type}", loc)
    base = fn.read_var(var, fn.block, loc)
    return fn.load(fn.pointer_add(base, index, loc, negate=False), loc)


def _texture_element(fn: _FunctionLowerer, text: str, tname: str, loc: SourceLoc) -> Type:
    words = text.split()
    t = None
    if words and all(w.isidentifier() for w in words):
        node = c_ast.TypeDecl(None, [], None, c_ast.IdentifierType(words))
        try:
            t = fn.ctx.c_type(node, loc)
        except CompileError:
            t = None
    if not isinstance(t, (IntType, FloatType)) or t.width == 16:
        raise UnsupportedError(
            f"texture '{tname}' of element type '{text}' is not supported yet "
            "(textures of numbers are)",
            loc,
        )
    return t


def _symbol_argument(fn: _FunctionLowerer, decl: c_ast.Decl, loc: SourceLoc) -> Var:
    """A ``__constant__`` (or ``__device__``) scalar or 1-D array without an
    initializer: CUDA's host fills it with ``cudaMemcpyToSymbol``; in soff it is an
    extra ``__constant`` (``__global``) buffer argument of the kernel, named after
    the variable, after the kernel's own."""
    from soff.frontend.lower import Var, _decl_space

    name = decl.name
    space = "constant" if _decl_space(decl.type) == "constant" else "global"
    t = fn.ctx.c_type(decl.type, loc)
    elem = t.elem if isinstance(t, ArrayType) else t
    if not isinstance(elem, (IntType, FloatType)) or elem.width == 16:
        raise UnsupportedError(
            f"{'__constant__' if space == 'constant' else '__device__'} variable '{name}' "
            f"of type {t} without an initializer is not "
            "supported yet (scalars and one-dimensional arrays of numbers are)",
            loc,
        )
    arg = Arg(PtrType(elem, space), name, len(fn.kernel.args), loc)
    fn.kernel.args.append(arg)
    if isinstance(t, ArrayType):  # the array is the pointer to its first element
        var = Var(name, arg.type, loc, const=True)
        fn.write_raw(var, fn.blocks[0], arg)
        return var
    return Var(name, t, loc, const=space == "constant", addr=arg)


def bind_template_types(
    fn: _FunctionLowerer, name: str, params: list[Any], values: list[Value], loc: SourceLoc
) -> dict[str, Type | None]:
    """Deduce the type parameters of the function template ``name`` from the argument
    values (a parameter declared ``T x`` or ``T *p``) and bind them for the inlined
    body; returns the bindings they replace (for :func:`unbind_template_types`)."""
    cu = _context(fn)
    tparams = cu.generic[name]
    deduced: dict[str, Type] = {}
    for p, v in zip(params, values, strict=True):
        node, pointer = getattr(p, "type", None), False
        if isinstance(node, (c_ast.PtrDecl, c_ast.ArrayDecl)):
            node, pointer = node.type, True
        if not (isinstance(node, c_ast.TypeDecl) and isinstance(node.type, c_ast.IdentifierType)):
            continue
        (tname,) = node.type.names if len(node.type.names) == 1 else ("",)
        if tname not in tparams:
            continue
        t = v.type
        if pointer:
            if not isinstance(t, PtrType):
                raise CompileError(f"argument of '{name}' for '{tname} *' is not a pointer", loc)
            t = t.pointee
        if deduced.setdefault(tname, t) != t:
            raise CompileError(
                f"conflicting types for template parameter '{tname}' of '{name}': "
                f"{deduced[tname]} and {t}",
                loc,
            )
    for tname in tparams:
        if tname not in deduced:
            raise UnsupportedError(
                f"cannot deduce template parameter '{tname}' of '{name}' from its arguments",
                loc,
            )
    saved = {tname: cu.bindings.get(tname) for tname in deduced}
    cu.bindings.update(deduced)
    return saved


def unbind_template_types(fn: _FunctionLowerer, saved: dict[str, Type | None]) -> None:
    cu = _context(fn)
    for tname, t in saved.items():
        if t is None:
            cu.bindings.pop(tname, None)
        else:
            cu.bindings[tname] = t


def is_auto(type_node: Any) -> bool:
    """Whether a declaration's type is C++11 ``auto`` (``auto x``, ``const auto x``)."""
    return (
        isinstance(type_node, c_ast.TypeDecl)
        and isinstance(type_node.type, c_ast.IdentifierType)
        and type_node.type.names == [AUTO_TYPE]
    )


def lower_auto_decl(fn: _FunctionLowerer, node: c_ast.Decl, loc: SourceLoc) -> None:
    """``auto x = e;``: a variable of the type of ``e``."""
    from soff.frontend.lower import Var, _outer_quals

    if node.init is None or isinstance(node.init, c_ast.InitList):
        raise CompileError(f"declaration of '{node.name}' with type 'auto' needs an initializer", loc)
    value = fn.lower_expr(node.init)
    if value.type == VOID:
        raise CompileError(f"variable '{node.name}' cannot have type 'void'", loc)
    var = Var(node.name, value.type, loc, const="const" in _outer_quals(node.type))
    fn.declare(var)
    fn.assign_var(var, value)


def _check_unusable(cu: CudaContext, name: str, loc: SourceLoc) -> None:
    if name in cu.unusable:
        msg, where = cu.unusable[name]
        raise UnsupportedError(f"{msg} (used at {loc})", where)
    if name in cu.templates:
        raise UnsupportedError(
            f"templates are not supported: '{name}' is a template (used at {loc})",
            cu.templates[name],
        )


def _decl_loc(decl: c_ast.Decl, fallback: SourceLoc) -> SourceLoc:
    coord = decl.coord
    if coord is None or coord.line is None:
        return fallback
    return SourceLoc(coord.file, coord.line, coord.column or 0)


def _alloca(fn: _FunctionLowerer, name: str, t: Type, loc: SourceLoc) -> Var:
    from soff.frontend.lower import Var

    entry = fn.blocks[0]
    addr = Op("alloca", [], PtrType(t, "local"), loc=loc, name=name)
    addr.parent = entry
    entry.ops.insert(0, addr)
    return Var(name, t, loc, addr=addr)


def _shared_var(fn: _FunctionLowerer, decl: c_ast.Decl, loc: SourceLoc) -> Var:
    """A file-scope ``__shared__`` variable: one per work-group of each kernel using it."""
    from soff.frontend.lower import _leaf_type

    if decl.init is not None:
        raise CompileError(f"__shared__ variable '{decl.name}' cannot have an initializer", loc)
    t = fn.ctx.c_type(decl.type, loc)
    leaf = _leaf_type(t)
    if not isinstance(leaf, (IntType, FloatType)) or (isinstance(t, ArrayType) and t.count == 0):
        raise UnsupportedError(f"__shared__ variables of type {t} are not supported yet", loc)
    return _alloca(fn, decl.name, t, loc)


def dynamic_shared(fn: _FunctionLowerer, decl: c_ast.Decl, loc: SourceLoc) -> Var:
    """``extern __shared__ T name[]``: the kernel's dynamic shared memory as a
    ``T[shared_bytes / sizeof(T)]`` __local array. Every such declaration of one
    kernel names the same memory, as in CUDA; they must share the element type."""
    cu = _context(fn)
    name = decl.name
    t = fn.ctx.c_type(decl.type, loc)
    if not isinstance(t, ArrayType) or t.count != 0:
        raise CompileError(
            f"extern __shared__ variable '{name}' must be an array of unknown size ('{name}[]')",
            loc,
        )
    elem = t.elem
    size = _size_of(elem)
    if size is None:
        raise UnsupportedError(f"extern __shared__ arrays of {elem} are not supported yet", loc)
    if cu.shared_bytes is None:
        raise CompileError(
            f"extern __shared__ array '{name}' is sized at launch: give the dynamic shared "
            "memory size in bytes (--shared-bytes N, or shared_bytes=N)",
            loc,
        )
    count = cu.shared_bytes // size
    if count < 1:
        raise CompileError(
            f"extern __shared__ array '{name}' has no room: {cu.shared_bytes} shared bytes "
            f"hold no {size}-byte element",
            loc,
        )
    key = (id(fn), " dynamic shared")
    first = cu.made.get(key)
    if first is not None:
        if first.type != ArrayType(elem, count):
            raise UnsupportedError(
                f"extern __shared__ arrays of different types share one buffer in CUDA; soff "
                f"supports one element type per kernel ('{first.name}' is an array of "
                f"{first.type.elem}, '{name}' of {elem})",  # type: ignore[attr-defined]
                loc,
            )
        from soff.frontend.lower import Var

        return Var(name, first.type, loc, addr=first.addr)
    var = cu.made[key] = _alloca(fn, name, ArrayType(elem, count), loc)
    return var


def _size_of(t: Type) -> int | None:
    if isinstance(t, (IntType, FloatType)):
        return max(1, t.width // 8)
    if isinstance(t, ArrayType):
        inner = _size_of(t.elem)
        return None if inner is None else inner * t.count
    return None


def builtin_variable(
    fn: _FunctionLowerer, node: c_ast.StructRef, loc: SourceLoc, lvalue: bool
) -> _LValue | None:
    """``threadIdx.x`` & co (None when ``node`` is not one)."""
    from soff.frontend.lower import _RValue

    base = node.name
    if not isinstance(base, c_ast.ID) or base.name not in BUILTIN_VARIABLES:
        return None
    if any(base.name in s for s in fn.frame.scopes):
        return None  # a local variable of that name
    if node.type != "." or node.field.name not in _DIMS:
        raise CompileError(
            f"'{base.name}' has no member '{node.field.name}' (use .x, .y or .z)", loc
        )
    if lvalue:
        raise CompileError(f"cannot assign to '{base.name}.{node.field.name}'", loc)
    op = fn.b.op(BUILTIN_VARIABLES[base.name], [], U64, {"dim": _DIMS[node.field.name]}, loc=loc)
    return _RValue(fn, fn.cast(op, U32, loc))


def _typename(names: list[str], coord: Any) -> c_ast.Typename:
    return c_ast.Typename(
        name=None,
        quals=[],
        align=None,
        type=c_ast.TypeDecl(None, [], None, c_ast.IdentifierType(names, coord), coord=coord),
        coord=coord,
    )


def _cast(names: list[str], node: Any) -> c_ast.Cast:
    return c_ast.Cast(_typename(names, node.coord), node, node.coord)


def lower_call(
    fn: _FunctionLowerer, name: str, args: list[Any], node: c_ast.FuncCall, loc: SourceLoc
) -> Value | None:
    """A call of a CUDA built-in (None when ``name`` is not one)."""
    from soff.frontend.lower import _VOID_VALUE

    coord = node.coord
    if name == "__syncthreads":
        _arity(name, args, 0, loc)
        return fn.lower_barrier("barrier", [c_ast.Constant("int", "3", coord)], loc)
    if name in _FENCES:
        _arity(name, args, 0, loc)
        return _VOID_VALUE  # a work-item's own memory ops are ordered already
    if name == "__ldg":
        _arity(name, args, 1, loc)
        return fn.lower_expr(c_ast.UnaryOp("*", args[0], coord))
    if name in _WARP_FUNCTIONS:
        raise UnsupportedError(f"warp-level primitives ('{name}') are not supported", loc)
    if name == "tex1Dfetch":
        _arity(name, args, 2, loc)
        return _tex1dfetch(fn, args, loc)
    if name in _TEXTURE_FUNCTIONS:
        raise UnsupportedError(
            f"textures and surfaces ('{name}') are not supported (tex1Dfetch of a "
            "one-dimensional texture<T, 1, cudaReadModeElementType> is)",
            loc,
        )
    base = name.removesuffix("_block").removesuffix("_system")
    if base in atomics.CUDA_ATOMICS:
        return atomics.lower_cuda_atomic(fn, base, args, loc)  # scopes: memory is coherent
    if name in _UNSUPPORTED_FUNCTIONS:
        raise UnsupportedError(f"the CUDA function '{name}' is not supported yet", loc)
    tname = CUDA_TYPE_ALIASES.get(name[5:], name[5:]) if name.startswith("make_") else ""
    if tname in VECTOR_TYPE_NAMES and VECTOR_TYPE_NAMES[tname][1] <= 4:
        return _make_vector(fn, name, tname, args, loc)
    if name == "abs" and len(args) == 1:  # C++ overloads: int abs(int), float abs(float)
        from soff.frontend.builtins import builtin_values

        v = fn.lower_expr(args[0])
        if isinstance(v.type, FloatType):
            return builtin_values(fn, "fabs", [v], loc)
        if isinstance(v.type, IntType):
            t = v.type if v.type.width >= 32 else I32
            return fn.cast(builtin_values(fn, "abs", [fn.cast(v, t, loc)], loc), t, loc)
        return None
    if name in ("sincosf", "__sincosf", "sincos") and len(args) == 3:
        # CUDA's sincosf(x, &s, &c) is OpenCL's s = sincos(x, &c)
        x = _cast(_F if name != "sincos" else _D, args[0])
        call = c_ast.FuncCall(c_ast.ID("sincos", coord), c_ast.ExprList([x, args[2]], coord), coord)
        sin = args[1]
        target = (
            sin.expr
            if isinstance(sin, c_ast.UnaryOp) and sin.op == "&"
            else c_ast.UnaryOp("*", sin, coord)
        )
        return fn.lower_expr(c_ast.Assignment("=", target, call, coord))
    if name in ("__saturatef", "__frcp_rn"):  # clamp(x, 0, 1); 1 / x
        _arity(name, args, 1, loc)
        x = _cast(_F, args[0])
        one = c_ast.Constant("float", "1.0f", coord)
        if name == "__frcp_rn":
            return fn.lower_expr(c_ast.BinaryOp("/", one, x, coord))
        zero = c_ast.Constant("float", "0.0f", coord)
        clamp = c_ast.FuncCall(
            c_ast.ID("clamp", coord), c_ast.ExprList([x, zero, one], coord), coord
        )
        return fn.lower_expr(clamp)
    b = CUDA_BUILTINS.get(name)
    if b is None:
        _check_unusable(_context(fn), name, loc)
        return None
    new_args = [_cast(b.args, a) for a in args] if b.args else list(args)
    if b.target in ("+", "-", "*", "/"):
        _arity(name, args, 2, loc)
        expr: Any = c_ast.BinaryOp(b.target, new_args[0], new_args[1], coord)
    elif b.target == "cast":
        _arity(name, args, 1, loc)
        expr = new_args[0]
    else:
        expr = c_ast.FuncCall(c_ast.ID(b.target, coord), c_ast.ExprList(new_args, coord), coord)
    if b.result:
        expr = _cast(b.result, expr)
    try:
        return fn.lower_expr(expr)
    except CompileError as e:  # name the function the user called
        message = e.message.replace(f"'{b.target}'", f"'{name}'")
        raise type(e)(message, e.loc) from None


def _arity(name: str, args: list[Any], want: int, loc: SourceLoc) -> None:
    if len(args) != want:
        word = "too many" if len(args) > want else "too few"
        raise CompileError(
            f"{word} arguments to function call '{name}', expected {want}, have {len(args)}", loc
        )


def _make_vector(
    fn: _FunctionLowerer, name: str, tname: str, args: list[Any], loc: SourceLoc
) -> Value:
    """``make_float4(x, y, z, w)``: a vector of soff's type with these lanes."""
    from soff.frontend import vectors

    n = VECTOR_TYPE_NAMES[tname][1]
    _arity(name, args, n, loc)
    vt = fn.ctx.base_type([tname], loc)
    assert isinstance(vt, VectorType)
    lanes = []
    for a in args:
        v = fn.lower_expr(a)
        if not isinstance(v.type, (IntType, FloatType)):
            raise CompileError(f"argument of '{name}' must be a number, not {v.type}", loc)
        lanes.append(fn.convert(v, vt.elem, loc))
    return vectors.VecValue(lanes)


def check_kernel_param(t: Type, name: str, loc: SourceLoc) -> None:
    """CUDA's 3-lane vectors are 12 bytes apart in memory, OpenCL's 16."""
    if isinstance(t, PtrType) and isinstance(t.pointee, VectorType) and t.pointee.count == 3:
        raise UnsupportedError(
            f"pointers to 3-lane vectors ('{name}') are not supported in CUDA C yet "
            "(CUDA packs them in 12 bytes, soff's layout has 16)",
            loc,
        )


def compile_cuda(
    source: str,
    filename: str,
    defines: dict[str, str | None] | None = None,
    include_dirs: list[str] | None = None,
    shared_bytes: int | None = None,
    entry: str | None = None,
) -> Any:
    """Compile the device code of CUDA C ``source`` to a Module (see the module docstring;
    ``entry`` naming a kernel lowers that one only)."""
    from soff.frontend.cuda_extract import extract_device_code
    from soff.frontend.lower import lower_module
    from soff.frontend.opencl import parse
    from soff.frontend.preprocess import preprocess

    if shared_bytes is not None and shared_bytes < 0:
        raise CompileError(f"the shared memory size must not be negative, not {shared_bytes}")
    text = preprocess(source, filename, defines, include_dirs, cuda=True)
    device = extract_device_code(text)
    parsed = parse(device.text, filename, cuda=True)
    cuda_ctx = CudaContext(
        shared_bytes=shared_bytes,
        templates=device.templates,
        generic=device.generic,
        textures=device.textures,
    )
    for name, loc in device.host_variables.items():
        cuda_ctx.unusable[name] = (_host_variable_message(name), loc)
    module = lower_module(parsed, filename, cuda_ctx=cuda_ctx, entry=entry)
    if not module.kernels and device.template_kernels:
        first = device.template_kernels[0]
        raise UnsupportedError(
            f"templates are not supported: kernel '{first}' is a template",
            device.templates[first],
        )
    return module


__all__ = ["CUDA_BUILTINS", "CudaContext", "CudaLexer", "compile_cuda"]
