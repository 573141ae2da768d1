"""Table exports as users need them: the whole filtered list, numbers a spreadsheet can count.

The waiting list runs over the synthetic region of the report tests (thousands of waiting
pathways in region 19), so a page of 50 and the whole list really differ.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "web"))

from web_support import World, make_world

from vardkoll.web.tables import Column, Table, to_csv, to_xlsx


@pytest.fixture
def world(tmp_path: Path, store_file: Path) -> World:
    built = make_world(tmp_path)
    shutil.copy(store_file, built.settings.resolved_analytics_path())
    built.user("vg", "care_guarantee_officer", region="19")
    return built


def _csv(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def _records(world: World) -> list[dict[str, object]]:
    with world.engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM audit_log ORDER BY seq")).mappings().all()
    return [dict(r) for r in rows]


def _shown_count(page: str) -> int:
    """The filtered count the page states ("av 1 234" / "of 1,234")."""
    match = re.search(r"(?:av|of)\s+([\d\u00a0 ,]+)", page)
    assert match, "the page states how many rows the filter found"
    return int(re.sub(r"\D", "", match.group(1)))


def test_the_waiting_list_export_holds_the_whole_filtered_sorted_list(world: World) -> None:
    client = world.client("vg")
    query = "entry_type=first_visit&sort=days_waited&dir=desc&offset=50"
    page = client.get(f"/waiting-lists?{query}")
    assert page.status_code == 200
    count = _shown_count(page.text)
    assert count > 100, "the test needs more rows than one page"
    assert "export.csv?" in page.text
    assert "offset=0" in page.text.split("export.csv?")[1][:300]

    before = len(_records(world))
    rows = _csv(client.get(f"/waiting-lists/export.csv?{query}").content)
    header, body = rows[0], rows[1:]
    assert len(body) == count  # every filtered row, not the 50 of the page (nor page 2)
    waited = [int(r[header.index("Väntade dagar")]) for r in body]
    assert waited == sorted(waited, reverse=True)  # in the order the page sorts
    entry = header.index("Kontakttyp")
    assert {r[entry] for r in body} == {"Första besök"}
    records = _records(world)[before:]
    assert len({r["request_id"] for r in records}) == 1  # one audited export ...
    assert {r["action"] for r in records} == {"export"}

    book = load_workbook(io.BytesIO(client.get(f"/waiting-lists/export.xlsx?{query}").content))
    sheet = book.worksheets[0]
    assert sheet.max_row - 1 == count
    assert [c.value for c in sheet[1]] == header  # the columns of the screen, in its order


def test_csv_cells_are_machine_numbers_and_excel_cells_numbers_with_a_format() -> None:
    table = Table(
        [
            Column("unit", "Enhet"),
            Column("waiting", "Väntande", "int"),
            Column("share", "Inom vårdgarantin", "share"),
            Column("day", "Dag", "date"),
        ],
        [
            {"unit": "Ortopedi", "waiting": 1593, "share": 0.721, "day": dt.date(2025, 3, 31)},
            {"unit": "Kirurgi", "waiting": 18000, "share": None, "day": dt.date(2025, 3, 31)},
        ],
    )

    def swedish(column: Column, value: object) -> str:  # the page's formatting
        if column.kind == "int" and isinstance(value, int):
            return f"{value:,}".replace(",", "\u00a0")
        if column.kind == "share" and isinstance(value, float):
            return f"{value * 100:.1f}".replace(".", ",") + "\u00a0%"
        return "–" if value is None else str(value)

    rows = _csv(to_csv(table, swedish))
    assert rows[0] == ["Enhet", "Väntande", "Inom vårdgarantin (%)", "Dag"]
    assert rows[1] == ["Ortopedi", "1593", "72.1", "2025-03-31"]
    assert rows[2] == ["Kirurgi", "18000", "", "2025-03-31"]
    assert int(rows[2][1]) == 18000
    assert float(rows[1][2]) == pytest.approx(72.1)

    sheet = load_workbook(io.BytesIO(to_xlsx(table, sheet="Väntande", about=[]))).worksheets[0]
    assert sheet["B2"].value == 1593
    assert sheet["B2"].number_format == "#,##0"
    assert sheet["C2"].value == pytest.approx(0.721)
    assert sheet["C2"].number_format == "0.0%"
    assert sheet["D2"].number_format == "yyyy-mm-dd"
