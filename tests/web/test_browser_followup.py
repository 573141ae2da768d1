"""Follow-up in a real browser: overview → alert → SPC chart drawn → drill down to the unit.

Keyboard only where it matters (the alert is followed with Enter), axe-core on every page of
the path with no serious or critical violations, and no CSP violation.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import AXE, BENIGN, chromium, serving
from followup_support import make_followup_world
from web_support import World

pytestmark = [pytest.mark.chromium, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, str]]:
    world = make_followup_world(Path(tmp_path_factory.mktemp("browser-followup")))
    world.user("samordnare", "regional_coordinator", region="19", password="samordnare-lösenord-1")
    with serving(world.app) as base:
        yield world, base


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Any]:
    with chromium(chromium_path) as instance:
        yield instance


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="sv-SE")
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
    page.route("**/__axe__/axe.min.js", lambda route: route.fulfill(path=str(AXE)))
    yield page
    context.close()


def _axe(page: Any) -> list[tuple[str, str, int]]:
    page.add_script_tag(url="/__axe__/axe.min.js")
    result = page.evaluate("async () => await axe.run(document)")
    return [
        (v["id"], v["help"], len(v["nodes"]))
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_from_an_alert_to_the_unit(served: tuple[World, str], page: Any) -> None:
    _world, base = served
    page.goto(f"{base}/login")
    page.fill("#username", "samordnare")
    page.fill("#password", "samordnare-lösenord-1")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.url == f"{base}/overview"

    # The alerts arrive after the page (HTMX), without holding the overview back.
    alert = page.locator("#alerts-list a[href^='/followup/spc']").first
    alert.wait_for(timeout=20_000)
    assert "Ortopedmottagningen Västerås" in alert.inner_text()
    page.wait_for_selector("#trend-chart[data-chart-ready='true']", timeout=20_000)
    assert _axe(page) == []

    alert.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.startswith(f"{base}/followup/spc?")
    page.wait_for_selector("#spc-chart[data-chart-ready='true'] canvas", timeout=20_000)
    box = page.locator("#spc-chart canvas").bounding_box()
    assert box is not None
    assert box["width"] > 200
    assert page.get_attribute("#spc-chart", "data-chart-error") is None
    assert "Försämring" in page.locator("#signals-table").inner_text()
    assert _axe(page) == []

    # Recalculate the limits from a change point with the form.
    page.select_option("#change", "2024-10-31")
    with page.expect_navigation():
        page.click("form.selectors button[type=submit]")
    assert "change=2024-10-31" in page.url
    page.wait_for_selector("#spc-chart[data-chart-ready='true'] canvas", timeout=20_000)

    # Down to the unit through the breadcrumbs: its specialties and the patient list link.
    with page.expect_navigation():
        page.click("nav.crumbs a[aria-current='page']")
    assert "unit=SE19-A" in page.url
    rows = page.locator("#followup-table tbody tr")
    assert rows.count() >= 2
    link = page.locator("#followup-table a[href^='/waiting-lists?unit_id=SE19-A']").first
    assert link.is_visible()
    assert _axe(page) == []

    page.goto(f"{base}/followup/compare?region=19&entry_type=treatment")
    page.wait_for_selector("#funnel-chart[data-chart-ready='true'] canvas", timeout=20_000)
    assert _axe(page) == []
    assert page.problems == [], "\n".join(page.problems)  # type: ignore[attr-defined]
