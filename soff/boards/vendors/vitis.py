"""Vitis RTL kernel: ``kernel.xml``, the Vivado packaging Tcl, a v++ Makefile.

The generated top already has the interface Vitis expects of an RTL kernel
(``ap_clk``, ``ap_rst_n``, ``interrupt``, the AXI4-Lite slave
``s_axi_control`` with ``ap_ctrl_hs`` at 0x00, AXI4 masters ``m_axi_*``), so
packaging only describes it.
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

from soff.boards.vendors.common import ProjectDesign, master_ports

# IR scalar type -> C type name in kernel.xml
_C_TYPES = {
    "i8": "char", "u8": "uchar", "i16": "short", "u16": "ushort", "i32": "int", "u32": "uint",
    "i64": "long", "u64": "ulong", "f16": "half", "f32": "float", "f64": "double", "u1": "bool",
}  # fmt: skip


def _masters(design: ProjectDesign) -> dict[str, int]:
    return master_ports(design.verilog, design.top) or {"m_axi_gmem": design.board.data_width}


def _arg_port(name: str, masters: dict[str, int]) -> str:
    """The master a pointer argument uses: ``m_axi_<name>`` if there is one, else the first."""
    return f"m_axi_{name}" if f"m_axi_{name}" in masters else next(iter(masters))


def kernel_xml(design: ProjectDesign) -> str:
    """The ``kernel.xml`` that ``package_xo`` needs: ports and args with their offsets."""
    top = design.top
    masters = _masters(design)
    root = ET.Element("root", versionMajor="1", versionMinor="6")
    kernel = ET.SubElement(
        root, "kernel", name=top, language="ip_c", vlnv=f"soff:kernel:{top}:1.0",
        attributes="", preferredWorkGroupSizeMultiple="0", workGroupSize="1",
        interrupt="true", hwControlProtocol="ap_ctrl_hs",
    )  # fmt: skip
    ports = ET.SubElement(kernel, "ports")
    ET.SubElement(
        ports,
        "port",
        name="s_axi_control",
        mode="slave",
        range="0x1000",
        dataWidth="32",
        portType="addressable",
        base="0x0",
    )
    for name, width in masters.items():
        ET.SubElement(
            ports,
            "port",
            name=name,
            mode="master",
            range="0xFFFFFFFFFFFFFFFF",
            dataWidth=str(width),
            portType="addressable",
            base="0x0",
        )
    args = ET.SubElement(kernel, "args")
    types = {a.name.replace(".", "_"): a for a in design.kernel.args}  # s.x: register s_x
    for i, reg in enumerate(design.regmap.registers):
        size = 8 if reg.bits > 32 else 4
        if reg.kind == "pointer":
            a = types.get(reg.name)
            ctype = _C_TYPES.get(a.type, "void") + "*" if a else "void*"
            attrs = dict(addressQualifier="1", port=_arg_port(reg.name, masters), type=ctype)
        else:
            a = types.get(reg.name)
            ctype = _C_TYPES.get(a.type, "uint") if a else "uint"
            attrs = dict(addressQualifier="0", port="s_axi_control", type=ctype)
        attrs.update(name=reg.name, id=str(i), size=f"0x{size:x}", offset=f"0x{reg.offset:03x}",
                     hostOffset="0x0", hostSize=f"0x{size:x}")  # fmt: skip
        ET.SubElement(args, "arg", attrs)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def package_tcl(design: ProjectDesign) -> str:
    """Vivado batch script: package the Verilog as an RTL kernel IP and an ``.xo``."""
    top, part = design.top, design.board.part
    masters = _masters(design)
    lines = [
        f"# Package {top}.v as a Vitis RTL kernel ({top}.xo).",
        "#   vivado -mode batch -source package_kernel.tcl",
        f"set top {top}",
        f"set part {part}",
        "set here [file dirname [file normalize [info script]]]",
        "set ipdir [file join $here build ip]",
        "create_project -force kernel_pack [file join $here build kernel_pack] -part $part",
        "add_files -norecurse [file join $here $top.v]",
        "set_property top $top [current_fileset]",
        "update_compile_order -fileset sources_1",
        "ipx::package_project -root_dir $ipdir -vendor soff -library kernel -taxonomy /KernelIP -import_files -set_current false",
        "ipx::unload_core [file join $ipdir component.xml]",
        "ipx::edit_ip_in_project -upgrade true -name tmp_edit_project -directory $ipdir [file join $ipdir component.xml]",
        "set core [ipx::current_core]",
        "set_property core_revision 1 $core",
        "foreach up [ipx::get_user_parameters -of_objects $core] {",
        "    ipx::remove_user_parameter [get_property NAME $up] $core",
        "}",
        "ipx::associate_bus_interfaces -busif s_axi_control -clock ap_clk $core",
    ]
    for m in masters:
        lines.append(f"ipx::associate_bus_interfaces -busif {m} -clock ap_clk $core")
    lines += [
        "",
        "# the control registers (soff regmap; see regmap.json)",
        "set mem_map [ipx::add_memory_map -quiet s_axi_control $core]",
        "set block [ipx::add_address_block -quiet reg0 $mem_map]",
        "set_property range 0x1000 $block",
        "set_property width 32 $block",
        "set_property slave_memory_map_ref s_axi_control [ipx::get_bus_interfaces -of_objects $core s_axi_control]",
    ]
    fixed = [("CTRL", 0x00, 32), ("GIER", 0x04, 32), ("IP_IER", 0x08, 32), ("IP_ISR", 0x0C, 32)]
    for name, offset, bits in fixed:
        lines += [
            f"set reg [ipx::add_register {name} $block]",
            f"set_property address_offset 0x{offset:03x} $reg",
            f"set_property size {bits} $reg",
        ]
    for reg in design.regmap.registers:
        bits = 64 if reg.bits > 32 else 32
        lines += [
            f"set reg [ipx::add_register {reg.name} $block]",
            f"set_property address_offset 0x{reg.offset:03x} $reg",
            f"set_property size {bits} $reg",
        ]
        if reg.kind == "pointer":
            lines += [
                "set param [ipx::add_register_parameter ASSOCIATED_BUSIF $reg]",
                f"set_property value {_arg_port(reg.name, masters)} $param",
            ]
    lines += [
        "",
        "set_property sdx_kernel true $core",
        "set_property sdx_kernel_type rtl $core",
        "set_property ipi_drc {ignore_freq_hz true} $core",
        "set_property vitis_drc {ctrl_protocol ap_ctrl_hs} $core",
        "ipx::create_xgui_files $core",
        "ipx::update_checksums $core",
        "ipx::check_integrity -kernel $core",
        "ipx::save_core $core",
        "close_project -delete",
        "",
        "package_xo -force -xo_path [file join $here $top.xo] -kernel_name $top \\",
        "    -ip_directory $ipdir -kernel_xml [file join $here kernel.xml]",
    ]
    return "\n".join(lines) + "\n"


def synth_tcl(design: ProjectDesign) -> str:
    """Vivado batch script: out-of-context synthesis and a utilisation report."""
    top, part = design.top, design.board.part
    period = 1000.0 / design.board.clock_mhz
    return "\n".join([
        f"# Out-of-context synthesis of {top} for {part}: resources and timing before linking.",
        "#   vivado -mode batch -source synth_ooc.tcl",
        "set here [file dirname [file normalize [info script]]]",
        f"read_verilog [file join $here {top}.v]",
        f"synth_design -top {top} -part {part} -mode out_of_context",
        f"create_clock -name ap_clk -period {period:.3f} [get_ports ap_clk]",
        "opt_design",
        "place_design",
        "route_design",
        "report_utilization -file [file join $here utilization.rpt]",
        "report_timing_summary -file [file join $here timing.rpt]",
    ]) + "\n"  # fmt: skip


def connectivity_cfg(design: ProjectDesign) -> str:
    top = design.top
    lines = ["[connectivity]", f"nk={top}:1:{top}_1"]
    if design.board.memory.get("kind") == "DDR4" and design.board.memory.get("channels", 1) > 1:
        for i, m in enumerate(_masters(design)):
            bank = i % design.board.memory["channels"]
            lines.append(f"sp={top}_1.{m}:DDR[{bank}]")
    return "\n".join(lines) + "\n"


def makefile(design: ProjectDesign) -> str:
    top = design.top
    platform = design.board.project["platform"]
    return f"""# Build {top}.xclbin for {design.board.name}: make TARGET=hw (or hw_emu)
