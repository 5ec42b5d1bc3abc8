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


def test_reducer_introduces_no_undefined_behaviour() -> None:
    """Whatever the predicate accepts, a reduced kernel keeps its helpers' final
    ``return``, the safe division helpers, the ``gid`` line and clamp's bounds."""
    src = """uint safe_div_uint(uint a, uint b) {
    return (b == 0) ? a : (a / b);
}
short h1(ulong p0, ushort p1) {
    p0 ^= (ulong)(p1);
    return (short)((p0) + (ulong)(3));
}
__kernel void fuzz(__global const uint *in0, __global short *out0) {
    size_t gid = get_global_id(0);
    uint v1 = safe_div_uint((uint)(in0[(gid & 7u)]), (uint)(h1((ulong)(gid), (ushort)(2))));
    out0[gid * 2 + 0] = (short)(clamp((int)(v1), ((int)5), ((int)9)));
}
"""

    def still_fails(s: str) -> bool:
        return all(x in s for x in ("out0[", "safe_div_uint(", "h1(", "clamp(")) and _parses(s)

    small = reduce_source(src, still_fails, time_budget=60)
    assert len(small) < len(src)
    assert "    return (b == 0) ? a : (a / b);" in small
    assert "size_t gid = get_global_id(0);" in small
    h1 = small.split("short h1")[1].split("}")[0].strip().splitlines()
    assert h1[-1].strip().startswith("return ")
    assert "((int)5), ((int)9))" in small


def _parses(src: str) -> bool:
    try:
        compile_source(src, "f.cl")
        return True
    except Exception:  # noqa: BLE001
        return False


def _check(seed: int) -> None:
    o = check_program(generate(seed))
    assert not o.failed, f"seed {seed}: {o.kind}: {o.detail}"


def test_pocl_miscompile_is_a_note_not_a_failure() -> None:
    """Optimised PoCL 3.1 drops a store that a later load of the same element must
    see; PoCL with -cl-opt-disable agrees with the interpreter, so the kernel is ok."""
    from pathlib import Path

    from soff.testing.fuzz import OK, POCL_MISCOMPILE, check_saved, pocl_available

    if not pocl_available():
        pytest.skip("pyopencl + PoCL not installed")
    path = Path(__file__).parents[1] / "regressions" / "pocl_opt_store_forwarding.cl"
    o = check_saved(path, hardware=False)
    assert o.kind == OK, o.detail
    assert set(o.notes) <= {POCL_MISCOMPILE}


def test_icarus_out_of_wall_time_goes_to_verilator(monkeypatch: pytest.MonkeyPatch) -> None:
    """A wall-time timeout of Icarus is no verdict on the design: Verilator decides."""
    import numpy as np

    import soff
    from soff.sim.errors import SimulationError
    from soff.testing.fuzz import ICARUS_TOO_SLOW, MISMATCH, OK, check

    src = "__kernel void k(__global int *o) { o[get_global_id(0)] = 3; }"
    calls: list[str] = []

    class Result:
        cycles = 10

        def __init__(self, value: int) -> None:
            self.outputs = {"o": np.full(4, value, np.int32)}

    def fake(value: int) -> object:
        def simulate(self: object, gsz: object, lsz: object, args: object, simulator: str,
                     timeout_cycles: int | None = None) -> Result:
            calls.append(simulator)
            if simulator == "icarus":
                raise SimulationError("simulating 'k' with icarus failed ('vvp' did not finish "
                                      "within 300 s of wall time)")
            return Result(value)
        return simulate

    design_type = type(soff.compile(src, kernel="k"))
    for value, kind in ((3, OK), (4, MISMATCH)):
        calls.clear()
        monkeypatch.setattr(design_type, "simulate", fake(value))
        o = check(src, "k", {"o": np.zeros(4, np.int32)}, [4], [4], pocl=False, simulator="icarus")
        assert (o.kind, o.notes, calls) == (kind, [ICARUS_TOO_SLOW], ["icarus", "verilator"])


# 8 work-items, each 64 trips through a loop whose header holds a 64-bit divider
# (67 stages): ~4,500 cycles, more than the simulator's default bound (1000 + 200
# per work-item), which called such kernels hangs (seeds 20227 and 20694)
DEEP_LOOP = """__kernel void fuzz(__global const ulong *in0, __global ulong *out0, ulong d) {
    size_t gid = get_global_id(0);
    ulong acc = in0[gid];
    for (uint i = 0; i < 64; i++) {
        acc = acc / d + (ulong)i * 977ul;
    }
    out0[gid] = acc;
}
"""


def _deep_loop_args() -> dict[str, object]:
    import numpy as np

    return {
        "in0": np.arange(8, dtype=np.uint64) * 12345 + 7,
        "out0": np.zeros(8, np.uint64),
        "d": 3,  # an argument: a constant divisor would become a multiplication
    }


def test_cycle_bound_counts_loop_trips() -> None:
    """The bound comes from the interpreter's block visits on the scheduled IR: the
    loop header is entered 65 times per work-item, the body (the divider) 64 times,
    and the bound covers 64 trips through the body's pipeline."""
    import soff
    from soff.sim.api import default_timeout
    from soff.testing.fuzz import block_visits, cycle_bound

    design = soff.compile(DEEP_LOOP, kernel="fuzz")
    sched = design.schedule
    visits = block_visits(sched.kernel, _deep_loop_args(), [8], [4])
    assert visits is not None and len(visits) == 8
    header = sched.blocks[sched.loops[0].header]
    assert {v[header.index] for v in visits} == {65}
    body = max(sched.blocks, key=lambda b: sum(s.depth for s in b.segments))
    assert {v[body.index] for v in visits} == {64}
    depth = sum(s.depth for s in body.segments)
    assert depth > 60  # the divider
    bound = cycle_bound(design, _deep_loop_args(), [8], [4])
    assert bound is not None and bound > default_timeout((8, 1, 1)) + 2 * 64 * depth


@pytest.mark.sim
def test_deep_loop_is_not_a_hang() -> None:
    from soff.sim.api import default_timeout
    from soff.sim.tools import icarus_available
    from soff.testing.fuzz import OK, check

    sim = "icarus" if icarus_available() else "verilator"
    o = check(DEEP_LOOP, "fuzz", _deep_loop_args(), [8], [4], pocl=False, simulator=sim)
    assert o.kind == OK, o.detail
    assert o.cycles is not None and o.cycles > default_timeout((8, 1, 1))


@pytest.mark.sim
@pytest.mark.parametrize("seed", SMALL)
def test_fuzz_small(seed: int) -> None:
    _check(seed)


@pytest.mark.sim
@pytest.mark.slow
@pytest.mark.parametrize("seed", LARGE)
def test_fuzz_large(seed: int) -> None:
    _check(seed)
