"""The soff IR: types, values, ops, blocks, kernels, modules; builder, printer,
parser, verifier and the reference interpreter."""

from soff.ir.builder import Builder
from soff.ir.core import OPCODES, Arg, Block, Kernel, Module, Op, Value
from soff.ir.interp import run_kernel
from soff.ir.parser import parse_kernel, parse_module
from soff.ir.printer import print_kernel, print_module
from soff.ir.verifier import VerifyError, verify_kernel, verify_module

__all__ = [
    "OPCODES",
    "Arg",
    "Block",
    "Builder",
    "Kernel",
    "Module",
    "Op",
    "Value",
    "VerifyError",
    "parse_kernel",
    "parse_module",
    "print_kernel",
    "print_module",
    "run_kernel",
    "verify_kernel",
    "verify_module",
]
