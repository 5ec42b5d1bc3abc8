// expect: :3:3: error: 'continue' statement not in loop statement
__kernel void k(__global int *a) {
  continue;
}
