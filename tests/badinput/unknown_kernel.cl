// expect: soff: error: no kernel named 'nosuch'
// args: -k nosuch
__kernel void k(__global int *a) {
  a[0] = 1;
}
