"""Bad input: every malformed or unsupported input gets a clear gcc-style message,
exit status 1, no Python traceback and no output file (issue 9, "Bad input").

Each ``*.cl`` file here is one case. Its first line is ``// expect: TEXT``: the
message must contain TEXT, with the file name put in front when TEXT starts with
``:`` (``// expect: :3:10: error: ...`` means ``name.cl:3:10: error: ...``). An
optional second line ``// args: ...`` gives extra command-line options. Cases
that are not a file of their own (empty input, a 10 MB source, bad output paths,
bad ``soff sim`` arguments) are tables in this module.

Everything runs in-process through :func:`soff.cli.main`; a few cases run as
real subprocesses to check the exit status and stderr for real.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from soff.cli import INTERNAL_ERROR_STATUS, main

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
VADD = ROOT / "examples" / "vadd.cl"
CORPUS = sorted(p.name for p in HERE.glob("*.cl"))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """``soff ARGV`` in-process: (exit status, stderr)."""
    try:
        code = main(list(argv))
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    return code, capsys.readouterr().err


def assert_clean_error(code: int, err: str, expected: str) -> None:
    assert code == 1, err
    assert "Traceback" not in err and "internal error" not in err, err
    assert expected in err, f"expected {expected!r} in:\n{err}"


def assert_no_outputs(directory: Path) -> None:
    left = sorted(p.name for p in directory.iterdir())
    assert not left, f"partial output left behind: {left}"


def header(path: Path) -> tuple[str, list[str]]:
    lines = path.read_bytes().decode("utf-8", "replace").splitlines()
    assert lines[0].startswith("// expect: "), f"{path.name}: no '// expect:' line"
    expect = lines[0][len("// expect: ") :]
    args = shlex.split(lines[1][len("// args: ") :]) if lines[1].startswith("// args: ") else []
    return (path.name + expect if expect.startswith(":") else expect), args


@pytest.mark.parametrize("name", CORPUS)
def test_corpus(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    expected, args = header(HERE / name)
    monkeypatch.chdir(HERE)  # messages name the file as given
    out = tmp_path / "out"
    out.mkdir()
    code, err = run(
        capsys, name, "-o", str(out / "k.v"), "--report-json", str(out / "r.json"), *args
    )
    assert_clean_error(code, err, expected)
    assert_no_outputs(out)


# --------------------------------------------------------------------------- generated inputs

KERNEL = "__kernel void k(__global int *a) {\n  a[0] = 1;\n}\n"


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"", "k.cl:1:1: error: no __kernel function in the input"),
        (b"  \n\t\n", "k.cl:1:1: error: no __kernel function in the input"),
        (b"\x00\x00\x00", "k.cl:1:1: error: Illegal character '\\x00'"),
        (b"\xc3\x28 garbage", "k.cl:1:1: error: invalid UTF-8 byte 0xc3"),
        (KERNEL.encode() + b"\n\x80", "k.cl:5:1: error: invalid UTF-8 byte 0x80"),
        (bytes(range(256)), "k.cl:2:118: error: invalid UTF-8 byte 0x80"),
    ],
    ids=["empty", "whitespace", "nul-bytes", "bad-utf8", "bad-utf8-late", "all-bytes"],
)
def test_generated(
    content: bytes,
    expected: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("k.cl").write_bytes(content)
    code, err = run(capsys, "k.cl", "-o", "k.v")
    assert_clean_error(code, err, expected)
    assert sorted(os.listdir()) == ["k.cl"]


def test_ten_megabyte_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """10 MB of dense code is rejected at once (the token limit), not after minutes."""
    monkeypatch.chdir(tmp_path)
    body = "  a[1] = a[2] + 3;\n" * ((10 << 20) // 19)
    Path("big.cl").write_text("__kernel void k(__global int *a) {\n" + body + "}\n")
    start = time.monotonic()
    code, err = run(capsys, "big.cl", "-o", "big.v")
    assert time.monotonic() - start < 60
    assert_clean_error(code, err, "error: the source is too large: more than 200000 tokens")
    assert not Path("big.v").exists()


@pytest.mark.slow
def test_ten_megabyte_comment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A small kernel with 10 MB of comment compiles (comments are not tokens)."""
    monkeypatch.chdir(tmp_path)
    Path("big.cl").write_text(KERNEL + "/*" + "x" * (10 << 20) + "*/\n")
    start = time.monotonic()
    code, _ = run(capsys, "big.cl", "-o", "big.v")
    assert code == 0 and Path("big.v").exists()
    assert time.monotonic() - start < 60


