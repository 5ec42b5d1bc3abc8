"""Vendor project generators: Vitis RTL kernels, Quartus projects, FuseSoC cores.

:func:`write_project` picks the generator from the board's ``flow`` and always
adds a FuseSoC ``.core`` file next to the Verilog.
"""

from __future__ import annotations

from pathlib import Path

from soff.boards.vendors.common import ProjectDesign, open_flow_readme, write_files
from soff.boards.vendors.fusesoc import core_file
from soff.boards.vendors.quartus import quartus_files
from soff.boards.vendors.vitis import vitis_files

__all__ = ["ProjectDesign", "core_file", "quartus_files", "vitis_files", "write_project"]


def project_files(design: ProjectDesign) -> dict[str, str]:
    """File name -> text of the project for ``design.board``."""
    top = design.top
    files = {f"{top}.v": design.verilog, "regmap.json": design.regmap.to_json() + "\n"}
    flow = design.board.flow
    if flow == "vitis":
        files.update(vitis_files(design))
    elif flow == "quartus":
        files.update(quartus_files(design))
    else:
        files["README.md"] = open_flow_readme(design)
    files[f"{top}.core"] = core_file(design)
    return files


def write_project(design: ProjectDesign, outdir: Path) -> list[Path]:
    """Write the project into ``outdir`` (created if needed); the paths written."""
    return write_files(outdir, project_files(design))
