// expect: :2:39: error: variable 't' in the __local address space can only be declared in a kernel function, not in 'f'
void f(__global int *a) { __local int t[4]; t[0]=1; a[0]=t[0]; }
__kernel void k(__global int *a) {
  f(a);
}
