"""Icarus Verilog: simulate(simulator="icarus") and `soff sim --engine icarus` on compiled kernels.

Skipped when ``iverilog``/``vvp`` are not on PATH (e.g. ``apt-get install iverilog``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import soff
from soff.sim import runner, simulate, verilog_mem
from soff.sim.tools import icarus_available

ROOT = Path(__file__).resolve().parents[2]
VADD = ROOT / "examples" / "vadd.cl"
SAXPY = ROOT / "examples" / "saxpy_int.cl"
HERE = Path(__file__).parent

needs_icarus = pytest.mark.skipif(
    not icarus_available(),
    reason="Icarus Verilog not installed ('iverilog' and 'vvp' not on PATH; apt-get install iverilog)",
)


@pytest.fixture(scope="module")
def vadd() -> soff.Design:
    return soff.compile(str(VADD))


@pytest.mark.sim
@needs_icarus
@pytest.mark.parametrize("memory", ["verilog", "python"])
def test_vadd_icarus_matches_numpy(vadd: soff.Design, memory: str, sim_cache: Path) -> None:
    n = 100  # global size 128: the tail work-items are guarded off
    rng = np.random.default_rng(11)
    a = rng.integers(-(2**30), 2**30, n, dtype=np.int32)
    b = rng.integers(-(2**30), 2**30, n, dtype=np.int32)
    c = np.full(n, -1, dtype=np.int32)
    args = {"a": a, "b": b, "c": c, "n": n}
    res = simulate(
        vadd.verilog, vadd.regmap, args, 128, 32,
        simulator="icarus", memory=memory, toplevel=vadd.top, build_root=sim_cache,
    )  # fmt: skip
    np.testing.assert_array_equal(res.outputs["c"], a + b)
    np.testing.assert_array_equal(res.outputs["a"], a)
    np.testing.assert_array_equal(res.outputs["b"], b)
    assert res.cycles >= 128


@pytest.mark.sim
@needs_icarus
def test_icarus_agrees_with_verilator(sim_cache: Path) -> None:
    """Same outputs and the same cycle count from both simulators, both memory models."""
    design = soff.compile(str(SAXPY))
    n = 77
    rng = np.random.default_rng(5)
    x = rng.integers(-1000, 1000, n, dtype=np.int32)
    y = rng.integers(-1000, 1000, n, dtype=np.int32)
    args = {"alpha": -3, "x": x, "y": y, "n": n}
    expect = (np.int64(-3) * x + y).astype(np.int32)
    for memory in ("verilog", "python"):
        runs = {
            sim: simulate(
                design.verilog,
                design.regmap,
                args,
                96,
                32,
                simulator=sim,
                memory=memory,
                toplevel=design.top,
                build_root=sim_cache,
            )  # fmt: skip
            for sim in ("icarus", "verilator")
        }
        for sim, res in runs.items():
            np.testing.assert_array_equal(res.outputs["y"], expect, err_msg=f"{sim}/{memory}")
            np.testing.assert_array_equal(res.outputs["x"], x, err_msg=f"{sim}/{memory}")
        assert runs["icarus"].cycles == runs["verilator"].cycles, memory


@pytest.mark.sim
@needs_icarus
def test_ram_random_bursts_icarus(sim_cache: Path, tmp_path: Path) -> None:
    """The Verilog AXI RAM alone under Icarus ($readmemh in, $writememh out)."""
    nbytes, data_w = 1 << 13, 64
    hex_in, hex_out = tmp_path / "in.hex", tmp_path / "out.hex"
    verilog_mem.write_hex(hex_in, [(0, np.random.default_rng(3).bytes(nbytes))], data_w)
    words = nbytes // (data_w // 8)
    res = runner.build_and_run(
        verilog_mem.RAM_FILE,
        "soff_sim_axi_ram",
        "ram_tb",
        test_dir=tmp_path,
        python_path=[HERE],
        simulator="icarus",
        build_root=sim_cache,
        parameters={"DATA_W": data_w, "ADDR_W": words.bit_length() - 1, "LATENCY": 3},
        plusargs=[f"+soff_mem_in={hex_in}", f"+soff_mem_out={hex_out}"],
        extra_env={
            "SOFF_RAM_IN": str(hex_in),
            "SOFF_RAM_OUT": str(hex_out),
            "SOFF_RAM_BYTES": str(nbytes),
            "SOFF_RAM_SEED": "3",
        },
        timeout=300,
    )
    xml = res.results_xml.read_text() if res.results_xml else ""
    assert xml.count("<testcase") == 1
    assert "<failure" not in xml and "<error" not in xml, res.log_file.read_text()[-3000:]


@pytest.mark.sim
@needs_icarus
def test_cli_sim_engine_icarus(tmp_path: Path) -> None:
    n = 100
    a = np.arange(n, dtype=np.int32)
    np.save(tmp_path / "a.npy", a)
    np.save(tmp_path / "b.npy", 7 * a)
    env = dict(os.environ)
    env.pop("SOFF_DEBUG", None)
    env.setdefault("SOFF_CACHE_DIR", str(runner.cache_root()))
    proc = subprocess.run(
        [
            sys.executable, "-m", "soff", "sim", str(VADD), "-k", "vadd",
            "--global", "128", "--local", "32", "--engine", "icarus",
            "--arg", "a=@a.npy", "--arg", "b=@b.npy", "--arg", f"c=zeros:int32:{n}",
            "--arg", f"n={n}", "--out", "c=c.npy", "--json",
        ],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["kernel"] == "vadd" and result["cycles"] >= 128
    np.testing.assert_array_equal(np.load(tmp_path / "c.npy"), 8 * a)


def test_read_dump_icarus_format(tmp_path: Path) -> None:
    """Icarus's $writememh adds '// 0x<offset>' lines every 16 words and writes x for X."""
    words = [f"{i:08x}{i + 100:08x}" for i in range(20)]
    words[3] = "xxxxxxxxxxxxxxxx"
    lines = []
    for i, w in enumerate(words):
        if i % 16 == 0:
            lines.append(f"// 0x{i:08x}")
        lines.append(w)
    path = tmp_path / "icarus.hex"
    path.write_text("\n".join(lines) + "\n")
    got = np.frombuffer(verilog_mem.read_dump(path, 64), dtype=np.uint32).reshape(-1, 2)
    assert got.shape == (20, 2)
    expect = np.array([[i + 100, i] for i in range(20)], dtype=np.uint32)
    expect[3] = 0
    np.testing.assert_array_equal(got, expect)


def test_read_dump_addresses(tmp_path: Path) -> None:
    path = tmp_path / "at.hex"
    path.write_text("@10\n00000001 /* c */\n@12\n00000002\n")
    assert verilog_mem.read_dump(path, 32) == bytes([1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0])
    assert verilog_mem.read_dump(path, 32, lo=0xF) == bytes(4) + bytes([1, 0, 0, 0]) + bytes(
        4
    ) + bytes([2, 0, 0, 0])
    assert verilog_mem.read_dump(path, 32, lo=0x11) == bytes(4) + bytes([2, 0, 0, 0])
