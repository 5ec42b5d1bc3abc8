"""``design.simulate(..., simulator="interp")`` and ``soff sim --engine interp``: the
kernel's IR in the interpreter instead of the circuit, with the hardware path's
outputs (every buffer, same dtype and shape) and no cycle count."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import soff
from soff.cli import main

ROOT = Path(__file__).resolve().parents[2]
VADD = ROOT / "examples" / "vadd.cl"


def _vadd_args(n: int) -> dict:
    a = np.arange(n, dtype=np.int32)
    return {"a": a, "b": 3 * a, "c": np.full(n, -1, np.int32), "n": n - 5}


def test_design_simulate_with_the_interpreter() -> None:
    design = soff.compile(VADD)
    args = _vadd_args(100)
    res = design.simulate(128, 32, args, simulator="interp")
    assert res.cycles is None and res.cycles_per_second == 0.0
    assert set(res.outputs) == {"a", "b", "c"}
    for name in ("a", "b", "c"):
        assert res.outputs[name].dtype == args[name].dtype
        assert res.outputs[name].shape == args[name].shape
    want = np.where(np.arange(100) < 95, 4 * np.arange(100), -1)
    np.testing.assert_array_equal(res.outputs["c"], want)
    with pytest.raises(ValueError, match="needs argument"):
        design.simulate(128, 32, {"a": args["a"]}, simulator="interp")
    with pytest.raises(ValueError, match="points to i32"):
        design.simulate(128, 32, args | {"a": np.zeros(100, np.float32)}, simulator="interp")


@pytest.mark.sim
def test_interpreter_and_verilator_give_the_same_outputs() -> None:
    design = soff.compile(ROOT / "examples" / "vector_ops.cl")
    rng = np.random.default_rng(3)
    n = 64
    args = {"a": rng.integers(-1000, 1000, n, dtype=np.int32),
            "b": rng.integers(-50, 50, n, dtype=np.int32),
            "sum_or_diff": np.zeros(n, np.int32), "mixed": np.zeros(n, np.int32),
            "flags": np.zeros(n, np.uint8), "n": n}  # fmt: skip
    hw = design.simulate(n, 16, args)
    sw = design.simulate(n, 16, args, simulator="interp")
    assert hw.outputs.keys() == sw.outputs.keys()
    for name, out in hw.outputs.items():
        assert out.dtype == sw.outputs[name].dtype and out.shape == sw.outputs[name].shape
        np.testing.assert_array_equal(out, sw.outputs[name], err_msg=name)


def test_soff_sim_engine_interp(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    n = 100
    np.save(tmp_path / "a.npy", np.arange(n, dtype=np.int32))
    np.save(tmp_path / "b.npy", np.full(n, 7, np.int32))
    base = ["sim", str(VADD), "--engine", "interp", "--global", "128",
            "--arg", f"a=@{tmp_path / 'a.npy'}", "--arg", f"b=@{tmp_path / 'b.npy'}",
            "--arg", f"c=zeros:int32:{n}"]  # fmt: skip
    out = tmp_path / "c.npy"
    assert main([*base, "--arg", f"n={n}", "--out", f"c={out}", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["cycles"] is None and report["kernel"] == "vadd"
    c = np.load(out)
    assert c.dtype == np.int32
    np.testing.assert_array_equal(c, np.arange(n) + 7)
    assert main([*base, "--arg", f"n={n}"]) == 0
    assert "interpreted (no cycle count)" in capsys.readouterr().out
    # an out-of-bounds access is a clean error with the source location
    with pytest.raises(SystemExit) as info:
        main([*base, "--arg", f"n={n + 1}"])
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert "vadd.cl:" in err and "error: load out of bounds of argument 'a'" in err
    assert "Traceback" not in err


def test_local_pointer_arguments_with_the_interpreter() -> None:
    src = """
    __kernel void rev(__global const int *a, __global int *o, __local int *tmp) {
        size_t l = get_local_id(0), n = get_local_size(0);
        tmp[l] = a[get_global_id(0)];
        barrier(CLK_LOCAL_MEM_FENCE);
        o[get_global_id(0)] = tmp[n - 1 - l];
    }
    """
    design = soff.compile(src, emit="ir")
    a = np.arange(64, dtype=np.int32)
    args = {"a": a, "o": np.zeros(64, np.int32), "tmp": soff.Local(64)}
    res = design.simulate(64, 16, args, simulator="interp")
    assert set(res.outputs) == {"a", "o"}
    np.testing.assert_array_equal(res.outputs["o"], a.reshape(4, 16)[:, ::-1].reshape(-1))
