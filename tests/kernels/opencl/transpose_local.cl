/* Matrix transpose through a __local tile (padded against bank conflicts)
   with one barrier; rows x cols need not be multiples of the tile. */
#define T 8
__kernel void transpose_local(__global const float *in, __global float *out, int rows, int cols) {
    __local float tile[T][T + 1];
    int gx = get_group_id(0) * T, gy = get_group_id(1) * T;
    int lx = get_local_id(0), ly = get_local_id(1);
    if (gy + ly < rows && gx + lx < cols)
        tile[ly][lx] = in[(gy + ly) * cols + gx + lx];
    barrier(CLK_LOCAL_MEM_FENCE);
    int ox = gy + lx, oy = gx + ly;    /* out is cols x rows */
    if (oy < cols && ox < rows)
        out[oy * rows + ox] = tile[lx][ly];
}
