// expect: :4:3: error: cannot assign to variable 'x' with const-qualified type
__kernel void k(__global int *a) {
  const int x = 1;
  x = 2;
  a[0] = x;
}
