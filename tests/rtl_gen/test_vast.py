"""The Verilog AST printer: constants, parenthesisation, statements, whole modules."""

from __future__ import annotations

import pytest

from soff.rtl_gen.vast import (
    Always,
    AlwaysComb,
    Assign,
    BinOp,
    Blank,
    Blocking,
    Case,
    Comment,
    Const,
    For,
    If,
    IndexedSlice,
    Instance,
    Int,
    Integer,
    LocalParam,
    Memory,
    Module,
    NonBlocking,
    Parameter,
    Port,
    Pragma,
    Ref,
    Reg,
    Repl,
    Signed,
    Ternary,
    UnOp,
    Unsigned,
    Wire,
    cat,
    clog2,
    eq,
    index_bits,
    land,
    lt,
    print_expr,
    print_module,
    print_verilog,
)

a, b, c = Ref("a"), Ref("b"), Ref("c")


@pytest.mark.parametrize(
    ("const", "text"),
    [
        (Const(5, 8), "8'd5"),
        (Const(0, 1), "1'b0"),
        (Const(1, 1), "1'b1"),
        (Const(-1, 8), "8'd255"),
        (Const(-2, 4), "4'd14"),
        (Const(256, 8), "8'd0"),
        (Const(0xDEADBEEF, 32), "32'd3735928559"),
        (Const(0x1234, 64), "64'h1234"),
        (Const(-1, 64), "64'hffffffffffffffff"),
        (Const(-3, 8, signed=True), "8'sd253"),
    ],
)
def test_constants_are_sized_and_masked(const: Const, text: str) -> None:
    assert print_expr(const) == text


def test_constant_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError):
        Const(1, 0)
    with pytest.raises(TypeError):
        Const(1.5, 8)  # type: ignore[arg-type]


def test_compound_subexpressions_are_parenthesised() -> None:
    assert print_expr(a + b * c) == "a + (b * c)"
    assert print_expr((a + b) * c) == "(a + b) * c"
    assert print_expr(~(a & b)) == "~(a & b)"
    assert print_expr(UnOp("|", a ^ b)) == "|(a ^ b)"
    assert print_expr(Ternary(eq(a, b), a + 1, c)) == "(a == b) ? (a + 1) : c"
    assert print_expr(land(a, b, c)) == "(a && b) && c"
    assert print_expr(BinOp("-", a, Int(-1))) == "a - (-1)"


def test_signed_operations() -> None:
    assert print_expr(lt(a, b, signed=True)) == "$signed(a) < $signed(b)"
    assert print_expr(BinOp(">>>", a + b, c, signed=True)) == "$signed(a + b) >>> $signed(c)"
    assert print_expr(Signed(a)) == "$signed(a)"
    assert print_expr(Unsigned(a - b)) == "$unsigned(a - b)"


def test_selects_and_concatenation() -> None:
    assert print_expr(a[3]) == "a[3]"
    assert print_expr(a[7:0]) == "a[7:0]"
    assert print_expr((a + b)[7:0]) == "(a + b)[7:0]"
    assert print_expr(IndexedSlice(a, b, 8)) == "a[b +: 8]"
    assert print_expr(cat(a, Const(0, 2), b[1])) == "{a, 2'd0, b[1]}"
    assert print_expr(Repl(4, a)) == "{4{a}}"
    assert print_expr(Repl(Ref("W"), Const(0, 1))) == "{W{1'b0}}"


def test_operator_validation() -> None:
    with pytest.raises(ValueError):
        BinOp("**", a, b)
    with pytest.raises(ValueError):
        UnOp("+", a)
    with pytest.raises(TypeError):
        print_expr(1.0)  # type: ignore[arg-type]


def test_clog2() -> None:
    assert [clog2(n) for n in (1, 2, 3, 4, 5, 16, 17)] == [0, 1, 2, 2, 3, 4, 5]
    assert index_bits(1) == 1 and index_bits(16) == 4
    with pytest.raises(ValueError):
        clog2(0)


