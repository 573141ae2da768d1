"""``vardkoll report monthly`` and the masked ``vardkoll indicators`` output, end to end."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from vardkoll.cli.main import main


@pytest.fixture
def env(store_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("VARDKOLL_ANALYTICS_PATH", str(store_copy))
    monkeypatch.setenv("VARDKOLL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("VARDKOLL_SMALL_CELL_THRESHOLD", raising=False)
    return store_copy


def _run(args: list[str]) -> int:
    try:
        main(args)
    except SystemExit as done:
        return int(done.code or 0)
    return 0


def test_writes_the_pdf_and_the_workbook(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pdf = tmp_path / "out" / "report.pdf"
    assert (
        _run(["report", "monthly", "--region", "19", "--month", "2025-06", "--out", str(pdf)]) == 0
    )
    assert "Västmanlands län 2025-06" in " ".join(capsys.readouterr().out.split())
    text = PdfReader(io.BytesIO(pdf.read_bytes())).pages[0].extract_text()
    assert "Månadsrapport väntetider 2025-06" in text
    xlsx = tmp_path / "report.xlsx"
    args = ["report", "monthly", "--region", "19", "--month", "2025-06", "--format", "xlsx"]
    assert _run([*args, "--lang", "en", "--out", str(xlsx)]) == 0
    assert load_workbook(xlsx).sheetnames[0] == "README"


def test_the_threshold_setting_reaches_the_report(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VARDKOLL_SMALL_CELL_THRESHOLD", "12")
    xlsx = tmp_path / "strict.xlsx"
    args = ["report", "monthly", "--region", "19", "--month", "2025-06", "--format", "xlsx"]
    assert _run([*args, "--out", str(xlsx)]) == 0
    sheet = load_workbook(xlsx)["Flöden"]
    net = [c.value for c in sheet[4]].index("Nettoförändring")  # a difference, not a count
    cells = [
        v
        for row in sheet.iter_rows(min_row=5, values_only=True)
        for i, v in enumerate(row)
        if i != net
    ]
    assert "<12" in cells
    assert not any(isinstance(v, int) and 0 < v < 12 for v in cells)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--region", "99", "--month", "2025-06"], "Unknown region '99'"),
        (["--region", "19", "--month", "2019-01"], "No data for region 19 in 2019-01"),
        (["--region", "19", "--month", "2025-07"], "2025-07 is not complete"),
        (["--region", "19", "--month", "juni"], "The month must be written YYYY-MM"),
        (["--region", "19", "--month", "2025-06", "--format", "docx"], "--format must be"),
        (["--region", "19", "--month", "2025-06", "--lang", "de"], "--lang must be"),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_2(
    env: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(["report", "monthly", *args]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_a_missing_store_says_how_to_build_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VARDKOLL_ANALYTICS_PATH", str(tmp_path / "none.duckdb"))
    assert _run(["report", "monthly", "--region", "19", "--month", "2025-06"]) == 1
    assert "vardkoll analytics build" in capsys.readouterr().err


def _small_counts(document: dict[str, object]) -> list[tuple[str, str, object]]:
    counts = ("waiting_count", "completed_count", "inflow", "queue_end", "outflow_treated")
    found = []
    for name, rows in document["tables"].items():  # type: ignore[attr-defined]
        for row in rows:
            for column in counts:
                value = row.get(column)
                if isinstance(value, int) and 0 < value < 5:
                    found.append((name, column, value))
    return found


def test_indicators_output_is_masked_unless_asked_otherwise(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["indicators", "--source", str(env), "--as-of", "2025-06-30", "--months", "2"]
    masked, raw = tmp_path / "masked.json", tmp_path / "raw.json"
    assert _run([*base, "--out", str(masked)]) == 0
    assert "cells under 5 masked" in " ".join(capsys.readouterr().out.split())
    assert _run([*base, "--out", str(raw), "--unmasked"]) == 0
    assert "UNMASKED" in capsys.readouterr().out
    masked_doc, raw_doc = (json.loads(p.read_text(encoding="utf-8")) for p in (masked, raw))
    assert _small_counts(raw_doc), "the raw bundle should have small cells to mask"
    assert _small_counts(masked_doc) == []
    rows = masked_doc["tables"]["unit_flows"]
    markers = [r for r in rows if r["inflow"] in ("<5", "..")]
    assert markers
    for r in markers:  # one hidden flow hides every flow of the row
        assert r["outflow"] in ("<5", "..")
        assert r["net_change"] in ("<5", "..")
    # Rows and columns are the same; only cells turned into markers.
    for name, table in raw_doc["tables"].items():
        assert len(table) == len(masked_doc["tables"][name])


def test_indicators_parquet_output_keeps_typed_columns(env: Path, tmp_path: Path) -> None:
    import pandas as pd

    out = tmp_path / "parquet"
    args = ["indicators", "--source", str(env), "--as-of", "2025-06-30", "--months", "1"]
    assert _run([*args, "--cut", "unit", "--out", str(out)]) == 0
    waiting = pd.read_parquet(out / "unit_waiting.parquet")
    counts = waiting["waiting_count"].dropna()
    assert waiting["waiting_count"].isna().any()
    assert not ((counts > 0) & (counts < 5)).any()