# --------------------------------------------------------------------------- files and paths


def test_missing_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(capsys, str(tmp_path / "absent.cl"), "-o", str(tmp_path / "k.v"))
    assert_clean_error(code, err, "absent.cl: No such file or directory")
    code, err = run(capsys, str(tmp_path), "-o", str(tmp_path / "k.v"))  # a directory
    assert_clean_error(code, err, "No such file or directory")
    assert_no_outputs(tmp_path)


@pytest.mark.parametrize(
    "dest, expected",
    [
        ("missing/k.v", "directory '{tmp}/missing' does not exist"),
        ("adir", "cannot write '{tmp}/adir': it is a directory"),
        ("adir/", "cannot write '{tmp}/adir': it is a directory"),
        ("", "it is a directory"),
    ],
    ids=["no-dir", "is-dir", "is-dir-slash", "empty"],
)
@pytest.mark.parametrize("option", ["-o", "--report-json"])
def test_bad_destination(
    option: str, dest: str, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "adir").mkdir()
    out = tmp_path / "k.v"
    target = str(tmp_path / dest) if dest else ""
    extra = [option, target] if option != "-o" else []
    code, err = run(capsys, str(VADD), "-o", target if option == "-o" else str(out), *extra)
    assert_clean_error(code, err, expected.format(tmp=tmp_path))
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adir"]
    assert not list((tmp_path / "adir").iterdir())


def test_unwritable_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    unwritable = Path("/sys")  # read-only even for root
    if not unwritable.is_dir() or os.access(unwritable, os.W_OK) and os.geteuid() != 0:
        pytest.skip("no read-only directory to try")
    code, err = run(
        capsys,
        str(VADD),
        "-o",
        str(tmp_path / "k.v"),
        "--report-json",
        str(unwritable / "soff-r.json"),
    )
    assert_clean_error(code, err, "cannot write '/sys/soff-r.json': ")
    assert_no_outputs(tmp_path)


def test_output_is_the_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("k.cl").write_text(KERNEL)
    code, err = run(capsys, "k.cl", "-o", "./k.cl")
    assert_clean_error(code, err, "soff: error: the output file './k.cl' is the input file")
    assert Path("k.cl").read_text() == KERNEL


