// expect: :2:17: error: the image2d_t type is not supported yet
__kernel void k(image2d_t img, __global int *a) {
  a[0] = 1;
}
