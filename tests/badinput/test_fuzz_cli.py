"""Fuzzing the compiler's command line with hypothesis (issue 9, "Bad input").

Random byte strings and mutated example kernels (tokens inserted, deleted,
replaced, duplicated) go through :func:`soff.cli.main`. Every run must end in
success (exit 0, an output file) or a clean error (exit 1, an ``error:``
message, no output file) — never an internal error (exit 2) or a traceback.

The default run is small and derandomized (the same examples every time, so CI
is deterministic); ``pytest -m slow tests/badinput`` runs a bigger campaign.
What the fuzzing found is in docs/fuzzing.md.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from soff.cli import main  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SEEDS = sorted((ROOT / "examples").glob("*.cl"))
SEED_TEXTS = [p.read_text() for p in SEEDS]

_TOKEN = re.compile(
    r"//[^\n]*|/\*.*?\*/|\"(?:[^\"\\\n]|\\.)*\"|[A-Za-z_]\w*|\d\w*(?:\.\w*)?|\s+|.", re.S
)
#: tokens worth splicing in besides those of the seeds
EXTRA_TOKENS = (
    "( ) { } [ ] ; , . -> ? : * & + - / % ~ ! < > << >> == != && || = += ++ -- # ## \" ' /* */ "
    "0 1 -1 0x7fffffff 0xffffffffffffffff 1e308 1.5f 0.0 'a' \"s\" int uint long char float "
    "double half void int4 float2 __local __global __constant __private const volatile "
    "restrict struct union enum typedef static extern inline __kernel kernel return if else "
    "while do for switch case default break continue goto sizeof __attribute__ "
    "get_global_id get_local_id get_group_id barrier CLK_LOCAL_MEM_FENCE atomic_add min max "
    "clamp mad24 popcount sqrt exp convert_int as_float vload4 vstore4 select printf "
    "#define #include #if #endif #error #pragma #line __LINE__ .x .s0 .xyzw"
).split()


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


POOL = sorted({t for s in SEED_TEXTS for t in _tokens(s) if not t.isspace()} | set(EXTRA_TOKENS))


@st.composite
def mutated_kernel(draw: st.DrawFn) -> str:
    toks = _tokens(draw(st.sampled_from(SEED_TEXTS)))
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(toks)))
        op = draw(st.sampled_from(("insert", "delete", "replace", "duplicate")))
        if op == "insert":
            toks.insert(i, " " + draw(st.sampled_from(POOL)) + " ")
        elif i < len(toks) and op == "delete":
            del toks[i]
        elif i < len(toks) and op == "replace":
            toks[i] = " " + draw(st.sampled_from(POOL)) + " "
        elif i < len(toks):
            toks.insert(i, toks[i])
    return "".join(toks)


def check(source: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src, out = tmp_path / "k.cl", tmp_path / "k.v"
    out.unlink(missing_ok=True)
    src.write_bytes(source)
    try:
        code = main([str(src), "-o", str(out)])
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "internal error" not in err, f"{err}\n--- input:\n{source!r}"
    assert code in (0, 1), f"exit {code}: {err}\n--- input:\n{source!r}"
    if code == 0:
        assert out.exists()
    else:
        assert "error:" in err and not out.exists(), err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k.cl"] + (["k.v"] if code == 0 else [])


COMMON = {
    "deadline": None,
    "derandomize": True,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    "database": None,
}


@settings(max_examples=100, **COMMON)
@given(data=st.binary(max_size=300))
def test_random_bytes(data: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    check(data, tmp_path, capsys)


@settings(max_examples=200, **COMMON)
@given(source=mutated_kernel())
def test_mutated_kernels(source: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    check(source.encode(), tmp_path, capsys)


@pytest.mark.slow
@settings(max_examples=3000, **{**COMMON, "derandomize": False})
@given(source=mutated_kernel())
def test_mutated_kernels_long(
    source: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    check(source.encode(), tmp_path, capsys)


@pytest.mark.slow
@settings(max_examples=2000, **{**COMMON, "derandomize": False})
@given(data=st.binary(max_size=2000) | st.text(max_size=2000).map(str.encode))
def test_random_input_long(data: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    check(data, tmp_path, capsys)
