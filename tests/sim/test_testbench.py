"""``soff testbench``: the generated directory runs as generated with ``python -m pytest``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from soff.cli import main
from soff.driver import compile_design
from soff.sim.testbench import render_conftest, render_runner, render_test

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FILES = (
    "vadd.v",
    "vadd.regmap.json",
    "test_vadd.py",
    "test_runner.py",
    "conftest.py",
    "README.md",
)


@pytest.mark.sim
def test_generated_testbench_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "tb"
    assert main(["testbench", str(EXAMPLES / "vadd.cl"), "-o", str(out)]) == 0
    printed = capsys.readouterr().out.split()
    for name in FILES:
        assert (out / name).is_file(), name
        assert str(out / name) in printed
    # The inner pytest must not think it is one of our xdist workers.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=out,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "1 passed" in proc.stdout
    log = (out / "sim_build" / "sim.log").read_text()
    assert "vadd: " in log and " cycles for 256 work-items" in log


def test_output_is_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "tb"
    target.write_text("not a directory")
    with pytest.raises(SystemExit) as exc:
        main(["testbench", str(EXAMPLES / "vadd.cl"), "-o", str(target)])
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert f"'{target}': it is not a directory" in err
    assert "Traceback" not in err
    assert target.read_text() == "not a directory"


def test_render_types_and_scalars() -> None:
    text = render_test(compile_design(EXAMPLES / "saxpy_int.cl"))
    assert '"alpha": 1,  # i32' in text
    assert '"x": rng.integers(-100, 100, N, dtype=np.int32),  # i32*' in text
    assert '"n": N,  # u32' in text
    compile(text, "test_saxpy_int.py", "exec")
    text = render_test(compile_design(EXAMPLES / "vector_ops.cl"))
    assert '"flags": rng.integers(0, 100, N, dtype=np.uint8),  # u8*' in text
    assert "async def test_vector_ops(dut)" in text
    compile(text, "test_vector_ops.py", "exec")


def test_committed_example_is_current() -> None:
    """examples/testbench is what `soff testbench examples/vadd.cl -o examples/testbench`
    writes (the Verilog aside, which follows the compiler); regenerate it when this fails."""
    design = compile_design(EXAMPLES / "vadd.cl")
    tb = EXAMPLES / "testbench"
    assert (tb / "test_vadd.py").read_text() == render_test(design)
    assert (tb / "test_runner.py").read_text() == render_runner(design)
    assert (tb / "conftest.py").read_text() == render_conftest(design)
    assert (tb / "vadd.regmap.json").read_text() == design.regmap.to_json() + "\n"


def test_struct_arguments_in_the_generated_test() -> None:
    """Regression: a struct buffer's line was commented out past its comma, and a
    struct passed by value is written under its registers' names (p_dt)."""
    src = """
    typedef struct { float2 pos; float2 vel; } Particle;
    typedef struct { float dt; int steps; } Params;
    __kernel void move(__global Particle *ps, Params p) { ps[0].pos.x = p.dt * p.steps; }
    """
    text = render_test(compile_design(src))
    compile(text, "test_move.py", "exec")
    assert '"ps": np.zeros(N * 16, dtype=np.uint8),' in text
    assert '"p_dt": 1.0,' in text and '"p_steps": 1,' in text