def test_several_kernels(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "two.cl"
    src.write_text(KERNEL + KERNEL.replace("void k", "void j"))
    code, err = run(capsys, str(src), "-o", str(tmp_path / "t.v"))
    assert_clean_error(code, err, "several kernels (k, j); choose one with -k/--kernel")
    code, err = run(capsys, str(src), "-k", "zz", "-o", str(tmp_path / "t.v"))
    assert_clean_error(code, err, "no kernel named 'zz' (kernels in the input: k, j)")
    assert not (tmp_path / "t.v").exists()


# --------------------------------------------------------------------------- soff sim arguments


@pytest.fixture
def no_simulator(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argument errors must be found before any simulator is built or started."""
    from soff.sim import runner

    def started(*args: object, **kwargs: object) -> None:
        raise AssertionError("the simulator was started")

    monkeypatch.setattr(runner, "build_and_run", started)


GOOD = {"a": "zeros:int32:8", "b": "zeros:int32:8", "c": "zeros:int32:8", "n": "8"}


@pytest.mark.parametrize(
    "change, extra, expected",
    [
        (
            {"a": "zeros:float32:8"},
            [],
            "argument 'a' points to i32 (numpy int32), but the array has dtype float32",
        ),
        (
            {"a": "@f32.npy"},
            [],
            "argument 'a' points to i32 (numpy int32), but the array has dtype float32",
        ),
        ({"a": "zeros:int32:0"}, [], "--arg a: the buffer is empty"),
        ({"a": "@scalar.npy"}, [], "--arg a: the buffer is empty"),
        ({"a": "3"}, [], "argument 'a' is a pointer to i32 and needs a numpy array, not int"),
        ({"n": "zeros:int32:4"}, [], "--arg n: 'n' is a i32 scalar, not a buffer"),
        ({"n": "99999999999"}, [], "argument 'n' = 99999999999 does not fit in 32 bits"),
        ({"n": "abc"}, [], "--arg n: 'abc' is not a number"),
        ({"n": None}, [], "kernel 'vadd' needs argument(s) 'n'"),
        ({"q": "1"}, [], "kernel 'vadd' has no argument(s) 'q'"),
        ({"a": "zeros:int33:8"}, [], "--arg a: unknown dtype 'int33'"),
        ({"a": "zeros:int32:-1"}, [], "--arg a: count must not be negative"),
        ({"a": "zeros:int32"}, [], "expected zeros:DTYPE:COUNT"),
        ({"a": "@missing.npy"}, [], "--arg a: file 'missing.npy' does not exist"),
        ({"a": "@text.npy"}, [], "--arg a: 'text.npy' is not a .npy array"),
        ({}, ["--arg", "a=zeros:int32:8"], "--arg a given twice"),
        ({}, ["--arg", "novalue"], "--arg expects NAME=VALUE, not 'novalue'"),
        ({}, ["--global", "8,x"], "--global must be N[,N[,N]], not '8,x'"),
        ({}, ["--global", "0"], "--global must be one to three positive integers, not '0'"),
        ({}, ["--global", "1,2,3,4"], "--global must be one to three positive integers"),
        ({}, ["--global", ""], "give the NDRange"),
        ({}, ["--local", "3"], "local_size (3, 1, 1) does not divide global_size (8, 1, 1)"),
        ({}, ["--grid", "2"], "a CUDA launch needs both grid and block"),
        ({}, ["--timeout-cycles", "-5"], "timeout_cycles must be a positive integer, not -5"),
        ({}, ["--out", "n=n.npy"], "--out n: kernel 'vadd' has no buffer argument 'n'"),
        ({}, ["--out", "c=adir"], "--out c: 'adir' is a directory"),
        ({}, ["--out", "c=missing/c.npy"], "--out c: directory 'missing' does not exist"),
        ({}, ["--engine", "modelsim"], "invalid choice: 'modelsim'"),
    ],
    ids=lambda x: None,
)
def test_sim_arguments(
    change: dict[str, str | None],
    extra: list[str],
    expected: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    no_simulator: None,
) -> None:
    monkeypatch.chdir(tmp_path)
    np.save("f32.npy", np.zeros(8, np.float32))
    np.save("scalar.npy", np.int32(3))
    Path("text.npy").write_text("not numpy\n")
    Path("adir").mkdir()
    before = sorted(os.listdir())
    values = {**GOOD, **change}
    argv = ["sim", str(VADD), "--global", "8"]
    for name, value in values.items():
        if value is not None:
            argv += ["--arg", f"{name}={value}"]
    code, err = run(capsys, *argv, *extra)
    assert_clean_error(code, err, expected)
    assert sorted(os.listdir()) == before


UNGUARDED = """__kernel void k(__global const int *a, __global float *b) {
  int i = get_global_id(0);
  b[get_global_id(1)] = a[i];
}
"""


@pytest.mark.parametrize(
    "a, b, expected",
    [
        (
            "zeros:int32:7",
            "zeros:float32:2",
            "--arg a: the buffer is too small: 7 elements, "
            "but every work-item accesses a[get_global_id(0)] (k.cl:3:25) and the global size is 8",
        ),
        (
            "zeros:int32:8",
            "zeros:float32:1",
            "--arg b: the buffer is too small: 1 elements, "
            "but every work-item accesses b[get_global_id(1)] (k.cl:3:3) and the global size is 2",
        ),
        ("zeros:int8:8", "zeros:float32:2", "--arg a: the buffer is too small"),
    ],
    ids=["dim0", "dim1", "bytes"],
)
def test_sim_buffer_too_small(
    a: str,
    b: str,
    expected: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    no_simulator: None,
) -> None:
    """An access every work-item makes at get_global_id(d) needs global_size[d] elements."""
    monkeypatch.chdir(tmp_path)
    Path("k.cl").write_text(UNGUARDED)
    code, err = run(capsys, "sim", "k.cl", "--global", "8,2", "--arg", f"a={a}", "--arg", f"b={b}")
    assert_clean_error(code, err, expected)


# --------------------------------------------------------------------------- internal errors


def _boom(*args: object, **kwargs: object) -> None:
    raise KeyError("boom")


def test_internal_error_removes_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bug surfacing after the Verilog was written: exit 2, the Verilog is removed."""
    import soff.cli

    monkeypatch.delenv("SOFF_DEBUG", raising=False)
    write = soff.cli._write_atomic
    calls: list[Path] = []

    def write_then_fail(path: Path, text: str | bytes) -> None:
        calls.append(path)
        if len(calls) == 2:
            raise RuntimeError("disk on fire")
        write(path, text)

    monkeypatch.setattr(soff.cli, "_write_atomic", write_then_fail)
    out, rep = tmp_path / "k.v", tmp_path / "r.json"
    code, err = run(capsys, str(VADD), "-o", str(out), "--report-json", str(rep))
    assert code == INTERNAL_ERROR_STATUS
    assert "soff: internal error: RuntimeError: disk on fire" in err
    assert "please report it" in err and "Traceback" not in err
    assert calls == [out, rep]
    assert_no_outputs(tmp_path)


def test_internal_error_subprocess(tmp_path: Path) -> None:
    """The real process: exit status 2, the message and hint, no traceback, no file."""
    out = tmp_path / "k.v"
    code = (
        "import sys, soff.driver, soff.cli\n"
        "def boom(*a, **k): raise KeyError('boom')\n"
        "soff.driver.select_kernel = boom\n"
        f"sys.exit(soff.cli.main([{str(VADD)!r}, '-o', {str(out)!r}]))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "SOFF_DEBUG"}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert proc.returncode == INTERNAL_ERROR_STATUS, proc.stderr
    assert "soff: internal error: KeyError: 'boom'" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()
    # SOFF_DEBUG=1 shows the traceback (for soff's developers)
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**env, "SOFF_DEBUG": "1"},
        cwd=ROOT,
    )
    assert proc.returncode != 0 and "Traceback" in proc.stderr


@pytest.mark.parametrize(
    "name", ["syntax.cl", "invalid_utf8.cl", "nul_byte.cl", "recursion.cl", "local_too_big.cl"]
)
def test_subprocess(name: str, tmp_path: Path) -> None:
    """A few corpus cases as real processes: exit status 1, the message, no traceback."""
    expected, args = header(HERE / name)
    out = tmp_path / "k.v"
    env = {k: v for k, v in os.environ.items() if k != "SOFF_DEBUG"}
    proc = subprocess.run(
        [sys.executable, "-m", "soff", name, "-o", str(out), *args],
        capture_output=True,
        text=True,
        cwd=HERE,
        env=env,
    )
    assert_clean_error(proc.returncode, proc.stderr, expected)
    assert not out.exists()


@pytest.mark.parametrize("command", ["testbench", "project"])
def test_directory_commands_make_nothing_on_error(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = run(capsys, command, str(HERE / "syntax.cl"), "-o", str(tmp_path / "out"))
    assert_clean_error(code, err, "syntax.cl:2:45: error: syntax error before '}'")
    assert_no_outputs(tmp_path)
