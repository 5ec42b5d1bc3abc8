"""The `soff` command: outputs, gcc-style errors (exit 1, no traceback, no partial file)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from soff.cli import main

ROOT = Path(__file__).resolve().parents[2]
VADD = ROOT / "examples" / "vadd.cl"


def soff(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run the real command in a subprocess (so exit codes and stderr are real)."""
    env = dict(os.environ)
    env.pop("SOFF_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "soff", *args], capture_output=True, text=True, cwd=cwd, env=env
    )


def assert_clean_error(proc: subprocess.CompletedProcess, pattern: str) -> None:
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert pattern in proc.stderr, proc.stderr


def test_compile_writes_verilog(tmp_path: Path) -> None:
    out = tmp_path / "vadd.v"
    proc = soff(str(VADD), "-o", str(out), "--report")
    assert proc.returncode == 0, proc.stderr
    text = out.read_text()
    assert "module vadd" in text and "endmodule" in text
    assert "0x10 a: pointer" in proc.stderr  # the report names the register map
    assert "vadd.cl:11:" in text  # source line comments


def test_default_output_name_and_emit_ir(tmp_path: Path) -> None:
    src = tmp_path / "k.cl"
    src.write_text(VADD.read_text())
    assert soff(str(src), cwd=tmp_path).returncode == 0
    assert (tmp_path / "k.v").read_text().startswith("/*")
    proc = soff(str(src), "--emit", "ir", "-o", "-")
    assert proc.returncode == 0
    assert proc.stdout.startswith("kernel @vadd(")


def test_defines_and_includes(tmp_path: Path) -> None:
    inc = tmp_path / "inc"
    inc.mkdir()
    (inc / "scale.h").write_text("#define SCALE(x) ((x) * FACTOR)\n")
    src = tmp_path / "k.cl"
    src.write_text(
        '#include "scale.h"\n'
        "__kernel void k(__global int *a) { int i = get_global_id(0); a[i] = SCALE(a[i]); }\n"
    )
    proc = soff(str(src), "-I", str(inc), "-D", "FACTOR=3", "--emit", "ir", "-o", "-")
    assert proc.returncode == 0, proc.stderr
    assert "value = 3" in proc.stdout
    proc = soff(str(src), "-D", "FACTOR=3", "-o", str(tmp_path / "x.v"))
    assert_clean_error(proc, "scale.h")
    assert not (tmp_path / "x.v").exists()


def test_print_ir_after(tmp_path: Path) -> None:
    proc = soff(str(VADD), "-o", str(tmp_path / "v.v"), "--print-ir-after", "if-convert")
    assert proc.returncode == 0, proc.stderr
    assert "IR after if-convert" in proc.stderr
    proc = soff(str(VADD), "-o", str(tmp_path / "v.v"), "--dump-ir-dir", str(tmp_path / "ir"))
    assert proc.returncode == 0
    assert any(p.name.endswith("if-convert.ir") for p in (tmp_path / "ir").iterdir())


@pytest.mark.parametrize(
    "source, expected",
    [
        ("__kernel void k(__global int *a) { a[0] = 1 }\n", "k.cl:1:"),  # syntax error
        (
            "__kernel void k(__global int *a) {\n  a[0] = zz;\n}\n",
            "k.cl:2:10: error:",
        ),  # unknown id
        (
            "__kernel void k(__global int *a) {\n  goto end;\nend:\n  a[0] = 1;\n}\n",
            "k.cl:2:3: error: goto and labels are not supported yet",
        ),
        (
            "__kernel void k(__global int *a) {\n  int t[300000];\n  a[0] = t[a[1]];\n}\n",
            "k.cl:2:7: error: private array 't' of 1200000 bytes needs",
        ),
        ("", "no __kernel function"),
        ("\x00\x01\x02garbage\xff", "error"),
    ],
    ids=["syntax", "undeclared", "goto", "private-array-too-big", "empty", "garbage"],
)
def test_error_classes(tmp_path: Path, source: str, expected: str) -> None:
    src = tmp_path / "k.cl"
    src.write_bytes(source.encode("latin-1"))
    out = tmp_path / "k.v"
    proc = soff(str(src), "-o", str(out))
    assert_clean_error(proc, expected)
    assert not out.exists()
    assert not list(tmp_path.glob(".k.v.*"))  # no temporary left behind


def test_missing_file_and_unknown_kernel(tmp_path: Path) -> None:
    assert_clean_error(soff(str(tmp_path / "nope.cl")), "nope.cl: No such file or directory")
    assert_clean_error(
        soff(str(VADD), "-k", "vsub", "-o", str(tmp_path / "x.v")), "no kernel named 'vsub'"
    )
    assert not (tmp_path / "x.v").exists()


def test_several_kernels_need_k(tmp_path: Path) -> None:
    src = tmp_path / "two.cl"
    src.write_text(
        "__kernel void a(__global int *x) { x[0] = 1; }\n__kernel void b(__global int *x) { x[0] = 2; }\n"
    )
    assert_clean_error(soff(str(src), "-o", str(tmp_path / "t.v")), "choose one with -k")
    assert soff(str(src), "-k", "b", "-o", str(tmp_path / "t.v")).returncode == 0


