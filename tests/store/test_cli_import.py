"""``vardkoll import``, ``vardkoll db`` and ``vardkoll analytics build`` end to end.

Driven through the real entry point (``vardkoll.cli.main.main``), so exit codes and error
handling are what a user gets; one test runs the command in a subprocess to be sure no
traceback ever reaches the terminal.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from vardkoll.cli import console as cli_console
from vardkoll.cli.main import main

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    try:
        main(argv)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    text = out.out + out.err
    assert "Traceback" not in text
    return code, text


def _bad_events(tmp_path: Path) -> Path:
    """The sample events plus one row with an impossible date and a wrong check digit."""
    lines = (SAMPLES / "pathway_events.csv").read_text(encoding="utf-8-sig").splitlines()
    bad = lines[1].split(";")
    bad[1], bad[4], bad[5] = "BAD1", "2025-13-05", "19640823-3235"
    path = tmp_path / "bad_events.csv"
    path.write_text("\n".join([*lines, ";".join(bad)]) + "\n", encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _wide_consoles(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables wide enough that file names and statuses are not cut (the width is fixed
    when the console is created, so the environment alone is not enough)."""
    monkeypatch.setattr(cli_console.console, "width", 200)
    monkeypatch.setattr(cli_console.err_console, "width", 200)


@pytest.fixture
def env(store_url: str, tmp_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("VARDKOLL_DATABASE_URL", store_url)
    return tmp_data_dir


def test_samples_import_then_analytics_build(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted(str(p) for p in SAMPLES.glob("*.csv"))
    code, text = _run(["import", *files], capsys)
    assert code == 0, text
    assert "pathway_events" in text
    assert "lagrad" in text
    code, text = _run(["import", *sorted(str(p) for p in (SAMPLES / "fhir").iterdir())], capsys)
    assert code == 0, text
    assert "bundle.json" in text
    # Importing again changes nothing and still succeeds.
    code, text = _run(["import", "--lang", "en", *files], capsys)
    assert code == 0
    assert "Unchanged" in text
    code, text = _run(["analytics", "build", "--as-of", "2025-06-01"], capsys)
    assert code == 0, text
    con = duckdb.connect(str(env / "analytics.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT as_of FROM build_info").fetchone()[0].isoformat() == "2025-06-01"  # type: ignore[index]
        assert con.execute("SELECT count(*) FROM pathways").fetchone()[0] > 0  # type: ignore[index]
    finally:
        con.close()
    code, text = _run(["db", "status"], capsys)
    assert code == 0


def test_a_bad_row_rejects_the_file_and_writes_the_report(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = _bad_events(tmp_path)
    code, text = _run(["import", str(bad)], capsys)
    assert code == 1
    assert "avvisad" in text
    assert "19640823-3235" not in text  # the identity is masked everywhere
    reports = list((env / "error-reports").glob("*.csv"))
    assert len(reports) == 1
    with reports[0].open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    assert rows[0] == ["fil", "rad", "fält", "värde", "orsak"]
    assert len({r[1] for r in rows[1:]}) == 1  # every problem is on the one bad row
    assert {"event_date", "patient_id"} <= {r[2] for r in rows[1:]}
    # Nothing was stored.
    code, text = _run(["analytics", "build"], capsys)
    assert code == 0
    assert "pathways" in text


def test_accept_valid_stores_the_rest_and_still_exits_nonzero(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = _bad_events(tmp_path)
    report = tmp_path / "out" / "errors.csv"
    code, text = _run(
        ["import", "--accept-valid", "--lang", "en", "--error-report", str(report), str(bad)],
        capsys,
    )
    assert code == 1
    assert "Quarantined by reason" in text
    assert "stored, rows quarantined" in text
    header = report.read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.split(",")[:3] == ["file", "row", "field"]


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["import", "--kind", "nonsense", "x.csv"], "--kind must be one of"),
        (["import", "/no/such/file.csv"], "no such file"),
        (["import", "--lang", "de", "x.csv"], "--lang must be sv or en"),
        (["analytics", "build", "--as-of", "yesterday"], "--as-of must be a date"),
    ],
)
def test_usage_errors_are_one_clean_line(
    env: Path, capsys: pytest.CaptureFixture[str], argv: list[str], needle: str
) -> None:
    code, text = _run(argv, capsys)
    assert code == 2
    assert needle in text


def test_db_upgrade_reports_the_revision(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, text = _run(["db", "upgrade"], capsys)
    assert code == 0
    assert "0001_operational" in text or "revision" in text


def test_no_traceback_in_a_real_process(tmp_path: Path) -> None:
    bad = _bad_events(tmp_path)
    shutil.copy(SAMPLES / "units.csv", tmp_path / "units.csv")
    out = subprocess.run(
        [sys.executable, "-m", "vardkoll", "import", str(tmp_path / "units.csv"), str(bad)],
        capture_output=True,
        text=True,
        env={
            "VARDKOLL_DATA_DIR": str(tmp_path / "data"),
            "PATH": "/usr/bin:/bin",
            "COLUMNS": "200",
        },
        timeout=300,
    )
    assert out.returncode == 1
    assert "Traceback" not in out.stdout + out.stderr
    assert "units.csv" in out.stdout
    assert (tmp_path / "data" / "error-reports").is_dir()
    assert [p.name.split("-")[0] for p in (tmp_path / "data" / "error-reports").iterdir()] == [
        "bad_events"
    ]


def test_analytics_build_from_files_refuses_bad_rows(
    tmp_data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = _bad_events(tmp_path)
    code, text = _run(["analytics", "build", str(bad)], capsys)
    assert code == 1
    assert "19640823-3235" not in text
    assert len(list((tmp_data_dir / "error-reports").glob("analytics-*.csv"))) == 1
    assert not (tmp_data_dir / "analytics.duckdb").exists()
    code, text = _run(
        ["analytics", "build", "--accept-valid", "--as-of", "2025-06-01", str(bad)], capsys
    )
    assert code == 0, text
    assert (tmp_data_dir / "analytics.duckdb").exists()
