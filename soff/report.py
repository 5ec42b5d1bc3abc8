"""The compile report: plain data for tools, aligned text for people, and a
picture of each block's pipeline schedule (an HTML page or a PNG/SVG).

:func:`report_data` is what ``--report-json`` writes; :func:`report_text`
is ``--report``; :func:`report_html` and :func:`plot_bytes` draw the
schedule with matplotlib, an optional dependency (``pip install soff[report]``).
Numbers are what the schedule decided: loops are not modulo-scheduled, so a
loop's II is the one-work-item-per-cycle of its block pipelines and its
limiting cause is the recurrence a work-item carries around it; in a
single-work-item kernel a loop either has pipelined iterations (II 1, see
soff.hls.schedule.loop_pipeline) or the report names why not.
"""

from __future__ import annotations

import html
import io
import re
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import networkx as nx

from soff.diagnostics import CompileError
from soff.hls.analysis import pointer_base
from soff.hls.bind import bind_op
from soff.hls.schedule.datapath import (
    DatapathSchedule,
    Loop,
    is_variable_latency,
    local_base,
    rom_base,
    value_bits,
)
from soff.hls.schedule.loop_pipeline import single_work_item, variable_name
from soff.ir.core import Arg, Block, Op, Value, predicate_index
from soff.ir.printer import Namer
from soff.ir.types import PtrType
from soff.rtl_gen import lib

if TYPE_CHECKING:
    from soff.driver import Design

# kinds of scheduled ops, in legend order, with their colours in the picture
KIND_COLORS = {
    "memory": "#d62728",  # global load/store: variable latency, between segments
    "on-chip memory": "#ff7f0e",  # __constant ROM reads, __local RAM accesses
    "unit": "#9467bd",  # operator-library units: floating point, division
    "multiplier": "#8c564b",
    "integer": "#1f77b4",  # plain Verilog expressions
    "wiring": "#7f7f7f",  # zero latency: casts, constant shifts, sign bits
}
ESTIMATE_NOTE = (
    "rough estimate from operator result bits (about one LUT per integer result bit); "
    "`soff synth` gives yosys numbers"
)
INSTALL_HINT = "pip install soff[report]"


# --------------------------------------------------------------------------- data


def report_data(design: Design) -> dict[str, Any]:
    """The compile report as plain data (what ``--report-json`` writes)."""
    data: dict[str, Any] = {
        "kernel": design.kernel.name,
        "target": design.board.name,
        "clock_mhz": design.board.clock_mhz,
        "arguments": [asdict(a) for a in design.kernel.args],
        "registers": [asdict(r) for r in design.regmap.registers],
        "compile_seconds": {k: round(v, 6) for k, v in design.timings.items()},
        "num_cu": getattr(design, "num_cu", 1),  # compute units: each has this datapath
    }
    if getattr(design, "synthesis", None) is not None:
        data["synthesis"] = design.synthesis
    if design.schedule is not None:
        data["datapath"] = datapath_data(design.schedule)
        data["resources_estimate"] = resources_estimate(design.schedule)
        data["resources_estimate"]["per_compute_unit"] = data["num_cu"] > 1
    return data


def _op_kind(op: Op, latency: int) -> str:
    if is_variable_latency(op):
        return "memory"
    if op.opcode in ("load", "store", "atomic"):
        return "on-chip memory"
    if bind_op(op) is not None:
        return "unit"
    if latency == 0:
        return "wiring"
    if op.opcode == "mul":
        return "multiplier"
    return "integer"


def _loc(op: Op) -> dict[str, Any]:
    loc = op.loc
    if loc is None:
        return {"file": None, "line": None, "col": None}
    return {"file": loc.file, "line": loc.line, "col": loc.col or None}


def block_name(namer: Namer, block: Block) -> str:
    """The block's unique name (as the IR printer spells it, without the ``^``)."""
    return namer.block(block)[1:]


def _pointer_name(ptr: Value, namer: Namer) -> str:
    """The kernel argument (or array) a memory op's pointer comes from."""
    for base_of in (rom_base, local_base):
        array = base_of(ptr)
        if array is not None:
            return array.name or namer.value(array)
    base = pointer_base(ptr)
    if isinstance(base, Arg):
        return base.name or "?"
    return "?"  # chosen at run time (select/phi of pointers): may alias anything


def _target_name(op: Op, namer: Namer) -> str:
    """What an op without a result writes to: ``buf[]`` for an on-chip store."""
    if op.opcode == "store":
        return _pointer_name(op.operands[0], namer) + "[]"
    return op.opcode


