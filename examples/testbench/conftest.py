# test_vadd.py is a cocotb module: it runs inside the simulator, started by
# test_runner.py, so pytest itself must not import it.
collect_ignore = ["test_vadd.py"]
