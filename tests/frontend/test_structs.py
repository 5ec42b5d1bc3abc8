"""Structs and unions in the OpenCL C front end (soff/frontend/structs.py):
layout, lowering, interpreter runs against numpy, errors."""

from __future__ import annotations

import numpy as np
import pytest
from fe_helpers import compile_ok, ir_text, run

from soff.diagnostics import CompileError, UnsupportedError
from soff.frontend import compile_source
from soff.ir.interp import run_kernel
from soff.ir.parser import parse_module, parse_type
from soff.ir.printer import print_module
from soff.ir.types import F32, I8, I32, StructType
from soff.layout import numpy_dtype, struct_dtype

LAYOUT_DECLS = """
struct A { char c; int i; };
struct B { char c; double d; char e; };
struct C { short s; char c; };
struct D { char c; float4 v; };
struct E { float3 v; float f; };
struct F { char a[3]; short s; };
struct G { int x; struct A a; char c; };
union U { char c; int i; double d; };
union V { char c[5]; int i; };
struct H { char c; union U u; };
struct I { long l; char c; };
struct J { uchar2 a; ushort3 b; char c; };
struct K { struct E e[2]; int n; };
struct L { char c; double2 d; };
typedef struct { char tag; struct { short x, y; } pt; } M;
"""

# (type, member, offset) and sizes by the C rules with OpenCL's vector alignment
LAYOUT = [
    ("struct A", 8, [("c", 0), ("i", 4)]),
    ("struct B", 24, [("c", 0), ("d", 8), ("e", 16)]),
    ("struct C", 4, [("s", 0), ("c", 2)]),
    ("struct D", 32, [("c", 0), ("v", 16)]),
    ("struct E", 32, [("v", 0), ("f", 16)]),
    ("struct F", 6, [("a", 0), ("s", 4)]),
    ("struct G", 16, [("x", 0), ("a", 4), ("c", 12)]),
    ("union U", 8, [("c", 0), ("i", 0), ("d", 0)]),
    ("union V", 8, [("c", 0), ("i", 0)]),
    ("struct H", 16, [("c", 0), ("u", 8)]),
    ("struct I", 16, [("l", 0), ("c", 8)]),
    ("struct J", 24, [("a", 0), ("b", 8), ("c", 16)]),
    ("struct K", 80, [("e", 0), ("n", 64)]),
    ("struct L", 32, [("c", 0), ("d", 16)]),
    ("M", 6, [("tag", 0), ("pt", 2), ("pt.y", 4)]),
]


def test_layout_sizeof_offsetof() -> None:
    exprs = []
    expected = []
    for t, size, members in LAYOUT:
        exprs.append(f"sizeof({t})")
        expected.append(size)
        for m, off in members:
            exprs.append(f"offsetof({t}, {m})")
            expected.append(off)
    body = "".join(f"    o[{i}] = {e};\n" for i, e in enumerate(exprs))
    src = f"{LAYOUT_DECLS}__kernel void k(__global ulong *o) {{\n{body}}}\n"
    out = run(src, {"o": np.zeros(len(exprs), np.uint64)}, 1)["o"]
    assert list(out) == expected


def test_sizeof_expressions() -> None:
    src = (
        LAYOUT_DECLS
        + """
    __kernel void k(__global struct G *g, __global ulong *o) {
        struct K k;
        o[0] = sizeof(k); o[1] = sizeof(k.e); o[2] = sizeof(g->a); o[3] = sizeof(*g);
        o[4] = sizeof(k.e[1].v);
    }"""
    )
    out = run(src, {"g": np.zeros(16, np.uint8), "o": np.zeros(5, np.uint64)}, 1)["o"]
    assert list(out) == [80, 64, 8, 16, 16]


def test_ir_types_and_numpy_dtypes() -> None:
    s = StructType("S", (("c", I8), ("x", F32)))
    u = StructType("U", (("f", F32), ("i", I32)), union=True)
    assert (s.size, s.align, s.offsets()) == (8, 4, [0, 4])
    assert (u.size, u.offsets(), str(u)) == (4, [0, 0], "union.U{f: f32, i: i32}")
    assert parse_type(str(u)) == u and parse_type(str(s)) == s
    dt = numpy_dtype(StructType("T", (("c", I8), ("s", s), ("u", u))))
    assert dt.itemsize == 16 and dt.fields["s"][1] == 4 and dt.fields["u"][1] == 12


