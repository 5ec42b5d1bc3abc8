/* soff fuzz seed 20694 */

int safe_div_int(int a, int b) {
    return (b == 0 || (a == (-2147483647 - 1) && b == (-1))) ? a : (a / b);
}

int safe_rem_int(int a, int b) {
    return (b == 0 || (a == (-2147483647 - 1) && b == (-1))) ? 0 : (a % b);
}

ulong safe_rem_ulong(ulong a, ulong b) {
    return (b == 0) ? 0 : (a % b);
}

char h1(char p0) {
    int c2 = 0;
    while (c2++ < 3 && ((uchar)(((uchar)((uchar)((uchar)(p0)))) | ((char)((uint)(((char)(-61))) << ((12038080927508365312UL) & 31)))))) {
        p0 = p0;
        for (short i3 = 0; i3 < 4; i3++) {
        }
    }
    return (char)(((short)((uint)(((char)24)) - (uint)((ushort)(p0)))) > ((short)(-(uint)(((short)(-4))))));
}

__kernel void fuzz(__global const uchar *in0, __global uint *out0) {
    size_t gid = get_global_id(1) * get_global_size(0) + get_global_id(0);
    uint v4 = 1777238184u;
    if ((-2)) {
        char v5 = ((char)63);
        v4 |= (uint)(((uint)(!((int)(in0[((uint)(12236876877310781440UL) & 63u)])))) ^ ((ulong)(safe_rem_ulong((ulong)(v5), 54u))));
    }
    v4 &= (uint)((short)(((short)((uint)((char)(out0[gid * 4 + 3])) * (uint)((char)(v4)))) | ((uchar)((in0[((uint)((ulong)((ulong)((ulong)(v4)) << (((char)(v4)) & 63))) & 63u)]) & (((uchar)255))))));
    v4 = (uint)((uint)((uint)((uint)((int)(v4)))) - (uint)((uint)((uint)(31u) + (uint)((ushort)(v4)))));
    uint v6 = (uint)((out0[gid * 4 + 3]) || (((ushort)39)));
    short v7 = (short)(((short)(safe_div_int((int)(((ushort)(v4)) && ((-2099091453))), hadd((ushort)((int)(v6)), (ushort)((uchar)(out0[gid * 4 + 0])))))) >> (((ushort)((uint)((ushort)(abs_diff((ushort)((int)(in0[((uint)((uchar)(h1((char)((-8))))) & 63u)])), (ushort)((ulong)(in0[((uint)((ushort)((uint)(1001896949u) + (uint)((int)(v4)))) & 63u)]))))) << (((uchar)((((uchar)130)) & ((char)(v4)))) & 31))) & 31));
    out0[gid * 4 + ((uint)((ushort)(v4)) & 3u)] = (uint)(((ulong)(((long)(v7)) != ((ulong)(v4)))) > ((uint)(((uchar)(v4)) ? ((int)(v7)) : (in0[(gid & 63u)]))));
    out0[gid * 4 + ((uint)((int)(((short)(in0[((uint)((char)(((long)(v7)) ? ((long)(v7)) : ((uint)(get_group_id(0))))) & 63u)])) ? ((char)(in0[((uint)(((ushort)63)) & 63u)])) : (63UL))) & 3u)] = (uint)((uint)((ulong)(v7)) + (uint)((uint)(((uint)(h1((char)((long)(v4))))) | ((short)((v7) & ((short)(out0[gid * 4 + 1])))))));
    v6--;
    uint v8 = min((uint)(8L), (uint)((int)(get_local_id(0))));
    v8 = rotate((uint)(((char)0)), (uint)((char)(get_local_size(0))));
    for (uint i9 = 0; i9 < 5; i9++) {
        ulong v10 = (ulong)((short)((uint)((uint)(((char)(-18))) + (uint)(1602918183))));
        long v11 = (long)(((long)(((long)((short)((char)(v4)))) ^ ((short)((uint)((char)(v4)) + (uint)(((short)27)))))) & ((ushort)(v6)));
        int c12 = 0;
        do {
            v7 = (short)(safe_rem_int((int)(get_num_groups(0)), (ulong)((ulong)((int)(-(uint)(32UL))) * (ulong)((char)((uint)((int)(v11)) * (uint)(v4))))));
            v4 &= (uint)((int)(h1((char)((-3773768357301770240L)))));
            v6 ^= (uint)(v10);
        } while (++c12 < 3 && ((long)(~((uint)(get_global_size(1))))));
    }
    v7 = (short)(-(uint)((short)(v8)));
    for (int i13 = 0; i13 < 2; i13++) {
        v7 = (short)(((short)(get_group_id(1))) >> (((-2L)) & 31));
        v7 = (short)(get_local_size(0));
        v4--;
    }
    out0[gid * 4 + 3] ^= (uint)(v7);
}
