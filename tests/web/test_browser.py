"""The app in a real browser (Debian's Chromium, headless), served by uvicorn on 127.0.0.1.

Sign in per role, the overview with its chart drawn, language switch, Excel export opened with
openpyxl, 404 for another region's patient, sign out, and axe-core (served locally) on the main
pages with no serious or critical violations.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from browser_support import AXE, BENIGN, chromium, serving
from playwright.sync_api import expect
from web_support import PATHWAYS, World, make_world

pytestmark = [pytest.mark.chromium, pytest.mark.xdist_group("browser")]

PASSWORDS = {
    "samordnare": ("regional_coordinator", {"region": "19"}),
    "vardgaranti": ("care_guarantee_officer", {"region": "19"}),
    "chef": ("clinic_manager", {"region": "19", "units": ["SE19-A"]}),
    "pks": ("pks_analyst", {"region": "19", "units": ["SE19-A", "SE19-B"]}),
    "nationell": ("national_analyst", {}),
    "kommun": ("municipal_discharge_coordinator", {"region": "19", "municipality": "1980"}),
    "admin": ("admin", {}),
}
LANDING = {
    "samordnare": "/overview",
    "vardgaranti": "/overview",
    "chef": "/overview",
    "pks": "/overview",
    "nationell": "/overview",
    "kommun": "/",
    "admin": "/admin/users",
}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, str]]:
    world = make_world(Path(tmp_path_factory.mktemp("browser")))
    for username, (role, scope) in PASSWORDS.items():
        world.user(username, role, password=f"{username}-lösenord-1", **scope)  # type: ignore[arg-type]
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
    page.csp_violations = []  # type: ignore[attr-defined]
    page.on(
        "console",
        lambda m: (
            page.csp_violations.append(m.text)  # type: ignore[attr-defined]
            if ("Content Security Policy" in m.text and not any(h in m.text for h in BENIGN))
            or (m.type == "error" and "404" not in m.text and "Content Security" not in m.text)
            else None
        ),
    )
    yield page
    context.close()


def _sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", f"{username}-lösenord-1")
    with page.expect_navigation():
        page.click("button[type=submit]")


def test_each_role_signs_in_and_lands_on_its_page(served: tuple[World, str], page: Any) -> None:
    _world, base = served
    for username, landing in LANDING.items():
        _sign_in(page, base, username)
        assert page.url == base + landing, username
        page.click("form[action='/logout'] button")
        page.wait_for_url(f"{base}/login")


def test_overview_chart_language_export_and_sign_out(
    served: tuple[World, str], page: Any, tmp_path: Path
) -> None:
    _world, base = served
    _sign_in(page, base, "samordnare")
    assert page.url == f"{base}/overview"
    assert page.get_attribute("html", "lang") == "sv"
    assert page.locator("h1").inner_text() == "Lägesbild"
    # The chart is drawn by the locally served Vega-Lite (a canvas with pixels).
    page.wait_for_selector("#trend-chart[data-chart-ready='true'] canvas", timeout=20_000)
    box = page.locator("#trend-chart canvas").bounding_box()
    assert box is not None
    assert box["width"] > 200
    assert box["height"] > 200
    assert page.get_attribute("#trend-chart", "data-chart-error") is None

    # Sorting and filtering swap the panel in place (HTMX), then the export matches it.
    page.fill("#q", "ortoped")
    expect(page.locator("#overview-table tbody tr")).to_have_count(2, timeout=10_000)
    shown = [
        [c.strip() for c in row.split("\t")]
        for row in page.locator("#overview-table tbody tr").all_inner_texts()
    ]
    with page.expect_download() as download_info:
        page.click("a[href^='/overview/export.xlsx']")
    target = tmp_path / "export.xlsx"
    download_info.value.save_as(target)
    sheet = openpyxl.load_workbook(io.BytesIO(target.read_bytes())).worksheets[0]
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]
    assert [[r[0], r[1], r[2]] for r in rows] == [[s[0], s[1], int(s[2])] for s in shown]

    page.click("a.lang-switch")
    page.wait_for_load_state("load")
    assert page.get_attribute("html", "lang") == "en"
    assert page.locator("h1").inner_text() == "Overview"

    other = next(p for p in PATHWAYS if p.region == "01")
    response = page.goto(f"{base}/patients/{other.pseudonym}")
    assert response is not None
    assert response.status == 404
    assert "Not found" in page.locator("h1").inner_text()

    page.goto(f"{base}/overview")
    page.click("form[action='/logout'] button")
    page.wait_for_url(f"{base}/login")
    page.goto(f"{base}/overview")
    assert page.url.startswith(f"{base}/login")
    assert page.csp_violations == [], "\n".join(page.csp_violations)  # type: ignore[attr-defined]


def _axe(page: Any) -> list[dict[str, Any]]:
    page.add_script_tag(url="/__axe__/axe.min.js")
    result = page.evaluate("async () => await axe.run(document)")
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize(
    ("username", "path"),
    [
        (None, "/login"),
        ("samordnare", "/overview"),
        ("vardgaranti", "/waiting-lists"),
        ("vardgaranti", "/patients/{patient}"),
        ("admin", "/admin/users"),
        ("admin", "/admin/audit"),
        ("samordnare", "/patients/" + "0" * 32),
    ],
)
def test_main_pages_have_no_serious_accessibility_violations(
    served: tuple[World, str], page: Any, username: str | None, path: str
) -> None:
    _world, base = served
    # axe-core is served from the test's own copy under the app's origin (the CSP allows only
    # scripts from 'self'); it is not part of the product.
    page.route("**/__axe__/axe.min.js", lambda route: route.fulfill(path=str(AXE)))
    if username:
        _sign_in(page, base, username)
    patient = next(p for p in PATHWAYS if p.region == "19" and not p.protected)
    page.goto(base + path.format(patient=patient.pseudonym))
    page.wait_for_load_state("load")
    if path == "/overview":
        page.wait_for_selector("#trend-chart[data-chart-ready='true']", timeout=20_000)
    violations = _axe(page)
    assert violations == [], [(v["id"], v["help"], len(v["nodes"])) for v in violations]
