"""if-convert: turn an acyclic control-flow graph into one predicated block."""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from soff.hls.analysis import cfg_graph
from soff.hls.pass_manager import Pass, PassContext, register
from soff.ir.core import Block, Kernel, Module, Op, Value, predicate_index
from soff.ir.types import BOOL


def order_memory(block: Block) -> None:
    """Chain the block's memory ops conservatively in program order: a load
    follows the last store, a store follows the last store and the loads since
    (atomics and barriers order like stores)."""
    last_store: Op | None = None
    loads: list[Op] = []
    for op in block.ops:
        if op.opcode == "load":
            op.deps = [last_store] if last_store is not None else []
            loads.append(op)
        elif op.opcode in ("store", "atomic", "barrier"):
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
    order = [
        b for b in nx.lexicographical_topological_sort(g, key=kernel.blocks.index) if b in reachable
    ]

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
                for extra in _predicate(op, block_pred[b]):
                    merged.append(extra)
            merged.append(op)
    merged.append(
        Op("ret", [], loc=kernel.blocks[-1].ops[-1].loc if kernel.blocks[-1].ops else loc)
    )
    order_memory(merged)
    for b in kernel.blocks:
        b.parent = None
    kernel.blocks = [merged]
    return True


def _predicate(op: Op, pred: Value) -> list[Op]:
    """Make memory op ``op`` conditional on ``pred``; returns any new ops (to insert before it)."""
    n = predicate_index(op)
    if n is None:  # a barrier: every work-item of the group reaches it or none does
        return []
    if len(op.operands) > n:
        both = Op("and", [op.operands[n], pred], BOOL, loc=op.loc)
        op.operands[n] = both
        return [both]
    op.operands.append(pred)
    return []


def _move_body(src: Block, dst: Block, pred: Value | None) -> None:
    """Append ``src``'s non-phi, non-terminator ops to ``dst`` (predicated by ``pred``)."""
    for op in list(src.ops):
        if op.opcode == "phi" or op.is_terminator:
            continue
        src.remove(op)
        if pred is not None and op.info.memory:
            for extra in _predicate(op, pred):
                dst.append(extra)
        dst.append(op)


def _retarget_phis(kernel: Kernel, block: Block, old: Block, new: Block) -> None:
    for op in block.phis:
        op.blocks = [new if b is old else b for b in op.blocks]


def _merge_hammocks(kernel: Kernel) -> bool:
    """One step of local if-conversion inside a CFG that has loops: a diamond
    (A -> T, F -> J) or a triangle (A -> T -> J, A -> J) whose arms have A as
    their only predecessor becomes straight-line predicated code in A; a
    block whose only successor has it as only predecessor absorbs it."""
    preds = kernel.predecessors()
    for a in kernel.blocks:
        term = a.terminator
        if term is None:
            continue
        if term.opcode == "br":
            (s,) = term.blocks
            if s is a or s is kernel.entry or preds[s] != [a]:
                continue
            # straight line: a absorbs s
            for phi in s.phis:
                kernel.replace_all_uses(phi, phi.operands[0])
                s.remove(phi)
            a.remove(term)
            _move_body(s, a, None)
            new_term = s.terminator
            assert new_term is not None
            s.remove(new_term)
            a.append(new_term)
            for succ in new_term.blocks:
                _retarget_phis(kernel, succ, s, a)
            kernel.blocks.remove(s)
            order_memory(a)
            return True
        if term.opcode != "cbr" or term.blocks[0] is term.blocks[1]:
            continue
        cond = term.operands[0]
        t, f = term.blocks

        def arm(x: Block, a: Block = a) -> Block | None:
            """The join block if ``x`` is a simple arm of ``a``."""
            xt = x.terminator
            if x is a or x is kernel.entry or preds[x] != [a] or xt is None or xt.opcode != "br":
                return None
            if x.phis:
                return None
            return xt.blocks[0]

        jt, jf = arm(t), arm(f)
        if jt is not None and jt is jf and jt not in (a, t, f):
            join, arms = jt, [(t, True), (f, False)]
        elif jt is f and f is not a:
            join, arms = f, [(t, True)]
        elif jf is t and t is not a:
            join, arms = t, [(f, False)]
        else:
            continue
        loc = term.loc
        a.remove(term)
        inv = Op("xor", [cond, Op("const", [], BOOL, {"value": 1}, loc=loc)], BOOL, loc=loc)
        need_inv = any(not polarity for _, polarity in arms)
        if need_inv:
            a.append(inv.operands[1])  # type: ignore[arg-type]
            a.append(inv)
        for x, polarity in arms:
            _move_body(x, a, cond if polarity else inv)
        # phis at the join: one incoming value from a, chosen by the condition
        for phi in join.phis:
            incoming = dict(zip([id(b) for b in phi.blocks], phi.operands, strict=True))
            if len(arms) == 2:
                v_true, v_false = incoming[id(t)], incoming[id(f)]
            elif arms[0][0] is t:
                v_true, v_false = incoming[id(t)], incoming[id(a)]
            else:
                v_true, v_false = incoming[id(a)], incoming[id(f)]
            sel = a.append(
                Op("select", [cond, v_true, v_false], phi.type, loc=phi.loc, name=phi.name)
            )
            keep = [
                (v, b)
                for v, b in zip(phi.operands, phi.blocks, strict=True)
                if b is not a and all(b is not x for x, _ in arms)
            ]
            phi.operands = [v for v, _ in keep] + [sel]
            phi.blocks = [b for _, b in keep] + [a]
            if len(phi.operands) == 1:
                kernel.replace_all_uses(phi, sel)
                join.remove(phi)
        a.append(Op("br", [], blocks=[join], loc=loc))
        for x, _ in arms:
            kernel.blocks.remove(x)
        order_memory(a)
        return True
    return False


def if_convert_regions(kernel: Kernel) -> bool:
    changed = False
    while _merge_hammocks(kernel):
        changed = True
    return changed


@register
@dataclass
class IfConvert(Pass):
    """Expects a kernel whose CFG has no cycles; leaves one block in which
    every branch became a predicate: phis become ``select`` chains and
    memory ops of conditional blocks carry a ``u1`` predicate operand.
    In kernels with loops, the loop-free diamonds and triangles whose arms
    have a single predecessor are converted in place, and straight-line
    chains of blocks are merged."""

    name = "if-convert"

    def run(self, module: Module, ctx: PassContext) -> bool:
        changed = False
        for k in module.kernels:
            changed |= if_convert_kernel(k) or if_convert_regions(k)
        return changed
