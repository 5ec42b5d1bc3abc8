from __future__ import annotations

from pathlib import Path

import pytest

from soff.rtl_gen.regmap import RegisterMap
from soff.sim import runner

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def copy_verilog() -> Path:
    return FIXTURES / "copy_kernel.v"


@pytest.fixture(scope="session")
def copy_regmap() -> RegisterMap:
    return RegisterMap.build(
        "copy_kernel",
        [("src", 64, "pointer", False), ("dst", 64, "pointer", False), ("n", 32, "scalar", True)],
    )


@pytest.fixture(scope="session")
def sim_cache() -> Path:
    """The user's build cache ($SOFF_CACHE_DIR or ~/.cache/soff/sim), shared by
    xdist workers and later runs; tests that need a cold cache use tmp_path."""
    return runner.cache_root()
