"""The .npu text format: parsing, weights from .npy files, errors, the CLI."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from soff.diagnostics import CompileError
from soff.npu.run import compile_model
from soff.npu.text_format import parse

CNN = """\
# a small CNN written by hand
network cnn
input x: float32[1, 2, 6, 6]
conv c1(x) -> c { weight = "w.npy", bias = "b.npy", pads = 1, strides = [1, 1] }
batchnorm bn1(c) -> n { scale = "g.npy", bias = "beta.npy", mean = "mu.npy", var = "var.npy", epsilon = 1e-3 }
relu r1(n) -> r
avgpool p1(r) -> p { kernel = 2, strides = 2 }
flatten f(p) -> f1
dense fc(f1) -> z { weight = "wd.npy" }
add bias(z) -> z2 { constant = "bd.npy" }
softmax sm(z2) -> y { axis = -1 }
output y
"""


@pytest.fixture
def weights(tmp_path):
    rng = np.random.default_rng(0)
    arrays = {
        "w": rng.standard_normal((4, 2, 3, 3)), "b": rng.standard_normal(4),
        "g": rng.uniform(0.5, 1.5, 4), "beta": rng.standard_normal(4),
        "mu": rng.standard_normal(4), "var": rng.uniform(0.5, 1.5, 4),
        "wd": rng.standard_normal((3, 36)), "bd": rng.standard_normal(3),
    }  # fmt: skip
    for name, a in arrays.items():
        np.save(tmp_path / f"{name}.npy", a.astype(np.float32))
    return tmp_path


def test_parse_and_run(weights):
    (weights / "cnn.npu").write_text(CNN)
    model = compile_model(weights / "cnn.npu")
    g = model.graph
    assert g.name == "cnn" and g.inputs == ["x"] and g.outputs == ["y"]
    assert [la.describe() for la in g.layers] == [
        "conv+relu", "avgpool", "flatten", "dense", "softmax",
    ]  # fmt: skip
    assert "bias" in g.layers[3].weights  # the add of a constant became the dense bias
    assert g.layers[0].attrs["pads"] == [1, 1, 1, 1] and g.shape("f1") == (1, 36)
    x = np.random.default_rng(1).standard_normal((1, 2, 6, 6)).astype(np.float32)
    got, _ = model.run(x)
    np.testing.assert_allclose(got, model.reference(x)["y"], rtol=1e-4, atol=1e-6)
    assert got.shape == (1, 3) and abs(float(got.sum()) - 1) < 1e-5


def test_two_inputs_and_concat():
    g = parse(
        "input a: float32[1, 2, 3]\ninput b: [1, 1, 3]\nconcat c(a, b) -> y { axis = 1 }\n",
        "two.npu",
    )
    assert g.outputs == ["y"]  # the last layer's output when there is no 'output'
    model = compile_model(g)
    a = np.arange(6, dtype=np.float32).reshape(1, 2, 3)
    b = -np.ones((1, 1, 3), np.float32)
    got, _ = model.run({"a": a, "b": b})
    np.testing.assert_array_equal(got, np.concatenate([a, b], axis=1))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "input x: float32[1, 4]\nrelu r(x) -> y\nfoo q(y) -> z\n",
            "t.npu:3:1: error: unknown layer op 'foo'",
        ),
        (
            "input x: float32[1, 4]\nrelu r(w) -> y\n",
            "t.npu:2:8: error: tensor 'w' is used before it is defined",
        ),
        ("input x: float32[1, 4]\ndense d(x) -> y\n", "t.npu:2:7: error: dense 'd' needs weight"),
        (
            "input x: float32[1, 4]\nrelu r(x) -> y { alpha = 1 }\n",
            "t.npu:2:18: error: relu has no attribute 'alpha'",
        ),
        (
            'input x: float32[1, 4]\ndense d(x) -> y { weight = "nope.npy" }\n',
            "t.npu:2:19: error: cannot load",
        ),
        ("input x: float32[1, 4]\nrelu r(x) -> \n", "t.npu:2:11: error: unexpected end of input"),
        ("input x: float32[1 4]\n", "t.npu:1:20: error: unexpected '4'"),
    ],
)
def test_errors_name_the_line(tmp_path, text, message):
    with pytest.raises(CompileError) as e:
        parse(text, "t.npu", tmp_path)
    assert str(e.value).startswith(message), str(e.value)


def test_cli_npu_file_report(weights):
    (weights / "cnn.npu").write_text(CNN)
    out = weights / "cnn.v"
    r = subprocess.run(
        [sys.executable, "-m", "soff", "npu", str(weights / "cnn.npu"), "-o", str(out), "--report"],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    assert "conv+relu" in r.stderr and "total MACs per inference: 2700" in r.stderr
    assert "module npu_c1" in out.read_text()


def test_cli_npu_syntax_error(tmp_path):
    (tmp_path / "bad.npu").write_text("input x: float32[1, 4]\nrelu r(x) -> y {\n")
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "soff",
            "npu",
            str(tmp_path / "bad.npu"),
            "-o",
            str(tmp_path / "b.v"),
        ],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 1 and "bad.npu:2:16: error: unexpected end of input" in r.stderr, (
        r.stderr
    )
    assert "Traceback" not in r.stderr