def test_private_struct_is_scalar_replaced() -> None:
    text = ir_text("""
    struct P { int a; float b; };
    __kernel void k(__global int *o) {
        struct P p = {1, 2.0f};
        p.a += get_global_id(0);
        o[0] = p.a + (int)p.b;
    }""")
    assert "alloca" not in text and "struct" not in text


def test_address_taken_and_unions_live_in_memory() -> None:
    text = ir_text("""
    struct P { int a; int b; };
    union U { float f; int i; };
    void bump(struct P *p) { p->b++; }
    __kernel void k(__global int *o) {
        struct P p = {1, 2};
        bump(&p);
        union U u;
        u.f = 1.0f;
        o[0] = p.b + u.i;
    }""")
    assert "alloca : ptr.private<struct.P{a: i32, b: i32}>" in text
    assert "alloca : ptr.private<union.U{f: f32, i: i32}>" in text


def test_round_trip() -> None:
    m = compile_ok("""
    typedef union { float f; uint u; } FU;
    struct S { char c; FU u; float2 v; };
    __kernel void k(__global struct S *s) { s[1] = s[0]; s[1].u.f += 1.0f; }""")
    text = print_module(m)
    assert print_module(parse_module(text)) == text


NESTED = """
typedef struct { float2 pos; int id; } Item;
struct Box { Item items[3]; int count; float3 extra; };

Item make(float x, int id) { Item it = { (float2)(x, 2.0f * x), id }; return it; }
float total(const struct Box *b) {
    float s = 0.0f;
    for (int k = 0; k < b->count; k++) s += b->items[k].pos.x + b->items[k].pos.y;
    return s;
}

__kernel void k(__global struct Box *boxes, __global float *sums, __constant Item *seeds,
                __local Item *scratch) {
    int i = get_global_id(0);
    struct Box b;                                     /* holds an array: in memory */
    b.count = 0;
    for (int k = 0; k < 3; k++) {
        if ((i + k) % 2 == 0) b.items[b.count++] = make(i + k, k);
    }
    b.items[2] = seeds[i % 2];
    b.extra = (float3)(1.0f, 2.0f, 3.0f) * (float)i;
    scratch[get_local_id(0)] = b.items[0];
    boxes[i] = b;
    boxes[i].items[1].id = scratch[get_local_id(0)].id + 10;
    sums[i] = total(&b);
}
"""


def box_dtype() -> np.dtype:
    item = np.dtype({"names": ["pos", "id"], "formats": [(np.float32, 2), np.int32],
                     "offsets": [0, 8], "itemsize": 16})  # fmt: skip
    return np.dtype({"names": ["items", "count", "extra"],
                     "formats": [(item, 3), np.int32, (np.float32, 4)],
                     "offsets": [0, 48, 64], "itemsize": 80})  # fmt: skip


@pytest.mark.parametrize("vectorize", [False, True])
def test_nested_structs_arrays_and_address_spaces(vectorize: bool) -> None:
    from soff.ir.interp import Local

    n = 8
    m = compile_ok(NESTED)
    k = m.kernels[0]
    assert struct_dtype(k, "Box") == box_dtype()
    item = struct_dtype(m, "Item")
    seeds = np.zeros(2, item)
    seeds["pos"] = [[5, 6], [7, 8]]
    seeds["id"] = [50, 60]
    args = {
        "boxes": np.zeros(n, box_dtype()),
        "sums": np.zeros(n, np.float32),
        "seeds": seeds,
        "scratch": Local(4 * 16),
    }
    r = run_kernel(k, args, n, 4, vectorize=vectorize)
    boxes = r["boxes"]
    for i in range(n):
        made = [(i + j, j) for j in range(3) if (i + j) % 2 == 0]
        items = [((x, 2 * x), j) for x, j in made]
        count = len(items)
        items = (items + [((0, 0), 0)] * 3)[:3]
        items[2] = (tuple(seeds["pos"][i % 2]), seeds["id"][i % 2])
        assert boxes["count"][i] == count
        np.testing.assert_array_equal(boxes["items"]["pos"][i], [p for p, _ in items])
        ids = [j for _, j in items]
        ids[1] = ids[0] + 10
        np.testing.assert_array_equal(boxes["items"]["id"][i], ids)
        np.testing.assert_array_equal(boxes["extra"][i][:3], np.float32([1, 2, 3]) * i)
        assert r["sums"][i] == sum(p[0] + p[1] for p, _ in items[:count])


