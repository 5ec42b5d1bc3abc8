"""Library modules: lint under ``verilator -Wall``, and cocotb simulation.

The cocotb coroutines live in ``lib_tb.py``; this module builds each design
once (one build directory per configuration) and runs them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from soff.rtl_gen import lib, vast
from soff.rtl_gen.regmap import RegisterMap
from soff.sim.tools import lint, verilator_env

TB_DIR = Path(__file__).parent

REGMAP = RegisterMap.build(
    "vadd",
    [
        ("a", 64, "pointer", False),
        ("n", 32, "scalar", True),
        ("c", 8, "scalar", False),
        ("h", 16, "scalar", True),
        ("flag", 1, "scalar", False),
        ("k", 64, "scalar", True),
    ],
)


def _write(tmp: Path, module: vast.Module) -> Path:
    path = tmp / f"{module.name}.v"
    # the write burst gatherer instantiates soff_fifo
    extra = [lib.fifo_module()] if module.name.startswith("soff_axi_wr_burst") else []
    text = vast.print_verilog([module, *extra])
    path.write_text(("/* verilator lint_off DECLFILENAME */\n" if extra else "") + text)
    return path


# --------------------------------------------------------------------------- lint


@pytest.mark.parametrize(("width", "depth"), [(1, 2), (8, 4), (64, 16), (33, 256)])
def test_fifo_lint(tmp_path: Path, width: int, depth: int) -> None:
    path = _write(tmp_path, lib.fifo_module())
    assert lint(path, "soff_fifo", [f"-GWIDTH={width}", f"-GDEPTH={depth}"]) == ""


@pytest.mark.parametrize(
    "regmap",
    [
        REGMAP,
        RegisterMap.build("empty", []),
        RegisterMap.build("one", [("p", 64, "pointer", False)]),
    ],
    ids=["vadd", "no-args", "one-pointer"],
)
def test_control_slave_lint(tmp_path: Path, regmap: RegisterMap) -> None:
    module = lib.control_slave_module(regmap)
    assert module.name == f"soff_{regmap.kernel}_control"
    assert lint(_write(tmp_path, module), module.name) == ""


ARB_CONFIGS = [(1, 64), (2, 32), (3, 64), (5, 8), (16, 512)]


@pytest.mark.parametrize(("n", "data_w"), ARB_CONFIGS)
def test_read_arbiter_lint(tmp_path: Path, n: int, data_w: int) -> None:
    module = lib.axi_read_arbiter_module(n, data_w)
    assert module.name == f"soff_axi_rd_arb_{n}_{data_w}"
    assert lint(_write(tmp_path, module), module.name) == ""


@pytest.mark.parametrize(("n", "data_w"), ARB_CONFIGS)
def test_write_arbiter_lint(tmp_path: Path, n: int, data_w: int) -> None:
    module = lib.axi_write_arbiter_module(n, data_w)
    assert module.name == f"soff_axi_wr_arb_{n}_{data_w}"
    assert lint(_write(tmp_path, module), module.name) == ""


@pytest.mark.parametrize(("n", "id_w"), [(3, 5), (17, 5), (40, 6)])
def test_arbiters_with_wider_ids_lint(tmp_path: Path, n: int, id_w: int) -> None:
    # more than 16 clients, or the other side's (docs/interface.md: AXI ID width)
    for module in (
        lib.axi_read_arbiter_module(n, 64, id_w),
        lib.axi_write_arbiter_module(n, 64, id_w),
    ):
        assert module.name.endswith(f"_{n}_64_id{id_w}")
        assert lint(_write(tmp_path, module), module.name) == ""


@pytest.mark.parametrize(("n", "data_w"), [(0, 64), (17, 64), (257, 64), (4, 12), (4, 4)])
def test_arbiter_rejects_bad_configuration(n: int, data_w: int) -> None:
    with pytest.raises(ValueError):
        lib.axi_read_arbiter_module(n, data_w)
    with pytest.raises(ValueError):
        lib.axi_write_arbiter_module(n, data_w)


def test_library_modules_are_deterministic() -> None:
    def text() -> str:
        return vast.print_verilog(
            [
                lib.fifo_module(),
                lib.control_slave_module(REGMAP),
                lib.axi_read_arbiter_module(4, 64),
                lib.axi_write_arbiter_module(4, 64),
            ]
        )

    assert text() == text()


# --------------------------------------------------------------------------- simulation

Runner = Callable[..., None]


@pytest.fixture(scope="module")
def run_sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runner]:
    """``run_sim(module, testcase, parameters={}, env={})``: build once per configuration, run."""
    from cocotb_tools.runner import get_runner

    with pytest.MonkeyPatch.context() as mp:
        env = verilator_env()
        mp.setenv("VERILATOR_ROOT", env["VERILATOR_ROOT"])
        mp.setenv("PATH", env["PATH"])
        # the C++ of these small models compiles faster than it would run slower
        mp.setenv("MAKEFLAGS", "OPT_FAST=-O0 OPT_SLOW=-O0 OPT_GLOBAL=-O0")
        mp.syspath_prepend(str(TB_DIR))
        root = tmp_path_factory.mktemp("lib_sim")
        built: set[str] = set()

        def run(
            module: vast.Module,
            testcase: str,
            parameters: dict[str, int] | None = None,
            extra_env: dict[str, str] | None = None,
        ) -> None:
            params = parameters or {}
            key = module.name + "".join(f"_{k}{v}" for k, v in sorted(params.items()))
            build_dir = root / key
            runner = get_runner("verilator")
            if key not in built:
                build_dir.mkdir()
                src = _write(build_dir, module)
                runner.build(
                    sources=[src],
                    hdl_toplevel=module.name,
                    build_dir=build_dir,
                    parameters=params,
                    timescale=("1ns", "1ps"),
                )
                built.add(key)
            runner.test(
                test_module="lib_tb",
                hdl_toplevel=module.name,
                testcase=testcase,
                build_dir=build_dir,
                test_dir=build_dir,
                parameters=params,
                extra_env=extra_env or {},
                timescale=("1ns", "1ps"),
            )

        yield run


@pytest.mark.sim
@pytest.mark.parametrize(("width", "depth"), [(8, 4), (1, 2)])
def test_fifo_sim(run_sim: Runner, width: int, depth: int) -> None:
    run_sim(
        lib.fifo_module(),
        "fifo_random",
        {"WIDTH": width, "DEPTH": depth},
        {"SOFF_TB_WIDTH": str(width), "SOFF_TB_DEPTH": str(depth)},
    )


@pytest.mark.sim
def test_control_slave_sim(run_sim: Runner) -> None:
    run_sim(
        lib.control_slave_module(REGMAP),
        "control_slave",
        extra_env={"SOFF_TB_REGMAP": REGMAP.to_json()},
    )


@pytest.mark.sim
def test_read_arbiter_sim(run_sim: Runner) -> None:
    n, data_w = 3, 64
    run_sim(
        lib.axi_read_arbiter_module(n, data_w),
        "read_arbiter",
        extra_env={"SOFF_TB_N": str(n), "SOFF_TB_DW": str(data_w)},
    )


@pytest.mark.sim
def test_write_arbiter_sim(run_sim: Runner) -> None:
    n, data_w = 3, 32
    run_sim(
        lib.axi_write_arbiter_module(n, data_w),
        "write_arbiter",
        extra_env={"SOFF_TB_N": str(n), "SOFF_TB_DW": str(data_w)},
    )


@pytest.mark.parametrize("data_w", [8, 64, 512])
def test_read_burst_lint(tmp_path: Path, data_w: int) -> None:
    module = lib.read_burst_module(data_w)
    assert module.name == f"soff_axi_rd_burst_{data_w}"
    assert lint(_write(tmp_path, module), module.name) == ""


@pytest.mark.parametrize(
    ("depth", "lanes", "data_w", "beats"),
    [(32, 2, 64, 8), (32, 1, 64, 16), (32, 8, 64, 2), (32, 16, 64, 1), (1024, 1, 64, 256),
     (1024, 1, 1024, 32)],
)  # fmt: skip
def test_burst_beats(depth: int, lanes: int, data_w: int, beats: int) -> None:
    # at most half the requests in flight wait in a burst; <= 256 beats and one 4 KiB page
    assert lib.burst_beats(depth, lanes, data_w) == beats


def test_write_burst_beats_leave_room_for_sending() -> None:
    # a write burst also waits while its beats go out: (lanes + 1) per beat
    assert [lib.burst_beats(32, lanes, 64, write=True) for lanes in (1, 2, 4, 8)] == [8, 4, 2, 1]


@pytest.mark.sim
# the long-burst variants (a burst may reach 256 beats / a page) are in the slow suite
@pytest.mark.parametrize(
    ("max_len", "wait"), [(7, 3), pytest.param(255, 0, marks=pytest.mark.slow)]
)
def test_read_burst_sim(run_sim: Runner, max_len: int, wait: int) -> None:
    run_sim(
        lib.read_burst_module(64),
        "read_burst",
        {"MAX_LEN": max_len, "WAIT": wait},
        {"SOFF_TB_MAX_LEN": str(max_len), "SOFF_TB_WAIT": str(wait), "SOFF_TB_DW": "64"},
    )


@pytest.mark.parametrize(("data_w", "depth"), [(8, 16), (64, 32), (512, 64)])
def test_write_burst_lint(tmp_path: Path, data_w: int, depth: int) -> None:
    module = lib.write_burst_module(data_w, depth)
    assert module.name == f"soff_axi_wr_burst_{data_w}_{depth}"
    assert lint(_write(tmp_path, module), module.name) == ""


@pytest.mark.sim
@pytest.mark.parametrize(
    ("max_len", "wait"), [(3, 2), pytest.param(255, 0, marks=pytest.mark.slow)]
)
def test_write_burst_sim(run_sim: Runner, max_len: int, wait: int) -> None:
    depth = 32
    run_sim(
        lib.write_burst_module(64, depth),
        "write_burst",
        {"MAX_LEN": max_len, "WAIT": wait},
        {
            "SOFF_TB_MAX_LEN": str(max_len),
            "SOFF_TB_WAIT": str(wait),
            "SOFF_TB_DW": "64",
            "SOFF_TB_DEPTH": str(depth),
        },
    )
