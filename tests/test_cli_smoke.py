"""The CLI starts, and errors never reach the user as a traceback."""

from __future__ import annotations

import subprocess
import sys

from fastapi.testclient import TestClient

from vardkoll import __version__
from vardkoll.http.app import create_app
from vardkoll.settings import Settings


def test_version_command() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "vardkoll", "version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == __version__


def test_unknown_command_is_clean() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "vardkoll", "no-such-command"], capture_output=True, text=True
    )
    assert out.returncode != 0
    assert "Traceback" not in out.stderr + out.stdout


def test_minimal_page_is_swedish(tmp_path) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(create_app(Settings(data_dir=tmp_path)))
    page = client.get("/")
    assert page.status_code == 200
    assert 'lang="sv"' in page.text
