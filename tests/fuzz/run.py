"""``python tests/fuzz/run.py --count N --seed S [--keep DIR]``: the same as ``soff fuzz``."""

import sys

from soff.testing.fuzz import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], prog="python tests/fuzz/run.py"))
