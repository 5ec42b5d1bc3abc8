"""Structs and unions in hardware: kernels compiled, simulated in Verilator and
compared with numpy (structured arrays in the OpenCL layout)."""

from __future__ import annotations

import numpy as np
import pytest

import soff
from soff.driver import load_module
from soff.ir.interp import run_kernel

pytestmark = pytest.mark.sim

PARTICLES = """
typedef struct { float2 pos; float2 vel; float mass; int alive; } Particle;

Particle advance(Particle p, float dt) {
    p.vel.y -= 9.81f * dt;
    p.pos += p.vel * dt;
    return p;
}

__kernel void particles(__global Particle *ps, __global float *energy, float dt) {
    int i = get_global_id(0);
    Particle p = ps[i];                  // a struct copied out of global memory
    if (p.alive) {
        p = advance(p, dt);
        if (p.pos.y < 0.0f) { p.pos.y = 0.0f; p.alive = 0; }
    }
    ps[i] = p;                           // and back
    energy[i] = 0.5f * p.mass * (p.vel.x * p.vel.x + p.vel.y * p.vel.y);
}
"""

SOA_TEMP = """
struct Stats { int min, max; long sum; };

__kernel void stats(__global const int *a, __global const int *b,
                    __global struct Stats *out) {
    int i = get_global_id(0);
    struct Stats s = { .min = a[i], .max = a[i] };   // a private temporary
    s.sum = a[i];
    int x = b[i];
    if (x < s.min) s.min = x;
    if (x > s.max) s.max = x;
    s.sum += x;
    out[i] = s;
    out[i].sum *= 2;
}
"""

UNION_BITS = """
typedef union { float f; uint u; } Bits;

__kernel void flip(__global const float *x, __global float *neg, __global uint *expo) {
    int i = get_global_id(0);
    Bits b;
    b.f = x[i];
    expo[i] = (b.u >> 23) & 0xff;
    b.u ^= 0x80000000u;                   // type punning through the union
    neg[i] = b.f;
}
"""


def particle_dtype() -> np.dtype:
    return np.dtype(
        {
            "names": ["pos", "vel", "mass", "alive"],
            "formats": [(np.float32, 2), (np.float32, 2), np.float32, np.int32],
            "offsets": [0, 8, 16, 20],
            "itemsize": 24,
        }
    )


def test_array_of_structs_particles() -> None:
    n = 64
    rng = np.random.default_rng(3)
    design = soff.compile(PARTICLES)
    dt = soff.struct_dtype(design, "Particle")
    assert dt == particle_dtype()
    ps = np.zeros(n, dt)
    ps["pos"] = rng.uniform(0, 2, (n, 2))
    ps["vel"] = rng.uniform(-1, 1, (n, 2))
    ps["mass"] = rng.uniform(1, 3, n)
    ps["alive"] = rng.integers(0, 2, n)
    args = {"ps": ps, "energy": np.zeros(n, np.float32), "dt": np.float32(0.1)}
    r = design.simulate(
        n, 16, {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in args.items()}
    )

    exp = ps.copy()
    step = np.float32(0.1)
    live = exp["alive"] == 1
    vel = exp["vel"].copy()
    vel[live, 1] = vel[live, 1] - np.float32(9.81) * step
    pos = exp["pos"].copy()
    pos[live] = pos[live] + vel[live] * step
    fall = live & (pos[:, 1] < 0)
    pos[fall, 1] = 0
    exp["alive"][fall] = 0
    exp["pos"], exp["vel"] = pos, vel
    energy = np.float32(0.5) * exp["mass"] * (vel[:, 0] * vel[:, 0] + vel[:, 1] * vel[:, 1])
    np.testing.assert_array_equal(r.outputs["ps"], exp)
    np.testing.assert_allclose(r.outputs["energy"], energy, rtol=1e-6)
    ref = run_kernel(load_module(PARTICLES).kernels[0], args, n, 16)
    assert r.outputs["ps"].tobytes() == ref["ps"].tobytes()


