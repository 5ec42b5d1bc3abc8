// expect: :2:21: error: kernel pointer argument 'a' must point to __global, __constant or __local memory
__kernel void k(int *a) {
  a[0] = 1;
}
