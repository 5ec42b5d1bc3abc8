"""Scheduling: segments of fixed-latency ops between variable-latency memory
ops, start times within a segment and the delay registers that balance paths."""

from soff.hls.schedule.datapath import DatapathSchedule, Segment, schedule_kernel

__all__ = ["DatapathSchedule", "Segment", "schedule_kernel"]
