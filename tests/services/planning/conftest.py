"""Fixtures of the planner service tests: the planning analytics store, written once."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "web"))

from planning_support import write_planning_analytics

from vardkoll.settings import Settings


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, pd.DataFrame, pd.DataFrame]:
    """(settings over the store, the pathways frame, the pauses frame) — the frames are the
    reference the tests recompute from."""
    folder = Path(tmp_path_factory.mktemp("planning"))
    path = folder / "analytics.duckdb"
    pathways, pauses = write_planning_analytics(path)
    settings = Settings(
        data_dir=folder,
        database_url=f"sqlite:///{folder / 'op.sqlite3'}",
        analytics_path=path,
        secret_key="test-secret-key-0123456789-abcdefghijklmnop",
    )
    return settings, pathways, pauses
