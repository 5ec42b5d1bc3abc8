"""Structs and unions in the OpenCL C front end (part of ``lower-ast-to-ir``).

A struct or union type is an IR :class:`StructType` in the OpenCL C layout
(docs/ir.md, "Structs and unions"). A value of one is an :class:`AggValue`
that exists only during lowering: one value per member (an ``AggValue`` for a
nested struct or an array member, a ``VecValue`` for a vector one); a union's
value is its bytes, as unsigned integer chunks of its alignment (at most 8
bytes). A private struct variable whose address is never taken and that holds
no array or union is one SSA variable per member (scalar replacement), so the
back end sees scalars; any other struct or union variable lives in a private
``alloca``. In memory, a member is reached at its byte offset: a ``bitcast``
of the struct pointer to a pointer to the member's type, then a ``ptradd`` by
the offset in members (through an ``i8`` pointer where the offset is not a
multiple of the member's size), so loads and stores are of scalars only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pycparser import c_ast

from soff.diagnostics import CompileError, SourceLoc, UnsupportedError
from soff.frontend.vectors import VecPtr, VecValue
from soff.ir.core import Value
from soff.ir.types import (
    F16,
    I64,
    U8,
    ArrayType,
    FloatType,
    IntType,
    PtrType,
    StructType,
    Type,
    VectorType,
)

if TYPE_CHECKING:
    from soff.frontend.lower import Var, _Context, _FunctionLowerer


class AggValue(Value):
    """A struct, union or array value of the lowering: one value per member
    (per element for arrays; per chunk of bytes for unions)."""

    def __init__(self, type: Type, items: list[Value]) -> None:
        super().__init__(type)
        self.items = items


def kind(t: StructType) -> str:
    return "union" if t.union else "struct"


def c_name(t: StructType) -> str:
    return f"{kind(t)} {t.name}"


def struct_type(ctx: _Context, node: c_ast.Struct | c_ast.Union, loc: SourceLoc) -> StructType:
    """The type of a struct or union specifier; a definition is registered under
    its tag (``struct S {...}``), a bare ``struct S`` looks it up."""
    is_union = isinstance(node, c_ast.Union)
    word = "union" if is_union else "struct"
    if node.decls is None:
        t = ctx.tags.get(node.name)
        if t is None:
            raise CompileError(f"incomplete type '{word} {node.name}'", loc)
        if t.union != is_union:
            raise CompileError(f"use of '{node.name}' with tag type that does not match", loc)
        return t
    cached = ctx.tag_nodes.get(id(node))
    if cached is not None:
        return cached[1]
    fields: list[tuple[str, Type]] = []
    for d in node.decls:
        dloc = _dloc(d, loc)
        if getattr(d, "bitsize", None) is not None:
            raise UnsupportedError("bit-fields are not supported yet", dloc)
        if not d.name and isinstance(d.type, (c_ast.Struct, c_ast.Union)) and d.type.decls:
            # an anonymous struct or union member: its members are reached through it
            fields.append((f"{ANON}{len(fields)}", struct_type(ctx, d.type, dloc)))
            continue
        if not d.name:
            raise CompileError("declaration does not declare anything", dloc)
        ft = ctx.c_type(d.type, dloc)
        if isinstance(ft, PtrType):
            raise UnsupportedError(f"pointer members ('{d.name}') are not supported yet", dloc)
        if ft == F16:
            raise UnsupportedError(f"half members ('{d.name}') are not supported yet", dloc)
        if isinstance(ft, ArrayType) and ft.count == 0:
            raise UnsupportedError(f"flexible array members ('{d.name}') are not supported", dloc)
        if not isinstance(ft, (IntType, FloatType, VectorType, ArrayType, StructType)):
            raise CompileError(f"field '{d.name}' has incomplete type {ft}", dloc)
        if any(n == d.name for n, _ in fields):
            raise CompileError(f"duplicate member '{d.name}'", dloc)
        fields.append((d.name, ft))
    name = node.name or ctx.typedef_names.get(id(node)) or f"anon{len(ctx.tag_nodes)}"
    t = StructType(name, tuple(fields), union=is_union)
    if node.name:
        old = ctx.tags.get(node.name)
        if old is not None and old != t:
            raise CompileError(f"redefinition of '{word} {node.name}'", loc)
        ctx.tags[node.name] = t
    ctx.tag_nodes[id(node)] = (node, t)  # the node is kept so its id stays unique
    return t


def _dloc(node: Any, fallback: SourceLoc) -> SourceLoc:
    from soff.frontend.lower import _loc

    return _loc(node, fallback)


def has_union(t: Type) -> bool:
    """Whether a variable of type ``t`` must live in memory (a union's bytes)."""
    if isinstance(t, ArrayType):
        return has_union(t.elem)
    if isinstance(t, StructType):
        return t.union or any(has_union(ft) for _, ft in t.fields)
    return False


def needs_memory(t: Type) -> bool:
    """Whether a variable of type ``t`` cannot be split into SSA members."""
    if isinstance(t, ArrayType):
        return True
    if isinstance(t, StructType):
        return t.union or any(needs_memory(ft) for _, ft in t.fields)
    return False


#: the name prefix of anonymous struct and union members
ANON = "__anon"


def field_path(t: StructType, name: str) -> list[tuple[int, Type, int]] | None:
    """The steps (index, type, offset) to member ``name`` of ``t``, through
    anonymous members (None if it has none)."""
    f = t.field(name)
    if f is not None:
        return [f]
    for i, ((n, ft), off) in enumerate(zip(t.fields, t.offsets(), strict=True)):
        if n.startswith(ANON) and isinstance(ft, StructType):
            rest = field_path(ft, name)
            if rest is not None:
                return [(i, ft, off), *rest]
    return None


def field_steps(t: StructType, name: str, loc: SourceLoc) -> list[tuple[int, Type, int]]:
    path = field_path(t, name)
    if path is None:
        raise CompileError(f"no member named '{name}' in '{c_name(t)}'", loc)
    return path


def field_of(t: StructType, name: str, loc: SourceLoc) -> tuple[int, Type, int]:
    """The index (of the first step), type and total byte offset of member ``name``."""
    path = field_steps(t, name, loc)
    return path[0][0], path[-1][1], sum(off for _, _, off in path)


def member_vars(fn: _FunctionLowerer, var: Var) -> list[Var]:
    """The variables of a scalar-replaced struct variable, one per member: SSA
    variables, except that an array member is a private ``alloca`` of its own
    (one element type per RAM in hardware)."""
    from soff.frontend.lower import Var

    t = var.type
    assert isinstance(t, StructType)
    if var.lanes is None:
        var.lanes = [Var(f"{var.name}.{n}", ft, var.loc, var.const) for n, ft in t.fields]
        for m in var.lanes:
            if isinstance(m.type, ArrayType):
                fn.private_object(m, m.loc)
    return var.lanes


def address_taken(fdef: Any) -> set[str]:
    """Names of variables whose address (or a member's or element's) ``fdef`` takes."""
    names: set[str] = set()

    class Visitor(c_ast.NodeVisitor):
        def visit_UnaryOp(self, node: c_ast.UnaryOp) -> None:
            if node.op == "&":
                e = node.expr
                while isinstance(e, (c_ast.StructRef, c_ast.ArrayRef)):
                    if isinstance(e, c_ast.StructRef) and e.type == "->":
                        break
                    e = e.name
                if isinstance(e, c_ast.ID):
                    names.add(e.name)
            self.generic_visit(node)

    Visitor().visit(fdef)
    return names


def flat_args(fn: _FunctionLowerer, t: Type, name: str, loc: SourceLoc) -> Value:
    """Kernel arguments for the members of a struct passed by value, named by
    their path (``s.pos.x``); the struct's value made of them."""
    from soff.ir.core import Arg

    if isinstance(t, StructType):
        return AggValue(t, [flat_args(fn, ft, f"{name}.{n}", loc) for n, ft in t.fields])
    if isinstance(t, VectorType):
        return VecValue([flat_args(fn, t.elem, f"{name}.{lane}", loc) for lane in lane_names(t)])
    arg = Arg(t, name, len(fn.kernel.args), loc)
    fn.kernel.args.append(arg)
    return arg


def lane_names(t: VectorType) -> list[str]:
    """The lanes' names in the names of a vector's variables and arguments."""
    if t.count <= 4:
        return list("xyzw"[: t.count])
    return [f"s{'0123456789abcdef'[i]}" for i in range(t.count)]


def merge(fn: _FunctionLowerer, a: Value, b: Value, preds: list[Any], loc: SourceLoc) -> Value:
    """The join of two values of one struct type: a ``phi`` per scalar."""
    if isinstance(a, AggValue):
        assert isinstance(b, AggValue)
        return AggValue(
            a.type, [merge(fn, x, y, preds, loc) for x, y in zip(a.items, b.items, strict=True)]
        )
    if isinstance(a, VecValue):
        assert isinstance(b, VecValue)
        return VecValue(
            [merge(fn, x, y, preds, loc) for x, y in zip(a.lanes, b.lanes, strict=True)]
        )
    return fn.b.op("phi", [a, b], a.type, blocks=list(preds), loc=loc)


# -- memory ------------------------------------------------------------------


def member_ptr(fn: _FunctionLowerer, ptr: Value, off: int, ft: Type, loc: SourceLoc) -> Value:
    """A pointer to the member of type ``ft`` at byte ``off`` of ``*ptr``."""
    pt = ptr.type
    assert isinstance(pt, PtrType)
    space = pt.space
    elem = ft.elem if isinstance(ft, VectorType) else ft
    b = fn.b
    if off == 0:
        p = b.op("bitcast", [ptr], PtrType(elem, space), loc=loc)
    elif off % elem.size == 0:
        p = b.op("bitcast", [ptr], PtrType(elem, space), loc=loc)
        p = b.op("ptradd", [p, fn.const(off // elem.size, I64, loc)], p.type, loc=loc)
    else:
        p = b.op("bitcast", [ptr], PtrType(U8, space), loc=loc)
        p = b.op("ptradd", [p, fn.const(off, I64, loc)], p.type, loc=loc)
        p = b.op("bitcast", [p], PtrType(elem, space), loc=loc)
    if isinstance(ft, VectorType):
        return VecPtr(p, ft)
    return p


def _chunk(t: StructType) -> IntType:
    return IntType(8 * min(t.align, 8), False)


def _parts(fn: _FunctionLowerer, ptr: Value, t: Type, loc: SourceLoc) -> list[tuple[Value, Type]]:
    """Pointers to the members of ``*ptr`` (elements of an array, chunks of a union)."""
    if isinstance(t, StructType) and t.union:
        c = _chunk(t)
        return [(member_ptr(fn, ptr, k * c.size, c, loc), c) for k in range(t.size // c.size)]
    if isinstance(t, StructType):
        return [
            (member_ptr(fn, ptr, off, ft, loc), ft)
            for (_, ft), off in zip(t.fields, t.offsets(), strict=True)
        ]
    assert isinstance(t, ArrayType)
    return [(member_ptr(fn, ptr, i * t.elem.size, t.elem, loc), t.elem) for i in range(t.count)]


def load(fn: _FunctionLowerer, ptr: Value, t: Type, loc: SourceLoc) -> Value:
    """The value of type ``t`` at ``ptr``, member by member."""
    if isinstance(t, (StructType, ArrayType)):
        return AggValue(t, [load(fn, p, pt, loc) for p, pt in _parts(fn, ptr, t, loc)])
    if isinstance(ptr, VecPtr):
        return VecValue([fn.load(p, loc) for p in _lane_ptrs(fn, ptr, loc)])
    return fn.load(ptr, loc)


def store(fn: _FunctionLowerer, ptr: Value, value: Value, loc: SourceLoc) -> None:
    """Store ``value`` at ``ptr``, member by member."""
    t = value.type
    if isinstance(value, AggValue):
        for (p, _), x in zip(_parts(fn, ptr, t, loc), value.items, strict=True):
            store(fn, p, x, loc)
    elif isinstance(value, VecValue):
        assert isinstance(ptr, VecPtr)
        for p, x in zip(_lane_ptrs(fn, ptr, loc), value.lanes, strict=True):
            fn.store(p, x, loc)
    else:
        fn.store(ptr, value, loc)


def _lane_ptrs(fn: _FunctionLowerer, ptr: VecPtr, loc: SourceLoc) -> list[Value]:
    base = ptr.base
    return [
        base if i == 0 else fn.b.op("ptradd", [base, fn.const(i, I64, loc)], base.type, loc=loc)
        for i in range(ptr.vtype.count)
    ]


# -- initialisers ----------------------------------------------------------------


def zero(fn: _FunctionLowerer, t: Type, loc: SourceLoc) -> Value:
    if isinstance(t, StructType) and t.union:
        c = _chunk(t)
        return AggValue(t, [fn.const(0, c, loc) for _ in range(t.size // c.size)])
    if isinstance(t, StructType):
        return AggValue(t, [zero(fn, ft, loc) for _, ft in t.fields])
    if isinstance(t, ArrayType):
        return AggValue(t, [zero(fn, t.elem, loc) for _ in range(t.count)])
    if isinstance(t, VectorType):
        return VecValue([fn.const(0, t.elem, loc) for _ in range(t.count)])
    return fn.const(0, t, loc)


def init_store(fn: _FunctionLowerer, ptr: Value, t: Type, init: Any, loc: SourceLoc) -> None:
    """Store the initialiser ``init`` of an object of type ``t`` at ``ptr``
    (zeros for the members it leaves out)."""
    from soff.frontend.lower import _loc

    loc = _loc(init, loc)
    if not isinstance(init, c_ast.InitList):
        store(fn, ptr, fn.convert(fn.lower_expr(init), t, loc), loc)
        return
    if isinstance(t, (IntType, FloatType)):
        if len(init.exprs) != 1:
            raise CompileError("too many initializers for a scalar", loc)
        init_store(fn, ptr, t, init.exprs[0], loc)
        return
    if isinstance(t, VectorType):
        from soff.frontend import vectors

        items = [fn.lower_expr(e) for e in init.exprs]
        store(fn, ptr, vectors.literal(fn, t, items, loc), loc)
        return
    if not isinstance(t, (StructType, ArrayType)):
        raise UnsupportedError(f"initializers of type {t} are not supported yet", loc)
    store(fn, ptr, zero(fn, t, loc), loc)
    parts = _parts(fn, ptr, t, loc) if not (isinstance(t, StructType) and t.union) else None
    for index, item in _designate(t, init, loc):
        if parts is None:  # a union: one member, at offset 0
            assert isinstance(t, StructType)
            ft = t.fields[index][1]
            init_store(fn, member_ptr(fn, ptr, 0, ft, loc), ft, item, loc)
        else:
            p, pt = parts[index]
            init_store(fn, p, pt, item, loc)


def init_value(fn: _FunctionLowerer, t: Type, init: Any, loc: SourceLoc) -> Value:
    """The value of the initialiser ``init`` for a type without arrays or unions."""
    from soff.frontend.lower import _loc

    loc = _loc(init, loc)
    if not isinstance(init, c_ast.InitList):
        return fn.convert(fn.lower_expr(init), t, loc)
    if isinstance(t, VectorType):
        from soff.frontend import vectors

        return vectors.literal(fn, t, [fn.lower_expr(e) for e in init.exprs], loc)
    if not isinstance(t, (StructType, ArrayType)):
        if len(init.exprs) != 1:
            raise CompileError("too many initializers for a scalar", loc)
        return init_value(fn, t, init.exprs[0], loc)
    assert not has_union(t)
    if isinstance(t, ArrayType):
        types = [t.elem] * t.count
    else:
        types = [ft for _, ft in t.fields]
    items: list[Value | None] = [None] * len(types)
    for index, item in _designate(t, init, loc):
        items[index] = init_value(fn, types[index], item, loc)
    return AggValue(
        t, [zero(fn, ft, loc) if x is None else x for x, ft in zip(items, types, strict=True)]
    )


def _designate(t: Type, init: c_ast.InitList, loc: SourceLoc) -> list[tuple[int, Any]]:
    """(member index, initialiser) pairs of a brace-enclosed list, following
    designators (``.x = 1``, ``[2] = 3``); C's brace elision is not supported."""
    from soff.frontend.lower import _const_eval, _loc

    count = len(t.fields) if isinstance(t, StructType) else t.count  # type: ignore[attr-defined]
    if isinstance(t, StructType) and t.union:
        count = min(count, 1)
    out: list[tuple[int, Any]] = []
    pos = 0
    for item in init.exprs:
        iloc = _loc(item, loc)
        if isinstance(item, c_ast.NamedInitializer):
            if len(item.name) != 1:
                raise UnsupportedError("nested designators are not supported yet", iloc)
            d = item.name[0]
            if isinstance(t, StructType) and isinstance(d, c_ast.ID):
                pos = field_of(t, d.name, iloc)[0]
            elif isinstance(t, ArrayType) and not isinstance(d, c_ast.ID):
                k = _const_eval(d)
                if k is None or not 0 <= k < t.count:
                    raise CompileError("array designator index is not a valid constant", iloc)
                pos = k
            else:
                raise CompileError("designator does not match the initialized type", iloc)
            item = item.expr
        elif pos >= count:
            raise CompileError(
                f"excess elements in {kind(t) if isinstance(t, StructType) else 'array'} "
                "initializer",
                iloc,
            )
        member = _member_type(t, pos) if isinstance(t, StructType) else t.elem  # type: ignore[attr-defined]
        if (
            not isinstance(item, c_ast.InitList)
            and isinstance(member, (StructType, ArrayType))
            and _is_scalar_init(item)
        ):
            raise UnsupportedError(
                "brace elision in struct initializers is not supported yet: "
                "put braces around the initializer of each struct or array member",
                iloc,
            )
        out.append((pos, item))
        pos += 1
    return out


def _member_type(t: StructType, i: int) -> Type:
    return t.fields[i][1]


def _is_scalar_init(node: Any) -> bool:
    return isinstance(node, c_ast.Constant) or (
        isinstance(node, c_ast.UnaryOp) and node.op in ("-", "+")
    )


def offsetof(ctx: _Context, typename: Any, member: Any, loc: SourceLoc) -> int:
    """``offsetof(type, member)`` (``member`` may be ``a.b`` or ``a[2]``)."""
    from soff.frontend.lower import _const_eval

    t = ctx.c_type(typename, loc)
    path: list[Any] = []
    node = member
    while True:
        if isinstance(node, c_ast.StructRef):
            path.append(("field", node.field.name))
            node = node.name
        elif isinstance(node, c_ast.ArrayRef):
            k = _const_eval(node.subscript)
            if k is None:
                raise CompileError("offsetof needs a constant array index", loc)
            path.append(("index", k))
            node = node.name
        elif isinstance(node, c_ast.ID):
            path.append(("field", node.name))
            break
        else:
            raise CompileError("invalid offsetof member designator", loc)
    off = 0
    for what, x in reversed(path):
        if what == "field":
            if not isinstance(t, StructType):
                raise CompileError(f"offsetof of member '{x}' of a non-struct type {t}", loc)
            _, t, o = field_of(t, x, loc)
            off += o
        else:
            if not isinstance(t, ArrayType):
                raise CompileError("offsetof subscript of a non-array", loc)
            t = t.elem
            off += x * t.size
    return off


# -- enums ---------------------------------------------------------------------------


def resolve_enums(ast: Any) -> None:
    """Give every enumerator its value: each ``enum`` in ``ast`` is read in source
    order (a missing value is the previous one plus 1), and every use of an
    enumerator's name in an expression becomes an ``int`` constant, so constant
    expressions (``case`` labels, array sizes) see it too. Enum types are ``int``
    (soff.frontend.lower). A variable named like an enumerator is not supported."""
    from soff.frontend.lower import _const_eval, _loc

    values: dict[str, int] = {}

    class Collect(c_ast.NodeVisitor):
        def visit_Enum(self, node: c_ast.Enum) -> None:
            if node.values is None:
                return
            nxt = 0
            for e in node.values.enumerators:
                if e.value is not None:
                    v = _const_eval(_substitute(e.value, values))
                    if v is None:
                        raise CompileError(
                            f"the value of enumerator '{e.name}' is not an integer constant",
                            _loc(e),
                        )
                    nxt = v
                if e.name in values and values[e.name] != nxt:
                    raise CompileError(f"redefinition of enumerator '{e.name}'", _loc(e))
                values[e.name] = nxt
                nxt += 1

    Collect().visit(ast)
    if values:
        _substitute(ast, values)


def _substitute(node: Any, values: dict[str, int]) -> Any:
    """Replace the IDs naming enumerators in ``node`` (in place; the node itself
    if it is one is returned replaced)."""
    if isinstance(node, c_ast.ID):
        if node.name in values:
            return c_ast.Constant("int", str(values[node.name]), node.coord)
        return node
    for name in node.__slots__:
        if (
            name in ("coord", "__weakref__")
            or (name == "field" and isinstance(node, c_ast.StructRef))
            or (name == "name" and isinstance(node, (c_ast.FuncCall, c_ast.NamedInitializer)))
        ):
            continue
        child = getattr(node, name, None)
        if isinstance(child, c_ast.Node):
            setattr(node, name, _substitute(child, values))
        elif isinstance(child, list):
            setattr(
                node,
                name,
                [_substitute(c, values) if isinstance(c, c_ast.Node) else c for c in child],
            )
    return node


# -- __constant data -----------------------------------------------------------------


def constant_bytes(t: Type, init: Any, loc: SourceLoc) -> tuple[Type, list[int]]:
    """The bytes of a program-scope ``__constant`` object of struct type (or an
    array of them) initialised by ``init``: the data of a ``rodata`` of ``u8``
    (soff.frontend.lower.program_constant); ``t`` completed if unsized."""
    from soff.frontend.lower import _loc

    if isinstance(t, ArrayType) and t.count == 0:
        if not isinstance(init, c_ast.InitList):
            raise UnsupportedError("array initializers must be brace-enclosed lists", loc)
        t = ArrayType(t.elem, len(init.exprs))
    out = bytearray(t.size)
    _fill(out, 0, t, init, _loc(init, loc))
    data = list(out)
    while data and data[-1] == 0:
        data.pop()  # trailing zeros are implied
    return t, data


def _fill(out: bytearray, at: int, t: Type, init: Any, loc: SourceLoc) -> None:
    import struct as pystruct

    from soff.frontend.lower import _const_number, _loc

    loc = _loc(init, loc)
    if isinstance(t, (StructType, ArrayType)):
        if not isinstance(init, c_ast.InitList):
            raise UnsupportedError(
                "__constant struct data needs a brace-enclosed initializer for each "
                "struct and array",
                loc,
            )
        for index, item in _designate(t, init, loc):
            if isinstance(t, ArrayType):
                _fill(out, at + index * t.elem.size, t.elem, item, loc)
            else:
                ft, off = t.fields[index][1], t.offsets()[index]
                _fill(out, at + off, ft, item, loc)
        return
    if isinstance(t, VectorType):
        items = list(init.exprs) if isinstance(init, c_ast.InitList) else None
        if isinstance(init, c_ast.Cast) and isinstance(init.expr, c_ast.ExprList):
            items = list(init.expr.exprs)  # (float4)(1, 2, 3, 4)
        if items is None or len(items) not in (1, t.count):
            raise UnsupportedError(
                "this vector initializer is not supported in __constant data", loc
            )
        for i in range(t.count):
            _fill(out, at + i * t.elem.size, t.elem, items[i if len(items) > 1 else 0], loc)
        return
    if isinstance(init, c_ast.InitList):
        if len(init.exprs) != 1:
            raise CompileError("too many initializers for a scalar", loc)
        init = init.exprs[0]
    value = _const_number(init, t, loc)
    if isinstance(t, FloatType):
        out[at : at + t.size] = pystruct.pack({4: "<f", 8: "<d"}[t.size], value)
    else:
        assert isinstance(t, IntType)
        out[at : at + t.size] = (int(value) & ((1 << (8 * t.size)) - 1)).to_bytes(t.size, "little")


def fold_sizeof(ctx: _Context, node: Any) -> Any:
    """A copy of the expression ``node`` with ``sizeof(type)`` and
    ``offsetof(type, member)`` replaced by their values (for constant
    expressions such as array sizes)."""
    import copy

    from soff.frontend.lower import _loc

    def fold(n: Any) -> Any:
        if isinstance(n, c_ast.UnaryOp) and n.op == "sizeof" and isinstance(n.expr, c_ast.Typename):
            size = ctx.c_type(n.expr, _loc(n)).size
            return c_ast.Constant("unsigned long", str(size), n.coord)
        if (
            isinstance(n, c_ast.FuncCall)
            and isinstance(n.name, c_ast.ID)
            and n.name.name == "offsetof"
            and n.args is not None
            and len(n.args.exprs) == 2
            and isinstance(n.args.exprs[0], c_ast.Typename)
        ):
            off = offsetof(ctx, n.args.exprs[0], n.args.exprs[1], _loc(n))
            return c_ast.Constant("unsigned long", str(off), n.coord)
        for name in n.__slots__:
            if name in ("coord", "__weakref__"):
                continue
            child = getattr(n, name, None)
            if isinstance(child, c_ast.Node):
                setattr(n, name, fold(child))
            elif isinstance(child, list):
                setattr(n, name, [fold(c) if isinstance(c, c_ast.Node) else c for c in child])
        return n

    return fold(copy.deepcopy(node))