def datapath_data(sched: DatapathSchedule) -> dict[str, Any]:
    """Blocks, segments, per-op schedule, FIFOs, units, memory ports and loops."""
    namer = Namer(sched.kernel)
    blocks = []
    units: dict[str, dict[str, Any]] = {}
    operators: dict[tuple[str, int, int], int] = {}
    ports: list[dict[str, Any]] = []
    on_chip: dict[tuple[str, str], dict[str, Any]] = {}
    n_ld = n_st = n_at = 0
    fifos = []
    for b in sched.blocks:
        bname = block_name(namer, b.block)
        segs = []
        schedule = []
        for seg in b.segments:
            segs.append(
                {
                    "index": seg.index,
                    "stages": seg.depth,
                    "ops": len(seg.ops),
                    "delay_bits": seg.delay_bits,
                }
            )
            for op in sorted(seg.ops, key=lambda o: seg.start[o]):  # stable: block order
                lat = sched.latency[op]
                kind = _op_kind(op, lat)
                binding = bind_op(op)
                entry = {
                    "op": op.opcode,
                    "name": namer.value(op) if op.has_result else _target_name(op, namer),
                    "kind": kind,
                    "segment": seg.index,
                    "start": seg.start[op],
                    "end": seg.start[op] + lat,
                    "latency": lat,
                    "bits": value_bits(op),
                    **_loc(op),
                }
                if binding is not None:
                    entry["unit"] = f"{binding.unit}.{binding.fmt}"
                    u = units.setdefault(
                        f"{binding.unit}.{binding.fmt}",
                        {"unit": binding.unit, "format": binding.fmt, "latency": lat, "count": 0},
                    )
                    u["count"] += 1
                elif kind in ("integer", "multiplier"):
                    w = op.operands[0].type.bits if op.opcode == "cmp" else value_bits(op)
                    operators[(op.opcode, w, lat)] = operators.get((op.opcode, w, lat), 0) + 1
                if kind == "on-chip memory":
                    array = _pointer_name(op.operands[0], namer)
                    mem_kind = "rom" if rom_base(op.operands[0]) is not None else "local"
                    ram = on_chip.setdefault(
                        (mem_kind, array),
                        {"kind": mem_kind, "array": array, "reads": 0, "writes": 0, "atomics": 0},
                    )
                    ram[{"load": "reads", "store": "writes"}.get(op.opcode, "atomics")] += 1
                schedule.append(entry)
            if seg.index < len(b.memory_ops):
                for m in b.memory_ops[seg.index]:
                    ptr_t = m.operands[0].type
                    assert isinstance(ptr_t, PtrType)
                    if m.opcode == "load":
                        port, n_ld = f"ld{n_ld}", n_ld + 1
                    elif m.opcode == "store":
                        port, n_st = f"st{n_st}", n_st + 1
                    else:  # a client of the kernel's one atomic unit
                        port, n_at = f"at{n_at}", n_at + 1
                    pi = predicate_index(m)
                    ports.append(
                        {
                            "port": port,
                            "axi_id": int(port[2:]),
                            "kind": m.opcode,
                            "pointer": _pointer_name(m.operands[0], namer),
                            "bits": ptr_t.pointee.bits,
                            "block": bname,
                            "boundary": seg.index,
                            "word_reuse": m in sched.coalesce,
                            **({"op": m.attrs.get("op")} if m.opcode == "atomic" else {}),
                            "max_outstanding": sched.fifo_depth,
                            "predicated": pi is not None and len(m.operands) > pi,
                            **_loc(m),
                        }
                    )
                    schedule.append(
                        {
                            "op": m.opcode,
                            "name": namer.value(m) if m.has_result else port,
                            "kind": "memory",
                            "boundary": seg.index,
                            "port": port,
                            "latency": None,  # variable: the memory system's
                            "bits": ptr_t.pointee.bits,
                            **_loc(m),
                        }
                    )
        for k, vals in enumerate(b.bypass):
            bits = sum(value_bits(v) for v in vals)
            fifos.append(
                {
                    "fifo": f"^{bname} bypass {k}",
                    "kind": "bypass",
                    "depth": sched.fifo_depth,
                    "bits": bits,
                    "total_bits": bits * sched.fifo_depth,
                }
            )
        blocks.append(
            {
                "name": bname,
                "depth": sum(s.depth for s in b.segments),
                "boundaries": len(b.memory_ops),
                "segments": segs,
                "memory": [
                    {
                        "boundary": k,
                        "loads": sum(1 for m in ms if m.opcode == "load"),
                        "stores": sum(1 for m in ms if m.opcode == "store"),
                        "atomics": sum(1 for m in ms if m.opcode == "atomic"),
                        "bypass_bits": sum(value_bits(v) for v in b.bypass[k]),
                        "bypass_depth": sched.fifo_depth,
                    }
                    for k, ms in enumerate(b.memory_ops)
                ],
                "live_in_bits": sum(value_bits(v) for v in b.inputs),
                **_channel_limit(b.memory_ops, sched),
                "delay_bits": b.delay_bits,
                "schedule": schedule,
            }
        )
    edges = []
    for e in sched.edges:
        bits = sum(value_bits(v) for v in e.values)
        depth = sched.edge_fifo_depth(e)
        src, dst = (block_name(namer, sched.blocks[i].block) for i in (e.src, e.dst))
        kind = (
            "barrier gate" if e.dst in sched.barrier_blocks else "back edge" if e.back else "edge"
        )
        edges.append(
            {"from": src, "to": dst, "bits": bits, "back": e.back, "depth": depth, "kind": kind}
        )
        fifos.append(
            {
                "fifo": f"^{src} -> ^{dst}",
                "kind": kind,
                "depth": depth,
                "bits": bits,
                "total_bits": bits * depth,
            }
        )
    groups: dict[str, dict[str, Any]] = {}
    for p in ports:
        if p["kind"] == "atomic":  # the atomic unit is the last read and write client
            p.update(axi_id=n_ld, axi_write_id=n_st)
        g = groups.setdefault(
            p["pointer"], {"pointer": p["pointer"], "loads": [], "stores": [], "atomics": []}
        )
        g[{"load": "loads", "store": "stores"}.get(p["kind"], "atomics")].append(p["port"])
    return {
        "blocks": blocks,
        "edges": edges,
        "loops": [_loop_data(sched, lp, namer) for lp in sched.loops],
        "units": [units[k] for k in sorted(units)],
        "operators": [
            {"op": op, "bits": w, "latency": lat, "count": n}
            for (op, w, lat), n in sorted(operators.items())
        ],
        "memory_ports": ports,
        # docs/interface.md: enough bits for every read and every write client
        "axi_id_bits": lib.id_width(max(n_ld, n_st, 1) + int(n_at > 0)),
        "alias_groups": list(groups.values()),
        "memory_order": "program order within a work-item across all pointers "
        "(no alias analysis yet: the groups may alias one another)",
        "on_chip_memories": list(on_chip.values()),
        "fifos": fifos,
        "fifo_depth": sched.fifo_depth,
        "delay_bits": sched.delay_bits,
        "fifo_bits": sum(f["total_bits"] for f in fifos),
        "coalesced_loads": len(sched.coalesce),
        "work_item_ii": 1,
        "group_serial": sched.group_serial,
        "single_work_item": single_work_item(sched.kernel),
    }


