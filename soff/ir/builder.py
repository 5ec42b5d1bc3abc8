"""A builder that appends ops at an insertion point, with type checks kept light."""

from __future__ import annotations

from typing import Any

from soff.diagnostics import SourceLoc
from soff.ir.core import Block, Kernel, Op, Value
from soff.ir.types import BOOL, SIZE_T, VOID, Type


class Builder:
    """Creates ops in ``block`` (set with :meth:`at`); ``loc`` is stamped on each op."""

    def __init__(self, kernel: Kernel, block: Block | None = None) -> None:
        self.kernel = kernel
        self.block = block
        self.loc: SourceLoc | None = None

    def at(self, block: Block) -> Builder:
        self.block = block
        return self

    def new_block(self, name: str) -> Block:
        return self.kernel.add_block(Block(name))

    def op(
        self,
        opcode: str,
        operands: list[Value] | None = None,
        type: Type = VOID,
        attrs: dict[str, Any] | None = None,
        blocks: list[Block] | None = None,
        deps: list[Op] | None = None,
        name: str | None = None,
        loc: SourceLoc | None = None,
    ) -> Op:
        if self.block is None:
            raise RuntimeError("builder has no insertion block")
        op = Op(opcode, operands, type, attrs, blocks, deps, loc or self.loc, name)
        return self.block.append(op)

    # convenience constructors
    def const(self, value: int | float, type: Type, name: str | None = None) -> Op:
        return self.op("const", [], type, {"value": value}, name=name)

    def binary(self, opcode: str, a: Value, b: Value, name: str | None = None) -> Op:
        return self.op(opcode, [a, b], a.type, name=name)

    def cmp(self, pred: str, a: Value, b: Value, name: str | None = None) -> Op:
        return self.op("cmp", [a, b], BOOL, {"pred": pred}, name=name)

    def select(self, cond: Value, a: Value, b: Value, name: str | None = None) -> Op:
        return self.op("select", [cond, a, b], a.type, name=name)

    def cast(self, value: Value, type: Type, name: str | None = None) -> Value:
        if value.type == type:
            return value
        return self.op("cast", [value], type, name=name)

    def workitem(self, fn: str, dim: int, name: str | None = None) -> Op:
        return self.op(fn, [], SIZE_T, {"dim": dim}, name=name)

    def ptradd(self, ptr: Value, index: Value, name: str | None = None) -> Op:
        return self.op("ptradd", [ptr, index], ptr.type, name=name)

    def load(self, ptr: Value, type: Type, deps: list[Op], name: str | None = None) -> Op:
        return self.op("load", [ptr], type, deps=deps, name=name)

    def store(self, ptr: Value, value: Value, deps: list[Op]) -> Op:
        return self.op("store", [ptr, value], VOID, deps=deps)

    def phi(self, incoming: list[tuple[Value, Block]], type: Type, name: str | None = None) -> Op:
        return self.op(
            "phi", [v for v, _ in incoming], type, blocks=[b for _, b in incoming], name=name
        )

    def br(self, target: Block) -> Op:
        return self.op("br", blocks=[target])

    def cbr(self, cond: Value, if_true: Block, if_false: Block) -> Op:
        return self.op("cbr", [cond], blocks=[if_true, if_false])

    def ret(self) -> Op:
        return self.op("ret")