def test_struct_assignment_initialisers_and_helpers() -> None:
    src = """
    struct V { int x, y; };
    struct R { struct V lo, hi; };
    struct V add(struct V a, struct V b) { struct V c = { a.x + b.x, a.y + b.y }; return c; }
    struct R grow(struct R r, int d) { r.lo.x -= d; r.lo.y -= d; r.hi.x += d; r.hi.y += d; return r; }
    __kernel void k(__global struct R *rs, __global int *o) {
        int i = get_global_id(0);
        struct R r = { .hi = { .y = 7, .x = i }, .lo = { i, -i } };
        struct R s = r;                     /* copy: s is independent of r */
        s = grow(s, 2);
        r.hi = add(r.hi, s.lo);
        struct V arr[2] = { { 1, 2 }, { .y = 4 } };
        struct V *p = &arr[1];
        p->x = i * 3;
        *p = add(*p, arr[0]);
        rs[2 * i] = r;
        rs[2 * i + 1] = s;
        o[i] = arr[1].x * 100 + arr[1].y;
    }"""
    n = 5
    dt = np.dtype([("lo", [("x", "i4"), ("y", "i4")]), ("hi", [("x", "i4"), ("y", "i4")])])
    r = run(src, {"rs": np.zeros(2 * n, dt), "o": np.zeros(n, np.int32)}, n)
    for i in range(n):
        r0 = ((i, -i), (i, 7))
        s = ((i - 2, -i - 2), (i + 2, 9))
        r1 = (r0[0], (r0[1][0] + s[0][0], r0[1][1] + s[0][1]))
        assert r["rs"][2 * i].tolist() == r1
        assert r["rs"][2 * i + 1].tolist() == s
        assert r["o"][i] == (i * 3 + 1) * 100 + 6


def test_union_type_punning_and_copies() -> None:
    src = """
    typedef union { float f; uint u; uchar b[4]; } Bits;
    Bits negate(Bits x) { x.u ^= 0x80000000u; return x; }
    __kernel void k(__global const float *x, __global Bits *out, __global uint *low) {
        int i = get_global_id(0);
        Bits b = { x[i] };
        Bits c = negate(b);
        out[i] = c;
        low[i] = b.b[0] | (c.b[3] << 8);
    }"""
    x = np.float32([1.5, -2.25, 0.0, 3e38])
    r = run(src, {"x": x, "out": np.zeros(4, np.uint32), "low": np.zeros(4, np.uint32)}, 4)
    bits = x.view(np.uint32)
    np.testing.assert_array_equal(r["out"], bits ^ 0x80000000)
    np.testing.assert_array_equal(r["low"], (bits & 0xFF) | (((bits ^ 0x80000000) >> 24) << 8))


def error(src: str) -> CompileError:
    with pytest.raises(CompileError) as info:
        compile_source(src, "k.cl")
    return info.value


@pytest.mark.parametrize(
    "decls, body, where, what, unsupported",
    [
        ("struct S { int x; };", "struct S s; s.y = 1;", "3:15", "no member named 'y' in 'struct S'", False),
        ("struct S { int x; };", "struct S s; s = 1;", "3:15", "cannot convert int to struct S", False),
        ("struct S { int x; };", "int v = 0; a[0] = v->x;", "3:21", "not a pointer to a struct", False),
        ("", "struct Q q;", "3:10", "incomplete type 'struct Q'", False),
        ("struct S { int x; int x; };", "", "1:23", "duplicate member 'x'", False),
        ("struct S { int x : 3; };", "", "1:16", "bit-fields", True),
        ("struct S { int *p; };", "", "1:16", "pointer members", True),
        ("struct S { int x[]; };", "", "1:16", "flexible array members", True),
        ("struct __attribute__((packed)) S { char c; int x; };", "", "1:23", "packed", True),
        ("struct S { int x; int y; };", "struct S s = {1, 2, 3};", "3:23", "excess elements", False),
    ],
)  # fmt: skip
def test_errors(decls: str, body: str, where: str, what: str, unsupported: bool) -> None:
    src = f"{decls}\n__kernel void k(__global int *a) {{\n  {body}\n}}\n"
    e = error(src)
    assert str(e).startswith(f"k.cl:{where}: error:"), str(e)
    assert what in str(e), str(e)
    assert isinstance(e, UnsupportedError) == unsupported, str(e)


