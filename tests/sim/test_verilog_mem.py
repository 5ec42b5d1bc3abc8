"""The Verilog AXI RAM (soff/sim/hdl/soff_sim_axi_ram.v) and simulate(memory=...)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from soff.rtl_gen.regmap import RegisterMap
from soff.sim import runner, simulate, verilog_mem

HERE = Path(__file__).parent


@pytest.mark.sim
@pytest.mark.parametrize("data_w", [64, 32])
def test_ram_random_bursts(data_w: int, sim_cache: Path, tmp_path: Path) -> None:
    nbytes = 1 << 14
    rng = np.random.default_rng(data_w)
    hex_in, hex_out = tmp_path / "in.hex", tmp_path / "out.hex"
    verilog_mem.write_hex(hex_in, [(0, rng.bytes(nbytes))], data_w)
    words = nbytes // (data_w // 8)
    res = runner.build_and_run(
        verilog_mem.RAM_FILE,
        "soff_sim_axi_ram",
        "ram_tb",
        test_dir=tmp_path,
        python_path=[HERE],
        build_root=sim_cache,
        parameters={"DATA_W": data_w, "ADDR_W": words.bit_length() - 1, "LATENCY": 3},
        plusargs=[f"+soff_mem_in={hex_in}", f"+soff_mem_out={hex_out}"],
        extra_env={
            "SOFF_RAM_IN": str(hex_in),
            "SOFF_RAM_OUT": str(hex_out),
            "SOFF_RAM_BYTES": str(nbytes),
            "SOFF_RAM_SEED": str(data_w),
        },
        timeout=120,
    )
    xml = res.results_xml.read_text() if res.results_xml else ""
    assert xml.count("<testcase") == 1
    assert "<failure" not in xml and "<error" not in xml, res.log_file.read_text()[-3000:]


@pytest.mark.sim
def test_verilog_and_python_memory_agree(
    copy_verilog: Path, copy_regmap: RegisterMap, sim_cache: Path
) -> None:
    rng = np.random.default_rng(7)
    n = 300
    src = rng.integers(-(2**31), 2**31, n, dtype=np.int32)
    dst = rng.integers(-(2**31), 2**31, n + 5, dtype=np.int32)  # the tail stays as it was
    outs = {}
    for memory in ("verilog", "python"):
        args = {"src": src, "dst": dst, "n": n}
        res = simulate(copy_verilog, copy_regmap, args, (n,), build_root=sim_cache, memory=memory)
        outs[memory] = res.outputs
        assert res.cycles > n
    assert set(outs["verilog"]) == set(outs["python"]) == {"src", "dst"}
    for name in ("src", "dst"):
        np.testing.assert_array_equal(outs["verilog"][name], outs["python"][name])
    np.testing.assert_array_equal(outs["verilog"]["dst"][:n], src)
    np.testing.assert_array_equal(outs["verilog"]["dst"][n:], dst[n:])


@pytest.mark.sim
def test_verilog_memory_hang_names_stalls(
    copy_verilog: Path, copy_regmap: RegisterMap, sim_cache: Path
) -> None:
    from soff.sim import SimulationHang

    args = {"src": np.ones(16, np.int32), "dst": np.zeros(16, np.int32), "n": 16}
    with pytest.raises(SimulationHang, match=r"within 5 cycles.*dbg_stall_"):
        simulate(copy_verilog, copy_regmap, args, (16,), timeout_cycles=5, build_root=sim_cache)


def test_bad_memory_choice(copy_verilog: Path, copy_regmap: RegisterMap) -> None:
    args = {"src": np.ones(4, np.int32), "dst": np.zeros(4, np.int32), "n": 4}
    with pytest.raises(ValueError, match="memory must be 'verilog' or 'python'"):
        simulate(copy_verilog, copy_regmap, args, (4,), memory="c++")


def test_hex_round_trip(tmp_path: Path) -> None:
    data = bytes(range(256)) * 3 + b"\x01\x02\x03"
    for data_w in (32, 64, 512):
        path = tmp_path / f"m{data_w}.hex"
        verilog_mem.write_hex(path, [(0, data)], data_w)
        text = path.read_text().splitlines()
        assert text[0] == "@0" and len(text[1]) == data_w // 4
        nb = data_w // 8
        got = verilog_mem.read_dump(path, data_w)
        assert got == data + bytes(-len(data) % nb)
    verilog_mem.write_hex(tmp_path / "two.hex", [(0x1000, b"\xaa"), (0x2000, b"\xbb" * 9)], 64)
    assert (tmp_path / "two.hex").read_text().split() == [
        "@200", "00000000000000aa", "@400", "bbbbbbbbbbbbbbbb", "00000000000000bb",
    ]  # fmt: skip


def test_wrapper_and_sizes(copy_verilog: Path) -> None:
    text = copy_verilog.read_text()
    assert verilog_mem.data_width(text, "copy_kernel") == 64
    wide = re.sub(r"\[63:0\](\s*)m_axi_gmem_wdata", r"[511:0]\1m_axi_gmem_wdata", text)
    assert verilog_mem.data_width(wide, "copy_kernel") == 512
    assert verilog_mem.mem_bytes(5000) == 1 << 24
    assert verilog_mem.mem_bytes((1 << 24) + 1) == 1 << 25
    top = verilog_mem.wrapper("copy_kernel", 64, 1 << 24)
    assert "copy_kernel kernel (" in top and ".ADDR_W(21)" in top
    assert f"module {verilog_mem.TOP} (" in top
