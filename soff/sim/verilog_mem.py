"""Global memory in Verilog for :func:`soff.sim.simulate` (``memory="verilog"``).

The kernel top is wrapped in ``soff_sim_top``, which connects its
``m_axi_gmem_*`` master to ``soff_sim_axi_ram`` (``hdl/soff_sim_axi_ram.v``)
and exposes ``ap_clk``, ``ap_rst_n``, ``interrupt``, ``s_axi_control_*`` and
the dump controls ``soff_dump``, ``soff_dump_lo``, ``soff_dump_hi`` (word
addresses). The RAM is loaded at time 0 from the ``$readmemh`` file named by
``+soff_mem_in=`` and writes words ``soff_dump_lo..soff_dump_hi`` to the
``$writememh`` file named by ``+soff_mem_out=`` on a clock edge with
``soff_dump`` high. This moves every AXI beat out of Python, which is what made
the cocotbext-axi ``AxiRam`` slow.

The RAM counts AXI transactions and beats (``ar_count``, ``aw_count``,
``r_beats``, ``w_beats``: ``simulate(probes=["gmem.ar_count", ...])``) and
stops the simulation on a burst that breaks the AXI4 rules it checks. The
environment variable ``SOFF_SIM_TXN_GAP`` (default 0) sets its per-transaction
cost: idle cycles after every read and write burst (docs/simulation.md).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np

HDL_DIR = Path(__file__).resolve().parent / "hdl"
RAM_FILE = HDL_DIR / "soff_sim_axi_ram.v"
TOP = "soff_sim_top"
#: Default simulated RAM (bytes); larger when the buffers need it (a power of two).
DEFAULT_MEM_BYTES = 1 << 24
LATENCY = 4
#: Environment variable: idle cycles the RAM adds after each burst (TXN_GAP).
TXN_GAP_ENV = "SOFF_SIM_TXN_GAP"


def txn_gap() -> int:
    """The RAM's per-transaction cost from ``$SOFF_SIM_TXN_GAP`` (0 when unset)."""
    raw = os.environ.get(TXN_GAP_ENV, "").strip() or "0"
    if not raw.isdigit() or int(raw) > 255:
        raise ValueError(f"{TXN_GAP_ENV} must be an integer 0..255, not {raw!r}")
    return int(raw)


_CONTROL = (
    ("awvalid", "in", 1), ("awready", "out", 1), ("awaddr", "in", 12),
    ("wvalid", "in", 1), ("wready", "out", 1), ("wdata", "in", 32), ("wstrb", "in", 4),
    ("bvalid", "out", 1), ("bready", "in", 1), ("bresp", "out", 2),
    ("arvalid", "in", 1), ("arready", "out", 1), ("araddr", "in", 12),
    ("rvalid", "out", 1), ("rready", "in", 1), ("rdata", "out", 32), ("rresp", "out", 2),
)  # fmt: skip
_GMEM = (
    "awvalid awready awaddr awid awlen awsize awburst wvalid wready wdata wstrb wlast "
    "bvalid bready bresp bid arvalid arready araddr arid arlen arsize arburst "
    "rvalid rready rdata rresp rlast rid"
).split()


def _port_width(verilog_text: str, kernel: str, port: str, default: int) -> int:
    m = re.search(rf"\bmodule\s+{re.escape(kernel)}\b(.*?)\bendmodule\b", verilog_text, re.S)
    body = m.group(1) if m else verilog_text
    w = re.search(rf"\[\s*(\d+)\s*:\s*0\s*\]\s*{port}\b", body)
    if w is None:
        # no port (or an odd declaration): assume the default and let the build complain
        return 1 if re.search(rf"\b{port}\b", body) else default
    return int(w.group(1)) + 1


def data_width(verilog_text: str, kernel: str) -> int:
    """Width of ``m_axi_gmem_wdata`` in module ``kernel`` (docs/interface.md: default 64)."""
    return _port_width(verilog_text, kernel, "m_axi_gmem_wdata", 64)