PLATFORM ?= {platform}
TARGET ?= hw

{top}.xclbin: {top}.xo connectivity.cfg
\tv++ -l -t $(TARGET) --platform $(PLATFORM) --config connectivity.cfg \\
\t\t--kernel_frequency {design.board.clock_mhz:g} -o $@ {top}.xo

{top}.xo: {top}.v kernel.xml package_kernel.tcl
\tvivado -mode batch -source package_kernel.tcl

synth: {top}.v synth_ooc.tcl
\tvivado -mode batch -source synth_ooc.tcl

.PHONY: synth
"""


def readme(design: ProjectDesign) -> str:
    b, top = design.board, design.top
    regs = "\n".join("    " + line for line in design.regmap.describe())
    return f"""# {top}: a Vitis RTL kernel for {b.name}

Generated by soff for {b.description} ({b.part}, platform `{b.project["platform"]}`).

| file | what |
|---|---|
| `{top}.v` | the kernel: `ap_clk`, `ap_rst_n`, `interrupt`, AXI4-Lite `s_axi_control`, AXI4 master(s) `m_axi_*` |
| `kernel.xml` | the kernel description `package_xo` reads: ports and arguments with their register offsets |
| `package_kernel.tcl` | Vivado script: packages the Verilog as an RTL kernel IP and writes `{top}.xo` |
| `synth_ooc.tcl` | Vivado script: out-of-context synthesis, place and route, utilisation and timing reports |
| `connectivity.cfg` | v++ link options (memory banks of the masters) |
| `Makefile` | the commands below |
| `{top}.core` | FuseSoC core file for the Verilog |
| `regmap.json` | the control registers, for host code |

Commands (Vitis/Vivado 2022.2 or newer, with the platform installed):

    source /opt/xilinx/Vitis/2022.2/settings64.sh
    vivado -mode batch -source package_kernel.tcl          # -> {top}.xo
    v++ -l -t hw --platform {b.project["platform"]} --config connectivity.cfg \\
        --kernel_frequency {b.clock_mhz:g} -o {top}.xclbin {top}.xo
    # or simply: make TARGET=hw

Quick resource/timing check without a platform: `vivado -mode batch -source synth_ooc.tcl`.

Control registers (AXI4-Lite, `ap_ctrl_hs`). The kernel also needs its NDRange:
the host writes `global_size_*` and `local_size_*` like any other argument
(they are arguments in `kernel.xml`).

{regs}
"""


def vitis_files(design: ProjectDesign) -> dict[str, str]:
    return {
        "kernel.xml": kernel_xml(design),
        "package_kernel.tcl": package_tcl(design),
        "synth_ooc.tcl": synth_tcl(design),
        "connectivity.cfg": connectivity_cfg(design),
        "Makefile": makefile(design),
        "README.md": readme(design),
    }
