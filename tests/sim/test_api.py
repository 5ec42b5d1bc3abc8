"""simulate() on the hand-written copy_kernel fixture."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from soff.rtl_gen.regmap import RegisterMap
from soff.sim import SimulationError, SimulationHang, runner, simulate
from soff.sim.api import default_local_size, default_timeout
from soff.sim.tools import lint

ROOT = Path(__file__).resolve().parents[2]


def copy_args(n: int, seed: int = 0) -> dict[str, object]:
    rng = np.random.default_rng(seed)
    src = rng.integers(-(2**31), 2**31, n, dtype=np.int32)
    return {"src": src, "dst": np.zeros(n, dtype=np.int32), "n": n}


def test_fixture_is_lint_clean(copy_verilog: Path) -> None:
    assert lint(copy_verilog, "copy_kernel") == ""


@pytest.mark.sim
def test_copies_random_array(copy_verilog: Path, copy_regmap: RegisterMap, sim_cache: Path) -> None:
    args = copy_args(100)
    res = simulate(copy_verilog, copy_regmap, args, (100,), build_root=sim_cache)
    np.testing.assert_array_equal(res.outputs["dst"], args["src"])
    np.testing.assert_array_equal(res.outputs["src"], args["src"])
    assert set(res.outputs) == {"src", "dst"}
    assert res.cycles > 100


@pytest.mark.sim
def test_partial_copy_and_verilog_text(
    copy_verilog: Path, copy_regmap: RegisterMap, sim_cache: Path
) -> None:
    args = copy_args(64, seed=1)
    args["n"] = 10
    res = simulate(copy_verilog.read_text(), copy_regmap, args, 64, build_root=sim_cache)
    np.testing.assert_array_equal(res.outputs["dst"][:10], args["src"][:10])
    assert not res.outputs["dst"][10:].any()


@pytest.mark.sim
def test_second_run_reuses_build(
    copy_verilog: Path, copy_regmap: RegisterMap, sim_cache: Path
) -> None:
    simulate(copy_verilog, copy_regmap, copy_args(8), (8,), build_root=sim_cache)
    builds = runner.build_count
    res = simulate(copy_verilog, copy_regmap, copy_args(8), (8,), build_root=sim_cache)
    assert not res.built
    assert runner.build_count == builds
    assert res.build_dir is not None and (res.build_dir / runner.MARKER).exists()


@pytest.mark.sim
def test_concurrent_builds_build_once(copy_verilog: Path, tmp_path: Path) -> None:
    """Two processes (as two xdist workers would) build the same design at once."""
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from soff.sim import runner
        _, built, _ = runner.build({str(copy_verilog)!r}, "copy_kernel", build_root={str(tmp_path)!r})
        print("BUILT" if built else "CACHED")
        """
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=300)[0].strip() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert sorted(outs) == ["BUILT", "CACHED"]


@pytest.mark.sim
def test_timeout_raises_hang(copy_verilog: Path, copy_regmap: RegisterMap, sim_cache: Path) -> None:
    with pytest.raises(SimulationHang, match=r"did not finish within 5 cycles.*dbg_stall_"):
        simulate(
            copy_verilog, copy_regmap, copy_args(16), (16,), timeout_cycles=5, build_root=sim_cache
        )


@pytest.mark.sim
def test_cycles_per_second(
    copy_verilog: Path,
    copy_regmap: RegisterMap,
    sim_cache: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = copy_args(4096, seed=2)
    res = simulate(copy_verilog, copy_regmap, args, (4096,), build_root=sim_cache)
    np.testing.assert_array_equal(res.outputs["dst"], args["src"])
    with capsys.disabled():
        print(
            f"\ncopy of 4096 words: {res.cycles} cycles in {res.wall_seconds:.2f} s "
            f"= {res.cycles_per_second:,.0f} cycles/s (whole call {res.total_seconds:.2f} s)"
        )
    assert res.cycles_per_second > 0


@pytest.mark.parametrize(
    "change, message",
    [
        ({"n": None}, r"needs argument\(s\) 'n'"),
        ({"extra": 1}, r"has no argument\(s\) 'extra'"),
        ({"src": [1, 2, 3]}, r"argument 'src' is a pointer and must be a numpy array, not list"),
        ({"n": np.zeros(3)}, r"argument 'n' is a 32-bit scalar and must be a number, not ndarray"),
        ({"n": "4"}, r"argument 'n' is a 32-bit scalar and must be a number, not str"),
        ({"n": 2**40}, r"argument 'n' = .* does not fit in 32 bits"),
    ],
)
def test_argument_validation(
    copy_verilog: Path, copy_regmap: RegisterMap, change: dict[str, object], message: str
) -> None:
    args = copy_args(4)
    for name, value in change.items():
        if value is None:
            del args[name]
        else:
            args[name] = value
    with pytest.raises(ValueError, match=message):
        simulate(copy_verilog, copy_regmap, args, (4,))


def test_ndrange_validation(copy_verilog: Path, copy_regmap: RegisterMap) -> None:
    with pytest.raises(ValueError, match="does not divide"):
        simulate(copy_verilog, copy_regmap, copy_args(4), (10,), (4,))
    with pytest.raises(ValueError, match="global_size must hold positive integers"):
        simulate(copy_verilog, copy_regmap, copy_args(4), (0,))


def test_defaults() -> None:
    assert default_local_size((96, 1, 1)) == (32, 1, 1)
    assert default_local_size((7, 3, 1)) == (1, 1, 1)
    assert default_timeout((10, 2, 1)) == 1000 + 200 * 20


def test_missing_icarus_is_clear(monkeypatch: pytest.MonkeyPatch, copy_verilog: Path) -> None:
    monkeypatch.setattr(runner.tools, "icarus_available", lambda: False)
    with pytest.raises(runner.tools.SimulatorNotFound, match="Icarus Verilog not found"):
        runner.build(copy_verilog, "copy_kernel", simulator="icarus")


@pytest.mark.sim
def test_build_failure_is_reported(copy_regmap: RegisterMap, tmp_path: Path) -> None:
    broken = "module copy_kernel(input wire ap_clk);\n  assign nope = ;\nendmodule\n"
    with pytest.raises(SimulationError, match="building 'copy_kernel' with verilator failed"):
        simulate(broken, copy_regmap, copy_args(4), (4,), build_root=tmp_path)
