// expect: :2:14: error: kernel function 'k' must return void
__kernel int k(__global int *a) {
  return 1;
}
