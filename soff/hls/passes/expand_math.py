"""expand-math: math functions without an operator unit, rewritten from ones that
have a unit, where the result stays within the function's OpenCL 1.2 bound."""

from __future__ import annotations

from dataclasses import dataclass

from soff.hls.pass_manager import Pass, PassContext, register
from soff.ir.core import Kernel, Module, Op
from soff.ir.types import F32, FloatType


def expand_math(kernel: Kernel) -> bool:
    """``tan`` (f32) becomes ``sin / cos`` (each within 0.5 ulp, so the quotient is
    within 1.5 ulp; OpenCL allows 5) and ``rsqrt`` becomes ``1 / sqrt`` (two correctly
    rounded ops: within 1.5 ulp; OpenCL allows 2). The op itself becomes the ``div``,
    so its uses need no rewriting."""
    changed = False
    for block in kernel.blocks:
        for op in list(block.ops):
            fn = op.attrs.get("fn") if op.opcode == "math" else None
            t = op.type
            if not isinstance(t, FloatType) or fn not in ("tan", "rsqrt"):
                continue
            if fn == "tan" and t != F32:
                continue  # no binary64 sin/cos units: the back end names 'tan'
            at = block.ops.index(op)
            x = op.operands[0]
            if fn == "tan":
                num = Op("math", [x], t, {"fn": "sin"}, loc=op.loc)
                den = Op("math", [x], t, {"fn": "cos"}, loc=op.loc)
            else:
                num = Op("const", [], t, {"value": 1.0}, loc=op.loc)
                den = Op("math", [x], t, {"fn": "sqrt"}, loc=op.loc)
            block.insert(at, den)
            block.insert(at, num)
            op.opcode, op.operands, op.attrs = "div", [num, den], {}
            changed = True
    return changed


@register
@dataclass
class ExpandMath(Pass):
    """Expects verified IR; leaves no f32 ``tan`` and no ``rsqrt`` (see
    :func:`expand_math`). The results change within the OpenCL error bounds, so the
    interpreter's are not reproduced bit for bit."""

    name = "expand-math"

    def run(self, module: Module, ctx: PassContext) -> bool:
        return any([expand_math(k) for k in module.kernels])
