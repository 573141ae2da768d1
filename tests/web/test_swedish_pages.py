"""Every page, export and report of the web app, as every role, in Swedish: no English, no codes.

Why one sweep: a page is usually checked by the test of its feature, in the language its author
had in mind. This test asks the same questions of all of them at once — is any text the
catalogues translate still in English, and is any unit id, region code, role code or purpose code
shown where a person's name for it exists. The routes come from the app itself, so a new page
is swept as soon as it exists (and fails here until it is given parameters below).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import openpyxl
import pypdf
import pytest
from babel.messages.pofile import read_po
from fastapi import FastAPI
from fastapi.routing import APIRoute
from followup_support import make_followup_world
from web_support import PATHWAYS, UNITS, World

from vardkoll.domain import REGIONS
from vardkoll.http.i18n import LOCALE_DIR
from vardkoll.services.access.log_extract import _PURPOSES
from vardkoll.services.access.roles import ROLES
from vardkoll.services.followup.patients import DEFAULT_PURPOSE

# One worker runs the whole module: the last test reads what the sweep collected.
pytestmark = pytest.mark.xdist_group("swedish-sweep")

HSA_ID = re.compile(r"\bSE\d{10}-[0-9A-Za-z]{3,}\b")
REGION_CODE = re.compile(r"\bregion(?:en)?\s+\d{2}\b", re.IGNORECASE)
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")
PURPOSE_CODES = {DEFAULT_PURPOSE, *_PURPOSES}
"""The purposes the audit log stores as codes; pages show their names."""

# Each GET route of the pages with the queries to open it with. A route missing here fails
# ``test_every_page_route_is_swept``: give it parameters so the sweep reaches it.
_PSEUDONYM = next(p.pseudonym for p in PATHWAYS if p.region == "19" and not p.protected)
ROUTES: dict[str, list[str]] = {
    "/": [""],
    "/healthz": [""],
    "/login": [""],
    "/role": [""],
    "/overview": ["", "?region=19", "?q=orto&sort=specialty&dir=asc"],
    "/overview/trend.json": ["?region=19"],
    "/overview/export.{fmt}": ["csv?region=19", "xlsx?region=19"],
    "/waiting-lists": ["", "?unit_id=SE19-A", "?entry_type=treatment"],
    "/waiting-lists/export.{fmt}": ["csv", "csv?unit_id=SE19-A"],
    "/patients/{pseudonym}": [_PSEUDONYM],
    "/admin/users": [""],
    "/admin/tokens": [""],
    "/admin/audit": [""],
    "/admin/audit/samples/{sample_id}": ["1"],
    "/planning/plans": [""],
    "/planning/plans/{plan_id}": ["1"],
    "/planning/plans/{plan_id}/export.{fmt}": ["1/export.csv"],
    "/planning/scenarios": [""],
    "/planning/scenarios/chart.json": [""],
    "/planning/scenarios/export.{fmt}": ["csv"],
    "/planning": [""],
    "/planning/forecast.json": [""],
    "/planning/goal": [""],
    "/planning/plan.{fmt}": ["csv"],
    "/followup": ["", "?region=19", "?region=19&unit=SE19-A"],
    "/followup/export.{fmt}": ["csv?region=19", "xlsx?region=19&unit=SE19-A"],
    "/followup/alerts": ["", "?region=19"],
    "/followup/spc": ["?region=19", "?region=19&unit=SE19-A&entry_type=treatment"],
    "/followup/spc.json": ["?region=19&unit=SE19-A&entry_type=treatment"],
    "/followup/compare": ["", "?region=19&entry_type=treatment"],
    "/followup/compare/export.{fmt}": ["csv?region=19&entry_type=treatment"],
    "/followup/compare/funnel.json": ["?region=19&entry_type=treatment"],
    "/reports": [""],
    "/reports/prepare": ["?region=19&month=2025-03&format=pdf"],
    "/reports/download": ["?region=19&month=2025-03&format=xlsx"],
    "/reports/monthly.{fmt}": ["pdf?region=19&month=2025-03", "xlsx?region=19&month=2025-03"],
}


def page_routes(app: FastAPI) -> Iterator[APIRoute]:
    """The app's GET routes of pages (the API has its own tests and speaks codes)."""

    def walk(routes: list[Any]) -> Iterator[Any]:
        for route in routes:
            if hasattr(route, "original_router"):
                yield from walk(route.original_router.routes)
            else:
                yield route

    for route in walk(list(app.routes)):
        is_get = isinstance(route, APIRoute) and "GET" in route.methods
        if is_get and not route.path.startswith(("/api", "/login/oidc")):
            yield route


def urls(path: str) -> list[str]:
    """The URLs to open for ``path`` (path parameters filled in from :data:`ROUTES`)."""
    head = path.split("{", 1)[0]
    return [head + tail for tail in ROUTES[path]]


def swedish_messages() -> dict[str, str]:
    """Message id → Swedish, for every id whose Swedish differs from the English."""
    out: dict[str, str] = {}
    for po_path in sorted((LOCALE_DIR / "sv" / "LC_MESSAGES").glob("*.po")):
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale="sv_SE")
        for message in catalog:
            msgid = message.id[0] if isinstance(message.id, tuple) else message.id
            text = message.string[0] if isinstance(message.string, tuple) else message.string
            if msgid and text and text != msgid:
                out[" ".join(msgid.split())] = text
    return out


