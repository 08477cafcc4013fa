"""Shared test configuration.

- `--backend coincurve|py_ecc` (or VOTECRYPT_TEST_BACKEND) runs the whole suite on either group
  backend; the default is the fast one. Production code never reads this setting: tests pass
  the group explicitly through the `group` fixture.
- Hypothesis profiles: "dev" (default) and "ci" (fewer examples, no deadline), chosen with
  HYPOTHESIS_PROFILE.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from votecrypt.math import Group, secp256k1

settings.register_profile(
    "dev", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "thorough", max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend",
        default=os.environ.get("VOTECRYPT_TEST_BACKEND", "coincurve"),
        choices=["coincurve", "py_ecc"],
        help="group backend the suite runs on",
    )


@pytest.fixture(scope="session")
def group(request: pytest.FixtureRequest) -> Group:
    return secp256k1(request.config.getoption("--backend"))


@pytest.fixture(scope="session")
def fast_group() -> Group:
    return secp256k1("coincurve")


@pytest.fixture(scope="session")
def reference_group() -> Group:
    return secp256k1("py_ecc")
