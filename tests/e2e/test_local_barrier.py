"""__local memory and barriers in hardware: one work-group at a time, a RAM per
__local array, barrier gates that release a work-group once all of it arrived.
Compared with the IR interpreter (checked against numpy in tests/frontend) and numpy."""

from __future__ import annotations

import numpy as np
import pytest

import soff

pytestmark = pytest.mark.sim
RNG = np.random.default_rng(5)

REDUCE = """
__kernel void reduce(__global const int *in, __global int *out) {
    __local int buf[64];
    int lid = get_local_id(0);
    buf[lid] = in[get_global_id(0)];
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = get_local_size(0) / 2; s > 0; s >>= 1) {
        if (lid < s) buf[lid] += buf[lid + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) out[get_group_id(0)] = buf[0];
}
"""

SCAN = """
__kernel void scan(__global const float *in, __global float *out) {
    __local float a[32], b[32];
    int l = get_local_id(0), n = get_local_size(0);
    a[l] = in[get_global_id(0)];
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int d = 1; d < n; d *= 2) {
        b[l] = l >= d ? a[l] + a[l - d] : a[l];
        barrier(CLK_LOCAL_MEM_FENCE);
        a[l] = b[l];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    out[get_global_id(0)] = a[l];
}
"""

MATMUL = """
#define T 4
__kernel void matmul(__global const int *A, __global const int *B, __global int *C, int n) {
    __local int As[T][T], Bs[T][T];
    int r = get_global_id(1), c = get_global_id(0);
    int lr = get_local_id(1), lc = get_local_id(0);
    int acc = 0;
    for (int t = 0; t < n / T; t++) {
        As[lr][lc] = A[r * n + t * T + lc];
        Bs[lr][lc] = B[(t * T + lr) * n + c];
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int k = 0; k < T; k++) acc += As[lr][k] * Bs[k][lc];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    C[r * n + c] = acc;
}
"""


def test_work_group_reduction_tree() -> None:
    n, local = 256, 32
    x = RNG.integers(-100, 100, n).astype(np.int32)
    r = soff.compile(REDUCE, filename="reduce.cl").simulate(
        n, local, {"in": x, "out": np.zeros(n // local, np.int32)}
    )
    np.testing.assert_array_equal(r.outputs["out"], x.reshape(-1, local).sum(1))


def test_prefix_sum_with_barriers_in_a_loop() -> None:
    n, local = 64, 16
    x = RNG.integers(-8, 8, n).astype(np.float32)  # small integers: float sums are exact
    r = soff.compile(SCAN, filename="scan.cl").simulate(
        n, local, {"in": x, "out": np.zeros(n, np.float32)}
    )
    np.testing.assert_array_equal(
        r.outputs["out"], np.cumsum(x.reshape(-1, local), axis=1).reshape(-1)
    )


def test_tiled_matmul_with_local_tiles() -> None:
    n = 8
    a = RNG.integers(-9, 9, (n, n)).astype(np.int32)
    b = RNG.integers(-9, 9, (n, n)).astype(np.int32)
    design = soff.compile(MATMUL, filename="matmul.cl")
    r = design.simulate(
        (n, n),
        (4, 4),
        {"A": a.reshape(-1), "B": b.reshape(-1), "C": np.zeros(n * n, np.int32), "n": n},
    )
    np.testing.assert_array_equal(r.outputs["C"].reshape(n, n), a @ b)


@pytest.mark.parametrize("src", [REDUCE, SCAN, MATMUL], ids=["reduce", "scan", "matmul"])
def test_local_memory_designs_are_lint_clean(tmp_path, src: str) -> None:
    from soff.sim.tools import lint

    design = soff.compile(src, filename="k.cl")
    path = tmp_path / f"{design.top}.v"
    path.write_text(design.verilog)
    assert lint(path, design.top) == ""


LOCAL_ARG = """
__kernel void red(__global const int *in, __global int *out, __local int *scratch) {
    int l = get_local_id(0), n = get_local_size(0);
    scratch[l] = in[get_global_id(0)];
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = n / 2; s > 0; s >>= 1) {
        if (l < s) scratch[l] += scratch[l + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (l == 0) out[get_group_id(0)] = scratch[0];
}
"""


@pytest.mark.parametrize("local", [64, 128])
def test_local_pointer_argument_sized_at_launch(local: int) -> None:
    """A barrier inside a loop with work-groups larger than the loop entry limit
    (32) used to deadlock; the __local argument becomes a RAM of Local(nbytes)."""
    x = RNG.integers(-1000, 1000, 512, dtype=np.int32)
    design = soff.compile(LOCAL_ARG, filename="red.cl")
    assert design.local_arg_bytes == {"scratch": 4096}  # the default until a launch says
    r = design.simulate(
        512,
        local,
        {"in": x, "out": np.zeros(512 // local, np.int32), "scratch": soff.Local(local * 4)},
    )
    np.testing.assert_array_equal(r.outputs["out"], x.reshape(-1, local).sum(axis=1))
    assert "scratch" not in r.outputs


def test_local_pointer_argument_needs_local() -> None:
    design = soff.compile(LOCAL_ARG, filename="red.cl")
    with pytest.raises(ValueError, match="needs soff.Local"):
        design.simulate(
            64, 64, {"in": np.zeros(64, np.int32), "out": np.zeros(1, np.int32), "scratch": 4}
        )


def test_soff_sim_takes_local_bytes(tmp_path, capsys) -> None:
    import json

    from soff.cli import main

    src, x = tmp_path / "red.cl", np.arange(256, dtype=np.int32)
    src.write_text(LOCAL_ARG)
    np.save(tmp_path / "x.npy", x)
    out = tmp_path / "o.npy"
    argv = [
        "sim", str(src), "--global", "256", "--local", "64", "--json",
        "--arg", f"in=@{tmp_path / 'x.npy'}", "--arg", "out=zeros:int32:4",
        "--arg", "scratch=local:256", "--out", f"out={out}",
    ]  # fmt: skip
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["cycles"] > 0
    np.testing.assert_array_equal(np.load(out), x.reshape(4, 64).sum(axis=1))
