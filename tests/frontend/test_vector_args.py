"""Vector kernel arguments passed by value (one scalar argument per lane) and the
hint attributes kept in the IR (work_group_size_hint, vec_type_hint)."""

from __future__ import annotations

import numpy as np
import pytest
from fe_helpers import compile_ok, run

import soff
from soff.ir.parser import parse_module
from soff.ir.printer import print_module

VEC_ARGS = """
__kernel void k(__global float *a, float4 v, int2 w, uchar8 c) {
  int i = get_global_id(0);
  a[i] = v.x + v.y * 2 + v.z * 3 + v.w * 4 + w.x - w.y + i + c.s7;
}
"""


def test_vector_args_are_flattened_per_lane() -> None:
    k = compile_ok(VEC_ARGS).kernels[0]
    names = [a.name for a in k.args]
    assert names[:7] == ["a", "v.x", "v.y", "v.z", "v.w", "w.x", "w.y"]
    assert names[7:] == [f"c.s{i}" for i in range(8)]


@pytest.mark.parametrize(
    "v, w",
    [
        (np.array([1, 2, 3, 4], np.float32), np.array([10, 3], np.int32)),
        ((1.0, 2.0, 3.0, 4.0), (10, 3)),
        ([1.0, 2.0, 3.0, 4.0], [10, 3]),
    ],
)
def test_vector_args_in_the_interpreter(v, w) -> None:
    c = np.arange(8, dtype=np.uint8)
    out = run(VEC_ARGS, {"a": np.zeros(4, np.float32), "v": v, "w": w, "c": c}, 4)
    assert out["a"].tolist() == [44.0, 45.0, 46.0, 47.0]


def test_vector_args_lane_names_accepted() -> None:
    args = {"a": np.zeros(2, np.float32), "v_x": 1.0, "v_y": 2.0, "v_z": 3.0, "v_w": 4.0}
    args |= {"w.x": 10, "w.y": 3, "c": np.zeros(8, np.uint8)}
    out = run(VEC_ARGS, args, 2)
    assert out["a"].tolist() == [37.0, 38.0]


def test_vector_args_design_interp() -> None:
    d = soff.compile(VEC_ARGS, emit="ir")
    r = d.simulate(
        2,
        None,
        {"a": np.zeros(2, np.float32), "v": (1, 2, 3, 4), "w": (10, 3), "c": [0] * 8},
        simulator="interp",
    )
    assert r.outputs["a"].tolist() == [37.0, 38.0]


HINTS = """
__kernel __attribute__((work_group_size_hint(8, 1, 1))) __attribute__((vec_type_hint(float4)))
void k(__global float *a) { a[get_global_id(0)] += 1.0f; }
"""


def test_hint_attributes_kept_and_round_trip() -> None:
    m = compile_ok(HINTS)
    assert m.kernels[0].attrs == {"work_group_size_hint": [8, 1, 1], "vec_type_hint": ["float4"]}
    text = print_module(m)
    assert "vec_type_hint = [float4]" in text and "work_group_size_hint = [8, 1, 1]" in text
    again = parse_module(text)
    assert again.kernels[0].attrs == m.kernels[0].attrs
    assert print_module(again) == text


def test_hint_attributes_do_not_change_the_kernel() -> None:
    out = run(HINTS, {"a": np.ones(3, np.float32)}, 3, 1)  # the hint is not a requirement
    assert out["a"].tolist() == [2.0, 2.0, 2.0]


def test_soff_sim_vector_arg_from_npy(tmp_path, capsys) -> None:
    from soff.cli import main

    src = tmp_path / "k.cl"
    src.write_text(VEC_ARGS)
    np.save(tmp_path / "v.npy", np.array([1, 2, 3, 4], np.float32))
    np.save(tmp_path / "w.npy", np.array([10, 3], np.int32))
    np.save(tmp_path / "c.npy", np.arange(8, dtype=np.uint8))
    argv = ["sim", str(src), "--global", "4", "--engine", "interp", "--arg", "a=zeros:float32:4"]
    argv += [f"--arg={n}=@{tmp_path / n}.npy" for n in ("v", "w", "c")]
    argv += ["--out", f"a={tmp_path / 'a.npy'}"]
    assert main(argv) == 0
    assert np.load(tmp_path / "a.npy").tolist() == [44.0, 45.0, 46.0, 47.0]
