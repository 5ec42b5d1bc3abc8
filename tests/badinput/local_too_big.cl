// expect: :4:15: error: __local memory of kernel 'k' needs 400000 bytes, more than the 146432 bytes of on-chip RAM of target 'ice40-up5k'
// args: --target ice40-up5k
__kernel void k(__global int *a) {
  __local int t[100000];
  t[get_local_id(0)] = a[0];
  barrier(CLK_LOCAL_MEM_FENCE);
  a[1] = t[0];
}
