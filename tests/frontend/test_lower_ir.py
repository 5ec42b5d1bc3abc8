"""The printed IR of small kernels: key lines (names, types, casts, deps, locations)."""

from __future__ import annotations

from fe_helpers import compile_ok, ir_text

from soff.frontend.preprocess import preprocess


def test_vadd_ir() -> None:
    text = ir_text(
        "__kernel void vadd(__global const int *a, __global int *c, int n) {\n"
        "  int i = get_global_id(0);\n"
        "  c[i] = a[i] + a[i];\n"
        "}\n"
    )
    assert text.startswith(
        'kernel @vadd(%a: ptr.global<i32>, %c: ptr.global<i32>, %n: i32) loc("k.cl":1:15) {'
    )
    assert '%0 = global_id {dim = 0} : u64 loc("k.cl":2:11)' in text
    assert '%i = cast %0 : i32 loc("k.cl":2:11)' in text
    assert text.count("= load ") == 2  # no CSE in the front end
    assert 'store %1, %6 after(%3, %5) : void loc("k.cl":3:3)' in text.replace(
        "%2 = store", "store"
    )
    assert text.rstrip().endswith('ret loc("k.cl":1:15)\n}')


def test_memory_deps_within_a_block() -> None:
    text = ir_text(
        "__kernel void k(__global int *a) {\n  a[0] = 1;\n  a[1] = a[2];\n  a[3] = 4;\n}\n"
    )
    stores = [line for line in text.splitlines() if " store " in line]
    loads = [line for line in text.splitlines() if " load " in line]
    assert len(stores) == 3 and len(loads) == 1
    first = stores[0].split(" = ")[0].strip()
    load = loads[0].split(" = ")[0].strip()
    assert f"after({first})" in loads[0]
    assert f"after({first}, {load})" in stores[1]
    second = stores[1].split(" = ")[0].strip()
    assert f"after({second})" in stores[2]


def test_promotions_are_explicit_casts() -> None:
    text = ir_text("__kernel void k(__global uchar *a, uint u) {\n  a[0] = a[1] + u;\n}\n")
    assert "cast %0 : i32" not in text  # uchar -> int -> uint: two casts
    assert ": i32 loc" in text and ": u32 loc" in text
    assert "add" in text and "cast" in text


def test_short_circuit_makes_blocks_and_phi() -> None:
    text = ir_text("__kernel void k(__global int *a, int n) {\n  a[0] = n > 0 && a[n] > 0;\n}\n")
    assert "^land.rhs:" in text and "^land.end:" in text
    assert "phi" in text and ": u1" in text


def test_ssa_phis_and_names() -> None:
    text = ir_text(
        "__kernel void k(__global int *a, int n) {\n"
        "  int s = 0;\n"
        "  for (int j = 0; j < n; j++) s += a[j];\n"
        "  a[0] = s;\n"
        "}\n"
    )
    assert "%j.1 = phi %j, %j.2 [^entry, ^for.inc] : i32" in text
    assert "%s.1 = phi %s, %s.2 [^entry, ^for.inc] : i32" in text
    assert "^for.cond:" in text and "^for.end:" in text


def test_no_trivial_phis() -> None:
    text = ir_text(
        "__kernel void k(__global int *a, int n) {\n"
        "  int x = 3;\n"
        "  if (n) a[0] = 1; else a[1] = 2;\n"
        "  for (int j = 0; j < n; j++) a[j] = x;\n"
        "  a[2] = x;\n"
        "}\n"
    )
    assert "phi %x" not in text


def test_kernels_in_source_order_with_attributes() -> None:
    m = compile_ok(
        "__kernel void b(__global int *a) {}\n"
        "int helper(int x) { return x; }\n"
        "kernel __attribute__((reqd_work_group_size(8, 2, 1))) void a(global long *p, size_t n, bool f) {}\n"
    )
    assert [k.name for k in m.kernels] == ["b", "a"]
    assert m.kernels[1].attrs == {"reqd_work_group_size": [8, 2, 1]}
    assert [str(a.type) for a in m.kernels[1].args] == ["ptr.global<i64>", "u64", "u1"]


def test_scalar_arg_types() -> None:
    m = compile_ok(
        "__kernel void k(char a, uchar b, short c, ushort d, int e, uint f, long g, ulong h,"
        " __constant ushort *p) {}\n"
    )
    assert [str(a.type) for a in m.kernels[0].args] == [
        "i8", "u8", "i16", "u16", "i32", "u32", "i64", "u64", "ptr.constant<u16>"
    ]  # fmt: skip


def test_preprocessor_keeps_columns_and_lines() -> None:
    out = preprocess("#define N 4\n/* c\n c */ int   x = N ;  // x\n\n\n\nint y;\n", "p.cl")
    lines = out.splitlines()
    assert lines[0] == '#line 3 "p.cl"'
    assert lines[1].index("int") == 6 and lines[1].index("x") == 12
    assert lines[-1] == "int y;"


def test_predefined_macros_and_pragmas() -> None:
    out = preprocess(
        "#pragma OPENCL EXTENSION cl_khr_fp64 : enable\n"
        "int v = __OPENCL_VERSION__ + CL_VERSION_1_2 + __ENDIAN_LITTLE__ + __SOFF__ + __OPENCL_C_VERSION__;\n"
        "#ifdef FOO\nint foo = FOO;\n#endif\n",
        "p.cl",
        defines={"FOO": None},
    )
    assert "pragma" not in out
    flat = " ".join(out.split())
    assert "int v = 120 + 120 + 1 + 1 + 120 ;" in flat  # columns of the source tokens are kept
    assert "int foo = 1 ;" in flat


def test_include_dirs(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "sys").mkdir()
    (tmp_path / "sys" / "s.h").write_text("#define S 5\n")
    (tmp_path / "q.h").write_text("#define Q 6\n")
    src = '#include <s.h>\n#include "q.h"\n__kernel void k(__global int *a) { a[0] = S * Q; }\n'
    kernel = tmp_path / "k.cl"
    kernel.write_text(src)
    from soff.frontend import compile_file

    m = compile_file(str(kernel), include_dirs=[str(tmp_path / "sys")])
    assert len(m.kernels) == 1
