"""The monthly report reads as a person expects: names not codes, the language's number format,
a funnel plot that names only its outliers, Swedish legends and sheet names, an outline."""

from __future__ import annotations

import io
import json
import math
import re
import string
from dataclasses import replace

import pandas as pd
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from pypdf.generic import BooleanObject
from tests.services.reports.conftest import AS_OF, MONTH, REGION

from vardkoll.analytics import IndicatorTables, funnel, funnel_limits
from vardkoll.services.reports.chart_images import chart_png
from vardkoll.services.reports.model import MonthlyReport
from vardkoll.services.reports.monthly import monthly_report
from vardkoll.services.reports.render import (
    OUTLIERS,
    funnel_spec,
    render_pdf,
    render_xlsx,
    spc_specs,
)
from vardkoll.services.reports.tables import _funnel_curve

_ID = re.compile(r"\bU\d{2}\b")


@pytest.fixture(scope="module")
def named(tables: IndicatorTables) -> MonthlyReport:
    """The report with unit names that do not contain the ids, so an id shown is visible."""
    p = tables.pathways
    found = p.select("unit_id").distinct().to_pyarrow()
    ids = sorted(str(v) for v in found.column(0).to_pylist())
    names = {code: f"Mottagning {string.ascii_uppercase[i]}" for i, code in enumerate(ids)}
    return monthly_report(tables, REGION, MONTH, as_of=AS_OF, threshold=5, unit_names=names)


def _text(report: MonthlyReport, lang: str) -> str:
    reader = PdfReader(io.BytesIO(render_pdf(report, lang)))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture(scope="module")
def sv_text(named: MonthlyReport) -> str:
    return _text(named, "sv")


@pytest.fixture(scope="module")
def en_text(named: MonthlyReport) -> str:
    return _text(named, "en")


def _published_shares(report: MonthlyReport) -> list[float]:
    table = report.table("waiting_stats")
    c = [col.key for col in table.columns].index("waiting_within_limit_share")
    return [
        float(row[c])
        for row in table.published(report.threshold)
        if isinstance(row[c], float) and not math.isnan(row[c])
    ]


def test_the_swedish_pdf_writes_numbers_the_swedish_way(
    named: MonthlyReport, sv_text: str, en_text: str
) -> None:
    shares = _published_shares(named)
    assert shares
    for share in shares:  # recomputed from the report model, one decimal
        number = f"{share * 100:.1f}"
        assert re.search(rf"{re.escape(number.replace('.', ','))}[\u00a0 ]%", sv_text), number
        assert f"{number}%" in en_text, number
    assert not re.search(r"\d\.\d[\u00a0 ]?%", sv_text)  # no decimal point in Swedish
    assert not re.search(r"\d,\d[\u00a0 ]?%", en_text)  # no decimal comma in English
    # Thousands: Swedish groups with a (non-breaking) space, English with a comma.
    assert re.search(r"\b\d[\u00a0 ]\d{3}[\u00a0 ]d\b", sv_text)
    assert re.search(r"\b\d,\d{3} d\b", en_text)
    assert not re.search(r"\b\d,\d{3}[\u00a0 ]d\b", sv_text)


def test_the_report_uses_the_pages_words_and_names_units(sv_text: str, en_text: str) -> None:
    assert "Undersökning" not in sv_text
    assert "Utredning" in sv_text
    assert "Vårdnivå" not in sv_text
    assert "Kontakttyp" in sv_text
    assert "Mottagning A" in sv_text
    assert "Mottagning A" in en_text
    assert _ID.findall(sv_text) == []
    assert _ID.findall(en_text) == []
    assert "above/below" not in sv_text
    assert "within =" not in sv_text


def _with_outliers(report: MonthlyReport) -> MonthlyReport:
    """The report's funnel over units placed by the engine, two of them far outside."""
    units = pd.DataFrame(
        {
            "unit": sorted(report.unit_names)[:6],
            "within": [120, 61, 30, 150, 12, 395],
            "judged": [200, 100, 50, 250, 20, 400],
        }
    )
    placed = funnel(units, successes="within", total="judged")
    points = [
        {"series": "unit", "unit": r.unit, "n": int(r.judged), "share": r.share}
        | {"position": r.position}
        for r in placed.itertuples()
    ]
    curve = _funnel_curve(float(placed["target"].iloc[0]), 400)
    return replace(report, funnel_points=(*points, *curve))


