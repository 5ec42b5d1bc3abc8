"""``soff npu MODEL -o npu.v``: the NPU command (called from :mod:`soff.cli`).

For now ``-o`` writes every layer kernel's Verilog (the library modules they
share once) after a comment header that lists the plan; a sequencer top that
runs the layers in hardware will replace this.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from soff.diagnostics import CompileError
from soff.npu.codegen import WEIGHT_LIMIT, Plan

PRECISIONS = ("float32", "int8")


def report_text(plan: Plan) -> str:
    """Per layer: op, input and output shapes, MACs, NDRange, weight storage."""
    rows = [("layer", "op", "input", "output", "MACs", "global/local", "weights")]
    for lk in plan.layers:
        ins = [
            v for a, v in lk.args
            if isinstance(v, str) and a != "y" and plan.buffers[v].role != "weights"
        ]  # fmt: skip
        shape_in = " ".join("x".join(map(str, plan.buffers[b].shape)) for b in ins)
        shape_out = "x".join(map(str, plan.buffers[lk.output].shape))
        weights = "-" if lk.weight_storage == "none" else f"{lk.weight_storage} {lk.weight_bytes} B"
        nd = f"{lk.global_size[0]}/{lk.local_size[0]}"
        rows.append((lk.name, lk.op, shape_in, shape_out, str(lk.macs), nd, weights))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [f"NPU plan '{plan.name}': {len(plan.layers)} layer kernels"]
    for r in rows:
        lines.append("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    total = sum(lk.macs for lk in plan.layers)
    lines.append(f"  total MACs per inference: {total}")
    return "\n".join(lines) + "\n"


def _merge_verilog(texts: Sequence[str]) -> str:
    """Concatenate Verilog files, keeping the first module of each name."""
    seen: dict[str, str] = {}
    out: list[str] = []
    pattern = re.compile(r"^module\s+(\w+).*?^endmodule[^\n]*\n?", re.M | re.S)
    for text in texts:
        pos = 0
        for m in pattern.finditer(text):
            out.append(text[pos : m.start()])
            name = m.group(1)
            if name not in seen:
                seen[name] = m.group(0)
                out.append(m.group(0))
            elif seen[name] != m.group(0):
                raise CompileError(f"npu: two layer kernels define different modules '{name}'")
            pos = m.end()
        out.append(text[pos:])
    return "".join(out)


def main(
    argv: Sequence[str],
    parser_class: type[argparse.ArgumentParser] = argparse.ArgumentParser,
    write: Callable[[Path, str], None] | None = None,
) -> int:
    p = parser_class(
        prog="soff npu",
        description="Generate an NPU (one pipelined kernel per layer) from an ONNX model "
        "or a .npu network description (docs/npu.md).",
    )
    p.add_argument("model", help="model file: .onnx or .npu")
    p.add_argument("-o", "--output", metavar="FILE", help="output Verilog (default: MODEL.v)")
    p.add_argument("--target", metavar="BOARD", help="board to compile for (soff boards)")
    p.add_argument("--precision", default="float32", help="float32 (int8: not supported yet)")
    p.add_argument("--report", action="store_true", help="print the per-layer plan to stderr")
    p.add_argument(
        "--weight-limit",
        type=int,
        default=WEIGHT_LIMIT,
        metavar="BYTES",
        help=f"weights per layer kept on chip as ROMs (default {WEIGHT_LIMIT}); "
        "larger layers read them from global memory",
    )
    args = p.parse_args(argv)
    if args.precision not in PRECISIONS:
        raise CompileError(f"unknown precision '{args.precision}' (float32 or int8)")
    if args.precision == "int8":
        raise CompileError("--precision int8 is not supported yet (only float32 for now)")
    from soff.npu.run import compile_model

    out = Path(args.output) if args.output else Path(Path(args.model).stem + ".v")
    model = compile_model(args.model, target=args.target, weight_limit=args.weight_limit)
    plan = model.plan
    header = [f"// soff npu: {args.model} (precision {args.precision})"]
    header += ["// " + line for line in plan.describe().splitlines()]
    header.append(
        "// each layer kernel's module follows; the host runs them in order (soff.npu.run)"
    )
    text = "\n".join(header) + "\n\n" + _merge_verilog([d.verilog for d in model.designs])
    if str(out) == "-":
        sys.stdout.write(text)
    elif write is not None:
        write(out, text)
    else:
        out.write_text(text)
    if args.report:
        print(report_text(plan), file=sys.stderr, end="")
    return 0
