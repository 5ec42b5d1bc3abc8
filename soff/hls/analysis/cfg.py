"""The control-flow graph as a networkx graph, and where a pointer comes from."""

from __future__ import annotations

import networkx as nx

from soff.ir.core import Arg, Kernel, Op, Value


def cfg_graph(kernel: Kernel) -> nx.DiGraph:
    """A directed graph with one node per block and one edge per control-flow edge."""
    g = nx.DiGraph()
    for b in kernel.blocks:
        g.add_node(b)
        for s in b.successors:
            g.add_edge(b, s)
    return g


def pointer_base(v: Value) -> Value:
    """The value a pointer is derived from through ``ptradd`` and ``bitcast``."""
    while isinstance(v, Op) and v.opcode in ("ptradd", "bitcast"):
        v = v.operands[0]
    return v


def pointer_args(ptr: Value) -> list[Arg] | None:
    """The arguments a pointer may be derived from, through ``ptradd``, ``bitcast``,
    ``select`` and ``phi`` (``p = c ? a : b``, a pointer stepped in a loop), or None
    when some origin is not an argument."""
    args: list[Arg] = []
    seen: set[int] = set()
    stack = [ptr]
    while stack:
        v = stack.pop()
        if id(v) in seen:
            continue
        seen.add(id(v))
        if isinstance(v, Arg):
            args.append(v)
        elif isinstance(v, Op) and v.opcode in ("ptradd", "bitcast"):
            stack.append(v.operands[0])
        elif isinstance(v, Op) and v.opcode == "select":
            stack += v.operands[1:]
        elif isinstance(v, Op) and v.opcode == "phi":
            stack += v.operands
        else:
            return None
    return args
