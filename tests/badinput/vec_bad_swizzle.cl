// expect: :4:10: error: illegal vector component name 'q'
__kernel void k(__global int *a) {
  int4 v = (int4)(1,2,3,4);
  a[0] = v.q;
}
