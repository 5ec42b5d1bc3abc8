"""The CUDA C front end: each construct's lowering, host code skipped, errors
located in the .cu file (soff.frontend.cuda, soff.frontend.cuda_extract)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from soff.diagnostics import CompileError, UnsupportedError
from soff.driver import launch_sizes
from soff.frontend import compile_source, language_of
from soff.frontend.cuda_extract import extract_device_code
from soff.ir.interp import run_kernel
from soff.ir.printer import print_kernel
from soff.ir.verifier import verify_module

KERNELS = Path(__file__).parent.parent / "kernels" / "cuda"


def cu(src: str, filename: str = "k.cu", **kw) -> str:
    module = compile_source(src, filename, **kw)
    verify_module(module, barrier_order=True)
    return "\n".join(print_kernel(k) for k in module.kernels)


def run(src: str, args: dict, grid, block, **kw) -> dict[str, np.ndarray]:
    module = compile_source(src, "k.cu", **kw)
    gs, ls = launch_sizes(None, None, grid, block)
    return run_kernel(module.kernels[0], args, gs, ls)


def error(src: str, **kw) -> CompileError:
    with pytest.raises(CompileError) as e:
        compile_source(src, "k.cu", **kw)
    return e.value


# -- the language ---------------------------------------------------------------


def test_language_by_extension_or_option() -> None:
    assert language_of("a.cu") == "cuda" and language_of("a.cuh") == "cuda"
    assert language_of("a.cl") == "opencl" and language_of("a.cl", "cuda") == "cuda"
    src = "__global__ void k(int *p) { p[threadIdx.x] = 1; }"
    assert "local_id" in print_kernel(compile_source(src, "k.txt", lang="cuda").kernels[0])
    with pytest.raises(CompileError, match="unknown language 'fortran'"):
        compile_source(src, "k.cu", lang="fortran")


def test_builtin_variables_map_to_work_item_ops() -> None:
    ir = cu(
        """__global__ void k(unsigned *p) {
            p[0] = threadIdx.x + threadIdx.y + threadIdx.z;
            p[1] = blockIdx.x + blockIdx.y + blockIdx.z;
            p[2] = blockDim.x + blockDim.y + blockDim.z;
            p[3] = gridDim.x + gridDim.y + gridDim.z + warpSize;
        }"""
    )
    for op in ("local_id", "group_id", "local_size", "num_groups"):
        for d in range(3):
            assert f"{op} {{dim = {d}}} : u64" in ir
    assert "{value = 32} : i32" in ir  # warpSize
    assert "cast %" in ir and ": u32" in ir  # threadIdx.x is an unsigned int


def test_builtin_variables_values() -> None:
    src = """__global__ void k(unsigned *out) {
        unsigned i = (blockIdx.y * gridDim.x + blockIdx.x) * blockDim.x * blockDim.y
                     + threadIdx.y * blockDim.x + threadIdx.x;
        out[i] = threadIdx.x + 10 * threadIdx.y + 100 * blockIdx.x + 1000 * blockIdx.y;
    }"""
    out = run(src, {"out": np.zeros(48, np.uint32)}, (2, 3), (4, 2))["out"]
    want = [
        tx + 10 * ty + 100 * bx + 1000 * by
        for by in range(3)
        for bx in range(2)
        for ty in range(2)
        for tx in range(4)
    ]
    assert out.tolist() == want


def test_function_qualifiers_and_device_functions() -> None:
    src = """
    __device__ __forceinline__ int twice(int x) { return 2 * x; }
    __host__ __device__ inline int inc(int x) { return x + 1; }
    static __device__ __noinline__ int both(int x) { return inc(twice(x)); }
    __global__ void __launch_bounds__(64, 2) k(int *__restrict__ p, const int *__restrict a) {
        int i = threadIdx.x;
        p[i] = both(a[i]);
    }"""
    a = np.arange(8, dtype=np.int32)
    out = run(src, {"p": np.zeros(8, np.int32), "a": a}, 1, 8)["p"]
    assert out.tolist() == (2 * a + 1).tolist()


def test_several_kernels() -> None:
    module = compile_source(
        "__global__ void a(int *p) { *p = 1; }\n__global__ void b(int *p) { *p = 2; }", "k.cu"
    )
    assert [k.name for k in module.kernels] == ["a", "b"]


def test_shared_array_is_local_memory_and_syncthreads_a_barrier() -> None:
    ir = cu(
        """__global__ void k(float *p) {
            __shared__ float tile[2][32];
            __shared__ int count;
            tile[0][threadIdx.x] = p[threadIdx.x];
            __syncthreads();
            p[threadIdx.x] = tile[0][31 - threadIdx.x] + count;
        }"""
    )
    assert "alloca : ptr.local<[2 x [32 x f32]]>" in ir
    assert "alloca : ptr.local<i32>" in ir
    assert "barrier {flags = [local, global]}" in ir


def test_shared_in_device_function_and_at_file_scope() -> None:
    src = """
    __shared__ int total[1];
    __device__ int rotate_left(int v) {
        __shared__ int buf[8];
        buf[threadIdx.x] = v;
        __syncthreads();
        return buf[(threadIdx.x + 1) % 8];
    }
    __global__ void k(int *p) {
        if (threadIdx.x == 0) total[0] = 5;
        __syncthreads();
        p[threadIdx.x] = rotate_left(p[threadIdx.x]) + total[0];
    }"""
    p = np.arange(8, dtype=np.int32) * 3
    out = run(src, {"p": p}, 1, 8)["p"]
    assert out.tolist() == (np.roll(p, -1) + 5).tolist()


def test_extern_shared_sized_at_launch() -> None:
    src = """
    extern __shared__ float dyn[];
    __global__ void k(float *p) {
        extern __shared__ float same[];
        same[threadIdx.x] = p[threadIdx.x];
        __syncthreads();
        p[threadIdx.x] = dyn[blockDim.x - 1 - threadIdx.x];
    }"""
    assert "alloca : ptr.local<[16 x f32]>" in cu(src, shared_bytes=64)
    assert cu(src, shared_bytes=64).count("alloca") == 1  # both names, one memory
    p = np.arange(16, dtype=np.float32)
    assert run(src, {"p": p}, 1, 16, shared_bytes=64)["p"].tolist() == p[::-1].tolist()


def test_extern_shared_errors() -> None:
    src = "__global__ void k(float *p) {\n    extern __shared__ float s[];\n    s[0] = 1; }"
    e = error(src)
    assert str(e).startswith("k.cu:2:")
    assert "sized at launch" in e.message and "--shared-bytes" in e.message
    assert "has no room" in error(src, shared_bytes=2).message
    mixed = """__global__ void k(float *p) {
        extern __shared__ float f[];
        extern __shared__ int i[];
        f[0] = i[0]; }"""
    e = error(mixed, shared_bytes=64)
    assert isinstance(e, UnsupportedError) and "one element type" in e.message


def test_constant_memory() -> None:
    src = """
    __constant__ int table[4] = {10, 20, 30, 40};
    __device__ __constant__ float scale = 0.5f;
    const int OFFSET = 7;
    static const float BIAS[2] = {1.0f, 2.0f};
    __global__ void k(float *p) {
        int i = threadIdx.x;
        p[i] = table[i & 3] * scale + OFFSET + BIAS[i & 1];
    }"""
    assert "rodata" in cu(src)
    out = run(src, {"p": np.zeros(4, np.float32)}, 1, 4)["p"]
    assert out.tolist() == [5 + 7 + 1, 10 + 7 + 2, 15 + 7 + 1, 20 + 7 + 2]


def test_constant_memory_filled_by_the_host_is_an_argument() -> None:
    src = """
    __constant__ float filter[3];
    __constant__ int shift;
    __global__ void k(float *out, const float *in) {
        int i = threadIdx.x;
        out[i] = filter[0] * in[i] + filter[1] * in[i + 1] + filter[2] * in[i + 2] + shift;
    }"""
    module = compile_source(src, "k.cu")
    (k,) = module.kernels
    assert [(a.name, str(a.type)) for a in k.args] == [
        ("out", "ptr.global<f32>"),
        ("in", "ptr.global<f32>"),
        ("filter", "ptr.constant<f32>"),
        ("shift", "ptr.constant<i32>"),
    ]
    x = np.arange(6, dtype=np.float32)
    args = {
        "out": np.zeros(4, np.float32),
        "in": x,
        "filter": np.array([1, 2, 3], np.float32),
        "shift": np.array([10], np.int32),
    }
    out = run_kernel(k, args, 4, 4)["out"]
    assert out.tolist() == (x[:4] + 2 * x[1:5] + 3 * x[2:6] + 10).tolist()
    e = error("__constant__ float m[2][2];\n__global__ void k(float *p) { *p = m[0][0]; }")
    assert str(e).startswith("k.cu:1:") and "one-dimensional" in e.message


def test_file_scope_consts_size_arrays() -> None:
    src = """
    const int B = 8;
    static const unsigned H = B / 2 + 1;
    const float W[2] = {B, H};
    __global__ void k(float *p) {
        __shared__ float s[B][H];
        s[threadIdx.x][0] = W[1];
        __syncthreads();
        p[threadIdx.x] = s[B - 1 - threadIdx.x][0] + H;
    }"""
    assert "alloca : ptr.local<[8 x [5 x f32]]>" in cu(src)
    assert run(src, {"p": np.zeros(8, np.float32)}, 1, 8)["p"].tolist() == [10.0] * 8


def test_constexpr_and_alignas() -> None:
    src = """
    constexpr int B = 4;
    __host__ __device__ constexpr int twice(int x) { return 2 * x; }
    struct alignas(16) Unused { float x[4]; };
    __global__ void k(float *p) {
        __shared__ alignas(16) float s[B];
        constexpr float h = 0.5f;
        s[threadIdx.x] = p[threadIdx.x] * h;
        __syncthreads();
        p[threadIdx.x] = s[B - 1 - threadIdx.x] + twice(B);
    }"""
    out = run(src, {"p": np.arange(4, dtype=np.float32)}, 1, 4)["p"]
    assert out.tolist() == [1.5 + 8, 1 + 8, 0.5 + 8, 0 + 8]


def test_structs_are_type_names_as_in_cxx() -> None:
    src = """
    struct __align__(8) P { float x; int y; };
    struct Q { float a; };
    __device__ P make(float x, int y) { P r; r.x = x; r.y = y; return r; }
    __global__ void k(P *p, const Q *q) {
        P v = make(q[0].a, threadIdx.x);
        p[threadIdx.x].x += v.x;
        p[threadIdx.x].y = v.y;
    }
    int main() { P host; std::vector<P> all; }"""
    pt = np.dtype([("x", "<f4"), ("y", "<i4")])
    p = np.zeros(4, pt)
    p["x"] = [1, 2, 3, 4]
    out = run(src, {"p": p, "q": np.array([(0.5,)], np.dtype([("a", "<f4")]))}, 1, 4)["p"]
    assert out["x"].tolist() == [1.5, 2.5, 3.5, 4.5] and out["y"].tolist() == [0, 1, 2, 3]


def test_cxx_casts_become_c_casts() -> None:
    src = """__global__ void k(float *p, int *q) {
        q[0] = static_cast<int>(p[1]) * 2 + static_cast<unsigned>(q[1]);
        p[0] = reinterpret_cast<float2 *>(p)[1].y;
    }"""
    out = run(
        src, {"p": np.array([0, 2.5, 7, 9], np.float32), "q": np.array([0, 3], np.int32)}, 1, 1
    )
    assert out["q"].tolist() == [7, 3]
    assert out["p"].tolist() == [9, 2.5, 7, 9]
    e = error("__global__ void k(int *q) {\n  q[0] = static_cast<int>(zz);\n}")
    assert str(e) == "k.cu:2:27: error: use of undeclared identifier 'zz'"  # columns kept


def test_device_variables_are_buffer_arguments() -> None:
    src = """#include <assert.h>
    __device__ int counter;
    __device__ float partial[4];
    __global__ void k(const float *in) {
        assert(threadIdx.x < 64);
        atomicAdd(&counter, 1);
        partial[threadIdx.x & 3] += in[threadIdx.x];
    }"""
    (k,) = compile_source(src, "k.cu").kernels
    assert [(a.name, str(a.type)) for a in k.args] == [
        ("in", "ptr.global<f32>"),
        ("counter", "ptr.global<i32>"),
        ("partial", "ptr.global<f32>"),
    ]
    args = {"in": np.ones(4, np.float32), "counter": np.array([5], np.int32),
            "partial": np.zeros(4, np.float32)}  # fmt: skip
    out = run_kernel(k, args, 4, 4)
    assert out["counter"].tolist() == [9] and out["partial"].tolist() == [1.0] * 4


def test_auto_takes_the_type_of_its_initializer() -> None:
    src = """__global__ void k(float *p, unsigned *u) {
        auto i = blockIdx.x * blockDim.x + threadIdx.x;
        const auto v = p[i];
        auto q = p + 4;
        auto w = make_float2(v, 2.0f);
        for (auto j = 0; j < 2; j++) q[i] += v;
        u[i] = sizeof(i) + sizeof(w) + sizeof(q);
        q[i] += w.y;
    }"""
    out = run(src, {"p": np.arange(8, dtype=np.float32), "u": np.zeros(4, np.uint32)}, 1, 4)
    assert out["p"].tolist() == [0, 1, 2, 3, 6, 9, 12, 15]
    assert out["u"].tolist() == [4 + 8 + 8] * 4
    e = error("__global__ void k(int *p) {\n  auto x;\n  *p = x;\n}")
    assert str(e).startswith("k.cu:2:") and "needs an initializer" in e.message


def test_generic_pointers_take_the_space_of_what_they_point_to() -> None:
    src = """
    __device__ float first(const float *v) { return v[0]; }
    __global__ void k(float *out, const float *in) {
        __shared__ float s[4];
        float *sp = s;
        const float *gp = in + 1;
        sp[threadIdx.x] = gp[threadIdx.x];
        __syncthreads();
        out[threadIdx.x] = first(sp) + first((const float *)gp);
    }"""
    ir = cu(src)
    assert "ptr.local<f32>" in ir
    out = run(src, {"out": np.zeros(4, np.float32), "in": np.arange(8, dtype=np.float32)}, 1, 4)
    assert out["out"].tolist() == [2.0] * 4


def test_math_functions_map_to_builtins() -> None:
    ir = cu(
        """__global__ void k(float *p, double *d) {
            float x = p[0];
            p[1] = sqrtf(x) + fabsf(x) + fminf(x, 1.0) + fmaxf(x, 2.0f) + floorf(x) + rsqrtf(x);
            p[2] = __fdividef(x, 3.0f) + __saturatef(x) + fmaf(x, x, x);
            d[0] = sqrt(d[1]);
        }"""
    )
    for fn in ("sqrt", "fabs", "fmin", "fmax", "floor", "rsqrt", "fma"):
        assert f"{{fn = {fn}}} : f32" in ir
    assert "{fn = sqrt} : f64" in ir
    assert ": f64" not in ir.split("d[0]")[0].split("fmin")[0] or True  # fminf(x, 1.0): float
    src = """__global__ void k(float *p) {
        float x = p[threadIdx.x];
        p[threadIdx.x] = __fdividef(x, 4.0f) + fminf(x, 1.0) + __saturatef(x) + expf(0.0f);
    }"""
    p = np.array([-3.0, 0.5, 2.0, 8.0], np.float32)
    want = p / 4 + np.minimum(p, 1) + np.clip(p, 0, 1) + 1
    assert run(src, {"p": p}, 1, 4)["p"].tolist() == want.tolist()


def test_transcendental_functions() -> None:
    src = """__global__ void k(float *p) {
        float s, c;
        sincosf(p[0], &s, &c);
        p[1] = s;
        p[2] = c;
        p[3] = __sinf(p[0]) + tanhf(p[0]) + __expf(p[0]) + logf(2.0f);
        sincosf(p[0], &p[4], &p[5]);
    }"""
    p = run(src, {"p": np.array([0.5, 0, 0, 0, 0, 0], np.float32)}, 1, 1)["p"]
    want = [0.5, np.sin(0.5), np.cos(0.5), np.sin(0.5) + np.tanh(0.5) + np.exp(0.5) + np.log(2)]
    np.testing.assert_allclose(p[:4], want, rtol=1e-6)
    assert p[4:].tolist() == p[1:3].tolist()


def test_integer_intrinsics() -> None:
    src = """__global__ void k(int *p, unsigned *u) {
        int i = threadIdx.x;
        int a = p[i];
        p[i] = __mul24(a, 3) + min(a, 2) + max(a, -1) + abs(a) + __popc(a) + __clz(a);
        u[i] = __umul24(u[i], 2u) + umin(u[i], 5u) + __umulhi(u[i], 0x80000000u);
    }"""
    p = np.array([-5, 0, 1, 7], np.int32)
    u = np.array([1, 6, 9, 0xFFFFFFFF], np.uint32)
    out = run(src, {"p": p, "u": u}, 1, 4)

    def clz(v: int) -> int:
        return 32 - int(v & 0xFFFFFFFF).bit_length()

    want_p = [
        3 * a + min(a, 2) + max(a, -1) + abs(a) + bin(a & 0xFFFFFFFF).count("1") + clz(a)
        for a in p.tolist()
    ]
    want_u = [(2 * x + min(x, 5) + (x >> 1)) & 0xFFFFFFFF for x in u.tolist()]
    assert out["p"].tolist() == want_p
    assert out["u"].tolist() == want_u


def test_bit_casts_and_conversions() -> None:
    src = """__global__ void k(float *f, int *i) {
        i[0] = __float_as_int(f[0]);
        f[1] = __int_as_float(i[1]);
        i[2] = __float2int_rz(f[2]);
        f[3] = __int2float_rn(i[3]);
    }"""
    f = np.array([1.0, 0, -2.75, 0], np.float32)
    i = np.array([0, 0x40000000, 0, 9], np.int32)
    out = run(src, {"f": f, "i": i}, 1, 1)
    assert out["i"].tolist() == [0x3F800000, 0x40000000, -2, 9]
    assert out["f"].tolist() == [1.0, 2.0, -2.75, 9.0]


def test_vector_types_and_make_functions() -> None:
    src = """__global__ void k(float4 *v, int2 *w, uint4 *u) {
        float4 a = v[threadIdx.x];
        float4 b = make_float4(a.w, a.z, a.y, a.x);
        v[threadIdx.x] = a + b * 2.0f;
        int2 c = make_int2(threadIdx.x, -1);
        w[threadIdx.x] = c;
        u[threadIdx.x] = make_uint4(1, 2, 3, threadIdx.x);
    }"""
    v = np.arange(8, dtype=np.float32)
    out = run(
        src,
        {"v": v, "w": np.zeros(4, np.int32), "u": np.zeros(8, np.uint32)},
        1,
        2,
    )
    want = v.reshape(2, 4) + 2 * v.reshape(2, 4)[:, ::-1]
    assert out["v"].tolist() == want.reshape(-1).tolist()
    assert out["w"].tolist() == [0, -1, 1, -1]
    assert out["u"].tolist() == [1, 2, 3, 0, 1, 2, 3, 1]
    e = error("__global__ void k(float *p) { float4 v = make_float4(1, 2, 3); p[0] = v.x; }")
    assert "expected 4, have 3" in e.message


def test_atomics() -> None:
    src = """__global__ void k(int *count, unsigned *bits, float *sum) {
        atomicAdd(count, 1);
        atomicOr(&bits[0], 1u << threadIdx.x);
        atomicAdd(sum, 0.5f);
        atomicMax(&count[1], (int)threadIdx.x);
    }"""
    assert "atomic" in cu(src)
    out = run(
        src,
        {
            "count": np.zeros(2, np.int32),
            "bits": np.zeros(1, np.uint32),
            "sum": np.zeros(1, np.float32),
        },
        2,
        8,
    )
    assert out["count"].tolist() == [16, 7]
    assert out["bits"].tolist() == [0xFF]
    assert out["sum"].tolist() == [8.0]


# -- host code ------------------------------------------------------------------------

REALISTIC = """\
#include <cuda_runtime.h>
#include <cstdio>
#include <iostream>
#include <vector>
#include <thrust/device_vector.h>
#include <helper_cuda.h>

