"""Shared fixtures of the CSV/XLSX import tests (test data lives in vk_ingest_testdata)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[..., Path]:
    """Write text (in an encoding) or bytes to a file in the test's directory."""

    def write(content: str | bytes, name: str = "data.csv", encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        data = content if isinstance(content, bytes) else content.encode(encoding)
        path.write_bytes(data)
        return path

    return write