BY_VALUE = """
typedef struct { float2 scale; int offset; uchar shift; } Params;
__kernel void k(__global float *out, const Params p, int n) {
    int i = get_global_id(0);
    Params q = p;
    q.offset += 1;
    out[i] = (i + q.offset) * p.scale.x + p.scale.y + (float)(n >> p.shift);
}
"""


@pytest.mark.parametrize("vectorize", [False, True])
def test_struct_kernel_argument_by_value(vectorize: bool) -> None:
    m = compile_ok(BY_VALUE)
    k = m.kernels[0]
    names = [a.name for a in k.args]
    assert names == ["out", "p.scale.x", "p.scale.y", "p.offset", "p.shift", "n"]
    pv = np.zeros(1, struct_dtype(k, "Params"))
    pv["scale"], pv["offset"], pv["shift"] = [2, 0.5], 3, 2
    exp = (np.arange(8) + 4) * 2 + 0.5 + (100 >> 2)
    r = run_kernel(k, {"out": np.zeros(8, np.float32), "p": pv, "n": 100}, 8, vectorize=vectorize)
    np.testing.assert_array_equal(r["out"], exp)
    as_dict = {"scale": [2, 0.5], "offset": 3, "shift": 2}
    r = run_kernel(k, {"out": np.zeros(8, np.float32), "p": as_dict, "n": 100}, 8)
    np.testing.assert_array_equal(r["out"], exp)


def test_struct_kernel_argument_by_value_with_an_array_is_unsupported() -> None:
    e = error(
        "struct S { int x[2]; };\n__kernel void k(struct S s, __global int *a) { a[0] = s.x[0]; }\n"
    )
    assert isinstance(e, UnsupportedError) and str(e).startswith("k.cl:2:26: error:")
    assert "pass the struct through a __global or __constant pointer" in str(e)


def test_struct_buffer_size_is_checked() -> None:
    import soff

    design_src = (
        "struct S { int x; char c; };\n__kernel void k(__global struct S *s) { s[0].x = 1; }\n"
    )
    m = compile_ok(design_src)
    r = run_kernel(m.kernels[0], {"s": np.zeros(4, np.int32)}, 1)  # 16 bytes: two structs
    assert r["s"][0] == 1
    assert soff.struct_dtype(m, "S").itemsize == 8


