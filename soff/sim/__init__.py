"""Simulating generated kernels: cocotb + Verilator (or Icarus) on numpy data."""

from soff.sim.api import SimResult, simulate
from soff.sim.driver import KernelDriver
from soff.sim.errors import SimulationError, SimulationHang

__all__ = ["KernelDriver", "SimResult", "SimulationError", "SimulationHang", "simulate"]
