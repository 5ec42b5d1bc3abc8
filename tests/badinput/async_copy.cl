// expect: :4:3: error: the event_t type is not supported yet
__kernel void k(__global int *a) {
  __local int t[4];
  event_t e = async_work_group_copy(t, a, 4, 0);
  wait_group_events(1, &e);
}
