from __future__ import annotations

from pathlib import Path

import pytest

from soff.rtl_gen.regmap import RegisterMap

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
def sim_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One build cache for the session, so each design is built once."""
    return tmp_path_factory.mktemp("sim-cache")
