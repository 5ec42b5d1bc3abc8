"""flush-subnormals (``--ftz``): IR text in and out, and its effect in the interpreter."""

from __future__ import annotations

import numpy as np
from hls_helpers import check

from soff.frontend import compile_source
from soff.hls.passes.flush_subnormals import flush_subnormals
from soff.hls.pipeline import DEFAULT_PIPELINE, ftz_pipeline
from soff.ir.interp import run_kernel


def test_operands_and_stored_values_are_flushed_once() -> None:
    check(
        """
        kernel @k(%p: ptr.global<f32>, %x: f32, %y: f32) {
        ^entry:
          %a = mul %x, %y : f32
          %b = add %a, %x : f32
          %c = math %b {fn = fabs} : f32
          %s = store %p, %c : void
          ret
        }
        """,
        "flush-subnormals",
        """
        kernel @k(%p: ptr.global<f32>, %x: f32, %y: f32) {
        ^entry:
          %0 = math %x {fn = fabs} : f32
          %1 = const {value = 1.1754943508222875e-38} : f32
          %2 = cmp %0, %1 {pred = lt} : u1
          %3 = const {value = 0.0} : f32
          %4 = math %3, %x {fn = copysign} : f32
          %5 = select %2, %4, %x : f32
          %6 = math %y {fn = fabs} : f32
          %7 = const {value = 1.1754943508222875e-38} : f32
          %8 = cmp %6, %7 {pred = lt} : u1
          %9 = const {value = 0.0} : f32
          %10 = math %9, %y {fn = copysign} : f32
          %11 = select %8, %10, %y : f32
          %a = mul %5, %11 : f32
          %12 = math %a {fn = fabs} : f32
          %13 = const {value = 1.1754943508222875e-38} : f32
          %14 = cmp %12, %13 {pred = lt} : u1
          %15 = const {value = 0.0} : f32
          %16 = math %15, %a {fn = copysign} : f32
          %17 = select %14, %16, %a : f32
          %b = add %17, %5 : f32
          %c = math %b {fn = fabs} : f32
          %18 = math %c {fn = fabs} : f32
          %19 = const {value = 1.1754943508222875e-38} : f32
          %20 = cmp %18, %19 {pred = lt} : u1
          %21 = const {value = 0.0} : f32
          %22 = math %21, %c {fn = copysign} : f32
          %23 = select %20, %22, %c : f32
          %s = store %p, %23 : void
          ret
        }
        """,
    )


def test_ftz_pipeline_puts_the_pass_before_expand_math() -> None:
    assert ftz_pipeline().split(",")[:2] == ["flush-subnormals", "expand-math"]
    assert ftz_pipeline("dce,cse") == "flush-subnormals,dce,cse"
    assert ftz_pipeline(ftz_pipeline()) == ftz_pipeline()
    assert "flush-subnormals" not in DEFAULT_PIPELINE


def test_subnormals_read_and_written_as_zeros() -> None:
    src = """
    __kernel void f(__global const float *x, __global const double *y, __global float *o,
                    __global double *p) {
        int i = get_global_id(0);
        o[2 * i] = x[i] * 0.5f;
        o[2 * i + 1] = x[i] + 1e-30f * 1e-10f;
        p[i] = y[i] * 1e-300;
    }
    """
    kern = compile_source(src, "f.cl").kernels[0]
    assert flush_subnormals(kern)
    x = np.array([1e-39, -1e-39, 2e-38, 1.0, -0.0], np.float32)
    y = np.array([1e-10, -1e-10, 1e-300, 5e-320, 1.0])
    args = {"x": x, "y": y, "o": np.zeros(10, np.float32), "p": np.zeros(5)}
    r = run_kernel(kern, args, 5)
    o = r["o"].reshape(5, 2)
    assert o[:, 0].tolist() == [0.0, 0.0, 0.0, 0.5, 0.0]  # 2e-38 * 0.5 is subnormal
    assert np.signbit(o[:, 0]).tolist() == [False, True, False, False, True]
    assert o[:, 1].tolist() == [0.0, 0.0, np.float32(2e-38), 1.0, 0.0]  # 1e-40 flushed too
    assert r["p"].tolist() == [0.0, -0.0, 0.0, 0.0, 1e-300]
