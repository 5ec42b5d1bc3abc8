"""Atomics in hardware: global atomics through the kernel's one atomic unit, and
__local atomics as read-modify-write ports of the local RAM. Compared with numpy."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

import soff

pytestmark = pytest.mark.sim
RNG = np.random.default_rng(11)

GLOBAL = """
__kernel void global_atomics(__global const int *d, __global uint *hist, __global int *acc,
                             __global int *olds, __global int *lock) {
    int i = get_global_id(0);
    int x = d[i];
    atomic_inc(&hist[x & 7]);
    olds[i] = atomic_add(&acc[0], x);
    atomic_max(&acc[1], x);
    atomic_min(&acc[2], x);
    atomic_xor(&acc[3], x);
    /* spin-free compare-and-swap: claim the first free slot of four */
    int slot = i & 3;
    if (atomic_cmpxchg(&lock[slot], 0, i + 1) == 0)
        atomic_or(&acc[4], 1 << slot);
}
"""

LOCAL = """
__kernel void local_hist(__global const uint *d, __global uint *hist, __global uint *olds) {
    __local uint bins[8];
    int l = get_local_id(0);
    if (l < 8) bins[l] = 0;
    barrier(CLK_LOCAL_MEM_FENCE);
    olds[get_global_id(0)] = atomic_inc(&bins[d[get_global_id(0)] & 7]);
    atomic_add(&bins[(d[get_global_id(0)] >> 3) & 7], 0x10000);
    barrier(CLK_LOCAL_MEM_FENCE);
    if (l < 8) atomic_add(&hist[l], bins[l]);
}
"""


@cache
def design(src: str, name: str) -> soff.Design:
    return soff.compile(src, filename=name)


def test_global_atomics() -> None:
    n = 64
    d = RNG.integers(-1000, 1000, n).astype(np.int32)
    r = design(GLOBAL, "global_atomics.cl").simulate(
        n,
        16,
        {
            "d": d,
            "hist": np.zeros(8, np.uint32),
            "acc": np.array([0, -(2**31), 2**31 - 1, 0, 0], np.int32),
            "olds": np.zeros(n, np.int32),
            "lock": np.zeros(4, np.int32),
        },
    )
    out = r.outputs
    np.testing.assert_array_equal(out["hist"], np.bincount(d & 7, minlength=8))
    acc = out["acc"]
    assert acc[0] == d.sum()
    assert acc[1] == d.max() and acc[2] == d.min()
    assert acc[3] == np.bitwise_xor.reduce(d)
    assert acc[4] == 0xF
    # each lock slot was claimed by exactly one work-item of its residue class
    for s in range(4):
        assert (out["lock"][s] - 1) % 4 == s
    # the old values of the accumulation chain up: each is 0 or another's old + its d
    olds = out["olds"]
    assert sorted([*olds.tolist(), int(acc[0])]) == sorted([*(olds + d).tolist(), 0])


def test_local_histogram_with_barriers() -> None:
    n, local = 64, 16
    d = RNG.integers(0, 1 << 12, n).astype(np.uint32)
    r = design(LOCAL, "local_hist.cl").simulate(
        n, local, {"d": d, "hist": np.zeros(8, np.uint32), "olds": np.zeros(n, np.uint32)}
    )
    lo, hi = d & 7, (d >> 3) & 7
    want = np.bincount(lo, minlength=8) + 0x10000 * np.bincount(hi, minlength=8)
    np.testing.assert_array_equal(r.outputs["hist"], want)
    olds = r.outputs["olds"] & 0xFFFF  # the low half counts atomic_inc per bin
    for g in range(n // local):
        sl = slice(g * local, (g + 1) * local)
        for b in range(8):
            got = sorted(olds[sl][lo[sl] == b])
            assert got == list(range(len(got)))


CUDA = """
__global__ void cuda_atomics(const int *d, unsigned int *ctr, float *f, int *cas, int *sub) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    atomicInc(&ctr[0], 5u);
    atomicDec(&ctr[1], 6u);
    atomicExch(&f[0], (float)d[i]);
    atomicCAS(&cas[d[i] & 3], 0, i + 1);
    atomicSub(&sub[0], d[i]);
}
"""


def test_cuda_wrapping_inc_dec_cas_exch() -> None:
    n = 32
    d = RNG.integers(0, 100, n).astype(np.int32)
    r = soff.compile(CUDA, filename="cuda_atomics.cu").simulate(
        n,
        8,
        {
            "d": d,
            "ctr": np.array([0, 3], np.uint32),
            "f": np.zeros(1, np.float32),
            "cas": np.zeros(4, np.int32),
            "sub": np.zeros(1, np.int32),
        },
    )
    out = r.outputs
    assert out["ctr"][0] == n % 6  # 0, 1, ..., 5, 0, ...
    dec = 3
    for _ in range(n):
        dec = 6 if dec == 0 or dec > 6 else dec - 1
    assert out["ctr"][1] == dec
    assert out["f"][0] in d.astype(np.float32)
    for s in range(4):
        who = np.flatnonzero((d & 3) == s)
        assert (out["cas"][s] - 1 in who) if len(who) else out["cas"][s] == 0
    assert out["sub"][0] == -d.sum()


LOOP = """
__kernel void loop_atomics(__global const int *d, __global int *acc, int n) {
    int i = get_global_id(0);
    for (int k = 0; k < n; k++) {
        if ((d[i] + k) & 1) atomic_add(&acc[k & 3], d[i]);
        else atomic_sub(&acc[4], 1);
    }
}
"""


def test_atomics_in_a_loop_with_branches() -> None:
    n, trips = 48, 5
    d = RNG.integers(0, 50, n).astype(np.int32)
    r = design(LOOP, "loop_atomics.cl").simulate(
        n, 16, {"d": d, "acc": np.zeros(5, np.int32), "n": trips}
    )
    want = np.zeros(5, np.int64)
    for x in d:
        for k in range(trips):
            if (x + k) & 1:
                want[k & 3] += x
            else:
                want[4] -= 1
    np.testing.assert_array_equal(r.outputs["acc"], want)


FLOAT_ADD = """
__global__ void float_add(const float *x, float *sum, float *olds, double *dsum) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    olds[i] = atomicAdd(&sum[i & 1], x[i]);
    atomicAdd(dsum, (double)x[i] * 0.5);
}
"""


def test_cuda_float_and_double_atomic_add() -> None:
    n = 32
    x = RNG.integers(-64, 64, n).astype(np.float32) / 4  # exact sums in any order
    r = soff.compile(FLOAT_ADD, filename="float_add.cu").simulate(
        n,
        8,
        {
            "x": x,
            "sum": np.zeros(2, np.float32),
            "olds": np.zeros(n, np.float32),
            "dsum": np.zeros(1, np.float64),
        },
    )
    assert r.outputs["dsum"][0] == x.astype(np.float64).sum() * 0.5
    np.testing.assert_array_equal(r.outputs["sum"], [x[0::2].sum(), x[1::2].sum()])
    for k in range(2):
        olds, xs = r.outputs["olds"][k::2], x[k::2]
        assert sorted([*olds.tolist(), float(r.outputs["sum"][k])]) == sorted(
            [*(olds + xs).tolist(), 0.0]
        )


def test_global_atomics_stay_on_one_compute_unit() -> None:
    assert soff.compile(GLOBAL, filename="g.cl", num_cu="auto").num_cu == 1
    with pytest.raises(soff.CompileError, match="atomics on global memory: more than one"):
        soff.compile(GLOBAL, filename="g.cl", num_cu=2)
    local_only = """__kernel void k(__global uint *o) {
    __local uint c[1];
    o[get_global_id(0)] = atomic_inc(c);
}"""
    assert soff.compile(local_only, filename="l.cl", num_cu=2).num_cu == 2  # __local: fine


TICKETS = """
__kernel void tickets(__global uint *counter, __global int *order, __global long *wide,
                      __global ulong *swap) {
    int i = get_global_id(0);
    uint t = atomic_inc(counter);
    order[t] = i;               /* the old value addresses a store */
    if (t < 8) atom_add(wide, (long)i << 35);
    atom_cmpxchg(swap, (ulong)t, (ulong)t + 0x100000001ul);
}
"""


def test_tickets_and_64_bit_atomics() -> None:
    n = 40
    r = design(TICKETS, "tickets.cl").simulate(
        n,
        8,
        {
            "counter": np.zeros(1, np.uint32),
            "order": np.full(n, -1, np.int32),
            "wide": np.zeros(1, np.int64),
            "swap": np.zeros(1, np.uint64),
        },
    )
    out = r.outputs
    assert out["counter"][0] == n
    order = out["order"]
    assert sorted(order) == list(range(n))  # every ticket handed out once
    assert out["wide"][0] == sum(int(i) << 35 for i in order[:8])
    # only the holder of ticket 0 finds swap equal to its ticket (64-bit compare and write)
    assert out["swap"][0] == 0x100000001


def test_global_atomics_on_icarus() -> None:
    """A 4-state simulator: no X reaches the atomic unit's handshakes."""
    n = 16
    d = RNG.integers(-1000, 1000, n).astype(np.int32)
    r = design(GLOBAL, "global_atomics.cl").simulate(
        n,
        16,
        {
            "d": d,
            "hist": np.zeros(8, np.uint32),
            "acc": np.array([0, -(2**31), 2**31 - 1, 0, 0], np.int32),
            "olds": np.zeros(n, np.int32),
            "lock": np.zeros(4, np.int32),
        },
        simulator="icarus",
    )
    np.testing.assert_array_equal(r.outputs["hist"], np.bincount(d & 7, minlength=8))
    assert list(r.outputs["acc"][:3]) == [d.sum(), d.max(), d.min()]


