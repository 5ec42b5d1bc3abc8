// expect: :3:5: error: a non-constant dimension argument to get_global_id is not supported yet
__kernel void k(__global int *a) {
  a[get_global_id(a[0])] = 1;
}