def test_struct_temporary_and_raw_byte_buffers() -> None:
    n = 48
    rng = np.random.default_rng(4)
    a = rng.integers(-1000, 1000, n, dtype=np.int32)
    b = rng.integers(-1000, 1000, n, dtype=np.int32)
    design = soff.compile(SOA_TEMP)
    # a buffer of another dtype holding the struct bytes (16 per struct) is accepted
    raw = np.zeros(n * 4, np.int32)
    r = design.simulate(n, 16, {"a": a, "b": b, "out": raw})
    out = r.outputs["out"].view(soff.struct_dtype(design, "Stats"))
    np.testing.assert_array_equal(out["min"], np.minimum(a, b))
    np.testing.assert_array_equal(out["max"], np.maximum(a, b))
    np.testing.assert_array_equal(out["sum"], 2 * (a.astype(np.int64) + b))
    with pytest.raises(ValueError, match="multiple"):
        design.simulate(n, 16, {"a": a, "b": b, "out": np.zeros(n * 4 + 1, np.int32)})


def test_union_float_bits() -> None:
    n = 32
    x = np.random.default_rng(5).normal(0, 100, n).astype(np.float32)
    x[:3] = [0.0, -0.0, np.inf]
    r = soff.compile(UNION_BITS).simulate(
        n, 16, {"x": x, "neg": np.zeros(n, np.float32), "expo": np.zeros(n, np.uint32)}
    )
    np.testing.assert_array_equal(r.outputs["neg"].view(np.uint32), (-x).view(np.uint32))
    np.testing.assert_array_equal(r.outputs["expo"], (x.view(np.uint32) >> 23) & 0xFF)


BY_VALUE = """
typedef struct { float2 scale; int offset; uchar shift; } Params;
__kernel void affine(__global float *out, Params p, int n) {
    int i = get_global_id(0);
    out[i] = (i + p.offset) * p.scale.x + p.scale.y + (float)(n >> p.shift);
}
"""


def test_struct_argument_by_value() -> None:
    design = soff.compile(BY_VALUE)
    assert "p_scale_x" in "\n".join(design.regmap.describe())  # one register per member
    pv = np.zeros(1, soff.struct_dtype(design, "Params"))
    pv["scale"], pv["offset"], pv["shift"] = [2, 0.5], 3, 2
    r = design.simulate(16, 8, {"out": np.zeros(16, np.float32), "p": pv, "n": 100})
    np.testing.assert_array_equal(r.outputs["out"], (np.arange(16) + 3) * 2 + 0.5 + 25)


PRIVATE_IN_MEMORY = """
typedef struct { int n; float w; int hist[3]; } Acc;
static void add(Acc *a, int v) { a->n += 1; a->w += (float)v * 0.5f; a->hist[v & 1] += v; }
__kernel void accumulate(__global const int *x, __global Acc *out) {
    int i = get_global_id(0);
    Acc a = { 0 };                        /* address taken, holds an array: a private RAM */
    for (int k = 0; k < 4; k++) add(&a, x[4 * i + k]);
    out[i] = a;
}
"""


def test_private_struct_in_memory() -> None:
    x = np.random.default_rng(6).integers(0, 50, 64).astype(np.int32)
    design = soff.compile(PRIVATE_IN_MEMORY)
    r = design.simulate(16, 8, {"x": x, "out": np.zeros(16, soff.struct_dtype(design, "Acc"))})
    out = r.outputs["out"]
    v = x.reshape(16, 4)
    np.testing.assert_array_equal(out["n"], 4)
    np.testing.assert_array_equal(out["w"], (v * np.float32(0.5)).astype(np.float32).sum(axis=1))
    np.testing.assert_array_equal(out["hist"][:, 0], np.where(v % 2 == 0, v, 0).sum(axis=1))
    np.testing.assert_array_equal(out["hist"][:, 1], np.where(v % 2 == 1, v, 0).sum(axis=1))
    np.testing.assert_array_equal(out["hist"][:, 2], 0)


LOCAL_TILE = """
typedef struct { float x, y; } P;
__kernel void tile(__global const P *in, __global float *out) {
    __local P tile[8];                    /* a __local array of structs */
    __local P one;
    int l = get_local_id(0);
    tile[l] = in[get_global_id(0)];
    if (l == 0) { one.x = 1.0f; one.y = 2.0f; }
    barrier(CLK_LOCAL_MEM_FENCE);
    out[get_global_id(0)] = tile[7 - l].x + tile[l].y + one.y;
}
"""


