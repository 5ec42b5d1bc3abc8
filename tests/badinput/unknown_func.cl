// expect: :3:10: error: implicit declaration of function 'foo'
__kernel void k(__global int *a) {
  a[0] = foo(1);
}
