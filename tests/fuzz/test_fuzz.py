"""Differential fuzzing in CI: generated kernels must give the same buffers in the IR
interpreter, PoCL (when pyopencl is installed) and the Verilator simulation.

The default suite runs 3 fixed seeds; ``pytest -m slow tests/fuzz`` runs 25 more.
Run bigger campaigns with ``soff fuzz --count N --seed S --keep tests/regressions``.
"""

from __future__ import annotations

import pytest

from soff.frontend import compile_source
from soff.ir.interp import run_kernel
from soff.testing.fuzz import check_program
from soff.testing.fuzz_gen import generate
from soff.testing.reduce import parse, reduce_source, render

# Small kernels (short Verilator builds); the generator is deterministic per seed.
SMALL = [10, 11, 6]
LARGE = list(range(2000, 2025))


def test_generator_is_deterministic() -> None:
    assert generate(11).source == generate(11).source
    assert generate(11).source != generate(12).source
    a, b = generate(5).make_args(), generate(5).make_args()
    assert all((a[k] == b[k]).all() if hasattr(a[k], "all") else a[k] == b[k] for k in a)


def test_generated_kernels_parse_and_interpret() -> None:
    """No hardware: the front end accepts generated kernels (valid IR) and the
    interpreter runs them."""
    from soff.ir.verifier import verify_kernel

    for seed in range(40, 52):
        p = generate(seed)
        k = compile_source(p.source, "f.cl").kernels[0]
        verify_kernel(k)
        run_kernel(k, p.make_args(), p.global_size, p.local_size)


def test_reducer_keeps_structure() -> None:
    src = generate(7).source
    assert render(parse(src)) == "\n".join(x for x in src.splitlines() if x) + "\n"
    # reduce to kernels that still contain a store to out0: the result is much smaller
    small = reduce_source(src, lambda s: "out0[" in s and _parses(s), time_budget=30)
    assert "out0[" in small and len(small) < len(src)


def _parses(src: str) -> bool:
    try:
        compile_source(src, "f.cl")
        return True
    except Exception:  # noqa: BLE001
        return False


def _check(seed: int) -> None:
    o = check_program(generate(seed))
    assert not o.failed, f"seed {seed}: {o.kind}: {o.detail}"


@pytest.mark.sim
@pytest.mark.parametrize("seed", SMALL)
def test_fuzz_small(seed: int) -> None:
    _check(seed)


@pytest.mark.sim
@pytest.mark.slow
@pytest.mark.parametrize("seed", LARGE)
def test_fuzz_large(seed: int) -> None:
    _check(seed)