def _channel_limit(memory_ops: list[list[Op]], sched: DatapathSchedule) -> dict[str, Any]:
    """AXI requests one pass through a block makes, and the II they force: each
    channel takes one request per cycle (the atomic unit reads and writes once
    per atomic); reads that may reuse the previous bus word can cost none."""
    ops = [m for ms in memory_ops for m in ms]
    atomics = sum(1 for m in ops if m.opcode == "atomic")
    reads = sum(1 for m in ops if m.opcode == "load") + atomics
    reuse = sum(1 for m in ops if m.opcode == "load" and m in sched.coalesce)
    writes = sum(1 for m in ops if m.opcode == "store") + atomics
    return {
        "channel_requests": {"read": reads, "read_word_reuse": reuse, "write": writes},
        "ii_memory": max(1, writes, reads - reuse),
    }


def _loop_data(sched: DatapathSchedule, lp: Loop, namer: Namer) -> dict[str, Any]:
    """A loop's throughput as soff builds it: no modulo schedule, work-items circulate."""
    # one iteration: the longest header -> latch path through the loop's blocks
    g = nx.DiGraph()
    g.add_nodes_from(lp.blocks)
    for e in sched.edges:
        if e.src in lp.blocks and e.dst in lp.blocks and not e.back:
            g.add_edge(e.src, e.dst)
    latches = [e.src for e in sched.edges if e.back and e.dst == lp.header and e.src in lp.blocks]

    def cost(i: int) -> int:
        return sum(s.depth for s in sched.blocks[i].segments)

    best: tuple[int, int, list[int]] = (0, 0, [lp.header])
    if nx.is_directed_acyclic_graph(g):
        reach = nx.descendants(g, lp.header) | {lp.header}
        dist: dict[int, tuple[int, int, list[int]]] = {}
        for n in nx.topological_sort(g):
            if n not in reach:
                continue
            if n == lp.header:
                dist[n] = (cost(n), len(sched.blocks[n].memory_ops), [n])
                continue
            preds = [dist[p] for p in g.predecessors(n) if p in dist]
            s, m, path = max(preds, key=lambda t: (t[0], t[1]))
            dist[n] = (s + cost(n), m + len(sched.blocks[n].memory_ops), [*path, n])
        cands = [dist[latch] for latch in latches if latch in dist]
        if cands:
            best = max(cands, key=lambda t: (t[0], t[1]))
    stages, mem, path = best
    limit = sched.loop_limit
    bound = min(1.0, limit / stages) if stages else 1.0
    header = block_name(namer, sched.blocks[lp.header].block)
    barrier = any(i in sched.barrier_blocks for i in lp.blocks)
    cause = (
        f"not modulo-scheduled: a work-item's next iteration starts after its previous one "
        f"returns over the back edge (>= {stages} stages"
        + (f" + {mem} memory round trips" if mem else "")
        + f" + {len(path)} FIFO hops); the pipelines overlap up to {limit} work-items "
        f"(the loop entry limit), each block taking one per cycle, back edges first"
    )
    if barrier:
        cause += "; a barrier in the loop holds every iteration until the whole work-group arrives"
    plan = lp.pipeline
    ii, exact = 1, True
    inner_loops: list[str] = []
    if plan is not None and plan.pipelined:
        # a fork issues one iteration per cycle; the blocks' memory channels may need more
        inner = set().union(*(o.blocks for o in sched.loops if o.blocks < lp.blocks))
        mem_ii = _channel_limit(
            [ms for i in sorted(lp.blocks - inner) for ms in sched.blocks[i].memory_ops], sched
        )["ii_memory"]
        ii = mem_ii
        cause = plan.cause + (
            f"; the AXI channels need {mem_ii} cycles per iteration" if mem_ii > 1 else ""
        )
        nested = [o for o in sched.loops if o.blocks < lp.blocks]
        inner_loops = [block_name(namer, sched.blocks[o.header].block) for o in nested]
        if nested:
            names = ", ".join("^" + block_name(namer, sched.blocks[o.header].block) for o in nested)
            cause += (
                f"; each iteration also runs {names}, whose header takes one iteration per "
                "cycle: the II is at least the inner trip count"
            )
    circulates = False
    if plan is None or plan.pipelined:
        pass
    elif plan.circulates:
        # the enclosing loop's iterations overlap in it, as work-items do
        circulates = True
        cause = f"{plan.cause}: {cause}"
    elif single_work_item(sched.kernel):
        # one work-item carries its values around: an iteration starts when the
        # previous one is back over the back edge
        ii, exact = stages + len(path), False
        cause = (
            f"{plan.cause}; the one work-item starts an iteration when the previous one "
            f"is back (>= {stages} stages"
            + (f" + {_n(mem, 'memory round trip')}" if mem else "")
            + f" + {len(path)} FIFO hops)"
        )
    loc = lp.loc
    return {
        "header": header,
        "source": f"{loc.file.rsplit('/', 1)[-1]}:{loc.line}" if loc is not None else None,
        "blocks": len(lp.blocks),
        "limit": limit,
        "ii": ii,
        "ii_lower_bound": not exact,
        "iterations_pipelined": bool(plan is not None and plan.pipelined),
        "circulates_pipelined_iterations": circulates,
        "inner_loops": inner_loops,  # pipelined loops: nested loops each iteration runs
        "carried": (
            {
                "variable": variable_name(plan.carried[0]),
                "op": plan.carried[1].opcode,
                "line": plan.carried[1].loc.line if plan.carried[1].loc else None,
            }
            if plan is not None and plan.carried is not None
            else None
        ),
        "modulo_scheduled": False,
        "recurrence": {
            "path": [block_name(namer, sched.blocks[i].block) for i in path],
            "stages": stages,
            "memory_round_trips": mem,
            "fifo_hops": len(path),
        },
        "max_iterations_per_cycle": round(bound, 3),
        "barrier": barrier,
        "limiting_cause": cause,
    }


