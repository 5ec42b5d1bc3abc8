"""Compile a model into a :class:`NpuModel` and run it layer by layer.

``compile_model`` imports (ONNX or ``.npu``), prepares the graph, lowers it to
a :class:`soff.npu.codegen.Plan` and keeps one soff :class:`Design` per layer
kernel (compiled on first use, or all at once with ``eager=True``).
``NpuModel.top`` is the one accelerator top running every layer
(:mod:`soff.npu.top`); ``NpuModel.simulate`` runs one inference on it in
Verilator — one simulation for the whole model — and returns the outputs,
the total cycles and each layer's. ``NpuModel.run`` sequences the layer
kernels from the host instead: in the IR interpreter (``engine="interp"``) or
one simulation per layer (``engine="verilator"``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from soff.diagnostics import CompileError
from soff.npu.codegen import WEIGHT_LIMIT, Plan, lower_graph
from soff.npu.graph import Graph, prepare
from soff.npu.reference import run_graph


def load_graph(path_or_graph: str | Path | Graph | Any) -> Graph:
    """An ONNX file or ModelProto, a ``.npu`` file, or a Graph → a prepared graph."""
    if isinstance(path_or_graph, Graph):
        graph = path_or_graph
    elif isinstance(path_or_graph, (str, Path)):
        path = Path(path_or_graph)
        if not path.is_file():
            raise CompileError(f"{path}: No such file or directory")
        if path.suffix == ".npu":
            from soff.npu.text_format import parse_file

            graph = parse_file(path)
        else:
            from soff.npu.onnx_import import import_onnx

            graph = import_onnx(path)
    else:
        from soff.npu.onnx_import import import_onnx

        graph = import_onnx(path_or_graph)
    return prepare(graph)


@dataclass
class LayerError:
    layer: str
    tensor: str
    max_abs: float
    max_rel: float


@dataclass
class NpuSimResult:
    """One inference on the whole-model top."""

    #: graph output name → array with the model's output shape
    outputs: dict[str, np.ndarray]
    #: cycles from the start write to ap_done
    cycles: int
    #: layer name → cycles its stage ran (the top's stage_cycles counters)
    layer_cycles: dict[str, int]
    #: every buffer after the run (flat)
    buffers: dict[str, np.ndarray]
    wall_seconds: float = 0.0

    @property
    def output(self) -> np.ndarray:
        return next(iter(self.outputs.values()))


@dataclass
class NpuModel:
    """A lowered model. ``graph`` is the float model (prepared); with int8
    precision ``qgraph`` is the quantised graph the plan was made from and
    ``quant`` the scales (:mod:`soff.npu.quantize`)."""

    graph: Graph
    plan: Plan
    target: str | None = None
    precision: str = "float32"
    qgraph: Graph | None = None
    quant: Any = None  # soff.npu.quantize.QuantInfo
    _designs: dict[str, Any] = field(default_factory=dict, repr=False)
    #: every buffer after the last :meth:`run`
    last_buffers: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    def design(self, index: int) -> Any:
        import soff

        lk = self.plan.layers[index]
        if lk.kernel_name not in self._designs:
            self._designs[lk.kernel_name] = soff.compile(
                lk.source,
                kernel=lk.kernel_name,
                target=self.target,
                filename=f"{lk.kernel_name}.cl",
            )
        return self._designs[lk.kernel_name]

    @property
    def designs(self) -> list[Any]:
        """One soff Design per layer kernel (compiles the missing ones)."""
        return [self.design(i) for i in range(len(self.plan.layers))]

    @property
    def top(self) -> Any:
        """The whole-model top (:class:`soff.npu.top.NpuTop`), built on first use."""
        if "__top__" not in self._designs:
            from soff.boards.board import load_board
            from soff.npu.top import build_npu_top

            self._designs["__top__"] = build_npu_top(
                self.plan, self.designs, load_board(self.target)
            )
        return self._designs["__top__"]

    @property
    def verilog(self) -> str:
        return self.top.verilog

    def simulate(
        self,
        x: np.ndarray | dict[str, np.ndarray],
        simulator: str = "verilator",
        timeout_cycles: int | None = None,
    ) -> NpuSimResult:
        """One inference on the whole-model top in one simulation: inputs and
        streamed weights are loaded into global memory first (the memory map of
        :mod:`soff.npu.top`), the top is started once, the outputs read after
        ap_done."""
        from soff.npu.top import default_timeout
        from soff.sim.api import simulate

        if simulator not in ("verilator", "icarus"):
            raise CompileError(f"npu: unknown simulator '{simulator}' (verilator or icarus)")
        top = self.top
        ins = self._inputs(x)
        args: dict[str, Any] = {}
        for slot in top.slots:
            b = self.plan.buffers[slot.buffer]
            if b.role == "weights":
                assert b.data is not None
                args[slot.register] = np.ascontiguousarray(b.data.reshape(-1), b.dtype)
            elif slot.buffer in ins:
                args[slot.register] = ins[slot.buffer].astype(b.dtype)
            else:
                args[slot.register] = np.zeros(b.size, b.dtype)
        sim = simulate(
            top.verilog,
            top.regmap,
            args,
            1,
            1,
            simulator=simulator,
            timeout_cycles=timeout_cycles or default_timeout(self.plan),
            toplevel=top.name,
            probes=[f"stage_cycles_{i}" for i in range(len(top.stages))],
        )
        bufs = {s.buffer: sim.outputs[s.register].reshape(-1) for s in top.slots}
        self.last_buffers = bufs
        outputs = {
            t: bufs[b].reshape(self.plan.buffers[b].shape)
            for t, b in zip(self.graph.outputs, self.plan.outputs, strict=True)
        }
        layers = {name: sim.probes.get(f"stage_cycles_{i}", 0) for i, name in enumerate(top.stages)}
        assert sim.cycles is not None
        return NpuSimResult(outputs, sim.cycles, layers, bufs, sim.wall_seconds)

    def _inputs(self, x: np.ndarray | dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        xs = x if isinstance(x, dict) else {self.plan.inputs[0]: x}
        out = {}
        for name in self.plan.inputs:
            if name not in xs:
                raise CompileError(f"npu: no value for input '{name}'")
            want = self.plan.buffers[name]
            v = np.asarray(xs[name], np.float32)
            if v.size != want.size:
                raise CompileError(
                    f"npu: input '{name}' needs shape {list(want.shape)}, got {list(v.shape)}"
                )
            out[name] = v.reshape(-1).copy()
        return out

    def run(
        self, x: np.ndarray | dict[str, np.ndarray], engine: str = "interp"
    ) -> tuple[np.ndarray, list[int | None]]:
        """Run the plan layer by layer; returns the (first) output with its
        shape and the cycles of each layer kernel (None with the interpreter)."""
        if engine not in ("interp", "verilator", "icarus"):
            raise CompileError(f"npu: unknown engine '{engine}' (interp, verilator or icarus)")
        bufs: dict[str, np.ndarray] = {}
        for b in self.plan.buffers.values():
            if b.role == "weights":
                assert b.data is not None
                bufs[b.name] = b.data.reshape(-1)
            elif b.role != "input":
                bufs[b.name] = np.zeros(b.size, b.dtype)
        bufs.update(self._inputs(x))
        cycles: list[int | None] = []
        for index, lk in enumerate(self.plan.layers):
            args = {a: (bufs[v] if isinstance(v, str) else v) for a, v in lk.args}
            if engine == "interp":
                from soff.driver import load_module, select_kernel
                from soff.ir.interp import run_kernel

                module = load_module(lk.source, filename=f"{lk.kernel_name}.cl")
                kernel = select_kernel(module, lk.kernel_name)
                result = run_kernel(kernel, args, lk.global_size, lk.local_size)
                cycles.append(None)
            else:
                sim = self.design(index).simulate(
                    lk.global_size, lk.local_size, args, simulator=engine
                )
                result = sim.outputs
                cycles.append(sim.cycles)
            dtype = self.plan.buffers[lk.output].dtype
            bufs[lk.output] = np.asarray(result["y"], dtype).reshape(-1)
        self.last_buffers = bufs
        outs = [bufs[b].reshape(self.plan.buffers[b].shape) for b in self.plan.outputs]
        return outs[0], cycles

    @property
    def imported_int8(self) -> bool:
        """The model came quantised (QLinearConv/QLinearMatMul): no float model."""
        return self.qgraph is not None and self.qgraph is self.graph

    def reference(self, x: np.ndarray | dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Every tensor of the float reference (:mod:`soff.npu.reference`); for a
        model imported quantised (QLinear operators), the integer reference."""
        if self.imported_int8:
            return self.int_reference(x)
        xs = x if isinstance(x, dict) else {self.graph.inputs[0]: x}
        return run_graph(self.graph, xs)

    def int_reference(self, x: np.ndarray | dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Every tensor of the quantised graph in numpy integer arithmetic
        (:func:`soff.npu.quantize.run_int_graph`); int8 plans only."""
        from soff.npu.quantize import run_int_graph

        if self.qgraph is None:
            raise CompileError("npu: the model is not quantised (precision float32)")
        xs = x if isinstance(x, dict) else {self.graph.inputs[0]: x}
        return run_int_graph(self.qgraph, xs)

    def accuracy(
        self,
        x: np.ndarray | dict[str, np.ndarray],
        engine: str = "interp",
        buffers: dict[str, np.ndarray] | None = None,
    ) -> list[LayerError]:
        """Compare each layer's output with the float reference: per layer the
        max absolute error and that error relative to the layer's largest
        reference magnitude. The layer outputs come from ``buffers`` (e.g. a
        simulation's), else from running the plan with ``engine``; with int8
        precision ``engine="numpy"`` takes them from the integer reference, and
        int8 tensors are compared dequantised (``q * scale``). A model imported
        quantised has no float model to compare with: no rows."""
        if self.imported_int8:
            return []
        ref = self.reference(x)
        if buffers is None:
            if engine == "numpy" and self.qgraph is not None:
                values = self.int_reference(x)
                buffers = {
                    self.plan.tensor_buffer[t]: v.reshape(-1)
                    for t, v in values.items()
                    if t in self.plan.tensor_buffer
                }
            else:
                self.run(x, engine)
                buffers = self.last_buffers
        rows = []
        if self.qgraph is None:
            pairs = [
                (lk.name, next(t for t, b in self.plan.tensor_buffer.items() if b == lk.output))
                for lk in self.plan.layers
            ]
            where = {t: (t, 1.0) for _, t in pairs}
        else:
            pairs = [(la.name, la.output) for la in self.graph.layers]
            where = {}
            for la in self.graph.layers:
                t = la.output
                q = self.quant.int_tensor.get(t)
                where[t] = (q, self.quant.scales[q]) if q is not None else (t, 1.0)
        for layer, tensor in pairs:
            held, scale = where[tensor]
            buf = self.plan.tensor_buffer.get(held)
            if buf is None or buf not in buffers:
                continue
            want = ref[tensor].reshape(-1).astype(np.float64)
            got = buffers[buf][: want.size].astype(np.float64) * scale
            diff = np.abs(got - want)
            rows.append(
                LayerError(
                    layer,
                    tensor,
                    float(diff.max(initial=0)),
                    float(diff.max(initial=0) / max(float(np.abs(want).max(initial=0)), 1e-30)),
                )
            )
        return rows


def accuracy_text(rows: list[LayerError]) -> str:
    """The per-layer accuracy report as an aligned table."""
    width = max([len(r.layer) for r in rows] + [5])
    lines = [f"{'layer'.ljust(width)}  {'max abs error':>13}  {'relative':>9}"]
    for r in rows:
        lines.append(f"{r.layer.ljust(width)}  {r.max_abs:13.3e}  {r.max_rel:9.2e}")
    return "\n".join(lines) + "\n"


def compile_model(
    path_or_graph: str | Path | Graph | Any,
    target: str | None = None,
    weight_limit: int = WEIGHT_LIMIT,
    eager: bool = False,
    precision: str = "float32",
    calibration: np.ndarray | None = None,
    per_channel: bool = True,
    parallelism: int | str = 1,
) -> NpuModel:
    """Import and lower a model; with ``eager`` compile every layer kernel now.
    ``precision="int8"`` quantises it first, with scales calibrated (max-abs)
    on ``calibration`` (a stack of inputs; default: random normal inputs). A
    model with QLinearConv/QLinearMatMul is int8 as imported, whatever
    ``precision`` says.
    ``parallelism``: compute units per layer, a number or ``auto``."""
    if precision not in ("float32", "int8"):
        raise CompileError(f"unknown precision '{precision}' (float32 or int8)")
    graph = load_graph(path_or_graph)
    if any(t.dtype == "int8" for t in graph.tensors.values()):
        # quantised already (QLinearConv/QLinearMatMul): the graph is the int8 model
        if calibration is not None:
            raise CompileError("npu: the model is quantised already (QLinear operators): "
                               "--calibrate does not apply")  # fmt: skip
        model = NpuModel(graph, lower_graph(graph, weight_limit, parallelism), target, "int8")
        model.qgraph = graph
    elif precision == "int8":
        from soff.npu.quantize import calibrate, calibration_samples, quantize_graph

        scales = calibrate(graph, calibration_samples(graph, calibration))
        qgraph, info = quantize_graph(graph, scales, per_channel)
        plan = lower_graph(qgraph, weight_limit, parallelism)
        model = NpuModel(graph, plan, target, precision, qgraph, info)
    else:
        model = NpuModel(graph, lower_graph(graph, weight_limit, parallelism), target)
    if eager:
        model.designs  # noqa: B018 - compiles them
    return model
