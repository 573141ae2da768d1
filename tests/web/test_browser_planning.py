"""The planner in a real browser (Debian's Chromium, headless), served by uvicorn on 127.0.0.1.

A clinic manager picks a queue, sees the forecast chart drawn, asks for the capacity that
reaches 90 % within the guarantee by a date, compares two scenarios as fan charts, exports the
production plan (opened with openpyxl) and saves it; axe-core finds no serious violations on
the planner with its answers shown.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from browser_support import AXE, BENIGN, chromium, serving
from planning_support import make_planning_world
from playwright.sync_api import expect
from web_support import World

pytestmark = [pytest.mark.chromium, pytest.mark.xdist_group("browser")]

PASSWORD = "chef-lösenord-1"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, str]]:
    world = make_planning_world(Path(tmp_path_factory.mktemp("browser-planning")))
    world.user("chef", "clinic_manager", region="19", units=["SE19-A"], password=PASSWORD)
    with serving(world.app) as base:
        yield world, base


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Any]:
    with chromium(chromium_path) as instance:
        yield instance


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(accept_downloads=True, locale="sv-SE")
    page = context.new_page()
    page.problems = []  # type: ignore[attr-defined]
    page.on(
        "console",
        lambda m: (
            page.problems.append(m.text)  # type: ignore[attr-defined]
            if ("Content Security Policy" in m.text and not any(h in m.text for h in BENIGN))
            or (m.type == "error" and "Content Security" not in m.text)
            else None
        ),
    )
    yield page
    context.close()


def _sign_in(page: Any, base: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", "chef")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")


def _chart_drawn(page: Any, selector: str) -> None:
    page.wait_for_selector(f"{selector}[data-chart-ready='true'] canvas", timeout=60_000)
    assert page.get_attribute(selector, "data-chart-error") is None
    box = page.locator(f"{selector} canvas").first.bounding_box()
    assert box is not None
    assert box["width"] > 200
    assert box["height"] > 150


def test_clinic_manager_plans_compares_and_exports(
    served: tuple[World, str], page: Any, tmp_path: Path
) -> None:
    _world, base = served
    _sign_in(page, base)
    page.click("nav a[href='/planning']")
    page.wait_for_url(f"{base}/planning")
    assert page.locator("h1").inner_text() == "Planering"

    # Pick the specialty (the treatment queue of orthopaedics); the panel swaps in place.
    page.select_option("#queue", "SE19-A|orthopaedics|treatment")
    expect(page.locator("#forecast-chart")).to_have_attribute(
        "data-vega-spec",
        "/planning/forecast.json?queue=SE19-A%7Corthopaedics%7Ctreatment",
        timeout=60_000,
    )
    _chart_drawn(page, "#forecast-chart")
    assert page.locator("#mase").inner_text().strip() != ""
    assert page.locator("#coverage95").inner_text().strip().endswith("%")

    # The goal: 90 % within the guarantee by a date, answered in place.
    page.fill("#target", "90")
    page.fill("#by", "2025-09-28")
    page.click("#goal-form button[type=submit]")
    page.wait_for_selector("#goal-relief", timeout=60_000)
    assert page.locator("#goal-relief").inner_text() != ""
    assert page.locator("#goal-sustainable").inner_text() != ""
    shown_weeks = page.locator("#plan-table tbody tr").count()
    assert shown_weeks > 26

    # Two scenarios (the form's defaults) against current production, as fan charts.
    page.click("#scenario-form button[type=submit]")
    page.wait_for_selector("#scenario-table", timeout=60_000)
    expect(page.locator("#scenario-table tbody tr")).to_have_count(3)
    _chart_drawn(page, "#fan-chart")

    # Export the production plan: the file opens and holds the weeks shown.
    with page.expect_download() as download_info:
        page.click("#plan-xlsx")
    target = tmp_path / "plan.xlsx"
    download_info.value.save_as(target)
    sheet = openpyxl.load_workbook(io.BytesIO(target.read_bytes())).worksheets[0]
    assert sheet.cell(row=1, column=1).value == "ISO-vecka"
    assert sheet.max_row - 1 == shown_weeks

    # Accessibility with everything shown.
    page.route("**/__axe__/axe.min.js", lambda route: route.fulfill(path=str(AXE)))
    page.add_script_tag(url="/__axe__/axe.min.js")
    result = page.evaluate("async () => await axe.run(document)")
    serious = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], [(v["id"], v["help"], len(v["nodes"])) for v in serious]

    # Save the plan and land on its follow-up.
    page.fill("#plan-scenario", "Webbläsarplan")
    with page.expect_navigation():
        page.click("#save-plan")
    assert "/planning/plans/" in page.url
    assert page.locator("h1").inner_text() == "Plan mot utfall"
    assert page.problems == [], "\n".join(page.problems)  # type: ignore[attr-defined]
