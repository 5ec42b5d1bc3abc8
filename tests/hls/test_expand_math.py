"""expand-math: IR text in, IR text out."""

from __future__ import annotations

from hls_helpers import check


def test_tan_and_rsqrt_become_divisions() -> None:
    check(
        """
        kernel @k(%p: ptr.global<f32>, %q: ptr.global<f64>, %x: f32, %y: f64) {
        ^entry:
          %t = math %x {fn = tan} : f32
          %r = math %y {fn = rsqrt} : f64
          %u = math %y {fn = tan} : f64
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
          %u = math %y {fn = tan} : f64
          %s = store %p, %t : void
          %s2 = store %q, %r after(%s) : void
          %s3 = store %q, %u after(%s2) : void
          ret
        }
        """,
    )
