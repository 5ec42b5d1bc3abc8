"""FuseSoC CAPI2 ``.core`` file, so users can pull the kernel into their builds."""

from __future__ import annotations

from soff.boards.vendors.common import ProjectDesign


def _tool_section(design: ProjectDesign) -> list[str]:
    b = design.board
    if b.vendor == "xilinx":
        return ["      vivado:", f"        part: {b.part}"]
    if b.vendor == "intel":
        family = b.project.get("quartus_family", b.family)
        device = b.project.get("quartus_device", b.part)
        return ["      quartus:", f'        family: "{family}"', f"        device: {device}"]
    if b.family in ("ecp5", "ice40"):
        return ["      yosys:", f"        arch: {b.family}"]
    return ["      yosys:", "        arch: xilinx"]


def _default_tool(design: ProjectDesign) -> str:
    return {"xilinx": "vivado", "intel": "quartus"}.get(design.board.vendor, "yosys")


def core_file(design: ProjectDesign) -> str:
    top, b = design.top, design.board
    lines = [
        "CAPI=2:",
        f"name: soff:kernel:{top}:0.1.0",
        f'description: "{top}, an OpenCL kernel compiled by soff for {b.name}"',
        "",
        "filesets:",
        "  rtl:",
        "    files:",
        f"      - {top}.v",
        "    file_type: verilogSource",
        "",
        "targets:",
        "  default: &default",
        "    filesets:",
        "      - rtl",
        f"    toplevel: {top}",
        "",
        "  lint:",
        "    <<: *default",
        "    default_tool: verilator",
        "    tools:",
        "      verilator:",
        "        mode: lint-only",
        "",
        "  synth:",
        "    <<: *default",
        f"    default_tool: {_default_tool(design)}",
        "    tools:",
        *_tool_section(design),
    ]
    return "\n".join(lines) + "\n"