@pytest.mark.parametrize("ext", [".cl", ".cu"])
def test_error_in_another_kernel_does_not_block_k(tmp_path: Path, ext: str) -> None:
    """-k compiles the kernel it names even when another kernel of the file has an error;
    without -k, or with -k naming the bad kernel, the error is reported."""
    if ext == ".cl":
        good = "__kernel void good(__global int *a) { a[get_global_id(0)] += 1; }"
        bad = "__kernel void bad(__global int *a) { a[0] = undefined_thing; }"
    else:
        good = "__global__ void good(int *a) { a[threadIdx.x] += 1; }"
        bad = "__global__ void bad(int *a) { a[0] = undefined_thing; }"
    src = tmp_path / f"two{ext}"
    src.write_text(good + "\n" + bad + "\n")
    out = tmp_path / "t.v"
    proc = soff(str(src), "-k", "good", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "module good" in out.read_text()
    out.unlink()
    for extra in ([], ["-k", "bad"]):
        proc = soff(str(src), *extra, "-o", str(out))
        assert_clean_error(proc, f"two{ext}:2:")
        assert "use of undeclared identifier 'undefined_thing'" in proc.stderr
        assert not out.exists()


def test_bad_options(tmp_path: Path) -> None:
    assert_clean_error(
        soff(str(VADD), "--target", "nosuchboard", "-o", str(tmp_path / "v.v")), "unknown target"
    )
    assert_clean_error(soff(str(VADD), "--bogus"), "unrecognized arguments")
    assert_clean_error(soff(str(VADD), "-p", "dce,nosuchpass"), "unknown pass 'nosuchpass'")
    assert_clean_error(soff(str(VADD), "-o", str(tmp_path / "missing" / "v.v")), "does not exist")


def test_help_for_each_command() -> None:
    for cmd in ([], ["sim"], ["testbench"], ["boards"]):
        proc = soff(*cmd, "--help")
        assert proc.returncode == 0 and "usage:" in proc.stdout


@pytest.mark.parametrize(
    "arg, expected",
    [
        ("a=@missing.npy", "does not exist"),
        ("a=zeros:notadtype:4", "unknown dtype"),
        ("a=zeros:int32", "zeros:DTYPE:COUNT"),
        ("a", "NAME=VALUE"),
        ("n=abc", "is not a number"),
    ],
)
def test_sim_bad_arg(tmp_path: Path, arg: str, expected: str) -> None:
    proc = soff("sim", str(VADD), "--global", "8", "--arg", arg, cwd=tmp_path)
    assert_clean_error(proc, expected)


def test_sim_argument_checks_before_simulation(tmp_path: Path) -> None:
    base = [
        "sim",
        str(VADD),
        "--global",
        "8",
        "--arg",
        "b=zeros:int32:8",
        "--arg",
        "c=zeros:int32:8",
    ]
    # missing argument
    assert_clean_error(soff(*base, "--arg", "n=8"), "needs argument(s) 'a'")
    # wrong dtype
    assert_clean_error(
        soff(*base, "--arg", "a=zeros:float32:8", "--arg", "n=8"), "argument 'a' points to i32"
    )
    # unknown argument
    assert_clean_error(
        soff(*base, "--arg", "a=zeros:int32:8", "--arg", "n=8", "--arg", "q=1"),
        "no argument(s) 'q'",
    )
    # bad sizes
    assert_clean_error(soff("sim", str(VADD), "--global", "0"), "--global")
    assert_clean_error(
        soff(*base, "--arg", "a=zeros:int32:8", "--arg", "n=8", "--local", "3"), "does not divide"
    )
    # --out naming a scalar
    assert_clean_error(
        soff(*base, "--arg", "a=zeros:int32:8", "--arg", "n=8", "--out", "n=x.npy"),
        "no buffer argument 'n'",
    )


@pytest.mark.sim
def test_sim_json_and_out(tmp_path: Path) -> None:
    n = 100
    a = np.arange(n, dtype=np.int32)
    np.save(tmp_path / "a.npy", a)
    np.save(tmp_path / "b.npy", 5 * a)
    proc = soff(
        "sim",
        str(VADD),
        "-k",
        "vadd",
        "--global",
        "128",
        "--local",
        "32",
        "--arg",
        "a=@a.npy",
        "--arg",
        "b=@b.npy",
        "--arg",
        f"c=zeros:int32:{n}",
        "--arg",
        f"n={n}",
        "--out",
        "c=c.npy",
        "--json",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["kernel"] == "vadd"
    assert result["cycles"] >= 128
    assert result["outputs"] == {"c": "c.npy"}
    np.testing.assert_array_equal(np.load(tmp_path / "c.npy"), 6 * a)


def test_main_returns_exit_code_in_process(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as e:
        main([str(tmp_path / "absent.cl")])
    assert e.value.code == 1


def test_report_json(tmp_path: Path) -> None:
    src = tmp_path / "f.cl"
    src.write_text(
        "__kernel void f(__global float *a, __global const float *b) {\n"
        "  int i = get_global_id(0);\n"
        "  for (int j = 0; j < 3; j++) a[i] = a[i] * b[i] + 1.0f;\n}\n"
    )
    proc = soff(str(src), "-o", str(tmp_path / "f.v"), "--report-json", str(tmp_path / "r.json"))
    assert proc.returncode == 0, proc.stderr
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["kernel"] == "f" and data["target"] == "generic"
    assert [r["name"] for r in data["registers"]][:2] == ["a", "b"]
    units = {u["unit"]: u for u in data["datapath"]["units"]}
    assert set(units) == {"fadd", "fmul"} and units["fadd"]["latency"] >= 1
    assert len(data["datapath"]["loops"]) == 1
    assert data["datapath"]["fifo_bits"] > 0


def test_bad_report_json_path_leaves_no_verilog(tmp_path: Path) -> None:
    out = tmp_path / "v.v"
    proc = soff(str(VADD), "-o", str(out), "--report-json", str(tmp_path / "missing" / "r.json"))
    assert_clean_error(proc, "does not exist")
    assert not out.exists()