def resources_estimate(sched: DatapathSchedule) -> dict[str, Any]:
    """A cheap resource estimate from the schedule's op counts and bits (labelled as such)."""
    regs = sched.delay_bits
    luts = 0
    muls = 0
    unit_count = 0
    for b in sched.blocks:
        for seg in b.segments:
            regs += seg.depth  # a valid bit per stage
            for op in seg.ops:
                lat = sched.latency[op]
                bits = value_bits(op)
                regs += lat * bits
                kind = _op_kind(op, lat)
                if kind == "unit":
                    unit_count += 1
                elif kind == "multiplier":
                    muls += 1
                elif kind == "integer":
                    luts += op.operands[0].type.bits if op.opcode == "cmp" else bits
    fifo_bits = sum(
        sum(value_bits(v) for v in vals) * sched.fifo_depth
        for b in sched.blocks
        for vals in b.bypass
    ) + sum(sum(value_bits(v) for v in e.values) * sched.edge_fifo_depth(e) for e in sched.edges)
    return {
        "estimate": True,
        "method": ESTIMATE_NOTE,
        "register_bits": regs,
        "fifo_bits": fifo_bits,
        "integer_lut_bits": luts,
        "multipliers": muls,
        "units": unit_count,
        "memory_units": sum(len(ms) for b in sched.blocks for ms in b.memory_ops),
    }


# --------------------------------------------------------------------------- text


