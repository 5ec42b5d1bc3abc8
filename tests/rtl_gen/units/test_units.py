"""Operator units: lint, then bit-exact simulation against numpy / exact rationals.

Units are simulated in bundles (one Verilator build per bundle, cached across runs)
that share the inputs ``a b c``; each bundle mixes default, minimal and longer
latencies. The default run streams every special-value triple plus ~2,000 random
vectors; ``-m slow`` streams 12,000+ more per unit with a different seed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import units_ref as ref

from soff.rtl_gen import vast
from soff.rtl_gen.units import INT_TYPES, Unit, default_latency, unit
from soff.rtl_gen.units.fp import PREDICATES
from soff.sim.tools import lint

TB_DIR = Path(__file__).parent

Vectors = tuple[np.ndarray, np.ndarray, np.ndarray]


def _float_arith(fmt: str) -> list[Unit]:
    ops = ["fadd", "fsub", "fmul", "fma", "fdiv", "fsqrt"]
    units = [unit(op, fmt) for op in ops]
    units += [unit("fadd", fmt, 1), unit("fmul", fmt, 1), unit("fma", fmt, 2)]
    units += [unit("fadd", fmt, default_latency("fadd", fmt) + 3)]
    units += [unit("fdiv", fmt, 3), unit("fsqrt", fmt, 80)]
    units += [unit("fmul", fmt, mult="lut"), unit("fmul", fmt, 2, mult="lut")]
    return units


def _float_cmp(fmt: str) -> list[Unit]:
    units = [unit("fcmp", fmt, pred=p) for p in PREDICATES]
    units += [unit("fmin", fmt), unit("fmax", fmt), unit("fmax", fmt, 3)]
    return units


def _ftoi(fmt: str) -> list[Unit]:
    other = "f64" if fmt == "f32" else "f32"
    return [unit("ftoi", fmt, dst=t) for t in INT_TYPES] + [
        unit("fcvt", other, src=fmt),
        unit("fcvt", other, 1, src=fmt),
    ]


def _round(fmt: str) -> list[Unit]:
    units = [unit(op, fmt) for op in ("floor", "ceil", "trunc", "round", "rint")]
    units += [unit("floor", fmt, 1), unit("rint", fmt, 1), unit("round", fmt, 4)]
    return units + [unit("copysign", fmt), unit("fdim", fmt), unit("fdim", fmt, 2)]


def _trans() -> list[Unit]:
    fns = ("exp2", "exp", "exp10", "log2", "log", "log10", "cbrt")
    units = [unit(fn, "f32") for fn in fns]
    return units + [unit("exp2", "f32", 1), unit("log2", "f32", 3), unit("exp", "f32", 20)]


def _itof() -> list[Unit]:
    return [unit("itof", f, src=t) for f in ("f32", "f64") for t in INT_TYPES] + [
        unit("itof", "f32", 1, src="i64")
    ]


def _idiv() -> list[Unit]:
    units = [unit(op, t) for op in ("div", "rem") for t in INT_TYPES]
    return units + [unit("div", "i32", 5), unit("rem", "u16", 1)]


# name -> (units, vectors(seed, n_random))
BUNDLES: dict[str, tuple[Callable[[], list[Unit]], Callable[[int, int], Vectors]]] = {
    "f32_arith": (lambda: _float_arith("f32"), lambda s, n: ref.float_vectors(s, n, "f32")),
    "f32_cmp": (lambda: _float_cmp("f32"), lambda s, n: ref.float_vectors(s, n, "f32")),
    "f32_ftoi": (lambda: _ftoi("f32"), lambda s, n: ref.ftoi_vectors(s, n, "f32")),
    "itof": (_itof, ref.int_vectors),
    "idiv": (_idiv, ref.int_vectors),
    "f64_arith": (lambda: _float_arith("f64"), lambda s, n: ref.float_vectors(s, n, "f64")),
    "f64_cmp": (lambda: _float_cmp("f64"), lambda s, n: ref.float_vectors(s, n, "f64")),
    "f64_ftoi": (lambda: _ftoi("f64"), lambda s, n: ref.ftoi_vectors(s, n, "f64")),
    "f32_round": (lambda: _round("f32"), lambda s, n: ref.round_vectors(s, n, "f32")),
    "f64_round": (lambda: _round("f64"), lambda s, n: ref.round_vectors(s, n, "f64")),
    "f32_trans": (_trans, ref.trans_vectors),
    "ldexp": (
        lambda: (
            [unit("ldexp", "f32"), unit("ldexp", "f32", 1), unit("ilogb", "f32")]
            + [unit("logb", "f32"), unit("logb", "f32", 1)]
        ),
        lambda s, n: ref.ldexp_vectors(s, n, "f32"),
    ),
    "ldexp64": (
        lambda: [unit("ldexp", "f64"), unit("ilogb", "f64"), unit("logb", "f64")],
        lambda s, n: ref.ldexp_vectors(s, n, "f64"),
    ),
    "f32_trig": (
        lambda: [
            unit("sin", "f32"),
            unit("cos", "f32"),
            unit("sin", "f32", 2),
            unit("cos", "f32", 60),
            unit("atan", "f32"),
            unit("atan", "f32", 3),
        ],
        ref.trig_vectors,
    ),
    "f32_fmod": (
        lambda: (
            [unit("fmod", "f32"), unit("remainder", "f32"), unit("fmod", "f32", 1)]
            + [unit("remainder", "f32", 9)]
        ),
        ref.fmod_vectors,
    ),
    "f32_pow": (
        lambda: [unit("pow", "f32"), unit("pow", "f32", 3), unit("powr", "f32")],
        ref.pow_vectors,
    ),
}


def bundle_module(name: str, units: list[Unit]) -> vast.Module:
    """``soff_tb_<name>``: every unit on the shared 64-bit inputs ``a b c``."""
    ports = [vast.Port("clk", "input"), vast.Port("ce", "input")]
    ports += [vast.Port(x, "input", 64, lint_off=("UNUSEDSIGNAL",)) for x in "abc"]
    items: list[vast.Item] = []
    for i, u in enumerate(units):
        ports.append(vast.Port(f"y{i}", "output", u.output_width))
        conns: list[tuple[str, vast.Expr | None]] = [
            ("clk", vast.Ref("clk")),
            ("ce", vast.Ref("ce")),
        ]
        for port, w in zip(u.inputs, u.input_widths, strict=True):
            conns.append((port, vast.Ref(port)[w - 1 : 0]))
        conns.append(("y", vast.Ref(f"y{i}")))
        items.append(vast.Instance(u.name, f"u{i}", ports=conns, comment=u.name))
    return vast.Module(f"soff_tb_{name}", [], ports, items)


def _verilog(name: str, units: list[Unit]) -> str:
    mods = {u.name: u.module for u in units}
    return vast.print_verilog([*mods.values(), bundle_module(name, units)])


@pytest.mark.parametrize("name", list(BUNDLES))
def test_units_lint(tmp_path: Path, name: str) -> None:
    units = BUNDLES[name][0]()
    top = f"soff_tb_{name}"
    path = tmp_path / f"{top}.v"
    path.write_text(_verilog(name, units))
    # several modules in one file, as in a generated design
    assert lint(path, top, ["-Wno-DECLFILENAME"]) == ""


def test_units_deterministic() -> None:
    assert _verilog("x", _float_arith("f32")) == _verilog("x", _float_arith("f32"))


def test_unit_names_and_errors() -> None:
    u = unit("fadd", "f32", 4)
    assert (u.name, u.latency, u.inputs, u.output_width) == ("soff_fadd_f32_l4", 4, ("a", "b"), 32)
    assert unit("fcmp", "f64", pred="le").name == "soff_fcmp_le_f64_l1"
    assert unit("div", "u64").latency == 66
    with pytest.raises(ValueError):
        unit("fadd", "f16")
    with pytest.raises(ValueError):
        unit("fcmp", "f32")
    with pytest.raises(ValueError):
        unit("fadd", "f32", 0)
    with pytest.raises(ValueError):
        unit("itof", "f32", src="i12")
    assert unit("fmul", "f32", 12, mult="lut").name == "soff_fmul_lut_f32_l12"
    assert unit("fmul", "f32", mult="dsp").name == unit("fmul", "f32").name
    with pytest.raises(ValueError, match="multiplier"):
        unit("fmul", "f32", mult="booth")


def _simulate(tmp_path: Path, name: str, seed: int, n_random: int) -> None:
    from cocotb_tools.check_results import get_results

    from soff.sim.runner import build_and_run

    make_units, make_vectors = BUNDLES[name]
    units = make_units()
    a, b, c = make_vectors(seed, n_random)
    arrays = {"a": a, "b": b, "c": c}
    for i, u in enumerate(units):
        arrays[f"y{i}"] = ref.expected(u, a, b, c)
    vec = tmp_path / "vectors.npz"
    np.savez(vec, **arrays)
    top = f"soff_tb_{name}"
    src = tmp_path / f"{top}.v"
    src.write_text(_verilog(name, units))
    meta = [{"name": u.name, "latency": u.latency} for u in units]
    res = build_and_run(
        src,
        top,
        "units_tb",
        test_dir=tmp_path / "sim",
        python_path=[TB_DIR],
        build_args=["-Wno-fatal", "-O1"],
        extra_env={
            "SOFF_TB_VECTORS": str(vec),
            "SOFF_TB_META": json.dumps(meta),
            "SOFF_TB_SEED": str(seed),
        },
    )
    report = tmp_path / "sim" / "mismatches.json"
    assert report.exists(), f"testbench did not finish (seed {seed}); log {res.log_file}"
    rep = json.loads(report.read_text())
    bad = rep["mismatches"]
    assert not bad, f"seed {seed}: {len(bad)}+ mismatches:\n" + "\n".join(map(str, bad[:15]))
    assert rep["checked"] == len(a) * len(units)
    _, failed = get_results(res.results_xml)
    assert failed == 0


@pytest.mark.sim
@pytest.mark.parametrize("name", list(BUNDLES))
def test_units_sim(tmp_path: Path, name: str) -> None:
    _simulate(tmp_path, name, seed=1, n_random=2000)


@pytest.mark.sim
@pytest.mark.slow
@pytest.mark.parametrize("name", list(BUNDLES))
def test_units_sim_slow(tmp_path: Path, name: str) -> None:
    # fmod/remainder: the 100,000 random binary32 vectors
    _simulate(tmp_path, name, seed=2, n_random=100_000 if name == "f32_fmod" else 12000)