class _Text(HTMLParser):
    """The text a person reads: text nodes outside scripts and styles, and titles/labels."""

    SHOWN_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template"):
            self._hidden += 1
        for name, value in attrs:
            if name in self.SHOWN_ATTRIBUTES and value:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.parts.append(data)


def _json_texts(value: Any, key: str = "") -> Iterator[str]:
    """The strings of a chart spec that reach the reader (titles, descriptions, labels)."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _json_texts(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _json_texts(v, key)
    elif isinstance(value, str) and key in ("title", "description", "text", "label", "name"):
        yield value


def visible_texts(content_type: str, body: bytes) -> list[str]:
    """What a reader of the response sees, one piece per text node, cell or line."""
    if "html" in content_type:
        parser = _Text()
        parser.feed(body.decode("utf-8"))
        return parser.parts
    if "json" in content_type:
        return list(_json_texts(json.loads(body)))
    if "csv" in content_type:
        text = body.decode("utf-8-sig")
        return [cell for row in csv.reader(io.StringIO(text), delimiter=";") for cell in row]
    if "spreadsheetml" in content_type:
        book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
        return [
            str(cell)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if cell is not None
        ] + list(book.sheetnames)
    if "pdf" in content_type:
        reader = pypdf.PdfReader(io.BytesIO(body))
        return [line for page in reader.pages for line in (page.extract_text() or "").splitlines()]
    return []


def problems_in(texts: list[str], english: dict[str, str]) -> list[str]:
    """Every untranslated message and raw code among ``texts``."""
    found: list[str] = []
    long_ids = [m for m in english if len(m) >= 24]
    patterns = [
        (m, re.compile(PLACEHOLDER.sub("SLOT", re.escape(m)).replace("SLOT", ".+?")))
        for m in long_ids
        if PLACEHOLDER.search(m)
    ]
    plain_long = [m for m in long_ids if not PLACEHOLDER.search(m)]
    role_codes = set(ROLES)
    for raw in texts:
        text = " ".join(raw.split())
        if text in english:
            found.append(f"English: {text!r}")
        else:
            found += [f"English: {m!r}" for m in plain_long if m in text]
            found += [f"English: {m!r}" for m, rx in patterns if rx.search(text)]
        found += [f"unit id: {u!r} in {text!r}" for u in UNITS if re.search(rf"\b{u}\b", text)]
        found += [f"unit id: {m!r} in {text!r}" for m in HSA_ID.findall(text)]
        found += [f"region code: {m!r} in {text!r}" for m in REGION_CODE.findall(text)]
        found += [
            f"role code: {w!r} in {text!r}" for w in re.findall(r"\w+", text) if w in role_codes
        ]
        found += [f"purpose code: {p!r} in {text!r}" for p in PURPOSE_CODES if p in text]
    return found


# The demo's user names (services/access/accounts.py), so a user name never reads as a role code.
USERNAMES = {
    "national_analyst": "nationell",
    "regional_coordinator": "samordnare",
    "care_guarantee_officer": "vardgaranti",
    "clinic_manager": "chef",
    "pks_analyst": "pks",
    "municipal_discharge_coordinator": "kommun",
    "admin": "anna",
    "system_import": "import",
}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    world = make_followup_world(Path(tmp_path_factory.mktemp("swedish")))
    for role, spec in ROLES.items():
        world.user(
            USERNAMES[role],
            role,
            region="19" if spec.needs_region else None,
            units=["SE19-A", "SE19-B"] if spec.needs_units else None,
            municipality="1980" if spec.needs_municipality else None,
        )
    return world


def test_every_page_route_is_swept(world: World) -> None:
    missing = [r.path for r in page_routes(world.app) if r.path not in ROUTES]
    assert missing == [], "give these routes parameters in ROUTES: " + repr(missing)


def test_the_checks_catch_english_and_codes() -> None:
    """The sweep's own detector, on text that has each defect and on text that has none."""
    english = swedish_messages()
    assert problems_in(["Waiting"], english) == ["English: 'Waiting'"]
    assert problems_in(["Enheter: SE2321000198-E0015"], english)
    assert problems_in(["Region 19"], english)
    assert problems_in(["Roll: regional_coordinator"], english)
    assert (
        problems_in(["Väntande", "Region Västmanland", "Ortopedmottagningen Västerås"], english)
        == []
    )
    assert REGIONS["19"].short_name == "Västmanland"


@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
def test_every_page_is_swedish_without_codes(world: World, role: str) -> None:
    client = world.client(None if role == "anonymous" else USERNAMES[role])
    english = swedish_messages()
    report: list[str] = []
    for route in page_routes(world.app):
        for url in urls(route.path):
            response = client.get(url)
            if response.status_code in (301, 302, 303, 307):
                continue
            if response.status_code >= 500 or (response.status_code == 422 and "?" not in url):
                report.append(f"{url} [{response.status_code}]: a page opened directly must work")
            kind = response.headers.get("content-type", "")
            for problem in dict.fromkeys(
                problems_in(visible_texts(kind, response.content), english)
            ):
                report.append(f"{url} [{response.status_code}]: {problem}")
    if report:
        pytest.fail(f"as {role}, {len(report)} problems:\n" + "\n".join(report), pytrace=False)
