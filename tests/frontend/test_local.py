"""__local pointer arguments: a buffer per work-group in the interpreter
(sized by the host with Local); in hardware a RAM of that size."""

from __future__ import annotations

import numpy as np
import pytest
from fe_helpers import compile_ok, ir_text, run

import soff
from soff.ir.interp import Local, run_kernel

SRC = """
__kernel void k(__global const int *a, __global int *o, __local int *tmp) {
    int l = get_local_id(0), g = get_global_id(0);
    int before = tmp[(l + 1) % get_local_size(0)];  /* 0 unless the group wrote it */
    tmp[l] = a[g] * 2;
    o[g] = tmp[l] + 1000 * before;
}"""


def test_local_pointer_argument_is_per_group() -> None:
    assert "%tmp: ptr.local<i32>" in ir_text(SRC)
    a = np.arange(16, dtype=np.int32)
    out = run(SRC, {"a": a, "o": np.zeros(16, np.int32), "tmp": Local(16)}, 16, 4)["o"]
    # work-items of a group run in order: only the group's last one sees an earlier write
    before = np.zeros(16, np.int32)
    before[3::4] = a[0::4] * 2
    np.testing.assert_array_equal(out, a * 2 + 1000 * before)


def test_local_argument_needs_local_and_checks_bounds() -> None:
    k = compile_ok(SRC).kernels[0]
    a = np.arange(16, dtype=np.int32)
    with pytest.raises(TypeError, match="Local"):
        run_kernel(k, {"a": a, "o": a, "tmp": np.zeros(4, np.int32)}, 16, 4)
    with pytest.raises(Exception, match="out of bounds of __local argument 'tmp'"):
        run_kernel(k, {"a": a, "o": a, "tmp": Local(8)}, 16, 4)


def test_hardware_makes_local_arguments_rams() -> None:
    # soff.hls.local_args: a RAM of the launch's size (4096 bytes until one is given)
    assert soff.compile(SRC).local_arg_bytes == {"tmp": 4096}
    assert soff.compile(SRC, local_arg_bytes={"tmp": 64}).local_arg_bytes == {"tmp": 64}
    with pytest.raises(soff.CompileError, match="no __local pointer argument named 'tmq'"):
        soff.compile(SRC, local_arg_bytes={"tmq": 64})
