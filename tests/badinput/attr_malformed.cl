// expect: :2:10: error: malformed __attribute__
__kernel __attribute__((reqd_work_group_size(1,1,1) void k(__global int *a) {
  a[0] = 1;
}
