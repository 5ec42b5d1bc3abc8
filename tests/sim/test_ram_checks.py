"""soff_sim_axi_ram stops the simulation on AXI4 rule violations, counts
transactions, and idles TXN_GAP cycles after each burst when asked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from soff.sim import runner, verilog_mem
from soff.sim.errors import SimulationError

HERE = Path(__file__).parent


def _run(case: str, gap: int, sim_cache: Path, tmp_path: Path) -> tuple[str, str]:
    res = runner.build_and_run(
        verilog_mem.RAM_FILE,
        "soff_sim_axi_ram",
        "ram_check_tb",
        test_dir=tmp_path,
        python_path=[HERE],
        build_root=sim_cache,
        parameters={"DATA_W": 64, "ADDR_W": 12, "LATENCY": 3, "TXN_GAP": gap},
        extra_env={"SOFF_RAM_CASE": case, "SOFF_RAM_GAP": str(gap)},
        timeout=120,
    )
    xml = res.results_xml.read_text() if res.results_xml and res.results_xml.exists() else ""
    return xml, res.log_file.read_text()


@pytest.mark.sim
@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("cross4k", "bad read burst: ARADDR 0000000000000ff8 ARLEN 1"),
        ("wlast", "WLAST 1 on beat 0"),
    ],
)
def test_ram_stops_on_axi_violations(
    case: str, message: str, sim_cache: Path, tmp_path: Path
) -> None:
    # $fatal ends the simulation: the runner reports it with the RAM's message (and
    # the testbench never reaches its own "accepted" failure)
    with pytest.raises(SimulationError, match=re.escape(message)) as info:
        _run(case, 0, sim_cache, tmp_path)
    assert "accepted" not in str(info.value)


@pytest.mark.sim
@pytest.mark.parametrize("gap", [0, 3])
def test_ram_counters_and_gap(gap: int, sim_cache: Path, tmp_path: Path) -> None:
    xml, log = _run("counters", gap, sim_cache, tmp_path)
    assert xml.count("<testcase") == 1, log[-3000:]
    assert "<failure" not in xml and "<error" not in xml, log[-3000:]
