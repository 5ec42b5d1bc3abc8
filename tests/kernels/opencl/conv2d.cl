/* 2-D 3x3 convolution with a __constant filter and clamp-to-edge boundary
   handling (coordinates clamped with min/max); image h x w, uneven NDRange. */
__constant int FILTER[9] = {1, 2, 1, 2, 4, 2, 1, 2, 1};

__kernel void conv2d(__global const int *img, __global int *out, int h, int w) {
    int x = get_global_id(0), y = get_global_id(1);
    if (x >= w || y >= h)
        return;
    int acc = 0;
    for (int dy = -1; dy <= 1; dy++) {
        int yy = min(max(y + dy, 0), h - 1);
        for (int dx = -1; dx <= 1; dx++) {
            int xx = min(max(x + dx, 0), w - 1);
            acc += FILTER[(dy + 1) * 3 + dx + 1] * img[yy * w + xx];
        }
    }
    out[y * w + x] = acc >> 4;
}
