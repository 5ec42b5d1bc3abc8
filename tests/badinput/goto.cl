// expect: :3:3: error: goto and labels are not supported yet
__kernel void k(__global int *a) {
  goto end;
  a[0] = 1;
end:
  a[1] = 2;
}
