"""Compile errors: gcc-style ``file:line:col: error: ...`` at the offending construct."""

from __future__ import annotations

from pathlib import Path

import pytest

from soff.diagnostics import CompileError, UnsupportedError
from soff.frontend import compile_file, compile_source


def error(src: str, filename: str = "k.cl", **kw: object) -> CompileError:
    with pytest.raises(CompileError) as info:
        compile_source(src, filename, **kw)  # type: ignore[arg-type]
    return info.value


def test_syntax_error_location() -> None:
    e = error("__kernel void k(__global int *a) {\n  a[0] = 1 +;\n}\n")
    assert str(e).startswith("k.cl:2:")
    assert not isinstance(e, UnsupportedError)


def test_syntax_error_column() -> None:
    e = error("__kernel void k(__global int *a) {\n  a[0] = 1\n}\n")
    assert str(e).startswith("k.cl:3:1: error:"), str(e)


def test_undeclared_identifier() -> None:
    e = error("__kernel void k(__global int *a) {\n  a[0] = foo + 1;\n}\n")
    assert str(e) == "k.cl:2:10: error: use of undeclared identifier 'foo'"


def test_half_is_storage_only() -> None:
    e = error("__kernel void k(__global half *a) {\n  a[0] = 1;\n}\n")
    assert isinstance(e, UnsupportedError)
    assert str(e).startswith("k.cl:2:3: error: half values are storage only"), str(e)
    e = error("__kernel void k(__global int *a) {\n  half h;\n}\n")
    assert str(e).startswith("k.cl:2:8: error: variable 'h' has type half"), str(e)


def test_float_operand_errors() -> None:
    e = error("__kernel void k(__global float *a) {\n  a[0] = a[1] % 2;\n}\n")
    assert not isinstance(e, UnsupportedError)
    assert str(e).startswith("k.cl:2:10: error: invalid operands to binary '%'"), str(e)
    e = error("__kernel void k(__global float *a) {\n  a[0] = ~a[1];\n}\n")
    assert str(e).startswith("k.cl:2:11: error: invalid argument type f32 to unary '~'"), str(e)


def test_goto() -> None:
    e = error("__kernel void k(__global int *a) {\n  goto out;\n  out: a[0] = 1;\n}\n")
    assert isinstance(e, UnsupportedError)
    assert str(e).startswith("k.cl:2:3: error: goto")


def test_switch_case_in_nested_statement() -> None:
    e = error(
        "__kernel void k(__global int *a) {\n  switch (a[0]) { case 0: if (a[1]) {\n case 1: a[2] = 0; } }\n}\n"
    )
    assert isinstance(e, UnsupportedError)
    assert str(e).startswith("k.cl:3:2:"), str(e)


def test_missing_include() -> None:
    e = error('int x;\n  #include "nope.h"\n__kernel void k(__global int *a) {}\n')
    assert str(e) == "k.cl:2:3: error: 'nope.h' file not found"


def test_missing_system_include() -> None:
    e = error("#include <nope.h>\n")
    assert str(e).startswith("k.cl:1:1: error:")


def test_error_directive_and_bad_directive() -> None:
    assert str(error("#if 1\n#error stop here\n#endif\n")) == "k.cl:2:1: error: #error stop here"
    assert str(error("\n   #frobnicate\n")).startswith(
        "k.cl:2:4: error: invalid preprocessing directive"
    )


def test_error_inside_include_names_the_header(tmp_path: Path) -> None:
    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "h.h").write_text("#define TWO 2\nint bad(;\n")
    kernel = tmp_path / "k.cl"
    kernel.write_text('#include "h.h"\n__kernel void k(__global int *a) { a[0] = TWO; }\n')
    with pytest.raises(CompileError) as info:
        compile_file(str(kernel), include_dirs=[str(tmp_path / "inc")])
    assert "h.h:2:" in str(info.value)


