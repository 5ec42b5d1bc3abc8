"""Which single-work-item loops get pipelined iterations (soff.hls.schedule.loop_pipeline),
and the cause the report gives when they do not: every unsafe case stays as it was."""

from __future__ import annotations

import pytest

import soff


def _plans(src: str, kernel: str | None = None) -> list[tuple[bool, str]]:
    design = soff.compile(src, kernel=kernel)
    return [(lp.pipelined, lp.pipeline.cause) for lp in design.schedule.loops]


def _one(
    body: str,
    params: str = "__global const int *restrict x, __global int *restrict y",
) -> tuple[bool, str]:
    src = f"__kernel void k({params}, int n) {{\n{body}\n}}\n"
    (plan,) = _plans(src)
    return plan


def test_restrict_loop_is_pipelined() -> None:
    ok, cause = _one("for (int i = 0; i < n; i++) y[i] = 2 * x[i];")
    assert ok and "iterations pipelined" in cause


def test_offset_and_stride_are_distinct_addresses() -> None:
    assert _one("for (int i = 1; i < n; i += 3) y[i + 1] = x[i];")[0]
    assert _one("for (long i = n; i > 0; i--) y[i - 1] = x[i];")[0]


def test_without_restrict_the_store_may_alias() -> None:
    ok, cause = _one(
        "for (int i = 0; i < n; i++) y[i] = x[i];", "__global const int *x, __global int *y"
    )
    assert not ok and "restrict" in cause and "`y`" in cause


def test_only_access_path_needs_no_restrict() -> None:
    ok, _ = _one("for (int i = 0; i < n; i++) y[i] = 3 * i;", "__global int *y")
    assert ok
    ok, cause = _one(
        "for (int i = 0; i < n; i++) { y[i] = i; z[i] = -i; }", "__global int *y, __global int *z"
    )
    assert not ok and "restrict" in cause


def test_buffer_read_and_written_is_not_pipelined() -> None:
    ok, cause = _one("for (int i = 1; i < n; i++) y[i] = y[i - 1] + x[i];")
    assert not ok and "read and written" in cause


@pytest.mark.parametrize(
    "body",
    [
        "for (int i = 0; i < n; i++) y[0] = x[i];",  # the same element every iteration
        "for (int i = 0; i < n; i++) y[x[i]] = i;",  # a data-dependent address
        "for (int i = 0; i < n; i++) y[i / 2] = x[i];",  # not injective
        "for (int i = 0; i < n; i++) y[(char)i] = x[i];",  # truncated index
    ],
)
def test_repeating_store_addresses_are_not_pipelined(body: str) -> None:
    ok, cause = _one(body)
    assert not ok and "repeat" in cause


def test_if_else_storing_the_same_element() -> None:
    ok, _ = _one("for (int i = 0; i < n; i++) { if (x[i] > 0) y[i] = x[i]; else y[i] = 0; }")
    assert ok


def test_two_stores_through_one_pointer() -> None:
    ok, cause = _one("for (int i = 0; i < n; i++) { y[i] = x[i]; y[i + 1] = 0; }")
    assert not ok and "two stores" in cause


def test_break_leaves_the_loop_from_its_body() -> None:
    ok, cause = _one("for (int i = 0; i < n; i++) { if (x[i] < 0) break; y[i] = x[i]; }")
    assert not ok


def test_carried_scalar_names_variable_and_line() -> None:
    src = """__kernel void k(__global const int *restrict x, __global int *restrict y, int n) {
    int acc = 0;
    for (int i = 0; i < n; i++) {
        acc += x[i];
        y[i] = acc;
    }
}
"""
    (plan,) = _plans(src)
    assert plan == (False, "loop-carried `acc` through add at line 4")


@pytest.mark.parametrize(
    "update", ["acc += x[i];", "acc -= x[i] * 3;", "acc ^= x[i];", "acc |= x[i];",
               "acc &= x[i];", "acc *= x[i];", "acc += i > 3 ? x[i] : 0;",
               "acc = x[i] + acc;", "acc = (x[i] | 1) * acc;", "acc = acc - x[i];",
               "if (x[i] > 0) acc -= x[i];", "acc = x[i] > 0 ? acc : acc * x[i];",
               "{ int t = acc; acc = t ^ x[i]; }", "{ acc += i; y[i + 1] = x[i]; }"],
)  # fmt: skip
def test_integer_reductions_are_pipelined(update: str) -> None:
    ok, cause = _one(f"int acc = 1; for (int i = 0; i < n; i++) {update} y[0] = acc;")
    assert ok and "reduction `acc` combined as iterations return" in cause


