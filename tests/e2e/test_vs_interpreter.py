"""Hardware against the IR interpreter (itself checked against numpy in tests/ir
and tests/frontend): kernels whose numpy reference would be long to write."""

from __future__ import annotations

import numpy as np
import pytest

import soff
from soff.frontend import compile_source
from soff.ir.interp import run_kernel

pytestmark = pytest.mark.sim

KERNELS = {
    "vectors": """
        __kernel void k(__global const int *a, __global const int *b, __global int *c, int n) {
            int i = get_global_id(0);
            if (i * 4 + 3 >= n) return;
            int4 x = vload4(i, a);
            int4 y = vload4(i, b);
            int4 m = x > y;                       // -1 / 0 per lane
            int4 r = select(y, x, m) + convert_int4(x.wzyx & 3);
            r.xy = r.yx * 2;
            vstore4(r + m, i, c);
        }""",
    "constant_tables": """
        __constant int coef[5] = {1, -2, 3, -4, 5};
        __constant float tab[2][3] = {{1.0f, 2.0f, 3.0f}, {4.0f, 5.0f, 6.5f}};
        __kernel void k(__global const int *a, __global const int *b, __global int *c, int n) {
            int i = get_global_id(0);
            int acc = 0;
            for (int j = 0; j < 5; j++) acc += coef[j] * a[(i + j) % n];
            c[i] = acc + (int)(tab[i & 1][(b[i] & 7) % 3] * 2.0f);
        }""",
    "loop_regions": """
        __kernel void k(__global const int *a, __global const int *b, __global int *c, int n) {
            int i = get_global_id(0);
            int acc = 0;
            for (int j = 0; j < (b[i] & 7); j++) {
                int v = a[(i + j) % n];
                if (v > 0) acc += v; else acc -= 2 * v;
                if (acc > 500) { acc -= 500; c[i] = acc; }
            }
            if (i < n) c[i] += acc;
        }""",
    "nested_break_continue_switch": """
        int weight(int x, int y) {
            switch (x & 3) {
                case 0: return x * y;
                case 1: y += 1;  /* fall through */
                case 2: return y - x;
                default: return 1;
            }
        }
        __kernel void k(__global const int *a, __global const int *b, __global int *c, int n) {
            int i = get_global_id(0);
            int s = 0;
            for (int x = 0; x < 4; x++) {
                for (int y = 0; y < x + 2; y++) {
                    if (a[(i * 3 + x + y) % n] == b[i]) break;
                    s += weight(x, y);
                }
                if (s > 20) continue;
                s ^= b[i];
            }
            c[i] = max(s, -7) + clamp(a[i], -3, 3) + abs(b[i]);
        }""",
}


@pytest.mark.parametrize("name", sorted(KERNELS))
def test_hardware_matches_interpreter(name: str) -> None:
    n = 96
    rng = np.random.default_rng(7)
    args = {
        "a": rng.integers(-200, 200, n, dtype=np.int32),
        "b": rng.integers(-9, 9, n, dtype=np.int32),
        "c": rng.integers(-1000, 1000, n, dtype=np.int32),
        "n": n,
    }
    expect = run_kernel(compile_source(KERNELS[name], "k.cl").kernels[0], args, n, 16)
    design = soff.compile(KERNELS[name], filename="k.cl")
    result = design.simulate(n, 16, args)
    for buf, want in expect.items():
        np.testing.assert_array_equal(result.outputs[buf], want, err_msg=f"buffer {buf}")
