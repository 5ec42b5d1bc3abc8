// expect: soff: error: unknown target 'nosuchboard'
// args: --target nosuchboard
__kernel void k(__global int *a) {
  a[0] = 1;
}