def test_the_funnel_plot_names_only_units_beyond_the_998_limits(named: MonthlyReport) -> None:
    assert funnel_spec(named, "sv") is not None
    report = _with_outliers(named)
    spec = funnel_spec(report, "sv")
    assert spec is not None
    points = spec["layer"][1]["data"]["values"]
    labels = [v for layer in spec["layer"][2:] for v in layer["data"]["values"]]
    target = next(p["target"] for p in report.funnel_points if p["series"] == "limit")
    expected = []
    for p in points:  # recomputed: outside the 99.8 % limits at the unit's size
        low, high = funnel_limits(target, [p["n"]], level=0.998)
        if p["share"] < low[0] or p["share"] > high[0]:
            expected.append(p["name"])
    assert expected, "the test needs an outlier"
    assert sorted(lab["label"] for lab in labels) == sorted(expected)
    assert len(labels) < len(points)  # not every unit: the plot stays readable
    assert all(lab["label"].startswith("Mottagning ") for lab in labels)
    assert _ID.findall(json.dumps(spec)) == []
    # The real month has no unit outside 99.8 %: no label at all.
    real = funnel_spec(named, "sv")
    assert real is not None
    positions = {p["position"] for p in named.funnel_points if p["series"] == "unit"}
    real_labels = [v for layer in real["layer"][2:] for v in layer["data"]["values"]]
    assert bool(real_labels) == bool(positions & OUTLIERS)
    # The legend: limits by dash, units by colour, titled in Swedish.
    lines, dots = spec["layer"][0]["encoding"], spec["layer"][1]["encoding"]
    assert lines["strokeDash"]["title"] == "Gränser"
    assert lines["strokeDash"]["scale"]["domain"] == [
        "Regionens andel",
        "95 %-gräns",
        "99,8 %-gräns",
    ]
    assert dots["color"]["title"] == "Enheter"
    assert "legend" not in lines["strokeDash"]
    assert "legend" not in dots["color"]
    assert chart_png(spec, lang="sv")[:4] == b"\x89PNG"  # the spec really renders


def test_spc_charts_have_a_swedish_legend_and_shares_in_percent(named: MonthlyReport) -> None:
    specs = spc_specs(named, "sv")
    assert specs
    legend = specs[0]["layer"][-1]["encoding"]["color"]["scale"]["domain"]
    assert legend == ["Slumpmässig variation", "Förbättring", "Försämring", "Signal"]
    statuses = {row["status"] for spec in specs for row in spec["data"]["values"]}
    assert statuses <= set(legend)
    share = next(s for s in specs if s["title"].startswith("Andel"))
    line, dots = share["layer"][3]["encoding"]["y"], share["layer"][-1]["encoding"]
    assert line["axis"]["format"] == ".0%"  # 0.72 reads as 72 %
    assert dots["tooltip"][1]["format"] == ".1%"
    count = next(s for s in specs if s["title"] == "Väntande")
    assert "axis" not in count["layer"][3]["encoding"]["y"]
    english = spc_specs(named, "en")[0]["layer"][-1]["encoding"]["color"]["scale"]["domain"]
    assert english[0] == "Common-cause variation"


def test_workbook_sheets_have_human_names_and_numeric_cells(named: MonthlyReport) -> None:
    book = load_workbook(io.BytesIO(render_xlsx(named, "sv")))
    names = book.sheetnames[1:]
    assert "Väntande specialiserad vård" in names
    assert "Flöden" in names
    assert all("_" not in n and len(n) <= 31 for n in names)
    sheet = book["Väntetider"]
    header = [c.value for c in sheet[4]]
    share = header.index("Inom vårdgarantin") + 1
    cells = [sheet.cell(row=r, column=share) for r in range(5, sheet.max_row + 1)]
    numbers = [c for c in cells if isinstance(c.value, float)]
    assert numbers
    assert all(c.number_format == "0.0%" for c in numbers)
    units = book["Enheter jämförda"]
    assert units["A5"].value.startswith("Mottagning ")


def test_the_pdf_states_its_language_title_and_outline(named: MonthlyReport) -> None:
    reader = PdfReader(io.BytesIO(render_pdf(named, "sv")))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "sv-SE"
    assert root["/ViewerPreferences"]["/DisplayDocTitle"]
    assert root["/PageMode"] == "/UseOutlines"
    assert reader.metadata is not None
    assert reader.metadata.title.startswith("Månadsrapport")
    titles = [o["/Title"] for o in reader.outline if isinstance(o, dict)]
    assert "Vad har förändrats" in titles
    assert "Rättvisa jämförelser" in titles
    # Tagged: marked content, a structure tree whose root holds the document's elements, and
    # real headings and table header cells in it (not only a flag that claims it).
    marked = root["/MarkInfo"]["/Marked"]
    assert isinstance(marked, BooleanObject)
    assert bool(marked)
    tree = root["/StructTreeRoot"].get_object()
    assert tree["/Type"] == "/StructTreeRoot"
    kinds: set[str] = set()

    def walk(node: object, depth: int = 0) -> None:
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, list):
            for child in node:
                walk(child, depth)
        elif isinstance(node, dict) and depth < 40:
            if "/S" in node:
                kinds.add(str(node["/S"]))
            if "/K" in node:
                walk(node["/K"], depth + 1)

    walk(tree)
    assert {"/H1", "/H2", "/Table", "/TH", "/TD", "/P"} <= kinds, kinds
    english = PdfReader(io.BytesIO(render_pdf(named, "en"))).trailer["/Root"]
    assert english["/Lang"] == "en-GB"
