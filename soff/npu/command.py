"""``soff npu MODEL -o npu.v`` and ``soff npu-sim MODEL --input x=@x.npy``
(called from :mod:`soff.cli`).

``soff npu`` writes one top that runs the whole model (:mod:`soff.npu.top`),
its header listing the plan, the register map and the memory map.
``soff npu-sim`` runs that top in Verilator on .npy inputs (one simulation
per inference), writes the outputs and prints the cycles and the difference
from the numpy reference.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from soff.diagnostics import CompileError
from soff.npu.codegen import WEIGHT_LIMIT, Plan
from soff.npu.graph import NpuError

if TYPE_CHECKING:
    from soff.npu.run import NpuModel

PRECISIONS = ("float32", "int8")


def report_text(plan: Plan) -> str:
    """Per layer: op, input and output shapes, MACs, NDRange, weight storage."""
    rows = [("layer", "op", "input", "output", "MACs", "global/local", "CUs", "weights")]
    for lk in plan.layers:
        ins = [
            v for a, v in lk.args
            if isinstance(v, str) and a != "y" and plan.buffers[v].role != "weights"
        ]  # fmt: skip
        shape_in = " ".join("x".join(map(str, plan.buffers[b].shape)) for b in ins)
        shape_out = "x".join(map(str, plan.buffers[lk.output].shape))
        weights = "-" if lk.weight_storage == "none" else f"{lk.weight_storage} {lk.weight_bytes} B"
        nd = f"{lk.global_size[0]}/{lk.local_size[0]}"
        rows.append(
            (lk.name, lk.op, shape_in, shape_out, str(lk.macs), nd, str(lk.num_cu), weights)
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [f"NPU plan '{plan.name}': {len(plan.layers)} layer kernels"]
    for r in rows:
        lines.append("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    total = sum(lk.macs for lk in plan.layers)
    lines.append(f"  total MACs per inference: {total}")
    return "\n".join(lines) + "\n"


def _common_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", help="model file: .onnx or .npu")
    p.add_argument("--target", metavar="BOARD", help="board to compile for (soff boards)")
    p.add_argument("--precision", default="float32", help="float32 (default) or int8")
    p.add_argument(
        "--calibrate",
        metavar="INPUTS.npy",
        help="int8: inputs stacked on a first axis to choose the scales from (max-abs); "
        "default: 32 random standard-normal inputs",
    )
    p.add_argument(
        "--parallelism",
        default="1",
        metavar="N|auto",
        help="compute units per layer (default 1; auto: one per 16 work-items, at most 4)",
    )
    p.add_argument(
        "--per-tensor",
        action="store_true",
        help="int8: one weight scale per layer instead of one per output channel",
    )
    p.add_argument(
        "--weight-limit",
        type=int,
        default=WEIGHT_LIMIT,
        metavar="BYTES",
        help=f"weights per layer kept on chip as ROMs (default {WEIGHT_LIMIT}); "
        "larger layers read them from global memory",
    )


def _compile(args: argparse.Namespace) -> NpuModel:
    if args.precision not in PRECISIONS:
        raise CompileError(f"unknown precision '{args.precision}' (float32 or int8)")
    calibration = None
    if args.calibrate is not None:
        if args.precision != "int8":
            raise CompileError("--calibrate needs --precision int8")
        calibration = _load_npy(Path(args.calibrate), "--calibrate")
    from soff.npu.run import compile_model

    parallelism: int | str = args.parallelism
    if parallelism != "auto":
        try:
            parallelism = int(args.parallelism)
        except ValueError:
            parallelism = 0
        if parallelism < 1:
            raise CompileError(
                f"--parallelism takes a positive number or auto, not '{args.parallelism}'"
            )
    return compile_model(
        args.model,
        target=args.target,
        weight_limit=args.weight_limit,
        precision=args.precision,
        calibration=calibration,
        per_channel=not args.per_tensor,
        parallelism=parallelism,
    )


def _load_npy(path: Path, option: str) -> np.ndarray:
    if not path.is_file():
        raise NpuError(f"{path}: error: no such file ({option})")
    try:
        return np.load(path, allow_pickle=False)
    except Exception as e:  # numpy raises several kinds for bad files
        raise NpuError(f"{path}: error: not a .npy array ({e})") from None


def calibration_accuracy(model: NpuModel, data: np.ndarray | None) -> list[Any]:
    """Per layer, the int8 model's (numpy integer reference) largest error
    against the float model over the calibration inputs."""
    from soff.npu.quantize import calibration_samples
    from soff.npu.run import LayerError

    samples = calibration_samples(model.graph, data)
    name = model.graph.inputs[0]
    worst: dict[str, LayerError] = {}
    for x in samples[name]:
        for row in model.accuracy(x, engine="numpy"):
            old = worst.get(row.layer)
            if old is None or row.max_rel > old.max_rel:
                worst[row.layer] = row
    return list(worst.values())


def main(
    argv: Sequence[str],
    parser_class: type[argparse.ArgumentParser] = argparse.ArgumentParser,
    write: Callable[[Path, str | bytes], None] | None = None,
) -> int:
    p = parser_class(
        prog="soff npu",
        description="Generate an NPU from an ONNX model or a .npu network description: "
        "one top running every layer kernel in order (docs/npu.md).",
    )
    _common_options(p)
    p.add_argument("-o", "--output", metavar="FILE", help="output Verilog (default: MODEL.v)")
    p.add_argument(
        "--report", action="store_true", help="print the per-layer plan and the memory map"
    )
    args = p.parse_args(argv)
    out = Path(args.output) if args.output else Path(Path(args.model).stem + ".v")
    model = _compile(args)
    plan, top = model.plan, model.top
    header = [f"// soff npu: {args.model} (precision {model.precision}), top '{top.name}'"]
    header += ["// " + line for line in plan.describe().splitlines()]
    text = "\n".join(header) + "\n" + top.verilog
    if str(out) == "-":
        sys.stdout.write(text)
    elif write is not None:
        write(out, text)
    else:
        out.write_text(text)
    if args.report:
        report = report_text(plan) + "\n".join(top.map_lines()) + "\n"
        if model.imported_int8:
            report += "int8 as imported (QLinear operators): no float model to compare with\n"
        elif model.qgraph is not None:
            from soff.npu.run import accuracy_text

            data = None if args.calibrate is None else _load_npy(Path(args.calibrate), "")
            report += (
                "int8 accuracy against the float model (numpy integer reference, worst over "
                "the calibration inputs):\n" + accuracy_text(calibration_accuracy(model, data))
            )
        print(report, file=sys.stderr, end="")
    return 0


def _pairs(items: Sequence[str], option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        name, eq, value = item.partition("=")
        if not eq or not name or not value:
            raise CompileError(f"{option} expects NAME=VALUE, not '{item}'")
        if name in out:
            raise CompileError(f"{option} {name} is given twice")
        out[name] = value
    return out


def _load_input(name: str, text: str) -> np.ndarray:
    if not text.startswith("@"):
        raise CompileError(f"--input {name}: expected @FILE.npy, not '{text}'")
    return _load_npy(Path(text[1:]), f"--input {name}")


def sim_main(
    argv: Sequence[str],
    parser_class: type[argparse.ArgumentParser] = argparse.ArgumentParser,
    write: Callable[[Path, str | bytes], None] | None = None,
) -> int:
    p = parser_class(
        prog="soff npu-sim",
        description="Generate the NPU of a model and run one inference on it in Verilator "
        "(the whole top, one simulation); write the outputs, print the cycles and the "
        "difference from the numpy reference (docs/npu.md).",
    )
    _common_options(p)
    p.add_argument(
        "--input", action="append", default=[], metavar="NAME=@FILE.npy",
        help="a model input (repeat for several)",
    )  # fmt: skip
    p.add_argument(
        "--out", action="append", default=[], metavar="NAME=FILE.npy",
        help="save model output NAME (with the model's output shape)",
    )  # fmt: skip
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--timeout-cycles", type=int, metavar="N", help="give up after N cycles")
    args = p.parse_args(argv)
    given = _pairs(args.input, "--input")
    outs = _pairs(args.out, "--out")
    model = _compile(args)
    inputs = list(model.graph.inputs)
    unknown = [n for n in given if n not in inputs]
    if unknown:
        raise CompileError(
            f"the model has no input '{unknown[0]}' (its inputs: {', '.join(inputs)})"
        )
    missing = [n for n in inputs if n not in given]
    if missing:
        raise CompileError(
            f"give every input: --input {missing[0]}=@FILE.npy (its inputs: {', '.join(inputs)})"
        )
    for n in outs:
        if n not in model.graph.outputs:
            raise CompileError(
                f"the model has no output '{n}' (its outputs: {', '.join(model.graph.outputs)})"
            )
    xs = {}
    for n in inputs:
        x = _load_input(n, given[n])
        want = model.graph.shape(n)
        if x.size != int(np.prod(want)):
            raise NpuError(
                f"{given[n][1:]}: error: input '{n}' needs shape {list(want)}, got {list(x.shape)}"
            )
        xs[n] = np.asarray(x, np.float32).reshape(want)
    result = model.simulate(xs, timeout_cycles=args.timeout_cycles)
    ref = model.reference(xs) if model.qgraph is None else model.int_reference(xs)
    accuracy: list[Any] = []
    bit_exact = None
    if model.qgraph is not None:
        accuracy = model.accuracy(xs, buffers=result.buffers)
        bit_exact = all(
            np.array_equal(result.buffers[b.name], ref[b.name].reshape(-1))
            for b in model.plan.buffers.values()
            if b.dtype == "int8" and b.name in ref
        )
    diffs = {}
    for n, y in result.outputs.items():
        ref_n = ref[n].astype(np.float64)
        err = float(np.abs(y.astype(np.float64) - ref_n).max(initial=0))
        rel = err / max(float(np.abs(ref_n).max(initial=0)), 1e-30)
        diffs[n] = (err, rel)
    for n, path in outs.items():
        buf = io.BytesIO()
        np.save(buf, result.outputs[n])
        if write is not None:
            write(Path(path), buf.getvalue())
        else:
            Path(path).write_bytes(buf.getvalue())
    if args.json:
        data = {
            "model": args.model,
            "top": model.top.name,
            "precision": model.precision,
            "cycles": result.cycles,
            "layer_cycles": result.layer_cycles,
            "layer_cus": {lk.name: lk.num_cu for lk in model.plan.layers},
            "reference": "numpy int8" if model.qgraph is not None else "numpy float",
            "outputs": {
                n: {
                    "shape": list(y.shape),
                    "max_abs_error": diffs[n][0],
                    "max_rel_error": diffs[n][1],
                    "file": outs.get(n),
                }  # fmt: skip
                for n, y in result.outputs.items()
            },
        }
        if model.qgraph is not None:
            data["int8_bit_exact"] = bit_exact
            data["accuracy"] = [
                {
                    "layer": r.layer,
                    "tensor": r.tensor,
                    "max_abs_error": r.max_abs,
                    "max_rel_error": r.max_rel,
                }  # fmt: skip
                for r in accuracy
            ]
        print(json.dumps(data))
        return 0
    print(f"cycles: {result.cycles} (one inference, {len(result.layer_cycles)} layers)")
    w = max(len(n) for n in result.layer_cycles)
    cus = {lk.name: lk.num_cu for lk in model.plan.layers}
    for name, c in result.layer_cycles.items():
        print(f"  {name.ljust(w)}  {c:>8}  ({cus[name]} CU{'s' if cus[name] > 1 else ''})")
    kind = "numpy int8" if model.qgraph is not None else "numpy float"
    for n, (err, rel) in diffs.items():
        where = f" -> {outs[n]}" if n in outs else ""
        print(f"output {n}{list(result.outputs[n].shape)}: max abs error {err:.3e} "
              f"(relative {rel:.2e}) vs the {kind} reference{where}")  # fmt: skip
    if model.qgraph is not None:
        from soff.npu.run import accuracy_text

        print(f"int8 tensors bit-exact with the numpy integer reference: {bit_exact}")
        if not model.imported_int8:
            print("per-layer accuracy of the hardware's int8 model against the float model:")
            print(accuracy_text(accuracy), end="")
    return 0