def table(headers: list[str], rows: list[list[Any]], indent: str = "  ") -> list[str]:
    """Aligned columns: numbers right-aligned, text left-aligned."""
    cells = [[str(c) for c in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    numeric = [
        all(isinstance(r[i], (int, float)) or r[i] is None for r in rows) and bool(rows)
        for i in range(len(headers))
    ]
    out = []
    for r in cells:
        line = "  ".join(
            c.rjust(w) if num else c.ljust(w) for c, w, num in zip(r, widths, numeric, strict=True)
        )
        out.append(indent + line.rstrip())
    return out


def _where(e: dict[str, Any]) -> str:
    if e.get("line") is None:
        return ""
    name = str(e["file"]).rsplit("/", 1)[-1]
    return f"{name}:{e['line']}"


def _reads(b: dict[str, Any]) -> str:
    """``2`` or ``2 (2 reuse)``: read requests, and how many may reuse the previous word."""
    r = b["channel_requests"]
    return f"{r['read']}" + (f" ({r['read_word_reuse']} reuse)" if r["read_word_reuse"] else "")


def _axi_ids(p: dict[str, Any]) -> str:
    """``r0`` (read channels), ``w0`` (write channels), ``r1/w1`` (the atomic unit)."""
    if p["kind"] == "atomic":
        return f"r{p['axi_id']}/w{p['axi_write_id']}"
    return f"{'r' if p['kind'] == 'load' else 'w'}{p['axi_id']}"


def _port_note(p: dict[str, Any]) -> str:
    if p["kind"] == "atomic":
        return f"atomic {p['op']} (atomic unit)"
    return "word reuse" if p["word_reuse"] else ""


def datapath_text(data: dict[str, Any]) -> list[str]:
    """The datapath sections of ``--report`` from :func:`report_data`'s data."""
    dp = data["datapath"]
    lines = ["schedule (stages per segment; a memory boundary follows each but the last):"]
    rows = []
    for b in dp["blocks"]:
        for s in b["segments"]:
            k = s["index"]
            after = ""
            if k < len(b["memory"]):
                m = b["memory"][k]
                after = ", ".join(
                    f"{n} {what}"
                    for n, what in ((m["loads"], "ld"), (m["stores"], "st"), (m["atomics"], "at"))
                    if n
                )
            rows.append([f"^{b['name']}", k, s["stages"], s["ops"], s["delay_bits"], after])
    lines += table(["block", "seg", "stages", "ops", "delay bits", "boundary"], rows)
    lines.append("blocks:")
    lines += table(
        ["block", "depth", "boundaries", "live-in bits", "AXI reads", "AXI writes", "mem II"],
        [
            [
                f"^{b['name']}",
                b["depth"],
                b["boundaries"],
                b["live_in_bits"],
                _reads(b),
                b["channel_requests"]["write"],
                b["ii_memory"],
            ]
            for b in dp["blocks"]
        ],
    )
    if dp["fifos"]:
        lines.append("FIFOs:")
        lines += table(
            ["FIFO", "kind", "depth", "bits", "total bits"],
            [[f["fifo"], f["kind"], f["depth"], f["bits"], f["total_bits"]] for f in dp["fifos"]],
        )
    if dp["units"] or dp["operators"]:
        lines.append("units and operators (latency in cycles):")
        rows = [
            [f"{u['unit']}.{u['format']}", "unit", u["latency"], u["count"]] for u in dp["units"]
        ]
        rows += [
            [f"{o['op']}.{o['bits']}", "expression", o["latency"], o["count"]]
            for o in dp["operators"]
        ]
        lines += table(["operator", "kind", "latency", "count"], rows)
    if dp["memory_ports"]:
        bits = dp["axi_id_bits"]
        wide = f"; {bits}-bit AXI IDs" if bits != lib.ID_W else ""
        lines.append(f"memory ports (latency variable{wide}):")
        lines += table(
            ["port", "AXI ID", "pointer", "bits", "block", "boundary", "source", "note"],
            [
                [
                    p["port"],
                    _axi_ids(p),
                    p["pointer"],
                    p["bits"],
                    f"^{p['block']}",
                    p["boundary"],
                    _where(p),
                    _port_note(p),
                ]
                for p in dp["memory_ports"]
            ],
        )
        groups = "; ".join(
            f"{g['pointer']}: {', '.join(g['loads'] + g['stores'] + g['atomics'])}"
            for g in dp["alias_groups"]
        )
        lines.append(f"alias groups (by pointer; all kept in program order): {groups}")
    for m in dp["on_chip_memories"]:
        lines.append(
            f"on-chip {m['kind']} '{m['array']}': {_n(m['reads'], 'read')}, "
            f"{_n(m['writes'], 'write')}"
            + (f", {_n(m['atomics'], 'atomic')}" if m["atomics"] else "")
        )
    lines.append(
        f"pipelining: II {dp['work_item_ii']} (a new work-item enters each block pipeline every cycle)"
        + ("; one work-group at a time" if dp["group_serial"] else "")
    )
    if any(b["ii_memory"] > 1 for b in dp["blocks"]):
        lines.append(
            "  mem II: the cycles per work-item the AXI channels need (one request per cycle "
            "each) when it takes every access"
        )
    if any(p["kind"] == "atomic" for p in dp["memory_ports"]):
        lines.append(
            "  atomics: one read-modify-write in flight per kernel, each a memory round trip"
        )
    for lp in dp["loops"]:
        r = lp["recurrence"]
        trips = r["memory_round_trips"]
        mem = f" + {_n(trips, 'memory round trip')}" if trips else ""
        at = f" at {lp['source']}" if lp.get("source") else ""
        if lp.get("iterations_pipelined"):
            issued = "iterations issued at II" if lp.get("inner_loops") else "II"
            lines.append(
                f"loop{at} (^{lp['header']}, {lp['blocks']} blocks): {issued} {lp['ii']} "
                f"({lp['limiting_cause']})"
            )
            continue
        if dp.get("single_work_item") and not lp.get("circulates_pipelined_iterations"):
            ge = ">= " if lp.get("ii_lower_bound") else ""
            lines.append(
                f"loop{at} (^{lp['header']}, {lp['blocks']} blocks): II {ge}{lp['ii']}"
                + (f" + {_n(trips, 'memory round trip')}" if trips else "")
                + f": {lp['limiting_cause']}"
            )
            continue
        if lp.get("circulates_pipelined_iterations"):
            lines.append(
                f"loop{at} (^{lp['header']}): circulates the pipelined iterations of an "
                "enclosing loop, as work-items"
            )
        lines.append(
            f"loop ^{lp['header']} ({lp['blocks']} blocks, <= {lp['limit']} work-items inside): "
            "II 1 per work-item entry, not modulo-scheduled"
        )
        lines.append(
            f"  recurrence: an iteration takes >= {r['stages']} stages{mem} + {r['fifo_hops']} "
            f"FIFO hops: <= {lp['max_iterations_per_cycle']:g} iterations/cycle"
            + ("; a barrier holds each iteration for the work-group" if lp["barrier"] else "")
        )
    est = data.get("resources_estimate")
    if est:
        per_cu = (
            f", for each of {data['num_cu']} compute units" if est.get("per_compute_unit") else ""
        )
        lines.append(
            f"resources (estimate from op bits{per_cu}; `soff synth` gives yosys numbers):"
        )
        lines.append(
            f"  ~{est['register_bits']} register bits, {est['fifo_bits']} FIFO bits, "
            f"~{est['integer_lut_bits']} integer-operator LUTs, "
            f"{_n(est['multipliers'], 'multiplier')}, {_n(est['units'], 'unit')}, "
            f"{_n(est['memory_units'], 'memory unit')}"
        )
    lines.append(f"balancing: {dp['delay_bits']} delay-register bits, {dp['fifo_bits']} FIFO bits")
    return lines


def report_text(design: Design, data: dict[str, Any] | None = None) -> str:
    """``--report``: the register map, the datapath tables, the compile time."""
    data = data if data is not None else report_data(design)
    lines = [
        f"kernel {design.kernel.name} (target {design.board.name}, {design.board.clock_mhz:g} MHz)",
        "arguments: "
        + ", ".join(
            f"{a.name}: {a.type}{'*' if a.kind == 'pointer' else ''}" for a in design.kernel.args
        ),
        "register map (AXI4-Lite):",
        *("  " + line for line in design.regmap.describe()),
    ]
    if "datapath" in data:
        lines += datapath_text(data)
    synth = data.get("synthesis")
    if synth is not None:
        if "error" in synth:
            lines.append(f"synthesis: {synth['error']}")
        else:
            kind = "estimate for a vendor part" if synth.get("estimate") else "measured"
            lines.append(
                f"synthesis (yosys {synth['command'].split()[0]}, {kind}, "
                f"{synth['seconds']:g} s): LUT {synth['lut']}, FF {synth['ff']}, "
                f"BRAM {synth['bram']}, DSP {synth['dsp']}"
                + (
                    f" per design with {data['num_cu']} compute units"
                    if data.get("num_cu", 1) > 1
                    else ""
                )
                + "; Fmax: soff synth"
            )
    lines.append(
        "compile time: " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in design.timings.items())
    )
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- pictures


def require_matplotlib() -> Any:
    """The matplotlib module, or a clear error naming the extra that installs it."""
    try:
        import matplotlib
    except ImportError:
        raise CompileError(
            f"the report picture needs matplotlib, which is not installed: {INSTALL_HINT}"
        ) from None
    return matplotlib


_RC = {
    "svg.hashsalt": "soff",  # fixed ids: the same design gives the same SVG
    "svg.fonttype": "none",  # text stays text (searchable labels)
    "font.size": 8,
}


def scheduled_bars(block: dict[str, Any]) -> list[dict[str, Any]]:
    """The block's ops as bars on one time axis: segment ``k`` starts after
    segment ``k-1`` and one cycle for its memory boundary (variable latency)."""
    offset: dict[int, int] = {}
    t = 0
    for s in block["segments"]:
        offset[s["index"]] = t
        t += s["stages"] + 1
    bars = []
    for e in block["schedule"]:
        if "boundary" in e:
            k = e["boundary"]
            seg = block["segments"][k]
            x0 = offset[k] + seg["stages"]
            bars.append({**e, "x0": x0, "x1": x0 + 1, "variable": True})
        else:
            x0 = offset[e["segment"]] + e["start"]
            bars.append({**e, "x0": x0, "x1": x0 + e["latency"], "variable": False})
    return bars


def _n(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else many or one + 's'}"


def schedule_figure(data: dict[str, Any]) -> Any:
    """A matplotlib Figure: one Gantt-like panel per block, one row per op."""
    require_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator

    blocks = data.get("datapath", {}).get("blocks", [])
    heights = [max(2, len(b["schedule"])) for b in blocks] or [2]
    row = min(0.24, 400 / sum(heights))  # inches; huge kernels get thinner rows, not a crash
    fig = Figure(figsize=(9, 1.2 + row * sum(heights) + 0.6 * len(heights)))
    FigureCanvasAgg(fig)  # the Agg canvas, without switching the process's pyplot backend
    axes = fig.subplots(len(heights), 1, squeeze=False, gridspec_kw={"height_ratios": heights})
    n = 0
    for ax, b in zip(axes[:, 0], blocks, strict=False):
        bars = scheduled_bars(b)
        labels = []
        for row, bar in enumerate(bars):
            width = max(bar["x1"] - bar["x0"], 0.15)  # zero-latency wiring: a sliver
            rect = ax.barh(
                row,
                width,
                left=bar["x0"],
                height=0.7,
                color=KIND_COLORS[bar["kind"]],
                hatch="//" if bar["variable"] else None,
                edgecolor="black",
                linewidth=0.4,
            )[0]
            rect.set_gid(f"op-{n}")
            n += 1
            where = _where(bar)
            labels.append(f"{bar['name']} {bar['op']}" + (f"  ({where})" if where else ""))
        t = 0
        for s in b["segments"][:-1]:  # memory boundaries: shaded
            t += s["stages"]
            ax.axvspan(t, t + 1, color="#f2f2f2", zorder=0)
            t += 1
        ax.set_yticks(range(len(bars)), labels)
        ax.set_ylim(len(bars) - 0.5 if bars else 1, -0.5)
        xmax = max([bar["x1"] for bar in bars] + [1])
        ax.set_xlim(-0.2, xmax + 0.2)
        ax.set_title(
            f"^{b['name']}: {_n(b['depth'], 'stage')} in {_n(len(b['segments']), 'segment')}, "
            f"{_n(b['boundaries'], 'memory boundary', 'memory boundaries')} "
            "(shaded; hatched ops: variable latency)",
            loc="left",
        )
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(axis="x", color="#e4e4e4")
        ax.set_axisbelow(True)
        if not bars:
            ax.text(0.5, 0.5, "no scheduled ops", transform=ax.transAxes, ha="center")
    axes[-1, 0].set_xlabel("cycle (segments placed end to end; a boundary drawn as one cycle)")
    fig.legend(
        handles=[Patch(color=c, label=k) for k, c in KIND_COLORS.items()],
        loc="upper right",
        ncols=len(KIND_COLORS),
        fontsize=7,
        frameon=False,
    )
    fig.suptitle(f"{data['kernel']}: pipeline schedule ({data['target']})", x=0.01, ha="left")
    fig.set_layout_engine("constrained")
    return fig


def plot_bytes(data: dict[str, Any], fmt: str) -> bytes:
    """The schedule picture as ``png`` or ``svg`` bytes, the same for the same design."""
    mpl = require_matplotlib()
    with mpl.rc_context(_RC):
        fig = schedule_figure(data)
        buf = io.BytesIO()
        meta = {"Date": None} if fmt == "svg" else {"Software": None}
        fig.savefig(buf, format=fmt, metadata=meta, dpi=100)
    return buf.getvalue()


def _svg_inline(data: dict[str, Any]) -> str:
    svg = plot_bytes(data, "svg").decode()
    svg = svg[svg.index("<svg") :]
    return re.sub(r"\s*<metadata>.*?</metadata>", "", svg, flags=re.S)  # RDF, not for a page


_CSS = """
body { font-family: sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin: 0.4em 0 1em; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 2px 8px; }
th { background: #f3f3f3; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
p.note { color: #555; font-size: 0.9em; }
svg { max-width: 100%; height: auto; }
"""


def _html_table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = []
    for r in rows:
        cells = "".join(
            f'<td class="n">{c}</td>'
            if isinstance(c, (int, float))
            else f"<td>{html.escape('' if c is None else str(c))}</td>"
            for c in r
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def report_html(data: dict[str, Any]) -> str:
    """A self-contained page: the report tables and the schedule picture (inline SVG).

    Compile times are left out so the same design gives the same bytes.
    """
    svg = _svg_inline(data)
    esc = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>soff report: {esc(data['kernel'])}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{esc(data['kernel'])} <small>(target {esc(data['target'])}, "
        f"{data['clock_mhz']:g} MHz)</small></h1>",
        "<h2>Arguments and register map</h2>",
        "<p>"
        + esc(
            ", ".join(
                f"{a['name']}: {a['type']}{'*' if a['kind'] == 'pointer' else ''}"
                for a in data["arguments"]
            )
        )
        + "</p>",
        _html_table(
            ["register", "offset", "bits", "kind"],
            [[r["name"], f"0x{r['offset']:02X}", r["bits"], r["kind"]] for r in data["registers"]],
        ),
    ]
    dp = data.get("datapath")
    if dp:
        parts += [
            "<h2>Pipeline schedule</h2>",
            '<p class="note">One row per op, a bar from its start to its end cycle; segments '
            "are placed end to end, each memory boundary drawn as one shaded cycle with its "
            "loads and stores hatched (their latency is variable).</p>",
            svg,
            "<h2>Segments</h2>",
            _html_table(
                ["block", "segment", "stages", "ops", "delay bits"],
                [
                    [f"^{b['name']}", s["index"], s["stages"], s["ops"], s["delay_bits"]]
                    for b in dp["blocks"]
                    for s in b["segments"]
                ],
            ),
            "<h2>Blocks</h2>",
            _html_table(
                ["block", "depth (stages)", "memory boundaries", "live-in bits", "delay bits",
                 "AXI reads", "AXI writes", "mem II"],
                [
                    [f"^{b['name']}", b["depth"], b["boundaries"], b["live_in_bits"],
                     b["delay_bits"], _reads(b), b["channel_requests"]["write"], b["ii_memory"]]
                    for b in dp["blocks"]
                ],  # fmt: skip
            ),
            "<h2>FIFOs</h2>",
            _html_table(
                ["FIFO", "kind", "depth", "bits", "total bits"],
                [[f["fifo"], f["kind"], f["depth"], f["bits"], f["total_bits"]] for f in dp["fifos"]],
            ),
            "<h2>Units and operators</h2>",
            _html_table(
                ["operator", "kind", "latency", "count"],
                [[f"{u['unit']}.{u['format']}", "unit", u["latency"], u["count"]] for u in dp["units"]]
                + [
                    [f"{o['op']}.{o['bits']}", "expression", o["latency"], o["count"]]
                    for o in dp["operators"]
                ],
            ),
            "<h2>Memory ports</h2>",
            _html_table(
                ["port", "AXI ID", "kind", "pointer", "bits", "block", "boundary", "source", "note"],
                [
                    [
                        p["port"],
                        _axi_ids(p),
                        p["kind"],
                        p["pointer"],
                        p["bits"],
                        f"^{p['block']}",
                        p["boundary"],
                        _where(p),
                        _port_note(p),
                    ]
                    for p in dp["memory_ports"]
                ],
            ),
            '<p class="note">Alias groups: '
            + esc(
                "; ".join(
                    f"{g['pointer']}: {', '.join(g['loads'] + g['stores'] + g['atomics'])}"
                    for g in dp["alias_groups"]
                )
                or "none"
            )
            + f" — {esc(dp['memory_order'])}.</p>",
            "<h2>Loops</h2>",
            _html_table(
                ["header", "blocks", "II", "iteration (stages)", "memory trips", "limit",
                 "iterations/cycle", "limiting cause"],
                [
                    [
                        f"^{lp['header']}",
                        lp["blocks"],
                        (">= " if lp["ii_lower_bound"] else "") + str(lp["ii"]),
                        lp["recurrence"]["stages"],
                        lp["recurrence"]["memory_round_trips"],
                        lp["limit"],
                        lp["max_iterations_per_cycle"],
                        lp["limiting_cause"],
                    ]
                    for lp in dp["loops"]
                ],
            ) if dp["loops"] else "<p>No loops: II 1, one work-item enters per cycle.</p>",
        ]  # fmt: skip
        est = data.get("resources_estimate")
        if est:
            parts += [
                "<h2>Resources (estimate)</h2>",
                _html_table(
                    [
                        "register bits",
                        "FIFO bits",
                        "integer LUTs",
                        "multipliers",
                        "units",
                        "memory units",
                    ],
                    [
                        [
                            est["register_bits"],
                            est["fifo_bits"],
                            est["integer_lut_bits"],
                            est["multipliers"],
                            est["units"],
                            est["memory_units"],
                        ]
                    ],
                ),  # fmt: skip
                f'<p class="note">{esc(est["method"])}.</p>',
            ]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