@pytest.mark.parametrize(
    "body, why",
    [
        ("float acc = 0; for (int i = 0; i < n; i++) acc += f[i]; y[0] = (int)acc;", "`acc`"),
        ("int acc = 0; for (int i = 0; i < n; i++) acc = x[i] - acc; y[0] = acc;", "`acc`"),
        ("int acc = 0; for (int i = 0; i < n; i++) { acc += x[i]; y[i] = acc; }", "`acc`"),
        ("int acc = 0; for (int i = 0; i < n; i++) acc += x[acc & 7]; y[0] = acc;", "`acc`"),
        ("int acc = 0; for (int i = 0; i < n && acc < 9; i++) acc += x[i]; y[0] = acc;", ""),
        ("int acc = 0; for (int i = 0; i < n; i++) acc = acc * 2 + x[i]; y[0] = acc;", "`acc`"),
        # narrow accumulators: promoted to int and truncated back (the phi is a char)
        ("char acc = 0; for (int i = 0; i < n; i++) acc += (char)x[i]; y[0] = acc;", "cast"),
        ("uchar acc = 0; for (int i = 0; i < n; i++) acc |= x[i] == 3; y[0] = acc;", "cast"),
        ("int acc = 0; for (int i = 0; i < n; i++) acc = (int)((long)acc + x[i]); y[0] = acc;",
         "cast"),
        # a partial value read by another variable, or the sum feeding itself
        ("int a = 0, b = 0; for (int i = 0; i < n; i++) { a += x[i]; b = a; } y[0] = b;", "`a`"),
        ("int a = 0, b = 0; for (int i = 0; i < n; i++) { b = a; a += x[i]; } y[0] = b;", "`a`"),
        ("int a = 0, b = 0; for (int i = 0; i < n; i++) { a += x[i]; b += a; } y[0] = b;", "`a`"),
        ("int a = 0, b = 0; for (int i = 0; i < n; i++) { int t = a; a = b + x[i]; b = t + 1; }"
         " y[0] = a;", "`a`"),
        ("int acc = 0; for (int i = 0; i < n; i++) acc += x[i] + acc; y[0] = acc;", "`acc`"),
        ("int acc = 0; for (int i = 0; i < n; i++) { acc += x[i]; acc += x[i + 1]; } y[0] = acc;",
         "`acc`"),
        ("int acc = 0; for (int i = 0; i < n; i++) acc = (acc + x[i]) & 255; y[0] = acc;", "`acc`"),
        ("int acc = 1; for (int i = 0; i < n; i++) acc = acc * acc; y[0] = acc;", "`acc`"),
        ("int acc = 1; for (int i = 0; i < n; i++) acc = x[i] - 1 - acc; y[0] = acc;", "`acc`"),
        # if-converted: a reset, a select on the partial value, two different updates
        ("int acc = 0; for (int i = 0; i < n; i++) acc = x[i] > 0 ? acc + 1 : 0; y[0] = acc;",
         "`acc`"),
        ("int acc = 0; for (int i = 0; i < n; i++) acc = x[i] > 0 ? 5 : acc; y[0] = acc;", "`acc`"),
        ("int acc = 0; for (int i = 0; i < n; i++) acc = x[i] > 0 ? acc : x[i] - acc; y[0] = acc;",
         "`acc`"),
        ("int acc = 0; for (int i = 0; i < n; i++) acc += x[i] ? 1 : acc; y[0] = acc;", "`acc`"),
        ("int acc = 0; for (int i = 0; i < n; i++) { if (acc > 5) acc += x[i]; } y[0] = acc;",
         "`acc`"),
        ("int acc = 0; for (int i = 0; i < n; i++) { if (x[i] > 0) acc += x[i]; else acc *= 3; }"
         " y[0] = acc;", "`acc`"),
        # the partial value leaves through a store or an inner loop
        ("int acc = 0; for (int i = 0; i < n; i++) { acc += x[i]; y[i] = acc - x[i]; }", "`acc`"),
    ],
)  # fmt: skip
def test_non_reductions_keep_circulating(body: str, why: str) -> None:
    params = "__global const int *restrict x, __global int *restrict y, __global const float *f"
    ok, cause = _one(body, params)
    assert not ok and why in cause


