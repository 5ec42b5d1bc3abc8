// expect: :2:38: error: redefinition of 'a'
__kernel void k(__global int *a, int a) {
  a[0] = 1;
}
