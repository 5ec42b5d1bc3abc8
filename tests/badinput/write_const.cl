// expect: :3:3: error: cannot store to __constant memory
__kernel void k(__constant int *a) {
  a[0] = 1;
}
