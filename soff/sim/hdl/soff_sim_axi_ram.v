// soff_sim_axi_ram: a simulation-only AXI4 slave RAM (global memory for simulate()).
//
// * Reads: AR FIFO of AR_DEPTH requests, each usable LATENCY cycles after it
//   was accepted; responses in request order, one beat per cycle, RID = ARID,
//   RLAST on the last beat; INCR and FIXED bursts (WRAP is an error, below),
//   ARLEN up to 255, ARSIZE up to the bus width. R is registered and holds
//   under RREADY low.
// * Writes: AW and W are queued independently (either may come first); a beat
//   is written when both an AW and a W beat are queued, bytes chosen by WSTRB.
//   B responses in order, BID = AWID, LATENCY cycles after the last beat.
// * Cost per transaction (optional): TXN_GAP idle cycles follow every read
//   burst on R and every write burst's last beat (default 0: a transaction
//   costs only its beats). Models the command overhead of a real memory, so
//   that bursts pay off in simulation as they do on a board.
// * Protocol checks (simulation stops with $fatal): an INCR burst that
//   crosses a 4 KiB boundary, a WRAP or reserved burst type, a size wider
//   than the bus, WLAST not on the last beat of a write burst.
// * Counters for tests and benchmarks: ar_count / aw_count (transactions),
//   r_beats / w_beats (beats), read through simulate(probes=["gmem.ar_count"]).
// * Contents: loaded at time 0 with $readmemh from the file named by the
//   plusarg +soff_mem_in=<path> (one DATA_W-bit word per line, @addr lines for
//   word addresses); words dump_lo..dump_hi are written with $writememh to the
//   file named by +soff_mem_out=<path> at each rising clock edge with dump high.
//
// Memory is (1 << ADDR_W) words of DATA_W bits; byte addresses wrap.
`timescale 1ns / 1ps
`default_nettype none

