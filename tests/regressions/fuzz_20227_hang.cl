/* soff fuzz seed 20227 */

int safe_div_int(int a, int b) {
    return (b == 0 || (a == (-2147483647 - 1) && b == (-1))) ? a : (a / b);
}

uint safe_div_uint(uint a, uint b) {
    return (b == 0) ? a : (a / b);
}

int safe_rem_int(int a, int b) {
    return (b == 0 || (a == (-2147483647 - 1) && b == (-1))) ? 0 : (a % b);
}

uint safe_rem_uint(uint a, uint b) {
    return (b == 0) ? 0 : (a % b);
}

uchar h1(ulong p0, long p1) {
    p1 = (long)(((ulong)(!((-1375065109)))) && ((uchar)(((char)(p0)) > ((uchar)(p1)))));
    for (uint i2 = 0; i2 < 6; i2++) {
        short v3 = (short)(i2);
        for (uint i4 = 0; i4 < (uint)((uint)((uint)(safe_div_uint((uint)(v3), 1L))) % 5u); i4++) {
            if ((ulong)((int)((ushort)(v3)))) continue;
            if ((char)(-(uint)((char)(safe_rem_uint(2084344679u, 15UL))))) return (uchar)(safe_rem_int((int)(~((uchar)(i4))), (short)((((uchar)63)) != (i4))));
        }
    }
    return (uchar)(((int)(p1)) && (((uchar)227)));
}

__kernel void fuzz(__global const short *in0, __global const ushort *in1, __global const int *in2, __global uchar *out0, __global ushort *out1) {
    size_t gid = get_global_id(0);
    char v5 = (char)((uint)((ulong)((ulong)((ushort)(in0[(gid & 63u)])) + (ulong)(((short)24)))) - (uint)((ulong)((ulong)((long)(in1[49])) - (ulong)((-24)))));
    if (rotate((char)((short)(v5)), (char)((uchar)((uint)((uint)(out1[gid * 4 + 2])) - (uint)((uchar)(get_global_size(0))))))) {
        out0[gid * 4 + 2] = (uchar)((uint)((char)(h1((ulong)((uint)(in2[((uint)(max((ushort)(((uchar)0)), (ushort)((ushort)(get_global_id(0))))) & 63u)])), (long)((int)(v5))))) * (uint)((int)(((ushort)(!((uchar)(v5)))) && ((short)(((ushort)(v5)) != (((ushort)2)))))));
        ulong v6 = (ulong)(abs_diff((ulong)((uchar)(((uchar)(v5)) ? ((short)(v5)) : ((uchar)(in1[12])))), (ulong)((short)((uint)((uint)(v5)) + (uint)(((char)0))))));
    } else {
        v5 = min((char)((long)((ulong)((long)(v5)) << ((v5) & 63))), (char)((ushort)((uint)((ushort)(v5)) << ((1) & 31))));
        v5 |= (char)(h1((ulong)((ulong)(v5)), (long)((int)(v5))));
        int v7 = (int)(((int)(v5)) ^ (h1((ulong)(1UL), (long)((long)(v5)))));
    }
    for (uint i8 = 0; i8 < 6; i8++) {
        if (h1((ulong)((-32L)), (long)((ulong)(i8)))) {
            v5 = (char)(safe_rem_uint((uint)(in0[(gid & 63u)]), (int)(v5)));
        }
        ulong v9 = (ulong)((ulong)((ulong)(abs((ulong)(((uchar)16))))) << (((int)(((ulong)(v5)) ? ((long)(in0[((uint)((uchar)(((short)(get_global_id(0))) || ((ushort)(i8)))) & 63u)])) : ((int)(v5)))) & 63));
        out1[gid * 4 + ((uint)((short)(((short)(i8)) >> (((ulong)(in1[6])) & 31))) & 3u)] = (ushort)(safe_div_int((int)(i8), (short)((((char)(-90))) < ((int)(v5)))));
    }
    v5 ^= (char)(h1((ulong)((short)(v5)), (long)((int)(v5))));
    for (short i10 = 0; i10 < (short)((uint)((long)((ulong)((ulong)(v5)) + (ulong)((int)(v5)))) % 2u); i10++) {
        for (int i11 = 0; i11 < 2; i11++) {
            v5 = (char)(((int)(-(uint)((ushort)(i11)))) < ((uint)((43u) ^ (v5))));
            short v12 = (short)((uint)((ulong)(in0[((uint)((int)(i10)) & 63u)])) * (uint)((long)(in1[48])));
            out0[gid * 4 + ((uint)((uint)((long)((ulong)(i10)))) & 3u)] = (uchar)(((uchar)(((uchar)(in2[15])) ^ ((long)(v5)))) & ((ushort)(safe_rem_uint((uint)(get_local_size(0)), (-16)))));
        }
        v5 = (char)((3528920645u) ? (16u) : ((long)(v5)));
    }
    v5 = ((char)(-8));
    if ((int)(((-10)) ^ ((uint)(h1((ulong)((ushort)(get_num_groups(0))), (long)(((char)27))))))) {
        v5 = (char)(safe_rem_uint((uint)(v5), (uchar)(v5)));
    } else {
        v5 ^= clamp((char)(1UL), ((char)76), ((char)123));
        int v13 = mul24(((int)((ushort)(safe_rem_uint((uint)(v5), v5)))) & 0x7fff, ((int)((ushort)((uint)((ushort)(get_global_id(0))) << ((43u) & 31)))) & 0xffff);
        if ((ushort)(!((uchar)(((uchar)(get_num_groups(0))) | (((ushort)1)))))) {
        }
    }
    out0[gid * 4 + 3] ^= (uchar)(v5);
    out1[gid * 4 + 3] ^= (ushort)(v5);
}
