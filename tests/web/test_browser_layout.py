"""Layout and chart locale in a real browser at 1366×768, the common office laptop screen.

Issue 07: the overview's legend made the page scroll sideways, follow-up's right-hand columns
(chart and patient-list links) were cut off, ISO dates wrapped mid-date, and the charts spoke
English (month names) on Swedish pages. Each is measured in Chromium, not inferred from CSS.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import chromium, serving
from followup_support import make_followup_world
from web_support import World

pytestmark = [pytest.mark.chromium, pytest.mark.xdist_group("browser")]

WIDTH, HEIGHT = 1366, 768
PASSWORD = "samordnare-lösenord-1"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, str]]:
    world = make_followup_world(Path(tmp_path_factory.mktemp("browser-layout")))
    world.user("samordnare", "regional_coordinator", region="19", password=PASSWORD)
    with serving(world.app) as base:
        yield world, base


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Any]:
    with chromium(chromium_path) as instance:
        yield instance


@pytest.fixture
def page(browser: Any, served: tuple[World, str]) -> Iterator[Any]:
    _world, base = served
    context = browser.new_context(locale="sv-SE", viewport={"width": WIDTH, "height": HEIGHT})
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("#username", "samordnare")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    yield page
    context.close()


def _no_sideways_scroll(page: Any) -> tuple[int, int]:
    return page.evaluate(
        "() => [document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
    )


def _chart_svg(page: Any, selector: str) -> str:
    page.wait_for_selector(f"{selector}[data-chart-ready='true']", timeout=20_000)
    return str(page.evaluate(f"async () => document.querySelector('{selector}').vegaView.toSVG()"))


def test_overview_fits_the_width_and_its_chart_speaks_swedish(
    served: tuple[World, str], page: Any
) -> None:
    _world, base = served
    page.goto(f"{base}/overview")
    svg = _chart_svg(page, "#trend-chart")
    scroll, client = _no_sideways_scroll(page)
    assert scroll <= client, f"the overview scrolls sideways: {scroll} > {client}"
    # Month names on the time axis in Swedish (lower case, "maj", "okt"), not English.
    assert "jan 2025" in svg or "mar 2025" in svg, svg[:400]
    assert "Mar 2025" not in svg
    assert "Jan 2025" not in svg
    assert "okt 2024" in svg or "maj 2024" in svg, svg[:400]  # months spelt as in Swedish


def test_charts_speak_english_on_request(served: tuple[World, str], page: Any) -> None:
    _world, base = served
    page.goto(f"{base}/overview?lang=en")
    svg = _chart_svg(page, "#trend-chart")
    assert "Jan 2025" in svg or "Mar 2025" in svg, svg[:400]
    page.goto(f"{base}/overview?lang=sv")  # leave the account in Swedish


def test_followup_table_fits_and_dates_stay_on_one_line(
    served: tuple[World, str], page: Any
) -> None:
    _world, base = served
    page.goto(f"{base}/followup?region=19")
    last = page.evaluate(
        "() => { const cells = document.querySelectorAll('#followup-table tr > :last-child');"
        " return Math.max(...Array.from(cells, c => c.getBoundingClientRect().right)); }"
    )
    assert last <= WIDTH, f"the last column ends at {last}px, beyond {WIDTH}px"
    scroll, client = _no_sideways_scroll(page)
    assert scroll <= client
    links = page.locator("#followup-table td.links a").first
    box = links.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= WIDTH

    page.goto(f"{base}/waiting-lists")
    # One line box per line: a date cell's contents make exactly one.
    rects, text = page.evaluate(
        "() => { const td = document.querySelector('#waiting-table td.date');"
        " const range = document.createRange(); range.selectNodeContents(td);"
        " return [range.getClientRects().length, td.textContent.trim()]; }"
    )
    assert len(text) == 10, text  # an ISO date
    assert rects == 1, f"the date {text} wraps over {rects} lines"
