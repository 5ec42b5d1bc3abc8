"""Plain C functions as single-work-item kernels (classic HLS programs).

A function without ``__kernel`` that ``-k NAME`` selects is lowered after the
file's kernels as one more kernel, run by one work-item (``reqd_work_group_size
(1, 1, 1)`` and ``single_work_item`` in its attributes):

- its pointer (and array) parameters are ``__global`` buffers, its scalar
  parameters scalar arguments;
- its return value is stored, when the function returns, into a hidden
  one-element ``__global`` buffer argument named :data:`RETURN_ARG`
  (``Design.simulate`` gives it and hands the value back as ``return_value``);
- file-scope variables (``static`` or not) become on-chip memories: those no
  function writes (or ``const`` ones) a ``rodata`` ROM like ``__constant`` data,
  the others a ``__local``-style RAM (an ``alloca : ptr.local``, zero-filled)
  that the kernel's start initialises: a store per non-zero element (up to
  :data:`MAX_INIT_STORES` of them), else a loop copying a ROM of the values.

"Written" is decided on the source: the variable is the target of an assignment,
``++``/``--`` or ``&``, or an array of it is used other than by subscripting
(passed to a function, assigned to a pointer), in any function of the file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pycparser import c_ast, c_parser
from pycparser.c_parser import Coord

from soff.diagnostics import CompileError, SourceLoc, UnsupportedError
from soff.ir.core import Arg, Op
from soff.ir.types import F16, I64, VOID, ArrayType, FloatType, IntType, PtrType, Type
from soff.layout import RETURN_ARG

if TYPE_CHECKING:
    from soff.frontend.lower import Var, _Context, _FunctionLowerer
    from soff.ir.core import Value

__all__ = ["RETURN_ARG", "MAX_INIT_STORES", "find_entry", "file_scope_vars"]

#: the most non-zero initial values of a written file-scope variable stored one by one;
#: more are copied from a ROM by a loop
MAX_INIT_STORES = 64
_KERNEL_SPECS = ("__kernel", "kernel", "__global__")


def find_entry(ast: c_ast.FileAST, entry: str | None) -> c_ast.FuncDef | None:
    """The definition of the plain C function ``entry`` (None if ``entry`` is a
    kernel, is not given, or is not defined)."""
    if entry is None:
        return None
    for ext in ast.ext:
        if isinstance(ext, c_ast.FuncDef) and ext.decl.name == entry:
            if any(s in _KERNEL_SPECS for s in ext.decl.funcspec or []):
                return None
            return ext
    return None


def param_type(fn: _FunctionLowerer, p: Any, loc: SourceLoc) -> Type:
    """The type of a parameter of the C function: ``int a[]`` is ``int *a``, and
    unqualified pointers point to ``__global`` buffers (the context's default)."""
    node = p.type if isinstance(p, c_ast.Decl) else None
    if isinstance(node, c_ast.ArrayDecl):
        node = c_ast.PtrDecl([], node.type, node.coord)
    return fn.ctx.c_type(node if node is not None else p.type, loc)


def start(fn: _FunctionLowerer, ret: Type) -> Arg | None:
    """Set the kernel up as a single-work-item one: attributes, the file-scope RAMs
    with their initial values, and the hidden return buffer (returned; None for void)."""
    from soff.frontend.lower import Var

    k = fn.kernel
    k.attrs["single_work_item"] = True
    k.attrs.setdefault("reqd_work_group_size", [1, 1, 1])
    for name, (t, data, loc) in fn.ctx.ram_vars.items():
        fn.rams[name] = _ram(fn, name, t, data, loc)
    if ret == VOID:
        return None
    if not isinstance(ret, (IntType, FloatType)) or ret == F16:
        raise UnsupportedError(
            f"C functions returning {ret} are not supported as kernels (return an integer "
            "or a float, or void)",
            fn.loc,
        )
    if any(a.name == RETURN_ARG for a in k.args):
        raise CompileError(f"a parameter may not be named '{RETURN_ARG}'", fn.loc)
    arg = Arg(PtrType(ret, "global"), RETURN_ARG, len(k.args), fn.loc)
    k.args.append(arg)
    fn.frame.ret_type = ret
    fn.frame.ret_var = Var("return", ret, fn.loc)
    return arg


def finish(fn: _FunctionLowerer, ret_arg: Arg, loc: SourceLoc) -> None:
    """At the kernel's end: store the return value into the hidden buffer."""
    var = fn.frame.ret_var
    assert var is not None
    fn.store(ret_arg, fn.read_var(var, fn.block, loc), loc)


def _ram(fn: _FunctionLowerer, name: str, t: Type, data: list[int | float], loc: SourceLoc) -> Var:
    from soff.frontend.lower import Var

    entry = fn.blocks[0]
    addr = Op("alloca", [], PtrType(t, "local"), loc=loc, name=name)
    addr.parent = entry
    entry.ops.insert(0, addr)
    elem = t
    while isinstance(elem, ArrayType):
        elem = elem.elem
    base: Any = addr
    if isinstance(t, ArrayType):
        base = fn.b.op("bitcast", [addr], PtrType(elem, "local"), loc=loc)
    if sum(1 for x in data if x != 0) > MAX_INIT_STORES:
        _copy_from_rom(fn, name, t, elem, data, base, loc)
        return Var(name, t, loc, addr=addr)
    for i, x in enumerate(data):
        if x == 0 and not (isinstance(x, float) and str(x)[0] == "-"):
            continue  # the RAM starts zero-filled
        ptr = (
            base if i == 0 else fn.b.op("ptradd", [base, fn.const(i, I64, loc)], base.type, loc=loc)
        )
        fn.store(ptr, fn.const(x, elem, loc), loc)
    return Var(name, t, loc, addr=addr)


def _copy_from_rom(
    fn: _FunctionLowerer,
    name: str,
    t: Type,
    elem: Type,
    data: list[int | float],
    dst: Value,
    loc: SourceLoc,
) -> None:
    """Initialise a RAM from a ROM of its initial values: a copy loop (as C)."""
    from soff.frontend.lower import Var

    rom = Op("rodata", [], PtrType(t, "constant"), {"data": data}, loc=loc, name=f"{name}.init")
    entry = fn.blocks[0]
    rom.parent = entry
    entry.ops.insert(0, rom)
    src = fn.b.op("bitcast", [rom], PtrType(elem, "constant"), loc=loc)
    loop = c_parser.CParser().parse(
        f"void f(void) {{ for (long __soff_i = 0; __soff_i < {len(data)}; __soff_i++)"
        " __soff_dst[__soff_i] = __soff_src[__soff_i]; }"
    )
    stmt = loop.ext[0].body.block_items[0]
    coord = Coord(loc.file, loc.line, loc.col)
    for node in _nodes(stmt):
        node.coord = coord
    with fn.scope():
        for var_name, value in (("__soff_src", src), ("__soff_dst", dst)):
            var = Var(var_name, value.type, loc)
            fn.declare(var)
            fn.write_var(var, fn.block, value)
        fn.lower_stmt(stmt)


def _nodes(node: Any) -> list[Any]:
    out = [node]
    for _, child in node.children():
        out += _nodes(child)
    return out


def file_scope_vars(ctx: _Context, decls: list[c_ast.Decl]) -> None:
    """Sort a C program's file-scope variables into ROMs (``ctx.constants``) and
    RAMs (``ctx.ram_vars``)."""
    from soff.frontend.lower import _array_init, _const_number, _init_leaves, _loc, _outer_quals

    by_name: dict[str, c_ast.Decl] = {}
    for d in decls:
        loc = _loc(d)
        if "extern" in (d.storage or []) and d.init is None:
            continue  # a declaration; the definition comes elsewhere
        if d.name in by_name or d.name in ctx.constants:
            if by_name.get(d.name) is not None and by_name[d.name].init is None:
                pass  # a tentative definition completed later
            elif d.init is None:
                continue
            else:
                raise CompileError(f"redefinition of '{d.name}'", loc)
        by_name[d.name] = d
    funcs = [f for f in ctx.functions.values() if isinstance(f, c_ast.FuncDef)]
    arrays = {n for n, d in by_name.items() if isinstance(d.type, c_ast.ArrayDecl)}
    written = _written(funcs, set(by_name), arrays)
    for name, d in by_name.items():
        loc = _loc(d)
        t = ctx.c_type(d.type, loc)
        if isinstance(t, ArrayType):
            if d.init is not None:
                t, leaves = _array_init(t, d.init, _loc(d.init, loc))
            elif t.count == 0:
                raise CompileError(f"array '{name}' needs an explicit size or an initializer", loc)
            else:
                leaves = []
        elif isinstance(t, (IntType, FloatType)):
            leaves = _init_leaves(t, d.init, loc) if d.init is not None else []
        else:
            raise UnsupportedError(f"file-scope variables of type {t} are not supported yet", loc)
        elem: Type = t
        while isinstance(elem, ArrayType):
            elem = elem.elem
        if not isinstance(elem, (IntType, FloatType)) or elem == F16:
            raise UnsupportedError(
                f"file-scope variables of type {elem} are not supported yet", loc
            )
        data = [0 if x is None else _const_number(x, elem, loc) for x in leaves]
        const = "const" in _outer_quals(d.type) or "const" in (
            getattr(_leaf_decl(d.type), "quals", None) or []
        )
        if const or name not in written:
            ctx.constants[name] = (t, data, loc)
            continue
        ctx.ram_vars[name] = (t, data, loc)


def _leaf_decl(node: Any) -> Any:
    while isinstance(node, c_ast.ArrayDecl):
        node = node.type
    return node


def _root(node: Any) -> str | None:
    """The variable an lvalue expression names the storage of (``a`` for ``a[i].x``)."""
    while True:
        if isinstance(node, c_ast.ID):
            return node.name
        if isinstance(node, c_ast.ArrayRef):
            node = node.name
        elif isinstance(node, c_ast.StructRef):
            node = node.name
        elif isinstance(node, c_ast.UnaryOp) and node.op == "*":
            node = node.expr
        elif isinstance(node, c_ast.Cast):
            node = node.expr
        elif isinstance(node, c_ast.BinaryOp) and node.op in ("+", "-"):
            left = _root(node.left)
            node = node.right if left is None else node.left
        else:
            return None


def _written(funcs: list[c_ast.FuncDef], names: set[str], arrays: set[str]) -> set[str]:
    """The names of ``names`` some function may write (see the module docstring)."""
    out: set[str] = set()

    class Visitor(c_ast.NodeVisitor):
        def visit_Assignment(self, node: c_ast.Assignment) -> None:
            if (r := _root(node.lvalue)) in names:
                out.add(r)
            self.generic_visit(node)

        def visit_UnaryOp(self, node: c_ast.UnaryOp) -> None:
            if node.op in ("++", "--", "p++", "p--", "&") and (r := _root(node.expr)) in names:
                out.add(r)
            self.generic_visit(node)

        def visit_ArrayRef(self, node: c_ast.ArrayRef) -> None:
            base = node.name
            while isinstance(base, c_ast.ArrayRef):  # a[i][j]: a is only subscripted
                self.visit(base.subscript)
                base = base.name
            if not isinstance(base, c_ast.ID):
                self.visit(base)
            self.visit(node.subscript)

        def visit_ID(self, node: c_ast.ID) -> None:
            if node.name in arrays:  # an array used as a pointer value
                out.add(node.name)

    for f in funcs:
        Visitor().visit(f.body)
    return out
