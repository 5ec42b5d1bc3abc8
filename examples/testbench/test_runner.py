"""pytest launcher: build vadd.v with Verilator (cached) and run test_vadd.py on it."""

from pathlib import Path

from cocotb_tools.check_results import get_results

from soff.sim.runner import build_and_run

HERE = Path(__file__).resolve().parent


def test_vadd() -> None:
    result = build_and_run(
        HERE / "vadd.v",
        "vadd",
        "test_vadd",
        test_dir=HERE / "sim_build",
        python_path=[HERE],
        timeout=600,
    )
    tests, failed = get_results(result.results_xml)
    assert tests > 0 and failed == 0, (
        f"{failed} of {tests} cocotb tests failed; see {result.log_file}"
    )