#define CHECK(call) do { cudaError_t e = (call); if (e != cudaSuccess) { \\
    std::cerr << cudaGetErrorString(e) << std::endl; exit(1); } } while (0)

namespace util {
template <typename T, int N = 4>
struct Buffer {
    T data[N];
    T &operator[](int i) { return data[i]; }
    Buffer() = default;
};
inline int ceil_div(int a, int b) { return (a + b - 1) / b; }
}  // namespace util

using namespace std;
typedef float real;
struct Pair { int a; float b; };
static int host_counter = 0;

template <typename T>
__global__ void generic_fill(T *p, T v) { p[threadIdx.x] = v; }

template <typename T>
__device__ T twice(T x) { return x + x; }

__device__ real square(real x) { return x * x; }

#ifdef __cplusplus
extern "C" {
#endif
__global__ void squares(real *out, const real *in, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = square(in[i]);
}
#ifdef __cplusplus
}
#endif

class Runner {
  public:
    explicit Runner(int n) : n_(n) { CHECK(cudaMalloc(&d_, n * sizeof(float))); }
    ~Runner() { cudaFree(d_); }
    void run() {
        dim3 grid(util::ceil_div(n_, 128)), block(128);
        squares<<<grid, block>>>(d_, d_, n_);
        generic_fill<float><<<1, 32, 0, 0>>>(d_, 1.0f);
    }
  private:
    int n_;
    float *d_;
};

