"""Read-only caches for gathers: a load whose address depends on a value read
from memory (``table[idx[i]]``) from a buffer nothing in the kernel can write gets
a direct-mapped cache of bus words (soff.rtl_gen.lib.read_cache_module). Results
are compared with numpy; the simulation RAM's counters show the traffic saved."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

import soff
from soff.rtl_gen.top import cached_loads
from soff.sim.tools import icarus_available

GATHER = """
__kernel void gather(__global const int *restrict table, __global const int *restrict idx,
                     __global int *restrict y, int n) {
    int i = get_global_id(0);
    if (i < n) y[i] = table[idx[i]] + 1;
}
"""

# gathers next to writes through computed pointers (a select, a loop's phi)
SELECT = """
__kernel void k(__global int *restrict table, __global const int *restrict idx,
                __global int *restrict y, __global int *restrict tmp, int n, int c) {
    __global int *p = P;
    for (int k = 0; k < n; k++) {
        int v = table[idx[k]];
        p[idx[k]] = v + 1;
        y[k] = v;
    }
}
"""
STEPPED = """
__kernel void k(__global int *restrict table, __global const int *restrict idx,
                __global int *restrict y, __global int *restrict tmp, int n) {
    __global int *p = table;
    for (int k = 0; k < n; k++) {
        y[k] = table[idx[k]];
        *p = k;
        p++;
    }
}
"""


def _cached(src: str, target: str | None = None) -> int:
    d = soff.compile(src, filename="k.cl", target=target)
    s = d.schedule
    return len(cached_loads(s.kernel, s, d.board))


@pytest.mark.parametrize(
    "src, n",
    [
        (GATHER, 1),
        # no restrict on the table, but every store goes through restrict pointers
        (GATHER.replace("const int *restrict table", "const int *table"), 1),
        # __constant buffers are read-only by the language
        (GATHER.replace("__global const int *restrict table", "__constant int *table"), 1),
        # the table may be y's buffer: y is not restrict, neither is the table
        (GATHER.replace("const int *restrict table", "const int *table")
         .replace("int *restrict y", "int *y"), 0),
        # the kernel writes the table
        (GATHER.replace("const int *restrict table", "int *restrict table")
         .replace("+ 1;", "+ 1; table[i] = 0;"), 0),
        # not a gather: the address comes from the work-item id
        (GATHER.replace("table[idx[i]]", "table[i * 3]"), 0),
        # the kernel writes the table through a pointer that may be the table's
        (SELECT.replace("P", "c ? table : tmp"), 0),
        (SELECT.replace("P", "c ? y : tmp"), 1),  # but not so when both are restrict
        (SELECT.replace("P", "c ? y : tmp").replace("int *restrict table", "int *table"), 1),
        (SELECT.replace("P", "c ? y : tmp").replace("int *restrict table", "int *table")
         .replace("int *restrict tmp", "int *tmp"), 0),
        (STEPPED, 0),  # a pointer stepped through the table in a loop
        (STEPPED.replace("*p = table", "*p = tmp"), 1),
    ],
)  # fmt: skip
def test_which_loads_get_a_cache(src: str, n: int) -> None:
    assert _cached(src) == n


def test_boards_without_caches() -> None:
    assert _cached(GATHER, "ice40-up5k") == 0


@pytest.mark.sim
def test_gather_cache_in_hardware() -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    from axi_traffic import simulate

    d = soff.compile(GATHER, filename="gather.cl")
    assert "soff_rd_cache_" in d.verilog
    rng = np.random.default_rng(3)
    n = 1024
    reads = {}
    for size in (64, 100_000):  # every index repeats / almost none does
        table = rng.integers(-1000, 1000, size).astype(np.int32)
        idx = rng.integers(0, size, n).astype(np.int32)
        idx[:8] = [0, 0, size - 1, size - 1, 1, 0, size - 1, 2]  # hits behind misses
        args = {"table": table, "idx": idx, "y": np.zeros(n, np.int32), "n": n}
        res = simulate(d, n, 64, args)
        np.testing.assert_array_equal(res.outputs["y"], table[idx] + 1)
        reads[size] = res.probes["gmem.ar_count"]
    # the small table: at most one read per word after the first (32 words of 8 bytes)
    # plus the index stream's bursts; the large one reads per request
    assert reads[64] < n // 4 < reads[100_000], reads


# ------------------------------------------------------------------ the cache module alone

#: a randomized testbench of soff_rd_cache: requests from hot lines (same line,
#: other tags: conflict misses), repeats, a working set that fits, and random
#: addresses; memory that answers in order after random delays; long stretches
#: of out_ready low; between "kernels" (every PHASE requests, once everything has
#: returned) the memory's words change and ``flush`` pulses, and the next requests
#: replay the last kernel's addresses. Every response is checked in order.
CACHE_TB = r"""
`timescale 1ns/1ps
module tb;
  localparam DW = @DW@, LINES = @LINES@, DEPTH = @DEPTH@, LB = @LB@;
  localparam LIMIT = @LIMIT@, N = @N@, PHASE_LEN = @PHASE@;
  reg clk = 1'b0, rst_n = 1'b0, flush = 1'b0;
  always #5 clk = ~clk;
  reg in_valid = 1'b0; wire in_ready; reg [63:0] in_addr = 64'd0;
  wire mem_valid; reg mem_ready = 1'b0; wire [63:0] mem_addr;
  reg mem_rvalid = 1'b0; wire mem_rready; reg [DW-1:0] mem_rdata = {DW{1'b0}};
  wire out_valid; reg out_ready = 1'b0; wire [DW-1:0] out_data;
  @NAME@ dut (.clk(clk), .rst_n(rst_n), .flush(flush),
    .in_valid(in_valid), .in_ready(in_ready), .in_addr(in_addr),
    .mem_valid(mem_valid), .mem_ready(mem_ready), .mem_addr(mem_addr),
    .mem_rvalid(mem_rvalid), .mem_rready(mem_rready), .mem_rdata(mem_rdata),
    .out_valid(out_valid), .out_ready(out_ready), .out_data(out_data));

  reg [15:0] phase = 16'd0;
  // the memory: a word per aligned address and phase (the host rewrites it between kernels)
  function [DW-1:0] word(input [63:0] a, input [15:0] ph);
    reg [63:0] h; reg [511:0] wide;
    begin
      h = ({a[63:LB], {LB{1'b0}}} + 64'd1) * 64'h9E3779B97F4A7C15;
      h = h ^ {ph, 48'd0} ^ (h >> 29);
      wide = {h ^ 64'h7, h ^ 64'h6, h ^ 64'h5, h ^ 64'h4, h ^ 64'h3, h ^ 64'h2, h ^ 64'h1, h};
      word = wide[DW-1:0];
    end
  endfunction

  // memory requests in order, each with the cycle its data may return
  reg [63:0] q_addr [0:1023]; reg [31:0] q_time [0:1023];
  integer q_h = 0, q_t = 0;
  // requests in order (scoreboard)
  reg [63:0] sb [0:65535];
  integer sb_h = 0, sb_t = 0, issued = 0, cycle = 0, errors = 0, done = 0, hits = 0;
  integer seed = @SEED@, mode = 0, in_flight_max = 0, r;
  reg [63:0] hot [0:7]; reg [63:0] last = 64'd0;
  reg [63:0] recent [0:15]; integer replay = 0, nrec = 0;
  reg draining = 1'b0;
  integer k;
  initial begin
    for (k = 0; k < 8; k = k + 1)  // same line, different tags: conflict misses
      hot[k] = 64'h1000 + (k % 4) * LINES * (DW / 8) + (k / 4) * (DW / 8);
  end

  function [63:0] pick(input integer dummy);
    integer c;
    begin
      c = $unsigned($random(seed)) % 16;
      if (replay > 0 && nrec > 0) begin  // the words of the last kernel again
        replay = replay - 1; pick = recent[$unsigned($random(seed)) % (nrec < 16 ? nrec : 16)];
      end else if (c < 5) pick = hot[$unsigned($random(seed)) % 8];
      else if (c < 7) pick = last;
      else if (c < 9) pick = 64'h2000 + ($unsigned($random(seed)) % (4 * LINES * DW / 8));
      else if (c < 10) pick = {$random(seed), $random(seed)};
      else pick = 64'h800 + ($unsigned($random(seed)) % (LINES * DW / 16));  // fits: hits
    end
  endfunction

  always @(posedge clk) if (rst_n) begin
    cycle <= cycle + 1;
    if (in_valid && in_ready) begin sb[sb_t % 65536] = in_addr; sb_t = sb_t + 1; end
    if (out_valid && out_ready) begin
      if (sb_h >= sb_t) begin errors = errors + 1; $display("ERROR: response with no request"); end
      else if (out_data !== word(sb[sb_h % 65536], phase)) begin
        errors = errors + 1;
        if (errors < 5) $display("ERROR: response %0d for %h: %h, want %h", sb_h, sb[sb_h % 65536], out_data, word(sb[sb_h % 65536], phase));
      end
      sb_h = sb_h + 1; done = done + 1;
    end
    if (mem_valid && mem_ready) begin
@ALIGN@      q_addr[q_t % 1024] = mem_addr;
      q_time[q_t % 1024] = cycle + 1 + ($unsigned($random(seed)) % (mode[0] ? 40 : 4));
      q_t = q_t + 1;
    end
    if (mem_rvalid && mem_rready) q_h = q_h + 1;
    if (issued - sb_h > in_flight_max) in_flight_max = issued - sb_h;
  end

  // stimulus, changed between clock edges
  always @(negedge clk) if (rst_n) begin
    flush = 1'b0;
    if (cycle % 500 == 0) mode = $unsigned($random(seed)) % 4;
    // AXI: rvalid holds until taken; data in order
    if (!mem_rvalid || mem_rready) begin
      mem_rvalid = 1'b0;
      if (q_h < q_t && q_time[q_h % 1024] <= cycle && ($unsigned($random(seed)) % 4 != 0)) begin
        mem_rvalid = 1'b1; mem_rdata = word(q_addr[q_h % 1024], phase);
      end
    end
    mem_ready = (mode[1] ? ($unsigned($random(seed)) % 8 == 0) : ($unsigned($random(seed)) % 4 != 0));
    // long stretches of back-pressure in some modes
    out_ready = (mode == 2) ? ($unsigned($random(seed)) % 16 == 0) : ($unsigned($random(seed)) % 3 != 0);
    if (in_valid && !in_ready) begin end  // hold the request
    else begin
      in_valid = 1'b0;
      if (issued > 0 && issued % PHASE_LEN == 0 && !draining) draining = 1'b1;
      if (draining) begin
        if (sb_h == issued && q_h == q_t && !mem_valid) begin  // idle: the host rewrites memory
          draining = 1'b0; phase = phase + 1; flush = 1'b1; replay = 24;
        end
      end
      if (!draining && issued < N && issued - sb_h < LIMIT && ($unsigned($random(seed)) % 8 != 0)) begin
        in_valid = 1'b1; in_addr = pick(0); last = in_addr;
        recent[nrec % 16] = in_addr; nrec = nrec + 1; issued = issued + 1;
      end
    end
  end

  initial begin
    repeat (3) @(posedge clk);
    #1 rst_n = 1'b1;
    wait (done == N || cycle > 400 * N);
    #1;
    if (done != N) $display("ERROR: hang: %0d of %0d responses after %0d cycles", done, N, cycle);
    $display("RESULT errors=%0d done=%0d cycles=%0d phases=%0d max_in_flight=%0d reads=%0d", errors, done, cycle, phase, in_flight_max, q_t);
    $finish;
  end
endmodule
"""


def _cache_tb(dw: int, lines: int, depth: int, limit: int, n: int, phase: int, seed: int) -> str:
    lb = (dw // 8 - 1).bit_length()
    align = (
        f"      if (mem_addr[{lb - 1}:0] != 0) begin errors = errors + 1; "
        '$display("ERROR: unaligned read %h", mem_addr); end\n'
        if lb
        else ""
    )
    subs = {"@DW@": dw, "@LINES@": lines, "@DEPTH@": depth, "@LB@": lb, "@LIMIT@": limit,
            "@N@": n, "@PHASE@": phase, "@SEED@": seed, "@ALIGN@": align,
            "@NAME@": f"soff_rd_cache_{dw}_{lines}_{depth}"}  # fmt: skip
    text = CACHE_TB
    for key, value in subs.items():
        text = text.replace(key, str(value))
    return text


def _run_cache_tb(tmp: Path, dw: int, lines: int, depth: int, limit: int, seed: int, n: int) -> str:
    from soff.rtl_gen import lib, vast

    module = lib.read_cache_module(dw, lines, depth)
    (tmp / "dut.v").write_text(vast.print_verilog([module, lib.fifo_module()]))
    (tmp / "tb.v").write_text(_cache_tb(dw, lines, depth, limit, n, n // 6, seed))
    sim = tmp / "sim"
    subprocess.run(["iverilog", "-g2005", "-o", str(sim), str(tmp / "tb.v"), str(tmp / "dut.v")],
                   check=True, capture_output=True)  # fmt: skip
    out = subprocess.run(["vvp", "-n", str(sim)], capture_output=True, text=True, check=True)
    return out.stdout


# (data_w, lines, depth, requests in flight): the load unit keeps at most depth
# requests in flight (its tag FIFO); 1000 lets the cache's own back-pressure bound them
CACHE_CONFIGS = [(64, 256, 32, 32), (64, 4, 4, 4), (32, 2, 2, 2), (8, 2, 4, 1000),
                 (512, 8, 8, 8), (16, 4, 16, 1000)]  # fmt: skip


@pytest.mark.skipif(not icarus_available(), reason="needs iverilog")
@pytest.mark.parametrize(("dw", "lines", "depth", "limit"), CACHE_CONFIGS)
def test_cache_module_random_traffic(
    tmp_path: Path, dw: int, lines: int, depth: int, limit: int
) -> None:
    out = _run_cache_tb(tmp_path, dw, lines, depth, limit, seed=dw + lines, n=3000)
    result = [line for line in out.splitlines() if line.startswith("RESULT")]
    assert result and "errors=0 done=3000" in result[0] and "ERROR" not in out, out[-2000:]
    # hits happened (fewer reads than requests) and so did misses
    reads = int(result[0].rsplit("reads=", 1)[1])
    assert 100 < reads < 2900, result


@pytest.mark.slow
@pytest.mark.skipif(not icarus_available(), reason="needs iverilog")
@pytest.mark.parametrize("seed", range(1, 9))
@pytest.mark.parametrize(("dw", "lines", "depth", "limit"), CACHE_CONFIGS)
def test_cache_module_random_traffic_seeds(
    tmp_path: Path, dw: int, lines: int, depth: int, limit: int, seed: int
) -> None:
    out = _run_cache_tb(tmp_path, dw, lines, depth, limit, seed=seed * 7919, n=20000)
    assert "RESULT errors=0 done=20000" in out and "ERROR" not in out, out[-2000:]


# ------------------------------------------------------------------ gathers in hardware

#: gathers of every width (char/short/int/long/float on a 64-bit bus: different
#: lanes of one word), two from one table, one under ``if`` on the same line as
#: another (j ^ 512: another tag), three in a loop, all against numpy
MIX = """
__kernel void mix(__global const char *restrict tc, __global const short *restrict ts,
                  __global const int *restrict ti, __global const long *restrict tl,
                  __global const float *restrict tf, __global const int *restrict idx,
                  __global long *restrict y, __global float *restrict z, int n) {
    int i = get_global_id(0);
    if (i >= n) return;
    int j = idx[i];
    long acc = (long)tc[j] * 3 + ts[j] + tl[j] + ti[j];
    if (j & 1) acc += 1000 * ti[j ^ 512];
    for (int k = 1; k < 4; k++) acc += ti[idx[(i + k) % n]] * k;
    y[i] = acc;
    z[i] = tf[j] * 0.5f + tf[idx[n - 1 - i]];
}
"""
MIX_TABLES = ("tc", "ts", "ti", "tl", "tf")


def _mix_indices(rng: np.random.Generator, n: int, size: int) -> np.ndarray:
    parts = [
        rng.integers(0, 8, n // 4),  # heavy repetition
        np.tile([0, 2048, 1, 2049, 512, 1024, 3, 515], n // 32),  # same line, other tags
        rng.integers(0, size, n // 4),  # little reuse
        np.repeat(rng.integers(0, size, n // 32), 8),  # runs
    ]
    idx = np.concatenate(parts)[:n]
    return rng.permutation(idx).astype(np.int32) if rng.integers(2) else idx.astype(np.int32)


def _check_mix(
    d: soff.Design, seeds: range, n: int = 512, size: int = 4096, wide: bool = True
) -> None:
    """Run :data:`MIX` against numpy (unless ``wide``: no long gather, an int y)."""
    for seed in seeds:
        rng = np.random.default_rng(seed)
        tables = (
            rng.integers(-128, 128, size).astype(np.int8),
            rng.integers(-(2**15), 2**15, size).astype(np.int16),
            rng.integers(-(2**20), 2**20, size).astype(np.int32),
            rng.integers(-(2**62), 2**62, size).astype(np.int64),
            rng.standard_normal(size).astype(np.float32),
        )
        tc, ts, ti, tl, tf = tables
        idx = _mix_indices(rng, n, size)
        args = dict(zip(MIX_TABLES, tables, strict=True))
        y_t = np.int64 if wide else np.int32
        args.update(idx=idx, y=np.zeros(n, y_t), z=np.zeros(n, np.float32), n=n)
        res = d.simulate(n, 64, args)
        j = idx.astype(np.int64)
        y = tc[j].astype(np.int64) * 3 + ts[j] + ti[j] + (tl[j] if wide else 0)
        y += np.where(j & 1, 1000 * ti[j ^ 512].astype(np.int64), 0)
        for k in range(1, 4):
            y += ti[idx[(np.arange(n) + k) % n]].astype(np.int64) * k
        z = tf[j] * np.float32(0.5) + tf[idx[::-1]]
        np.testing.assert_array_equal(res.outputs["y"], y.astype(y_t), err_msg=f"seed {seed}")
        np.testing.assert_array_equal(res.outputs["z"], z, err_msg=f"seed {seed}")
        for name, table in zip(MIX_TABLES, tables, strict=True):  # nothing wrote a table
            np.testing.assert_array_equal(res.outputs[name], table)


@pytest.mark.sim
def test_mixed_gathers_in_hardware() -> None:
    d = soff.compile(MIX, filename="mix.cl")
    assert len(cached_loads(d.schedule.kernel, d.schedule, d.board)) == 8
    _check_mix(d, range(3))


def _board(tmp: Path, name: str, **memory: int) -> str:
    """A copy of the generic board with some ``[memory]`` keys changed."""
    text = (Path(soff.__file__).parent / "boards" / "data" / "generic.toml").read_text()
    text = text.replace('name = "generic"', f'name = "{name}"')
    for key, value in memory.items():
        if f"\n{key} = " in text:
            text = "\n".join(
                f"{key} = {value}" if line.startswith(f"{key} = ") else line
                for line in text.split("\n")
            )
        else:
            text = text.replace("[memory]\n", f"[memory]\n{key} = {value}\n")
    path = tmp / f"{name}.toml"
    path.write_text(text)
    return str(path)


@pytest.mark.sim
@pytest.mark.slow
def test_mixed_gathers_two_compute_units() -> None:
    d = soff.compile(MIX, filename="mix.cl", num_cu=2)
    assert d.verilog.count("soff_rd_cache_64_256_") >= 2
    _check_mix(d, range(3, 6))


@pytest.mark.sim
@pytest.mark.slow
def test_mixed_gathers_small_cache(tmp_path: Path) -> None:
    # 4 lines: nearly every gather conflicts with another
    d = soff.compile(MIX, filename="mix.cl", target=_board(tmp_path, "tiny", cache_lines=4))
    assert "soff_rd_cache_64_4_" in d.verilog
    _check_mix(d, range(6, 9))


def test_loads_wider_than_the_bus_are_refused(tmp_path: Path) -> None:
    # one-beat reads of a 32-bit bus would return half of each long (and stores
    # wrote zeros): refused at compile time, cache or not
    from soff.diagnostics import CompileError

    with pytest.raises(CompileError, match=r"64-bit global memory access needs a memory bus"):
        soff.compile(MIX, filename="mix.cl", target=_board(tmp_path, "bus32", data_width=32))


@pytest.mark.sim
@pytest.mark.slow
def test_mixed_gathers_32_bit_bus(tmp_path: Path) -> None:
    # no 64-bit loads or stores: wider than this bus (not supported)
    src = MIX.replace(" + tl[j]", "").replace("long *restrict y", "int *restrict y")
    src = src.replace("long acc", "int acc")
    d = soff.compile(src, filename="mix.cl", target=_board(tmp_path, "bus32", data_width=32))
    assert "soff_rd_cache_32_256_" in d.verilog
    _check_mix(d, range(9, 12), wide=False)


@pytest.mark.sim
@pytest.mark.slow
def test_computed_pointer_store_reads_fresh_words() -> None:
    """p = c ? table : tmp; a loop reads table[idx[k]] and writes p[idx[k]]: with
    c the later reads must see the writes (the table gets no cache)."""
    src = SELECT.replace("P", "c ? table : tmp")
    d = soff.compile(src, filename="k.cl")
    assert "soff_rd_cache_" not in d.verilog
    n = 64
    idx = (np.arange(n) % 4).astype(np.int32)
    table = np.arange(16, dtype=np.int32) * 100
    t, y = table.copy(), np.zeros(n, np.int32)
    for k in range(n):
        y[k] = t[idx[k]]
        t[idx[k]] += 1
    args = {"table": table, "idx": idx, "y": np.zeros(n, np.int32),
            "tmp": np.zeros(16, np.int32), "n": n, "c": 1}  # fmt: skip
    res = d.simulate(1, 1, args)
    np.testing.assert_array_equal(res.outputs["y"], y)
    np.testing.assert_array_equal(res.outputs["table"], t)


@pytest.mark.sim
@pytest.mark.slow
def test_single_work_item_gather_loop() -> None:
    """A loop of one work-item gathering from a cached table (p only ever reaches
    y or tmp), iterations overlapping, indices repeating and conflicting."""
    d = soff.compile(SELECT.replace("P", "c ? y : tmp"), filename="k.cl")
    assert "soff_rd_cache_" in d.verilog
    rng = np.random.default_rng(5)
    n, size = 600, 2048
    idx = np.concatenate([rng.integers(0, 4, 200), rng.integers(0, size, 200),
                          np.tile([0, 512, 1024, 1536], 50)]).astype(np.int32)  # fmt: skip
    table = rng.integers(-(2**30), 2**30, size).astype(np.int32)
    tmp = np.zeros(size, np.int32)
    tmp[idx] = table[idx] + 1
    args = {"table": table, "idx": idx, "y": np.zeros(n, np.int32),
            "tmp": np.zeros(size, np.int32), "n": n, "c": 0}  # fmt: skip
    res = d.simulate(1, 1, args)
    np.testing.assert_array_equal(res.outputs["y"], table[idx])
    np.testing.assert_array_equal(res.outputs["tmp"], tmp)
