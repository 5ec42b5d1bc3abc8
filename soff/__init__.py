"""soff: OpenCL C kernels to pipelined Verilog, simulated with cocotb and Verilator."""

from soff.diagnostics import CompileError
from soff.driver import Design, KernelInfo, compile
from soff.ir.interp import Local
from soff.layout import struct_dtype
from soff.sim.api import SimResult

__version__ = "0.1.0"

__all__ = [
    "CompileError",
    "Design",
    "KernelInfo",
    "Local",
    "SimResult",
    "compile",
    "struct_dtype",
    "__version__",
]