def test_location_after_macro_and_include(tmp_path: Path) -> None:
    (tmp_path / "h.h").write_text("#define N 4\n")
    kernel = tmp_path / "k.cl"
    kernel.write_text('#include "h.h"\n__kernel void k(__global int *a) {\n  a[N] = zz;\n}\n')
    with pytest.raises(CompileError) as info:
        compile_file(str(kernel))
    assert str(info.value) == f"{kernel}:3:10: error: use of undeclared identifier 'zz'"


@pytest.mark.parametrize(
    "body, where, what",
    [
        ("a[0] = b;", "2:10", "undeclared identifier 'b'"),
        ("a[0] + 1 = 2;", "2:3", "not assignable"),
        ("a = 3;", "2:3", "incompatible conversion"),
        ("a[0] = get_global_id();", "2:10", "too few arguments"),
        ("a[0] = get_global_id(0, 1);", "2:10", "too many arguments"),
        ("a[0] = foo(1);", "2:10", "implicit declaration of function 'foo'"),
        ("int x = 1; int x = 2;", "2:18", "redefinition of 'x'"),
        ("const int x = 1; x = 2;", "2:20", "const-qualified"),
        ("break;", "2:3", "not in loop"),
        ("return 1;", "2:3", "should not return a value"),
        ("c[0] = 1;", "2:3", "__constant memory"),
    ],
)
def test_semantic_errors(body: str, where: str, what: str) -> None:
    e = error(f"__kernel void k(__global int *a, __constant int *c) {{\n  {body}\n}}\n")
    assert not isinstance(e, UnsupportedError), str(e)
    assert str(e).startswith(f"k.cl:{where}: error:"), str(e)
    assert what in str(e)


@pytest.mark.parametrize(
    "body, where, what",
    [
        ("half4 v;", "2:3", "vector types"),
        ("__local int4 t;", "2:16", "__local variables of type"),
        ("barrier(4);", "2:3", "barrier flags other than"),
        ("atomic_fetch_add(a, 1);", "2:3", "atomic"),
        ("a[0] = lgamma(1.0f);", "2:10", "built-in function 'lgamma'"),
        ("a[0] = get_global_id(a[1]);", "2:10", "non-constant dimension"),
        ("a[0] = tgamma(1.0f);", "2:10", "built-in function 'tgamma'"),
        ("struct s { int x : 3; } v;", "2:18", "bit-fields"),
        ("int x; int *p = &x;", "2:20", "address of a variable"),
    ],
)
def test_unsupported(body: str, where: str, what: str) -> None:
    src = (
        "#define CLK_LOCAL_MEM_FENCE 1\nint helper(int x) { return x; }\n"
        f"__kernel void k(__global int *a) {{\n  {body}\n}}\n"
    )
    e = error(src)
    assert isinstance(e, UnsupportedError), str(e)
    line, col = where.split(":")
    assert str(e).startswith(f"k.cl:{int(line) + 2}:{col}: error:"), str(e)
    assert what in str(e)
    assert "not supported yet" in str(e)


def test_unsupported_kernel_arguments() -> None:
    e = error("__kernel void k(half4 v) {}\n")
    assert str(e).startswith("k.cl:1:")
    e = error("__kernel void k(int *a) {}\n")
    assert "must point to __global" in str(e)


def test_program_scope_global_is_unsupported() -> None:
    e = error("__global int t = 3;\n__kernel void k(__global int *a) { a[0] = t; }\n")
    assert isinstance(e, UnsupportedError) and str(e).startswith("k.cl:1:")


def test_bad_reqd_work_group_size() -> None:
    e = error("__kernel __attribute__((reqd_work_group_size(4, 1))) void k(__global int *a) {}\n")
    assert str(e).startswith("k.cl:1:25: error: 'reqd_work_group_size'")


def test_missing_file() -> None:
    with pytest.raises(CompileError) as info:
        compile_file("/nonexistent/k.cl")
    assert "cannot read" in str(info.value)
