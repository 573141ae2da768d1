"""Shared fixtures and the one skip policy for real outside parts.

Tests that need PostgreSQL, Chromium or Spark call :func:`require`: locally a missing part
skips the test with the reason; under ``CI=true`` the same situation fails the test, so a CI
run can never go green by skipping what it was meant to check.
"""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=30, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") == "true" else "dev")

IN_CI = os.environ.get("CI") == "true"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def require(available: bool, reason: str) -> None:
    """Skip (locally) or fail (under CI=true) when a real outside part is missing."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"required under CI=true but missing: {reason}", pytrace=False)
    pytest.skip(reason)


def postgres_url() -> str:
    """The PostgreSQL test database URL (``VARDKOLL_TEST_DATABASE_URL`` overrides)."""
    return os.environ.get("VARDKOLL_TEST_DATABASE_URL", DEFAULT_PG_URL)


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def postgres_available() -> bool:
    """True when the server answers and the driver is installed."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return False
    from sqlalchemy.engine import make_url

    url = make_url(postgres_url())
    return _port_open(url.host or "127.0.0.1", url.port or 5432)


@pytest.fixture
def pg_url() -> str:
    """A PostgreSQL URL, or skip/fail per the policy."""
    require(postgres_available(), f"PostgreSQL not reachable at {postgres_url()}")
    return postgres_url()


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's Chromium for Playwright, or skip/fail per the policy."""
    require(Path(CHROMIUM).exists(), f"Chromium not installed at {CHROMIUM}")
    return CHROMIUM


def spark_available() -> bool:
    """True when PySpark imports and a Java runtime is on PATH."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return False
    return shutil.which("java") is not None


@pytest.fixture
def tmp_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An isolated data directory wired into the settings through the environment."""
    monkeypatch.setenv("VARDKOLL_DATA_DIR", str(tmp_path))
    return tmp_path