module soff_sim_axi_ram #(
    parameter integer DATA_W   = 64,
    parameter integer ADDR_W   = 21,   // word address bits
    parameter integer ID_W     = 4,
    parameter integer LATENCY  = 4,    // cycles from AR accept / last W beat to R / B
    parameter integer AR_DEPTH = 16,   // outstanding reads (power of two)
    parameter integer AW_DEPTH = 16,   // outstanding writes (power of two)
    parameter integer W_DEPTH  = 16,   // queued write beats (power of two)
    parameter integer TXN_GAP  = 0     // idle cycles after each read / write burst
) (
    input  wire                clk,
    input  wire                rst_n,

    input  wire                awvalid,
    output wire                awready,
    input  wire [63:0]         awaddr,
    input  wire [ID_W-1:0]     awid,
    input  wire [7:0]          awlen,
    input  wire [2:0]          awsize,
    input  wire [1:0]          awburst,
    input  wire                wvalid,
    output wire                wready,
    input  wire [DATA_W-1:0]   wdata,
    input  wire [DATA_W/8-1:0] wstrb,
    input  wire                wlast,
    output wire                bvalid,
    input  wire                bready,
    output wire [1:0]          bresp,
    output wire [ID_W-1:0]     bid,
    input  wire                arvalid,
    output wire                arready,
    input  wire [63:0]         araddr,
    input  wire [ID_W-1:0]     arid,
    input  wire [7:0]          arlen,
    input  wire [2:0]          arsize,
    input  wire [1:0]          arburst,
    output reg                 rvalid,
    input  wire                rready,
    output reg  [DATA_W-1:0]   rdata,
    output wire [1:0]          rresp,
    output reg                 rlast,
    output reg  [ID_W-1:0]     rid,

    input  wire                dump,
    input  wire [31:0]         dump_lo,
    input  wire [31:0]         dump_hi
);
    localparam integer STRB_W = DATA_W / 8;
    localparam integer LANE_BITS = $clog2(STRB_W);
    localparam integer ARP = $clog2(AR_DEPTH);
    localparam integer AWP = $clog2(AW_DEPTH);
    localparam integer WP = $clog2(W_DEPTH);
    localparam [63:0] LAT = {32'd0, LATENCY[31:0]};
    localparam [7:0] GAP = TXN_GAP[7:0];

    reg [DATA_W-1:0] mem [0:(1 << ADDR_W) - 1];

    reg [8*1024-1:0] in_path;
    reg [8*1024-1:0] out_path;
    reg              have_out;
    initial begin
        have_out = 1'b0;
        if ($value$plusargs("soff_mem_in=%s", in_path)) $readmemh(in_path, mem);
        if ($value$plusargs("soff_mem_out=%s", out_path)) have_out = 1'b1;
    end

    always @(posedge clk) begin
        if (dump && have_out) $writememh(out_path, mem, dump_lo, dump_hi);
    end

    reg [63:0] now;
    always @(posedge clk) begin
        if (!rst_n) now <= 64'd0;
        else now <= now + 64'd1;
    end

    // Byte address of beat 'beat' of a burst.
    function [63:0] beat_addr(input [63:0] start, input [2:0] size, input [1:0] burst,
                              input [7:0] beat);
        reg [63:0] aligned;
        begin
            aligned = (start >> size) << size;
            if (burst == 2'b00 || beat == 8'd0) beat_addr = start;
            else beat_addr = aligned + ({56'd0, beat} << size);
        end
    endfunction

    // True when a burst breaks the AXI4 rules this RAM checks: an INCR burst
    // must stay inside one 4 KiB page (ARLEN/AWLEN <= 255 is the field's
    // width), WRAP (2) and the reserved type (3) are not used by soff, and a
    // beat may not be wider than the bus.
    function bad_burst(input [63:0] start, input [7:0] len, input [2:0] size,
                       input [1:0] burst);
        reg [63:0] last;  // byte address of the last beat
        begin
            last = ((start >> size) << size) + ({56'd0, len} << size);
            bad_burst = burst[1] || {29'd0, size} > LANE_BITS
                || (burst == 2'b01 && (start >> 12) != (last >> 12));
        end
    endfunction

    reg [63:0] ar_count, aw_count, r_beats, w_beats;
    always @(posedge clk) begin
        if (!rst_n) begin
            ar_count <= 64'd0;
            aw_count <= 64'd0;
            r_beats <= 64'd0;
            w_beats <= 64'd0;
        end else begin
            if (arvalid && arready) ar_count <= ar_count + 64'd1;
            if (awvalid && awready) aw_count <= aw_count + 64'd1;
            if (rvalid && rready) r_beats <= r_beats + 64'd1;
            if (wvalid && wready) w_beats <= w_beats + 64'd1;
        end
    end

    always @(posedge clk) begin
        if (rst_n && arvalid && arready && bad_burst(araddr, arlen, arsize, arburst))
            $fatal(1, "soff_sim_axi_ram: bad read burst: ARADDR %h ARLEN %0d ARSIZE %0d ARBURST %0d",
                   araddr, arlen, arsize, arburst);
        if (rst_n && awvalid && awready && bad_burst(awaddr, awlen, awsize, awburst))
            $fatal(1, "soff_sim_axi_ram: bad write burst: AWADDR %h AWLEN %0d AWSIZE %0d AWBURST %0d",
                   awaddr, awlen, awsize, awburst);
    end

    // ------------------------------------------------------------------ reads
    reg [63:0]     ar_q_addr [0:AR_DEPTH-1];
    reg [ID_W-1:0] ar_q_id   [0:AR_DEPTH-1];
    reg [7:0]      ar_q_len  [0:AR_DEPTH-1];
    reg [2:0]      ar_q_size [0:AR_DEPTH-1];
    reg [1:0]      ar_q_burst[0:AR_DEPTH-1];
    reg [63:0]     ar_q_time [0:AR_DEPTH-1];
    reg [ARP:0]    ar_wp, ar_rp;
    reg [7:0]      rd_beat;
    reg [7:0]      rd_gap;          // idle cycles left after a burst (TXN_GAP)

    wire ar_empty = ar_wp == ar_rp;
    assign arready = rst_n && (ar_wp - ar_rp) != AR_DEPTH[ARP:0];
    wire [ARP-1:0] ar_h = ar_rp[ARP-1:0];
    wire rd_go = !ar_empty && now >= ar_q_time[ar_h] && rd_gap == 8'd0;
    wire out_free = !rvalid || rready;
    wire [63:0] rd_addr = beat_addr(ar_q_addr[ar_h], ar_q_size[ar_h], ar_q_burst[ar_h], rd_beat);
    assign rresp = 2'b00;

    always @(posedge clk) begin
        if (!rst_n) begin
            ar_wp <= 0;
            ar_rp <= 0;
            rd_beat <= 8'd0;
            rd_gap <= 8'd0;
            rvalid <= 1'b0;
            rlast <= 1'b0;
        end else begin
            if (rd_gap != 8'd0 && out_free) rd_gap <= rd_gap - 8'd1;
            if (arvalid && arready) begin
                ar_q_addr[ar_wp[ARP-1:0]]  <= araddr;
                ar_q_id[ar_wp[ARP-1:0]]    <= arid;
                ar_q_len[ar_wp[ARP-1:0]]   <= arlen;
                ar_q_size[ar_wp[ARP-1:0]]  <= arsize;
                ar_q_burst[ar_wp[ARP-1:0]] <= arburst;
                ar_q_time[ar_wp[ARP-1:0]]  <= now + LAT;
                ar_wp <= ar_wp + 1'b1;
            end
            if (out_free) begin
                if (rd_go) begin
                    rvalid <= 1'b1;
                    rdata  <= mem[rd_addr[ADDR_W+LANE_BITS-1:LANE_BITS]];
                    rid    <= ar_q_id[ar_h];
                    rlast  <= rd_beat == ar_q_len[ar_h];
                    if (rd_beat == ar_q_len[ar_h]) begin
                        rd_beat <= 8'd0;
                        rd_gap <= GAP;
                        ar_rp <= ar_rp + 1'b1;
                    end else begin
                        rd_beat <= rd_beat + 8'd1;
                    end
                end else begin
                    rvalid <= 1'b0;
                end
            end
        end
    end

    // ----------------------------------------------------------------- writes
    reg [63:0]       aw_q_addr [0:AW_DEPTH-1];
    reg [ID_W-1:0]   aw_q_id   [0:AW_DEPTH-1];
    reg [7:0]        aw_q_len  [0:AW_DEPTH-1];
    reg [2:0]        aw_q_size [0:AW_DEPTH-1];
    reg [1:0]        aw_q_burst[0:AW_DEPTH-1];
    reg [AWP:0]      aw_wp, aw_rp;
    reg [DATA_W-1:0] w_q_data  [0:W_DEPTH-1];
    reg [STRB_W-1:0] w_q_strb  [0:W_DEPTH-1];
    reg              w_q_last  [0:W_DEPTH-1];
    reg [WP:0]       w_wp, w_rp;
    reg [ID_W-1:0]   b_q_id    [0:AW_DEPTH-1];
    reg [63:0]       b_q_time  [0:AW_DEPTH-1];
    reg [AWP:0]      b_wp, b_rp;
    reg [7:0]        wr_beat;
    reg [7:0]        wr_gap;

    assign awready = rst_n && (aw_wp - aw_rp) != AW_DEPTH[AWP:0];
    assign wready  = rst_n && (w_wp - w_rp) != W_DEPTH[WP:0];
    wire [AWP-1:0] aw_h = aw_rp[AWP-1:0];
    wire [WP-1:0]  w_h = w_rp[WP-1:0];
    wire b_full = (b_wp - b_rp) == AW_DEPTH[AWP:0];
    wire wr_go = aw_wp != aw_rp && w_wp != w_rp && !b_full && wr_gap == 8'd0;
    wire [63:0] wr_addr = beat_addr(aw_q_addr[aw_h], aw_q_size[aw_h], aw_q_burst[aw_h], wr_beat);
    wire [ADDR_W-1:0] wr_word = wr_addr[ADDR_W+LANE_BITS-1:LANE_BITS];
    assign bvalid = b_wp != b_rp && now >= b_q_time[b_rp[AWP-1:0]];
    assign bid    = b_q_id[b_rp[AWP-1:0]];
    assign bresp  = 2'b00;

    integer i;
    always @(posedge clk) begin
        if (!rst_n) begin
            aw_wp <= 0;
            aw_rp <= 0;
            w_wp <= 0;
            w_rp <= 0;
            b_wp <= 0;
            b_rp <= 0;
            wr_beat <= 8'd0;
            wr_gap <= 8'd0;
        end else begin
            if (wr_gap != 8'd0) wr_gap <= wr_gap - 8'd1;
            if (awvalid && awready) begin
                aw_q_addr[aw_wp[AWP-1:0]]  <= awaddr;
                aw_q_id[aw_wp[AWP-1:0]]    <= awid;
                aw_q_len[aw_wp[AWP-1:0]]   <= awlen;
                aw_q_size[aw_wp[AWP-1:0]]  <= awsize;
                aw_q_burst[aw_wp[AWP-1:0]] <= awburst;
                aw_wp <= aw_wp + 1'b1;
            end
            if (wvalid && wready) begin
                w_q_data[w_wp[WP-1:0]] <= wdata;
                w_q_strb[w_wp[WP-1:0]] <= wstrb;
                w_q_last[w_wp[WP-1:0]] <= wlast;
                w_wp <= w_wp + 1'b1;
            end
            if (wr_go) begin
                if (w_q_last[w_h] != (wr_beat == aw_q_len[aw_h]))
                    $fatal(1, "soff_sim_axi_ram: WLAST %0d on beat %0d of a %0d-beat write burst",
                           w_q_last[w_h], wr_beat, aw_q_len[aw_h] + 8'd1);
                for (i = 0; i < STRB_W; i = i + 1)
                    if (w_q_strb[w_h][i]) mem[wr_word][8*i +: 8] <= w_q_data[w_h][8*i +: 8];
                w_rp <= w_rp + 1'b1;
                if (wr_beat == aw_q_len[aw_h]) begin
                    wr_beat <= 8'd0;
                    wr_gap <= GAP;
                    aw_rp <= aw_rp + 1'b1;
                    b_q_id[b_wp[AWP-1:0]] <= aw_q_id[aw_h];
                    b_q_time[b_wp[AWP-1:0]] <= now + LAT;
                    b_wp <= b_wp + 1'b1;
                end else begin
                    wr_beat <= wr_beat + 8'd1;
                end
            end
            if (bvalid && bready) b_rp <= b_rp + 1'b1;
        end
    end

    wire unused = &{1'b0, rd_addr, wr_addr};
endmodule

`default_nettype wire
