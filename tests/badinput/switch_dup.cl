// expect: :3:42: error: duplicate case value '1'
__kernel void k(__global int *a) {
  switch (a[0]) { case 1: a[1]=1; break; case 1: a[1]=2; }
}
