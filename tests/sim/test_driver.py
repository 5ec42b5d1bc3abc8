"""KernelDriver from a user's own cocotb testbench (copy_driver_tb.py) on copy_kernel."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from soff.rtl_gen.regmap import RegisterMap
from soff.sim import runner
from soff.sim.driver import pad3, scalar_bits

HERE = Path(__file__).parent


@pytest.mark.sim
def test_driver_testbench(
    copy_verilog: Path, copy_regmap: RegisterMap, sim_cache: Path, tmp_path: Path
) -> None:
    res = runner.build_and_run(
        copy_verilog,
        "copy_kernel",
        "copy_driver_tb",
        test_dir=tmp_path,
        python_path=[HERE],
        build_root=sim_cache,
        extra_env={"SOFF_TEST_REGMAP": copy_regmap.to_json()},
        timeout=120,
    )
    xml = res.results_xml.read_text() if res.results_xml else ""
    assert xml.count("<testcase") == 3
    assert "<failure" not in xml and "<error" not in xml, res.log_file.read_text()[-3000:]


def test_scalar_bits() -> None:
    assert scalar_bits("n", -1, 32) == 0xFFFFFFFF
    assert scalar_bits("n", -2, 64) == 2**64 - 2
    assert scalar_bits("x", 1.5, 32) == struct.unpack("<I", struct.pack("<f", 1.5))[0]
    assert scalar_bits("x", 0.1, 64) == struct.unpack("<Q", struct.pack("<d", 0.1))[0]
    assert scalar_bits("b", True, 8) == 1
    with pytest.raises(ValueError, match="argument 'n' = 256 does not fit in 8 bits"):
        scalar_bits("n", 256, 8)


def test_pad3() -> None:
    assert pad3(5, "global_size") == (5, 1, 1)
    assert pad3((4, 2), "local_size") == (4, 2, 1)
    with pytest.raises(ValueError, match="1 to 3 dimensions"):
        pad3((1, 1, 1, 1), "global_size")