def test_reduction_through_an_inner_loop() -> None:
    """A sum the inner loop updates is carried by the outer loop (its next value is
    the inner loop's phi); the inner loop reduces, starting from the outer value."""
    src = """__kernel void k(__global const int *restrict x, __global int *restrict y, int n) {
    int acc = 0;
    for (int i = 0; i < n; i++)
        for (int t = 0; t < n; t++) acc += x[t] >> i;
    y[0] = acc;
}
"""
    (outer, inner) = _plans(src)
    assert not outer[0] and "`acc`" in outer[1]
    assert inner[0] and "reduction `acc`" in inner[1]


def test_several_work_items_keep_circulating() -> None:
    ok, cause = _one("int g = get_global_id(0); for (int i = 0; i < n; i++) y[g * n + i] = x[i];")
    assert not ok and "several work-items" in cause


def test_inner_loop_circulates_the_outer_iterations() -> None:
    src = """__kernel void k(__global const int *restrict x, __global int *restrict y, int n) {
    for (int i = 0; i < n; i++) {
        int s = 0;
        for (int t = 0; t < 4; t++) s += x[i + t];
        y[i] = s;
    }
}
"""
    (outer, inner) = _plans(src)
    assert outer[0] and not inner[0] and "enclosing loop" in inner[1]


def test_plain_c_function_is_single_work_item() -> None:
    src = """int scale(const int *restrict x, int *restrict y, int n) {
    for (int i = 0; i < n; i++) y[i] = 2 * x[i];
    return n;
}
"""
    ((ok, _),) = _plans(src, "scale")
    assert ok


def test_report_text_and_json() -> None:
    src = """__kernel void k(__global const int *x, __global int *y, int n) {
    int acc = 0;
    for (int i = 0; i < n; i++) {
        acc += x[i];
        y[i] = acc;
    }
}
"""
    design = soff.compile(src)
    (loop,) = design.report_data()["datapath"]["loops"]
    assert loop["carried"] == {"variable": "acc", "op": "add", "line": 4}
    assert loop["ii_lower_bound"] and loop["ii"] > 1
    assert not loop["iterations_pipelined"]
    assert "loop-carried `acc` through add at line 4" in design.report


def test_corpus_fir_and_prefix_reports() -> None:
    from pathlib import Path

    opencl = Path(__file__).resolve().parents[1] / "kernels" / "opencl"
    fir = soff.compile(opencl / "fir_single_restrict.cl")
    outer, inner = fir.report_data()["datapath"]["loops"]
    assert outer["iterations_pipelined"] and outer["ii"] == 1
    assert outer["inner_loops"] and inner["circulates_pipelined_iterations"]
    assert "loop at fir_single_restrict.cl:10" in fir.report
    plain = soff.compile(opencl / "fir_single.cl")
    assert not plain.report_data()["datapath"]["loops"][0]["iterations_pipelined"]
    prefix = soff.compile(opencl / "prefix_carry.cl")
    (loop,) = prefix.report_data()["datapath"]["loops"]
    assert loop["carried"] == {"variable": "acc", "op": "add", "line": 6}
    assert loop["ii_lower_bound"] and loop["ii"] >= 2
    assert "II >= " in prefix.report and "loop-carried `acc` through add at line 6" in prefix.report


def test_load_through_a_pointer_chosen_between_a_stored_buffer() -> None:
    """`p = c ? y : x` may be y, which the loop stores: iterations may depend on each
    other (this was pipelined and miscompiled: y[i + 1] = p[i] + 1 with c set)."""
    src = """__kernel void k(__global const int *restrict x, __global int *restrict y,
                    int m, int c) {
    const __global int *p = c ? (const __global int *)y : x;
    for (int i = 0; i < m; i++) y[i + 1] = p[i] + 1;
}
"""
    ((ok, cause),) = _plans(src)
    assert not ok and "`y` is read and written in the loop" in cause
