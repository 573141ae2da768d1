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


HEAVY = ("duckdb", "pandas", "ibis", "pyspark", "statsforecast", "reportlab", "weasyprint")
_HELP_PROBE = """
import json, sys
from vardkoll.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_help_does_not_load_the_engines() -> None:
    """Issue 07: ``vardkoll --help`` took ~12 s because every command module imported its
    workflow (DuckDB, pandas, Ibis, ReportLab) at load time; commands now import it when run."""
    import json

    for argv in (["--help"], ["users", "--help"], ["report", "monthly", "--help"]):
        out = subprocess.run(
            [sys.executable, "-c", _HELP_PROBE, *argv], capture_output=True, text=True, check=True
        )
        loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
        assert loaded.isdisjoint(HEAVY), (argv, sorted(loaded & set(HEAVY)))


def test_help_values_equal_their_sources() -> None:
    """The CLI repeats a few values for its help texts (see ``vardkoll.cli._options``)."""
    from vardkoll.analytics import BACKENDS, CUTS
    from vardkoll.cli import _options
    from vardkoll.ingest import FILE_KINDS
    from vardkoll.services.access import retention, tokens
    from vardkoll.services.reports.render import FORMATS

    assert _options.FILE_KINDS == FILE_KINDS
    assert _options.ERROR_REPORT_DAYS == retention.ERROR_REPORT_DAYS
    assert _options.IMPORT_FILES_DAYS == retention.IMPORT_FILES_DAYS
    assert _options.REPORT_FORMATS == FORMATS
    assert _options.BACKENDS == BACKENDS
    assert tuple(CUTS) == _options.CUT_NAMES
    assert _options.DEFAULT_TOKEN_DAYS == tokens.DEFAULT_TOKEN_DAYS
    assert _options.MAX_TOKEN_DAYS == tokens.MAX_TOKEN_DAYS
