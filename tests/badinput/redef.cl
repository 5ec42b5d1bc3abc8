// expect: :4:7: error: redefinition of 'x'
__kernel void k(__global int *a) {
  int x = 1;
  int x = 2;
  a[0] = x;
}
