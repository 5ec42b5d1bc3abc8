/* Geometric and common built-ins on float4/float3 data: dot, cross, length,
   distance, normalize, mix, clamp. */
__kernel void geometric(__global const float *p, __global const float *q, __global float *out, int n) {
    int i = get_global_id(0);
    if (i >= n)
        return;
    float4 a = vload4(i, p), b = vload4(i, q);
    float3 c = cross(a.xyz, b.xyz);
    out[8 * i + 0] = dot(a, b);
    out[8 * i + 1] = c.x + c.y + c.z;
    out[8 * i + 2] = length(a);
    out[8 * i + 3] = distance(a, b);
    out[8 * i + 4] = normalize(a).x;
    out[8 * i + 5] = mix(a.x, b.x, 0.25f);
    out[8 * i + 6] = fmax(a.y, b.z) * 0.5f;
    out[8 * i + 7] = clamp(a.w, -0.5f, 0.5f);
}
