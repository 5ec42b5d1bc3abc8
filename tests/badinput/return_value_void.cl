// expect: :3:3: error: void function 'k' should not return a value
__kernel void k(__global int *a) {
  return 1;
}
