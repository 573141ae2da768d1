"""README line 1, end to end: the demo generates a region, imports it through the real import
path, builds the analytics store, and serves an overview a demo account can sign in to."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient

from vardkoll.http.app import create_app
from vardkoll.settings import Settings

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo")]


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("demo")
    env = {**os.environ, "VARDKOLL_DATA_DIR": str(data_dir)}
    first = subprocess.run(
        [sys.executable, "-m", "vardkoll", "demo", "--prepare-only"],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert first.returncode == 0, first.stderr[-2000:]
    assert "Traceback" not in first.stdout + first.stderr
    assert "förberedd nu" in first.stdout
    return data_dir


def test_demo_went_through_the_import_path(demo_dir: Path) -> None:
    marker = json.loads((demo_dir / "demo-ready.json").read_text(encoding="utf-8"))
    files = sorted(p.name for p in Path(marker["files_dir"]).iterdir())
    assert "pathway_events.csv" in files
    assert "units.csv" in files
    assert marker["rows_imported"] > 100_000
    # Every generated file shows up as a committed import batch in the operational store.
    import sqlite3

    with sqlite3.connect(demo_dir / "vardkoll.sqlite3") as conn:
        kinds = {row[0] for row in conn.execute("SELECT DISTINCT kind FROM import_batches")}
    assert {"units", "pathway_events", "production", "beds"} <= kinds
    with duckdb.connect(str(demo_dir / "analytics.duckdb"), read_only=True) as con:
        waiting = con.execute("SELECT count(*) FROM pathways WHERE removed_on IS NULL").fetchone()
    assert waiting is not None
    assert waiting[0] > 1000


def test_second_run_reuses_the_prepared_demo(demo_dir: Path) -> None:
    before = (demo_dir / "analytics.duckdb").stat().st_mtime_ns
    env = {**os.environ, "VARDKOLL_DATA_DIR": str(demo_dir)}
    again = subprocess.run(
        [sys.executable, "-m", "vardkoll", "demo", "--prepare-only"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert again.returncode == 0, again.stderr[-2000:]
    assert "fanns redan" in again.stdout
    assert (demo_dir / "analytics.duckdb").stat().st_mtime_ns == before


def test_demo_account_sees_the_overview(demo_dir: Path) -> None:
    marker = json.loads((demo_dir / "demo-ready.json").read_text(encoding="utf-8"))
    username, password = next(
        (a[0], a[1]) for a in marker["accounts"] if a[2] == "regional_coordinator"
    )
    client = TestClient(create_app(Settings(data_dir=demo_dir, environment="demo")))
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token is not None
    signed_in = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303
    page = client.get("/", follow_redirects=True)
    assert page.status_code == 200
    assert 'lang="sv"' in page.text
    assert "Ortopedi" in page.text  # a specialty of the generated region, by its Swedish name
