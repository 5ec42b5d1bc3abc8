// expect: :3:3: error: too few arguments to function call 'barrier', expected 1, have 0
__kernel void k(__global int *a) {
  barrier();
}
