"""if-convert: turn an acyclic control-flow graph into one predicated block."""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from soff.hls.pass_manager import Pass, PassContext, register
from soff.ir.core import Block, Kernel, Module, Op, Value
from soff.ir.types import BOOL


def cfg_graph(kernel: Kernel) -> nx.DiGraph:
    g = nx.DiGraph()
    for b in kernel.blocks:
        g.add_node(b)
        for s in b.successors:
            g.add_edge(b, s)
    return g


def order_memory(block: Block) -> None:
    """Chain the block's memory ops conservatively in program order: a load
    follows the last store, a store follows the last store and the loads since."""
    last_store: Op | None = None
    loads: list[Op] = []
    for op in block.ops:
        if op.opcode == "load":
            op.deps = [last_store] if last_store is not None else []
            loads.append(op)
        elif op.opcode == "store":
            op.deps = ([last_store] if last_store is not None else []) + loads
            last_store, loads = op, []


def if_convert_kernel(kernel: Kernel) -> bool:
    if len(kernel.blocks) <= 1:
        return False
    g = cfg_graph(kernel)
    if not nx.is_directed_acyclic_graph(g):
        return False
    entry = kernel.entry
    reachable = nx.descendants(g, entry) | {entry}
    order = [b for b in nx.lexicographical_topological_sort(g, key=kernel.blocks.index) if b in reachable]

    # blocks that every path from entry reaches run unconditionally
    rg = g.subgraph(reachable).reverse(copy=True)
    exit_node = "exit"
    for b in reachable:
        if not b.successors:
            rg.add_edge(exit_node, b)
    pdom = nx.immediate_dominators(rg, exit_node)
    always: set[Block] = set()
    b2: object = entry
    while b2 != exit_node:
        always.add(b2)  # type: ignore[arg-type]
        b2 = pdom[b2]

    merged = Block(entry.name)
    merged.parent = kernel
    loc = entry.ops[0].loc if entry.ops else kernel.loc

    def emit(opcode: str, operands: list[Value], type=BOOL, attrs=None, name=None) -> Op:
        return merged.append(Op(opcode, operands, type, attrs, loc=loc, name=name))

    true = emit("const", [], BOOL, {"value": 1})
    block_pred: dict[Block, Value] = {}
    edge_pred: dict[tuple[Block, Block], Value] = {}

    def edge(p: Block, b: Block) -> Value:
        key = (p, b)
        if key in edge_pred:
            return edge_pred[key]
        term = p.terminator
        assert term is not None
        bp = block_pred[p]
        if term.opcode == "cbr" and term.blocks[0] is not term.blocks[1]:
            cond = term.operands[0]
            if b is term.blocks[1]:
                cond = emit("xor", [cond, true])
            val: Value = cond if bp is true else emit("and", [bp, cond])
        else:
            val = bp
        edge_pred[key] = val
        return val

    preds = kernel.predecessors()
    for b in order:
        bpreds = [p for p in preds[b] if p in reachable]
        if b is entry or b in always:
            block_pred[b] = true
        else:
            acc: Value | None = None
            for p in bpreds:
                e = edge(p, b)
                acc = e if acc is None else emit("or", [acc, e])
            assert acc is not None
            block_pred[b] = acc
        for op in b.ops:
            if op.opcode == "phi":
                incoming = list(zip(op.operands, op.blocks, strict=True))
                value = incoming[-1][0]
                for v, p in reversed(incoming[:-1]):
                    value = merged.append(
                        Op("select", [edge(p, b), v, value], op.type, loc=op.loc, name=op.name)
                    )
                kernel.replace_all_uses(op, value)
                continue
            if op.is_terminator:
                continue
            if op.info.memory and block_pred[b] is not true:
                pred = block_pred[b]
                n = 1 if op.opcode == "load" else 2
                if len(op.operands) > n:
                    pred = emit("and", [op.operands[n], pred])
                    op.operands[n] = pred
                else:
                    op.operands.append(pred)
            merged.append(op)
    merged.append(Op("ret", [], loc=kernel.blocks[-1].ops[-1].loc if kernel.blocks[-1].ops else loc))
    order_memory(merged)
    for b in kernel.blocks:
        b.parent = None
    kernel.blocks = [merged]
    return True


@register
@dataclass
class IfConvert(Pass):
    """Expects a kernel whose CFG has no cycles; leaves one block in which
    every branch became a predicate: phis become ``select`` chains and
    memory ops of conditional blocks carry a ``u1`` predicate operand.
    Kernels with loops are left unchanged."""

    name = "if-convert"

    def run(self, module: Module, ctx: PassContext) -> bool:
        return any([if_convert_kernel(k) for k in module.kernels])
