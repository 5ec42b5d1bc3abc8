/* Found by soff fuzz (15 hangs in seeds 10000-10999, e.g. 10137, 10705): the
   natural-loop walk of a one-block loop (a do-while whose body is one block:
   the block is its own latch and header) went on through the header's
   predecessors, so the loop took in every block before it. The edge entering
   the loop became a "back edge" and no edge entered it: no entry limit, and
   with more work-items circulating than the back-edge FIFO and the pipeline
   hold, the block's last stage waited on a full back edge while its first
   stage took only from that back edge (a deadlock: "stalled: dbg_stall_b1_k0"). */
__kernel void fuzz(__global const int *in, __global int *out) {
    size_t gid = get_global_id(0);
    int x = in[gid & 15];
    int c = 0;
    do {
        x = x * 3 + (int)gid;
    } while (++c < 6);
    out[gid] = x;
}