def id_width(verilog_text: str, kernel: str) -> int:
    """Width of ``m_axi_gmem_arid`` (at least 4, plus the compute-unit bits of a
    multi-CU top; docs/interface.md)."""
    return _port_width(verilog_text, kernel, "m_axi_gmem_arid", 4)


def mem_bytes(needed: int) -> int:
    """:data:`DEFAULT_MEM_BYTES`, or the next power of two holding ``needed`` bytes."""
    size = DEFAULT_MEM_BYTES
    while size < needed:
        size *= 2
    return size


def wrapper(
    kernel: str, data_w: int, nbytes: int, latency: int = LATENCY, id_w: int = 4, gap: int = 0
) -> str:
    """Verilog of ``soff_sim_top``: kernel ``kernel`` plus an ``nbytes`` RAM
    (``gap`` idle cycles after each burst)."""
    if data_w < 8 or data_w & (data_w - 1):
        raise ValueError(f"m_axi_gmem data width must be a power of two >= 8, not {data_w}")
    words = nbytes // (data_w // 8)
    addr_w = max(1, (words - 1).bit_length())
    ports = ["    input  wire ap_clk", "    input  wire ap_rst_n"]
    ports.append("    /* verilator lint_off SYMRSVDWORD */\n    output wire interrupt")
    for name, d, w in _CONTROL:
        rng = f"[{w - 1}:0] " if w > 1 else ""
        ports.append(
            f"    {'input  wire' if d == 'in' else 'output wire'} {rng}s_axi_control_{name}"
        )
    ports += [
        "    input  wire soff_dump",
        "    input  wire [31:0] soff_dump_lo",
        "    input  wire [31:0] soff_dump_hi",
    ]
    widths = {
        "awaddr": 64, "awid": id_w, "awlen": 8, "awsize": 3, "awburst": 2,
        "wdata": data_w, "wstrb": data_w // 8, "bresp": 2, "bid": id_w,
        "araddr": 64, "arid": id_w, "arlen": 8, "arsize": 3, "arburst": 2,
        "rdata": data_w, "rresp": 2, "rid": id_w,
    }  # fmt: skip
    lines = [
        "// Simulation wrapper generated by soff.sim.verilog_mem: kernel + AXI RAM.",
        "`timescale 1ns / 1ps",
        f"module {TOP} (",
        ",\n".join(ports),
        "    /* verilator lint_on SYMRSVDWORD */",
        ");",
    ]
    for name in _GMEM:
        w = widths.get(name, 1)
        lines.append(f"  wire {f'[{w - 1}:0] ' if w > 1 else ''}m_axi_gmem_{name};")
    conns = [".ap_clk(ap_clk)", ".ap_rst_n(ap_rst_n)", ".interrupt(interrupt)"]
    conns += [f".s_axi_control_{n}(s_axi_control_{n})" for n, _, _ in _CONTROL]
    conns += [f".m_axi_gmem_{n}(m_axi_gmem_{n})" for n in _GMEM]
    lines.append(f"  {kernel} kernel (\n    " + ",\n    ".join(conns) + "\n  );")
    ram = [".clk(ap_clk)", ".rst_n(ap_rst_n)"]
    ram += [f".{n}(m_axi_gmem_{n})" for n in _GMEM]
    ram += [".dump(soff_dump)", ".dump_lo(soff_dump_lo)", ".dump_hi(soff_dump_hi)"]
    lines.append(
        f"  soff_sim_axi_ram #(.DATA_W({data_w}), .ADDR_W({addr_w}), .ID_W({id_w}), "
        f".LATENCY({latency}), .TXN_GAP({gap})) gmem (\n    " + ",\n    ".join(ram) + "\n  );"
    )
    lines.append("endmodule")
    return "\n".join(lines) + "\n"


