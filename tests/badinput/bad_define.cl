// expect: soff: error: -D F(=3: missing ')' in macro arguments
// args: -D "F(=3"
__kernel void k(__global int *a) {
  a[0] = 1;
}