def _example() -> Module:
    d, q, sel = Ref("d"), Ref("q"), Ref("sel")
    return Module(
        "ex",
        [Parameter("W", 8)],
        [
            Port("clk", "input"),
            Port("rst_n", "input"),
            Port("d", "input", Ref("W")),
            Port("sel", "input", 2, signed=True),
            Port("q", "output", Ref("W"), is_reg=True),
            Port("y", "output", 4),
        ],
        [
            Pragma("verilator lint_off UNUSEDSIGNAL"),
            LocalParam("HALF", Ref("W") >> 1),
            Wire("s", 4, comment="vadd.cl:3:5  c[i] = a[i] + b[i]"),
            Reg("t", 4, signed=True),
            Memory("mem", 8, 16),
            Integer("i"),
            Blank(),
            Assign(Ref("s"), d[3:0] + Const(1, 4)),
            Assign(Ref("y"), Ref("t")),
            Always(
                [
                    If(
                        UnOp("!", Ref("rst_n")),
                        [NonBlocking(q, Repl(Ref("W"), Const(0, 1)))],
                        [If(eq(sel, 0), [NonBlocking(q, d)], [NonBlocking(q, ~d)])],
                    )
                ]
            ),
            AlwaysComb(
                [
                    Blocking(Ref("t"), Const(0, 4)),
                    Case(sel, [([Const(0, 2), Const(1, 2)], [Blocking(Ref("t"), Ref("s"))])]),
                    For("i", 0, 4, [Blocking(Ref("t"), Ref("t") ^ Ref("s"))]),
                ]
            ),
            Comment("a child"),
            Instance("child", "u_child", [("N", 4)], [("clk", Ref("clk")), ("o", None)]),
        ],
        header_comment="example module",
    )


EXPECTED = """\
// example module
module ex #(
  parameter W = 8
) (
  input wire clk,
  input wire rst_n,
  input wire [W-1:0] d,
  input wire signed [1:0] sel,
  output reg [W-1:0] q,
  output wire [3:0] y
);
  /* verilator lint_off UNUSEDSIGNAL */
  localparam HALF = W >> 1;
  // vadd.cl:3:5  c[i] = a[i] + b[i]
  wire [3:0] s;
  reg signed [3:0] t;
  reg [7:0] mem [0:15];
  integer i;

  assign s = d[3:0] + 4'd1;
  assign y = t;
  always @(posedge clk) begin
    if (!rst_n) begin
      q <= {W{1'b0}};
    end else if (sel == 0) begin
      q <= d;
    end else begin
      q <= ~d;
    end
  end
  always @* begin
    t = 4'd0;
    case (sel)
      2'd0, 2'd1: begin
        t = s;
      end
      default: begin
      end
    endcase
    for (i = 0; i < 4; i = i + 1) begin
      t = t ^ s;
    end
  end
  // a child
  child #(
    .N(4)
  ) u_child (
    .clk(clk),
    .o()
  );
endmodule
"""


def test_module_prints_as_expected() -> None:
    assert print_module(_example()) == EXPECTED


def test_file_is_wrapped_in_default_nettype() -> None:
    text = print_verilog([_example(), Module("empty")])
    assert text.startswith("`default_nettype none\n")
    assert text.endswith("`default_nettype wire\n")
    assert "module empty;\nendmodule\n" in text


def test_printing_is_deterministic() -> None:
    assert print_verilog([_example()]) == print_verilog([_example()])


def test_duplicate_module_names_are_rejected() -> None:
    with pytest.raises(ValueError, match="more than once"):
        print_verilog([Module("m"), Module("m")])


def test_port_checks_direction() -> None:
    with pytest.raises(ValueError):
        Port("x", "inout")
    with pytest.raises(ValueError):
        Port("x", "input", is_reg=True)


def test_port_lint_waiver_wraps_only_that_port() -> None:
    m = Module(
        "m", ports=[Port("interrupt", "output", lint_off=("SYMRSVDWORD",)), Port("a", "input")]
    )
    assert (
        "  /* verilator lint_off SYMRSVDWORD */\n"
        "  output wire interrupt,\n"
        "  /* verilator lint_on SYMRSVDWORD */\n"
        "  input wire a\n"
    ) in print_module(m)