def sources(kernel_text: str, kernel: str, nbytes: int) -> str:
    """One Verilog text: the kernel, the RAM and the wrapper (so the build cache key covers all)."""
    data_w = data_width(kernel_text, kernel)
    return "\n".join(
        [
            kernel_text,
            "`default_nettype wire",
            RAM_FILE.read_text(),
            wrapper(kernel, data_w, nbytes, id_w=id_width(kernel_text, kernel), gap=txn_gap()),
        ]
    )


def write_hex(path: str | Path, buffers: Iterable[tuple[int, bytes]], data_w: int) -> None:
    """``$readmemh`` file holding each ``(byte address, data)`` (addresses word aligned)."""
    nb = data_w // 8
    with open(path, "wb") as fh:
        for addr, data in buffers:
            if addr % nb:
                raise ValueError(f"buffer address 0x{addr:x} is not {nb}-byte aligned")
            if not data:
                continue
            raw = np.frombuffer(data + bytes(-len(data) % nb), dtype=np.uint8)
            # one word per line, most significant byte first
            words = raw.reshape(-1, nb)[:, ::-1].tobytes().hex().encode()
            lines = np.frombuffer(words, dtype=f"S{2 * nb}")
            fh.write(b"@%x\n" % (addr // nb))
            fh.write(b"\n".join(lines.tolist()) + b"\n")


def read_dump(path: str | Path, data_w: int, lo: int | None = None) -> bytes:
    """The bytes of a ``$writememh`` dump (little-endian words; X/Z read as 0).

    Simulators differ in what they write around the words: Verilator writes
    bare words, Icarus a ``// 0x<offset>`` comment line every 16 words, and
    the standard allows ``@<address>`` lines. Comments (``//`` and ``/* */``)
    are dropped. ``@`` addresses are word addresses; the image starts at
    ``lo`` (default: the first ``@`` address, or 0) and gaps read as 0. The
    ``$readmemh`` files of :func:`write_hex` read back the same way.
    """
    nb = data_w // 8
    text = Path(path).read_bytes()
    if b"/" in text:  # Verilator writes bare words; Icarus adds "// 0x..." lines
        text = re.sub(rb"//[^\n]*|/\*.*?\*/", b" ", text, flags=re.S)
    if b"@" not in text:
        return _words_to_bytes(text.split(), nb)
    # @ lines: place each run of words at its word address
    runs: list[tuple[int, list[bytes]]] = []
    cur: list[bytes] = []
    addr = None
    for tok in text.split():
        if tok.startswith(b"@"):
            if cur:
                runs.append((addr if addr is not None else 0, cur))
            addr, cur = int(tok[1:], 16), []
        else:
            if addr is None:
                addr = 0
            cur.append(tok)
    if cur:
        runs.append((addr if addr is not None else 0, cur))
    if not runs:
        return b""
    base = runs[0][0] if lo is None else lo
    end = max(a + len(w) for a, w in runs)
    image = bytearray(max(0, end - base) * nb)
    for a, words in runs:
        data = _words_to_bytes(words, nb)
        off = (a - base) * nb
        if off < 0:  # words before lo
            data, off = data[-off:], 0
        image[off : off + len(data)] = data
    return bytes(image)


def _words_to_bytes(words: list[bytes], nb: int) -> bytes:
    """Hex words (most significant byte first) as little-endian bytes."""
    if not words:
        return b""
    if len({len(w) for w in words}) == 1 and len(words[0]) == 2 * nb:
        joined = b"".join(words)
    else:
        joined = b"".join(w.rjust(2 * nb, b"0")[-2 * nb :] for w in words)
    if re.search(rb"[^0-9a-fA-F]", joined):
        joined = re.sub(rb"[^0-9a-fA-F]", b"0", joined)  # X and Z read as 0
    raw = np.frombuffer(bytes.fromhex(joined.decode()), dtype=np.uint8)
    return raw.reshape(-1, nb)[:, ::-1].tobytes()
