import sys

from soff.cli import main

sys.exit(main())
