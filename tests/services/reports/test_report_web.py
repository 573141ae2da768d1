"""The /reports page: download per role, only for regions in the user's scope."""

from __future__ import annotations

import io
import re
import shutil
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "web"))

from web_support import World, make_world

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def world(tmp_path: Path, store_file: Path) -> World:
    built = make_world(tmp_path)
    shutil.copy(store_file, built.settings.resolved_analytics_path())
    built.user("anna", "regional_coordinator", region="19")
    built.user("nils", "national_analyst")
    built.user("karin", "clinic_manager", region="19", units=["U00"])
    built.user("adam", "admin")
    return built


def test_a_coordinator_downloads_her_regions_report(world: World) -> None:
    client = world.client("anna")
    page = client.get("/reports")
    assert page.status_code == 200
    assert 'href="/reports"' in page.text  # in the navigation
    assert 'value="19"' in page.text
    assert 'value="03"' not in page.text
    assert 'value="2025-06"' in page.text
    assert 'value="2025-07"' not in page.text  # not a complete month
    assert 'hx-indicator="#report-busy"' in page.text
    got = client.get("/reports/monthly.xlsx", params={"region": "19", "month": "2025-06"})
    assert got.status_code == 200
    assert got.headers["content-type"] == XLSX
    assert "vardkoll-manadsrapport-19-2025-06.xlsx" in got.headers["content-disposition"]
    assert load_workbook(io.BytesIO(got.content)).sheetnames[0] == "Läs mig"


def test_the_form_downloads_without_javascript(world: World) -> None:
    client = world.client("anna")
    page = client.get("/reports").text
    assert 'action="/reports/download"' in page
    got = client.get(
        "/reports/download", params={"region": "19", "month": "2025-06", "format": "pdf"}
    )
    assert got.status_code == 200
    assert got.headers["content-type"] == "application/pdf"
    assert (
        client.get(
            "/reports/download", params={"region": "03", "month": "2025-06", "format": "pdf"}
        ).status_code
        == 404
    )


def test_another_region_is_not_found(world: World) -> None:
    client = world.client("anna")
    for fmt in ("pdf", "xlsx"):
        got = client.get(f"/reports/monthly.{fmt}", params={"region": "03", "month": "2025-06"})
        assert got.status_code == 404
    prepared = client.get("/reports/prepare", params={"region": "03", "month": "2025-06"})
    assert prepared.status_code == 404


def test_a_national_analyst_reports_on_any_region_in_english(world: World) -> None:
    client = world.client("nils")
    page = client.get("/reports?lang=en")
    assert 'value="03"' in page.text
    assert 'value="19"' in page.text
    fragment = client.get(
        "/reports/prepare",
        params={"region": "03", "month": "2025-05", "format": "pdf"},
        headers={"hx-request": "true"},
    )
    assert fragment.status_code == 200
    assert "vardkoll-manadsrapport-03-2025-05.pdf" in fragment.text
    assert "<html" not in fragment.text  # a fragment, not a page
    link = fragment.text.split('href="')[1].split('"')[0].replace("&amp;", "&")
    got = client.get(link)
    assert got.status_code == 200
    assert got.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(got.content))
    assert "Monthly waiting-time report 2025-05" in reader.pages[0].extract_text()
    # Units by the names of the store's units table, never by their ids alone.
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Enhet U" in text
    assert re.findall(r"(?<!Enhet )\bU\d{2}\b", text) == []


@pytest.mark.parametrize("user", ["karin", "adam"])
def test_roles_without_a_whole_region_get_no_reports(world: World, user: str) -> None:
    client = world.client(user)
    page = client.get("/reports")
    assert page.status_code == 403
    assert 'href="/reports"' not in page.text
    got = client.get("/reports/monthly.pdf", params={"region": "19", "month": "2025-06"})
    assert got.status_code == 403


def test_signed_out_users_are_sent_to_sign_in(world: World) -> None:
    got = world.client().get("/reports/monthly.pdf", params={"region": "19", "month": "2025-06"})
    assert got.status_code in (303, 401)


def test_a_month_without_data_is_a_clear_error(world: World) -> None:
    client = world.client("anna")
    got = client.get("/reports/monthly.pdf", params={"region": "19", "month": "2019-01"})
    assert got.status_code == 422
    assert "No data for region 19 in 2019-01" in got.text