ROUNDS = """
__kernel void rounds(__global const uint *d, __global uint *out, int r) {
    __local uint c[5];
    int l = get_local_id(0);
    uint acc = 0;
    for (int k = 0; k < r; k++) {
        if (l < 5) c[l] = 0;
        barrier(CLK_LOCAL_MEM_FENCE);
        atomic_add(&c[(d[get_global_id(0)] + k) & 3], k + 1);
        if (l & 1) atomic_max(&c[4], d[get_global_id(0)] >> 4);
        barrier(CLK_LOCAL_MEM_FENCE);
        acc += c[l & 3] + c[4];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    out[get_global_id(0)] = acc;
}
"""


def test_local_atomics_in_a_loop_with_barriers_match_the_interpreter() -> None:
    n, local = 64, 16
    d = RNG.integers(0, 1000, n).astype(np.uint32)
    des = design(ROUNDS, "rounds.cl")
    args = {"d": d, "out": np.zeros(n, np.uint32), "r": 3}
    hw = des.simulate(n, local, args)
    ref = des.simulate(n, local, args, simulator="interp")
    np.testing.assert_array_equal(hw.outputs["out"], ref.outputs["out"])


def test_only_a_predicate_crosses_a_boundary() -> None:
    """Regression: two predicated atomics in a row carry just the one-bit predicate
    through the bypass FIFO between them (a scalar wire, not part-selectable)."""
    src = """__kernel void two(__global float *r, __global uint *c) {
    if (get_global_id(0) == 3) { atomic_xchg(r, 1.5f); atomic_inc(c); }
}"""
    r = design(src, "two.cl").simulate(
        8, 8, {"r": np.zeros(1, np.float32), "c": np.zeros(1, np.uint32)}
    )
    assert r.outputs["r"][0] == 1.5 and r.outputs["c"][0] == 1