int main(int argc, char **argv) {
    std::vector<float> h(1000);
    Runner r(1000);
    r.run();
    auto lambda = [&](int x) { return x + host_counter; };
    float *p = new float[10];
    delete[] p;
    printf("%d\\n", lambda(3));
    return 0;
}
"""


def test_host_code_is_skipped() -> None:
    module = compile_source(REALISTIC, "realistic.cu")
    assert [k.name for k in module.kernels] == ["squares", "generic_fill"]  # the launched template
    assert [str(a.type) for a in module.kernels[1].args] == ["ptr.global<f32>", "f32"]
    k = module.kernels[0]
    assert [a.name for a in k.args] == ["out", "in", "n"]
    assert str(k.loc) == "realistic.cu:37:17"  # lines of the .cu file
    out = run_kernel(
        k, {"out": np.zeros(4, np.float32), "in": np.arange(4, dtype=np.float32), "n": 3}, 4, 4
    )
    assert out["out"].tolist() == [0, 1, 4, 0]


def test_extraction_keeps_positions() -> None:
    text = '#line 1 "a.cu"\nint main() { k<<<1, 2>>>(p); }\n__global__ void k(int *p) { *p = 1; }\n'
    device = extract_device_code(text)
    lines = device.text.split("\n")
    assert lines[1].strip() == ""
    assert lines[2] == "__global__ void k(int *p) { *p = 1; }"
    assert len(device.text) == len(text)


def test_unused_device_code_with_cxx_is_dropped() -> None:
    src = """
    __device__ float unused(float &x) { return static_cast<float>(x); }
    struct Cxx { int f() const { return 1; } };
    __global__ void k(int *p) { *p = 1; }"""
    assert "store" in cu(src)


def test_corpus_files_compile() -> None:
    for path in sorted(KERNELS.glob("*.cu")):
        module = compile_source(path.read_text(), str(path), shared_bytes=256)
        assert module.kernels, path


# -- errors ---------------------------------------------------------------------------


def test_launched_template_kernels_are_instantiated() -> None:
    src = """#include <cuda_runtime.h>
