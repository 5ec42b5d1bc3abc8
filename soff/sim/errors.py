"""Errors raised by the simulation harness."""

from __future__ import annotations


class SimulationHang(RuntimeError):
    """The kernel did not raise ap_done within the allowed number of cycles."""


class SimulationError(RuntimeError):
    """The simulator failed to build or run, or the testbench crashed."""
