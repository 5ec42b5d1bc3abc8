"""expand-math: IR text in, IR text out."""

from __future__ import annotations

from hls_helpers import check, run_passes

from soff.hls.passes import mathlib


def test_tan_and_rsqrt_become_divisions() -> None:
    check(
        """
        kernel @k(%p: ptr.global<f32>, %q: ptr.global<f64>, %x: f32, %y: f64) {
        ^entry:
          %t = math %x {fn = tan} : f32
          %r = math %y {fn = rsqrt} : f64
          %u = math %y, %y {fn = fmod} : f64
          %s = store %p, %t : void
          %s2 = store %q, %r after(%s) : void
          %s3 = store %q, %u after(%s2) : void
          ret
        }
        """,
        "expand-math",
        """
        kernel @k(%p: ptr.global<f32>, %q: ptr.global<f64>, %x: f32, %y: f64) {
        ^entry:
          %0 = math %x {fn = sin} : f32
          %1 = math %x {fn = cos} : f32
          %t = div %0, %1 : f32
          %2 = const {value = 1.0} : f64
          %3 = math %y {fn = sqrt} : f64
          %r = div %2, %3 : f64
          %u = math %y, %y {fn = fmod} : f64
          %s = store %p, %t : void
          %s2 = store %q, %r after(%s) : void
          %s3 = store %q, %u after(%s2) : void
          ret
        }
        """,
    )


def test_pown_becomes_pow_of_the_magnitude_with_the_sign_of_odd_powers() -> None:
    check(
        """
        kernel @k(%p: ptr.global<f32>, %x: f32, %n: i32) {
        ^entry:
          %r = math %x, %n {fn = pown} : f32
          %s = store %p, %r : void
          ret
        }
        """,
        "expand-math",
        """
        kernel @k(%p: ptr.global<f32>, %x: f32, %n: i32) {
        ^entry:
          %0 = math %x {fn = fabs} : f32
          %1 = cast %n : f32
          %2 = math %0, %1 {fn = pow} : f32
          %3 = neg %2 : f32
          %4 = const {value = 1} : i32
          %5 = const {value = 0} : i32
          %6 = and %n, %4 : i32
          %7 = cmp %6, %5 {pred = ne} : u1
          %8 = bitcast %x : i32
          %9 = cmp %8, %5 {pred = lt} : u1
          %10 = and %7, %9 : u1
          %r = select %10, %3, %2 : f32
          %s = store %p, %r : void
          ret
        }
        """,
    )


def test_asin_and_acos_become_atan() -> None:
    check(
        """
        kernel @k(%p: ptr.global<f32>, %x: f32) {
        ^entry:
          %a = math %x {fn = asin} : f32
          %c = math %x {fn = acos} : f32
          %s = store %p, %a : void
          %s2 = store %p, %c after(%s) : void
          ret
        }
        """,
        "expand-math",
        """
        kernel @k(%p: ptr.global<f32>, %x: f32) {
        ^entry:
          %0 = neg %x : f32
          %1 = const {value = 1.0} : f32
          %2 = math %0, %x, %1 {fn = fma} : f32
          %3 = math %2 {fn = sqrt} : f32
          %4 = div %x, %3 : f32
          %a = math %4 {fn = atan} : f32
          %5 = const {value = 1.0} : f32
          %6 = const {value = 2.0} : f32
          %7 = sub %5, %x : f32
          %8 = add %5, %x : f32
          %9 = div %7, %8 : f32
          %10 = math %9 {fn = sqrt} : f32
          %11 = math %10 {fn = atan} : f32
          %c = mul %6, %11 : f32
          %s = store %p, %a : void
          %s2 = store %p, %c after(%s) : void
          ret
        }
        """,
    )


def test_atan2_becomes_atan_of_magnitudes_with_fixups() -> None:
    out = run_passes(
        """
        kernel @k(%p: ptr.global<f32>, %y: f32, %x: f32) {
        ^entry:
          %a = math %y, %x {fn = atan2} : f32
          %s = store %p, %a : void
          ret
        }
        """,
        "expand-math",
    )
    assert "atan2" not in out
    assert "{fn = atan} : f32" in out and "%a = math %" in out and "{fn = copysign}" in out
    assert out.count("select") == 3 and "bitcast %x : i32" in out


def test_f64_functions_without_expansions_stay() -> None:
    text = """
        kernel @k(%p: ptr.global<f64>, %y: f64, %x: f64) {
        ^entry:
          %a = math %y, %x {fn = fmod} : f64
          %b = math %y, %x {fn = remainder} : f64
          %c = math %a, %b {fn = fmin} : f64
          %s = store %p, %c : void
          ret
        }
        """
    check(text, "expand-math", text)


def test_binary64_functions_leave_no_math_calls_but_units() -> None:
    fns = [*mathlib.F64_FUNCS, "asin", "acos", "atan2", "pown"]
    lines = []
    for i, fn in enumerate(fns):
        args = "%y, %n" if fn in ("rootn", "pown") else "%y, %x" if fn in (
            "pow", "powr", "hypot", "atan2") else "%y"  # fmt: skip
        lines.append(f"  %r{i} = math {args} {{fn = {fn}}} : f64")
        lines.append(f"  %s{i} = store %p, %r{i} : void")
    text = "kernel @k(%p: ptr.global<f64>, %y: f64, %x: f64, %n: i32) {\n^entry:\n"
    out = run_passes(text + "\n".join(lines) + "\n  ret\n}\n", "expand-math")
    units = {"fabs", "sqrt", "fma", "rint", "trunc", "ldexp", "ilogb", "fmin", "fmax", "copysign"}
    called = {ln.split("fn = ")[1].split("}")[0] for ln in out.splitlines() if "fn = " in ln}
    assert called <= units, called - units
