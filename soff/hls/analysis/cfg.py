"""The control-flow graph as a networkx graph, and where a pointer comes from."""

from __future__ import annotations

import networkx as nx

from soff.ir.core import Kernel, Op, Value


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