HOT_HIST = """
__kernel void hot(__global const uint *data, __global uint *hist, __global int *ticket,
                  int n) {
    int i = get_global_id(0);
    if (i < n) {
        atomic_inc(&hist[data[i] % 16]);
        atomic_add(&ticket[0], (int)(data[i] & 7));
    }
}
"""

MIXED = """
__kernel void mixed(__global uint *restrict hist, __global uint *restrict side, int n) {
    int i = get_global_id(0);
    if (i < n) {
        atomic_add(&hist[i & 1], 3u);
        side[i] = (uint)i;
    }
}
"""


def test_atomic_unit_forwards_the_word_it_wrote() -> None:
    """Only atomics write these buffers, so the unit reuses the word it wrote last
    instead of reading it again: bins hit in a row (here most atomics) skip the
    read. Results equal numpy; with forwarding off (a plain store that may alias),
    the same results."""
    from soff.rtl_gen.atomics import forwarding_safe

    d = soff.compile(HOT_HIST, filename="hot.cl")
    assert "_fwd" in d.verilog and forwarding_safe(d.schedule.kernel)
    rng = np.random.default_rng(4)
    n = 512
    data = (5 + 16 * rng.integers(0, 9, n)).astype(np.uint32)
    data[::7] += 1  # a second bin, in the same bus word, now and then
    data[::11] += 8  # and one in another word
    args = {"data": data, "hist": np.zeros(16, np.uint32), "ticket": np.zeros(1, np.int32)}
    res = d.simulate(n, 64, {**args, "n": n})
    np.testing.assert_array_equal(res.outputs["hist"], np.bincount(data % 16, minlength=16))
    assert res.outputs["ticket"][0] == int(np.sum(data & 7))
    # without restrict, the plain store may reach the atomics' buffer
    nofwd = soff.compile(MIXED.replace("*restrict", "*"), filename="m.cl")
    assert not forwarding_safe(nofwd.schedule.kernel)
    ok = soff.compile(MIXED, filename="m.cl")
    assert forwarding_safe(ok.schedule.kernel)
    for design in (ok, nofwd):
        r = design.simulate(
            64, 16, {"hist": np.zeros(2, np.uint32), "side": np.zeros(64, np.uint32), "n": 64}
        )
        np.testing.assert_array_equal(r.outputs["hist"], [96, 96])
        np.testing.assert_array_equal(r.outputs["side"], np.arange(64))