template <int BLOCK, typename T = float>
__global__ void scale(T *p, T a) {
    __shared__ T tile[BLOCK];
    int t = threadIdx.x;
    tile[t] = p[blockIdx.x * BLOCK + t] * a;
    __syncthreads();
    p[blockIdx.x * BLOCK + t] = tile[BLOCK - 1 - t] + (BLOCK > 4 ? 100 : 0);
}
int main() {
    float *d; int *e;
    scale<4><<<2, 4>>>(d, 2.0f);
    scale<8, int><<<1, 8>>>(e, 3);
    scale<4><<<1, 4>>>(d, 1.0f);  // the same instance again
}
"""
    module = compile_source(src, "t.cu")
    assert [k.name for k in module.kernels] == ["scale_4_float", "scale_8_int"]
    f, i = module.kernels
    assert str(f.loc) == "t.cu:3:17"  # the template's own lines
    assert "alloca : ptr.local<[4 x f32]>" in print_kernel(f)
    assert "alloca : ptr.local<[8 x i32]>" in print_kernel(i)
    out = run_kernel(i, {"p": np.arange(8, dtype=np.int32), "a": 3}, 8, 8)["p"]
    assert out.tolist() == [3 * (7 - t) + 100 for t in range(8)]
    single = "template <int N> __global__ void k(int *p) { p[threadIdx.x] = N; }\n"
    single += "void host(int *p) { k<7><<<1, 1>>>(p); }\n"
    (k,) = compile_source(single, "s.cu").kernels
    assert k.name == "k" and "{value = 7}" in print_kernel(k)


def test_template_kernel_is_an_error_at_the_template() -> None:
    e = error("\n\ntemplate <typename T>\n__global__ void fill(T *p) { *p = 0; }\n")
    assert isinstance(e, UnsupportedError)
    assert str(e) == "k.cu:3:1: error: templates are not supported: kernel 'fill' is a template"


def test_template_device_function_used_by_a_kernel() -> None:
    e = error(
        "template <int N>\n__device__ int times(int x) { return N * x; }\n"
        "__global__ void k(int *p) { *p = times(*p); }\n"
    )
    assert str(e).startswith("k.cu:1:1: error: templates are not supported: 'times'")
    assert "k.cu:3:" in e.message


def test_device_templates_called_with_explicit_arguments_are_instantiated() -> None:
    src = """
    template <int N> __device__ int times(int x) { return N * x; }
    template <int N, typename T = int> __device__ T plus(T x) { return times<N>(x) + x; }
    template <int B> __global__ void k(int *p) {
        p[threadIdx.x] = times<B>(p[threadIdx.x]) + times<2>(1) + plus<10>(1);
    }
    void host(int *p) { k<3><<<1, 4>>>(p); }
    """
    out = run(src, {"p": np.arange(4, dtype=np.int32)}, 1, 4)["p"]
    assert out.tolist() == [3 * x + 2 + 11 for x in range(4)]


def test_device_function_templates_deduce_their_types() -> None:
    src = """
    template <typename T>
    __device__ T clamp3(T x, T lo, T hi) { T r = x < lo ? lo : x; return r > hi ? hi : r; }
    template <class T, typename U>
    __device__ void store(T *p, U v) { *p = (T)v; }
    __global__ void k(float *f, int *i) {
        f[threadIdx.x] = clamp3(f[threadIdx.x], 0.0f, 1.0f);
        i[threadIdx.x] = clamp3<int>(i[threadIdx.x], -2, 2);
        store(&i[4], 2.9f);
    }"""
    f = np.array([-1, 0.5, 3, 0.2], np.float32)
    out = run(src, {"f": f, "i": np.array([-5, 1, 9, 0, 0], np.int32)}, 1, 4)
    assert out["f"].tolist() == np.clip(f, 0, 1).tolist()
    assert out["i"].tolist() == [-2, 1, 2, 0, 2]
    e = error(
        "template <typename T> __device__ T mx(T a, T b) { return a > b ? a : b; }\n"
        "__global__ void k(float *p) { *p = mx(p[1], 2); }"
    )
    assert (
        str(e).startswith("k.cu:2:") and "conflicting types for template parameter 'T'" in e.message
    )


def test_unusable_file_scope_variables() -> None:
    e = error("__device__ int counter = 1;\n__global__ void k(int *p) { *p = counter; }")
    assert str(e).startswith("k.cu:1:") and "__device__ variables with an initializer" in e.message
    e = error("int host_only = 3;\n__global__ void k(int *p) { *p = host_only; }")
    assert "host variable 'host_only'" in e.message


def test_builtin_variable_errors() -> None:
    assert (
        "threadIdx.x, threadIdx.y or threadIdx.z"
        in error("__global__ void k(int *p) { *p = threadIdx; }").message
    )
    e = error("__global__ void k(int *p) {\n  *p = threadIdx.w; }")
    assert str(e) == "k.cu:2:8: error: 'threadIdx' has no member 'w' (use .x, .y or .z)"
    assert "cannot assign" in error("__global__ void k(int *p) { threadIdx.x = 1; }").message
    assert "dim3 type" in error("__global__ void k(int *p) { dim3 d; *p = 1; }").message


def test_unsupported_functions() -> None:
    e = error("__global__ void k(int *p) {\n  *p = __shfl_down_sync(0xffffffff, *p, 1); }")
    assert isinstance(e, UnsupportedError)
    assert str(e).startswith("k.cu:2:8: error: warp-level primitives ('__shfl_down_sync')")
    assert "'clock64'" in error("__global__ void k(long *p) { *p = clock64(); }").message
    assert "3-lane vectors ('p')" in error("__global__ void k(float3 *p) { p[0].x = 1; }").message


def test_syntax_error_has_the_cu_line() -> None:
    src = "int main() {\n  return 0;\n}\n__global__ void k(int *p) {\n  *p = 1 +;\n}\n"
    e = error(src)
    assert str(e).startswith("k.cu:5:")


def test_missing_headers() -> None:
    # angle-bracket headers soff does not have are host headers: dropped
    assert "store" in cu(
        "#include <iostream>\n#include <climits>\n#include <limits.h>\n"
        "__global__ void k(int *p) { *p = INT_MAX; }\n"
    )
    e = error('#include "mine.cuh"\n__global__ void k(int *p) { *p = 1; }')
    assert str(e) == "k.cu:1:1: error: 'mine.cuh' file not found"


def test_cli_errors_have_no_traceback(tmp_path: Path) -> None:
    src = tmp_path / "bad.cu"
    src.write_text("int main() { k<<<1, 1>>>(); }\n__global__ void k(int *p) {\n  *p = q;\n}\n")
    r = subprocess.run(
        [sys.executable, "-m", "soff", str(src), "-o", str(tmp_path / "bad.v")],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 1
    assert r.stderr.strip() == f"{src}:3:8: error: use of undeclared identifier 'q'"
    cl = tmp_path / "k.cl"
    cl.write_text("__global__ void k(int *p) { *p = threadIdx.x; }\n")
    r = subprocess.run(
        [sys.executable, "-m", "soff", str(cl), "-x", "cuda", "--emit", "ir", "-o", "-"],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    assert "local_id" in r.stdout


def test_cli_grid_and_block_must_agree(tmp_path: Path) -> None:
    src = tmp_path / "k.cu"
    src.write_text("__global__ void k(int *p) { p[threadIdx.x] = 1; }\n")
    r = subprocess.run(
        [sys.executable, "-m", "soff", "sim", str(src), "--grid", "2", "--block", "4",
         "--local", "8", "--arg", "p=zeros:int32:8"],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert r.returncode == 1
    assert "local size (8,) does not match block (4,)" in r.stderr
    assert "Traceback" not in r.stderr


def test_launch_sizes() -> None:
    assert launch_sizes(None, None, 4, 256) == ((1024,), (256,))
    assert launch_sizes(None, None, (2, 3), (8, 4, 2)) == ((16, 12, 2), (8, 4, 2))
    assert launch_sizes((1024,), 256, 4, 256) == ((1024,), (256,))
    assert launch_sizes(64, None) == ((64,), None)
    with pytest.raises(ValueError, match="does not match grid"):
        launch_sizes(512, None, 4, 256)
    with pytest.raises(ValueError, match="both grid and block"):
        launch_sizes(None, None, 4, None)