def test_struct_conditional_expression_and_loops() -> None:
    src = """
    struct V { int x; float y; };
    struct V pick(struct V a, struct V b, int c) { if (c) return a; return b; }
    __kernel void k(__global struct V *o) {
        int i = get_global_id(0);
        struct V acc = {0, 0.0f};
        for (int j = 0; j < i; j++) { struct V t = {j, 1.5f}; acc.x += t.x; acc.y += t.y; }
        struct V z = pick(acc, o[i], i & 1);
        o[i] = i > 2 ? z : acc;
    }"""
    dt = np.dtype([("x", "i4"), ("y", "f4")])
    o = np.zeros(8, dt)
    o["x"] = 100
    r = run(src, {"o": o}, 8)["o"]
    for i in range(8):
        acc = (i * (i - 1) // 2, 1.5 * i)
        want = acc if i <= 2 or i & 1 else (100, 0.0)
        assert r[i].tolist() == want


def test_enums() -> None:
    src = """
    enum Color { RED, GREEN = 5, BLUE, ALPHA = BLUE * 2 };
    typedef enum { OFF, ON } Switch;
    __kernel void k(__global const int *in, __global int *o) {
        int i = get_global_id(0);
        enum Color c = (enum Color)in[i];
        Switch s = c == BLUE ? ON : OFF;
        int tab[ALPHA];
        switch (c) {
        case RED: o[i] = 1; break;
        case GREEN: o[i] = 2; break;
        case BLUE: o[i] = 3 + s * 10; break;
        default: o[i] = sizeof(tab) + sizeof(c);
        }
    }"""
    x = np.int32([0, 5, 6, 12, 7])
    r = run(src, {"in": x, "o": np.zeros(5, np.int32)}, 5)["o"]
    assert list(r) == [1, 2, 13, 52, 52]


def test_pointer_casts_to_and_from_struct_pointers() -> None:
    src = """
    typedef struct { int a; float b; } P;
    __kernel void k(__global P *ps, __global int *raw) {
        int i = get_global_id(0);
        __global int *w = (__global int *)ps;     /* the struct's bytes as ints */
        w[2 * i] += 7;
        __global P *q = (__global P *)raw;
        q[i].a = ps[i].a * 2;
    }"""
    ps = np.zeros(4, [("a", "i4"), ("b", "f4")])
    ps["a"] = [1, 2, 3, 4]
    r = run(src, {"ps": ps, "raw": np.zeros(8, np.int32)}, 4)
    assert list(r["ps"]["a"]) == [8, 9, 10, 11]
    assert list(r["raw"]) == [16, 0, 18, 0, 20, 0, 22, 0]


def test_brace_elision_is_a_clear_error() -> None:
    e = error(
        "struct V { int x, y; };\n__kernel void k(__global int *a) { struct V v[2] = {1, 2}; }\n"
    )
    assert isinstance(e, UnsupportedError) and "brace elision" in str(e)


def test_anonymous_members() -> None:
    src = """
    typedef union { struct { float x, y; }; float v[2]; ulong bits; } Vec;
    struct Tagged { int tag; union { int i; float f; }; };
    __kernel void k(__global Vec *vs, __global struct Tagged *ts, __global float *o) {
        int i = get_global_id(0);
        Vec a = vs[i];
        a.x += 1.0f;
        o[i] = a.v[0] + a.y + offsetof(struct Tagged, f);
        struct Tagged t = { 1 };
        t.f = 2.5f;
        ts[i] = t;
    }"""
    m = compile_ok(src)
    text = print_module(m)
    assert print_module(parse_module(text)) == text
    vs = np.float32([1, 2, 3, 4])
    r = run_kernel(
        m.kernels[0], {"vs": vs, "ts": np.zeros(4, np.int32), "o": np.zeros(2, np.float32)}, 2
    )
    assert list(r["o"]) == [8, 12]
    assert list(r["ts"][::2]) == [1, 1] and list(r["ts"][1::2].view(np.float32)) == [2.5, 2.5]


CONSTANT_TABLE = """
typedef struct { int id; float w; float2 c; } Entry;
__constant Entry table[] = { {1, 0.5f, {1.0f, 2.0f}}, {2, -1.5f, (float2)(3.0f, 4.0f)}, { .w = 9.0f } };
__constant struct { short a; char b; } one = { -2, 7 };
__kernel void k(__global float *o) {
    int i = get_global_id(0);
    Entry e = table[i];
    o[i] = e.id + e.w + e.c.x * 10 + e.c.y * 100 + one.a + one.b + sizeof(table);
}
"""


@pytest.mark.parametrize("vectorize", [False, True])
def test_constant_struct_tables(vectorize: bool) -> None:
    m = compile_ok(CONSTANT_TABLE)
    assert "rodata" in print_module(m) and "ptr.constant<[48 x u8]>" in print_module(m)
    r = run_kernel(m.kernels[0], {"o": np.zeros(3, np.float32)}, 3, vectorize=vectorize)
    assert list(r["o"]) == [264.5, 483.5, 62.0]


def test_array_members_get_their_own_alloca() -> None:
    src = """
    typedef struct { int lo; short hist[4]; float w; } Bin;
    Bin bump(Bin b, int k) { b.hist[k & 3] += 1; b.w *= 2.0f; return b; }
    __kernel void k(__global Bin *bins, __global const int *x) {
        int i = get_global_id(0);
        Bin b = bins[i];
        b = bump(b, x[i]);
        b.lo = b.hist[x[i] & 3];
        bins[i] = b;
    }"""
    text = ir_text(src)
    assert "alloca : ptr.private<[4 x i16]>" in text and "ptr.private<struct" not in text
    dt = np.dtype([("lo", "i4"), ("hist", "i2", 4), ("w", "f4")])
    bins = np.zeros(4, dt)
    bins["hist"] = np.arange(16).reshape(4, 4)
    bins["w"] = 1.5
    x = np.int32([0, 1, 6, 3])
    r = run(src, {"bins": bins, "x": x}, 4)["bins"]
    hist = np.arange(16).reshape(4, 4)
    hist[np.arange(4), x & 3] += 1
    np.testing.assert_array_equal(r["hist"], hist)
    np.testing.assert_array_equal(r["lo"], hist[np.arange(4), x & 3])
    np.testing.assert_array_equal(r["w"], 3.0)


def test_sizeof_and_offsetof_in_array_sizes() -> None:
    src = """
    typedef struct { int a; double b; } S;
    __kernel void k(__global int *o) {
        int t[sizeof(S) / sizeof(int) + offsetof(S, b)];
        o[0] = sizeof(t);
    }"""
    assert run(src, {"o": np.zeros(1, np.int32)}, 1)["o"][0] == 48
