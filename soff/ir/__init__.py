"""The soff IR: types, values, ops, blocks, kernels, modules; builder and printer."""

from soff.ir.builder import Builder
from soff.ir.core import OPCODES, Arg, Block, Kernel, Module, Op, Value
from soff.ir.printer import print_kernel, print_module

__all__ = [
    "OPCODES",
    "Arg",
    "Block",
    "Builder",
    "Kernel",
    "Module",
    "Op",
    "Value",
    "print_kernel",
    "print_module",
]
