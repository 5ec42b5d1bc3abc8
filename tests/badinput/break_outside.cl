// expect: :3:3: error: 'break' statement not in loop or switch statement
__kernel void k(__global int *a) {
  break;
}
