"""More than 16 loads or stores: the AXI ID grows to number every arbiter client
(docs/interface.md). A kernel with 24 loads and 20 stores, lint-clean, simulated
with both memory models and with two compute units, against numpy; a sequence
with it gives every kernel the widest IDs; at most 16 clients keep 4-bit IDs (the
goldens do not change); more than 256 is a located error."""

from __future__ import annotations

import re

import numpy as np
import pytest

import soff
from soff.boards.board import load_board
from soff.diagnostics import UnsupportedError
from soff.rtl_gen import lib
from soff.rtl_gen.sequencer import Stage, emit_sequencer
from soff.sim.api import simulate
from soff.sim.tools import lint

N_LOADS, N_STORES = 24, 20


def _many_source(n_loads: int, n_stores: int) -> str:
    """Each store ``k`` writes ``in[k] + 3 * in[k + 4] - k`` of its work-item's
    slice: every load and store a separate op at its own offset."""
    lines = ["__kernel void many(__global const int *in, __global int *out, int n) {"]
    lines.append("    int i = get_global_id(0);")
    lines += [f"    int a{k} = in[i + {k} * n];" for k in range(n_loads)]
    for k in range(n_stores):
        b = (k + 4) % n_loads
        lines.append(f"    out[i + {k} * n] = a{k} + 3 * a{b} - {k};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _expect(data: np.ndarray, n: int) -> np.ndarray:
    a = data.reshape(N_LOADS, n).astype(np.int64)
    out = [a[k] + 3 * a[(k + 4) % N_LOADS] - k for k in range(N_STORES)]
    return np.concatenate(out).astype(np.int32)


def _id_width(verilog: str, top: str) -> int:
    body = verilog.split(f"module {top} (", 1)[1].split(");", 1)[0]
    m = re.search(r"output wire \[(\d+):0\] m_axi_gmem_arid", body)
    assert m, body
    return int(m.group(1)) + 1


@pytest.mark.parametrize("num_cu", [1, 2])
def test_many_loads_and_stores_are_lint_clean(tmp_path, num_cu: int) -> None:
    design = soff.compile(_many_source(N_LOADS, N_STORES), num_cu=num_cu)
    # 24 read clients need 5 ID bits; two compute units prepend one more
    assert _id_width(design.verilog, design.top) == 5 + (num_cu > 1)
    assert "soff_axi_rd_arb_24_64_id5" in design.verilog
    assert "soff_axi_wr_arb_20_64_id5" in design.verilog
    path = tmp_path / f"{design.top}.v"
    path.write_text(design.verilog)
    assert lint(path, top=design.top) == ""


_SLOW = pytest.mark.slow  # ~85 s each: the default run keeps one memory model with one CU


@pytest.mark.sim
@pytest.mark.parametrize(
    "memory, num_cu",
    [
        ("verilog", 1),
        pytest.param("verilog", 2, marks=_SLOW),
        pytest.param("python", 1, marks=_SLOW),
        pytest.param("python", 2, marks=_SLOW),
    ],
)
def test_many_loads_and_stores_simulate(memory: str, num_cu: int) -> None:
    n = 32
    data = np.random.default_rng(7).integers(-1000, 1000, N_LOADS * n, dtype=np.int32)
    design = soff.compile(_many_source(N_LOADS, N_STORES), num_cu=num_cu)
    args = {"in": data, "out": np.zeros(N_STORES * n, np.int32), "n": n}
    result = simulate(design.verilog, design.regmap, args, n, 8, memory=memory, toplevel=design.top)
    np.testing.assert_array_equal(result.outputs["out"], _expect(data, n))


def test_sixteen_clients_keep_four_bit_ids() -> None:
    design = soff.compile(_many_source(16, 16))
    assert _id_width(design.verilog, design.top) == 4
    assert "_id4" not in design.verilog and "AXI IDs are" not in design.verilog


def test_id_width_rule() -> None:
    assert [lib.id_width(n) for n in (1, 16, 17, 32, 33, 256)] == [4, 4, 5, 5, 6, 8]
    with pytest.raises(ValueError, match="1 to 256 clients, not 257"):
        lib.axi_read_arbiter_module(257, 64)
    with pytest.raises(ValueError, match="17 clients need 5 to 8 ID bits, not 4"):
        lib.axi_write_arbiter_module(17, 64, 4)


def test_more_than_256_loads_is_an_error() -> None:
    terms = " + ".join(f"in[i + {k} * n]" for k in range(257))
    src = (
        "__kernel void many(__global const int *in, __global int *out, int n) {\n"
        f"    int i = get_global_id(0);\n    out[i] = {terms};\n}}\n"
    )
    with pytest.raises(UnsupportedError) as err:
        soff.compile(src)
    msg = str(err.value)
    assert re.match(r"[^:]+:1:\d+: error: kernel 'many' has 257 loads and 1 stores; ", msg), msg
    assert "at most 256 of each are supported" in msg


def test_sequence_gives_every_kernel_the_widest_ids(tmp_path) -> None:
    n = 64
    dbl = soff.compile(
        "__kernel void dbl(__global const int *a, __global int *b) {\n"
        "    int i = get_global_id(0);\n    b[i] = a[i] * 2;\n}\n"
    ).schedule
    many = soff.compile(_many_source(N_LOADS, N_STORES)).schedule
    stages = [
        Stage(dbl.kernel, dbl, (N_LOADS * n, 1, 1), (32, 1, 1), {"a": "x", "b": "t"}, 1),
        Stage(many.kernel, many, (n, 1, 1), (32, 1, 1), {"in": "t", "out": "y", "n": n}, 2),
    ]
    verilog, _regmap = emit_sequencer("seq", stages, ["x", "t", "y"], load_board(None))
    # 5-bit IDs for both kernels' units, and two more bits for the three units
    assert _id_width(verilog, "seq") == 7
    assert "soff_axi_rd_arb_1_64_id5" in verilog and "soff_axi_ic_3_64_id5" in verilog
    path = tmp_path / "seq.v"
    path.write_text(verilog)
    assert lint(path, top="seq") == ""
