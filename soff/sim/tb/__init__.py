"""cocotb test modules (run inside the simulator; launched by soff.sim.runner)."""