def test_local_array_of_structs() -> None:
    x = np.random.default_rng(7).integers(-100, 100, 64).astype(np.float32)
    r = soff.compile(LOCAL_TILE).simulate(32, 8, {"in": x, "out": np.zeros(32, np.float32)})
    p = x.reshape(4, 8, 2)
    want = p[:, ::-1, 0] + p[:, :, 1] + np.float32(2)
    np.testing.assert_array_equal(r.outputs["out"], want.reshape(-1))


CONSTANT_TABLE = """
typedef struct { int id; float w; float2 c; } Entry;
__constant Entry table[] = { {1, 0.5f, {1.0f, 2.0f}}, {2, -1.5f, (float2)(3.0f, 4.0f)}, { .w = 9.0f } };
__constant struct { short a; char b; } one = { -2, 7 };
__kernel void lookup(__global const int *idx, __global float *o) {
    int i = get_global_id(0);
    Entry e = table[idx[i]];                  /* a ROM of the struct bytes */
    o[i] = e.id + e.w + e.c.x * 10 + e.c.y * 100 + one.a + one.b;
}
"""


def test_constant_struct_table() -> None:
    idx = np.random.default_rng(8).integers(0, 3, 16).astype(np.int32)
    r = soff.compile(CONSTANT_TABLE).simulate(16, 8, {"idx": idx, "o": np.zeros(16, np.float32)})
    np.testing.assert_array_equal(r.outputs["o"], np.float32([216.5, 435.5, 14.0])[idx])


BFS_STEP = """
/* Rodinia-bfs-style frontier step: bool masks in global memory, a bool struct member */
typedef struct { int cost; bool leaf; } Node;
__kernel void step(__global bool *mask, __global bool *next, __global Node *nodes,
                   __global const int *succ, __global int *cost, int n) {
    int i = get_global_id(0);
    if (i >= n || !mask[i])
        return;
    mask[i] = false;
    int j = succ[i];
    if (!nodes[j].leaf) {
        next[j] = nodes[i].cost + 1;  /* int -> bool: nonzero is true */
        cost[j] = nodes[i].cost + 1;
    }
    nodes[i].leaf = nodes[i].cost & 1;
}
"""


def test_bool_buffers_and_bool_struct_members_in_hardware() -> None:
    n = 48
    rng = np.random.default_rng(11)
    design = soff.compile(BFS_STEP)
    dt = soff.struct_dtype(design, "Node")
    nodes = np.zeros(n, dt)
    nodes["cost"] = rng.integers(0, 9, n)
    nodes["leaf"] = rng.integers(0, 2, n).astype(bool)
    mask = rng.integers(0, 2, n).astype(bool)
    succ = rng.permutation(n).astype(np.int32)  # distinct successors: no write races
    args = {"mask": mask, "next": np.zeros(n, bool), "nodes": nodes, "succ": succ,
            "cost": np.zeros(n, np.int32), "n": np.int32(n)}
    r = design.simulate(64, 16, {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in args.items()})

    e_mask, e_next, e_nodes = mask.copy(), np.zeros(n, bool), nodes.copy()
    e_cost = np.zeros(n, np.int32)
    for i in np.flatnonzero(mask):
        e_mask[i] = False
        j = succ[i]
        if not nodes["leaf"][j]:
            e_next[j] = True
            e_cost[j] = nodes["cost"][i] + 1
    for i in np.flatnonzero(mask):
        e_nodes["leaf"][i] = bool(nodes["cost"][i] & 1)
    np.testing.assert_array_equal(r.outputs["mask"], e_mask)
    np.testing.assert_array_equal(r.outputs["next"], e_next)
    np.testing.assert_array_equal(r.outputs["nodes"], e_nodes)
    np.testing.assert_array_equal(r.outputs["cost"], e_cost)
    # the bytes in memory are 0 or 1, as C stores bools
    assert set(np.unique(r.outputs["next"].view(np.uint8))) <= {0, 1}
    ref = run_kernel(load_module(BFS_STEP).kernels[0], args, 64, 16)
    np.testing.assert_array_equal(r.outputs["nodes"], ref["nodes"])  # fields (padding is free)
