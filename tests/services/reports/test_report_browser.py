"""The report page in a real browser: HTMX builds the report behind the busy indicator, then the
download link gives the PDF; no Content-Security-Policy violation on the way."""

from __future__ import annotations

import io
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "web"))

from browser_support import AXE, serving
from web_support import World, make_world

pytestmark = [pytest.mark.chromium, pytest.mark.xdist_group("browser")]


@pytest.fixture
def served(tmp_path: Path, store_file: Path) -> Iterator[tuple[World, str]]:
    world = make_world(tmp_path)
    shutil.copy(store_file, world.settings.resolved_analytics_path())
    world.user("samordnare", "regional_coordinator", region="19", password="samordnare-lösen-1")
    with serving(world.app) as base:
        yield world, base


def test_the_pdf_is_built_behind_the_indicator_and_downloaded(
    served: tuple[World, str], chromium_path: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    _world, base = served
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium_path, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context(accept_downloads=True, locale="sv-SE")
        page: Any = context.new_page()
        problems: list[str] = []
        page.on(
            "console",
            lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None,
        )
        page.goto(f"{base}/login")
        page.fill("#username", "samordnare")
        page.fill("#password", "samordnare-lösen-1")
        with page.expect_navigation():
            page.click("button[type=submit]")
        page.click("nav a[href='/reports']")
        page.wait_for_url(f"{base}/reports")
        assert page.locator("h1").inner_text() == "Månadsrapport"
        # axe-core from the web tests' own copy, served under the app's origin (CSP: 'self').
        page.route("**/__axe__/axe.min.js", lambda route: route.fulfill(path=str(AXE)))
        page.add_script_tag(url="/__axe__/axe.min.js")
        result = page.evaluate("async () => await axe.run(document)")
        serious = [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")]
        assert serious == []
        page.select_option("#month", "2025-05")
        busy = page.locator("#report-busy")
        assert "htmx-request" not in (busy.get_attribute("class") or "")
        page.click("button[value='pdf']")
        # While the report is built the indicator is on (the stylesheet shows it then).
        expect(busy).to_have_class(re.compile("htmx-request"), timeout=5_000)
        link = page.locator("#report-result a")
        expect(link).to_be_visible(timeout=60_000)
        assert page.url == f"{base}/reports"  # HTMX answered in place, no navigation
        expect(busy).not_to_have_class(re.compile("htmx-request"))
        with page.expect_download() as info:
            link.click()
        target = tmp_path / "report.pdf"
        info.value.save_as(target)
        name = info.value.suggested_filename
        browser.close()
    assert name == "vardkoll-manadsrapport-19-2025-05.pdf"
    first = PdfReader(io.BytesIO(target.read_bytes())).pages[0].extract_text()
    assert "Månadsrapport väntetider 2025-05" in first
    assert problems == []
