"""PDF documents that leave the application: monthly reports, patient log extracts.

Why one builder: every PDF Vårdkoll hands out should look the same (title, generated-at stamp in
Stockholm time, page numbers, tables that repeat their header across pages) and be produced the
same way, so a report and a log extract cannot drift apart in what they promise. The document is
written as HTML + CSS and laid out by WeasyPrint (BSD); charts arrive as PNG bytes rendered
locally (:mod:`.chart_images`) and are embedded as ``data:`` URIs. Nothing is fetched: the URL
fetcher accepts ``data:`` only, and the font is DejaVu Sans from the machine.

Accessibility: these PDFs **are tagged** (PDF/UA-1 variant, so ``pdf_tags``): a structure tree
(``StructTreeRoot``, ``MarkInfo /Marked true``) built from the HTML, with real headings (H1 for
the title, H2/H3 for sections), tables with header cells (TH; the header row also repeats at
the top of every page) and a figure per chart. They also carry the document language (``/Lang``
``sv-SE`` or ``en-GB``, so a screen reader picks the right voice), the title in the metadata and
shown as the window title (``DisplayDocTitle``), and an outline (bookmarks) of every section
heading, opened beside the pages. Text is real text, in reading order. A chart's text
alternative only names it after its section ("Diagram: Trender"); its numbers are in the tables
beside it. WeasyPrint calls its PDF/UA support experimental; no validator has checked these files.

>>> doc = PdfDocument("Månadsrapport", subtitle="Region Västmanland")
>>> doc.heading("Väntande")
>>> doc.table(["Enhet", "Antal"], [["Ortopedi", "12"], ["Kirurgi", "<5"]])
>>> doc.render()[:5]
b'%PDF-'
"""

from __future__ import annotations

import base64
import datetime as dt
import html
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")
DOCUMENT_LANG = {"sv": "sv-SE", "en": "en-GB"}
_PAGE_LABEL = {"sv": "Sida", "en": "Page"}
_GENERATED_LABEL = {"sv": "Skapad", "en": "Generated"}
_CHART_LABEL = {"sv": "Diagram", "en": "Chart"}
_MM = 72 / 25.4  # points per millimetre
_A4 = (210 * _MM, 297 * _MM)  # width, height in points
_MARGIN = 15 * _MM

_CSS = """
@page {{ size: A4 {orientation}; margin: 15mm;
  @bottom-left {{ content: "{stamp}"; font-size: 7pt; vertical-align: middle; }}
  @bottom-right {{ content: "{label} " counter(page); font-size: 7pt; vertical-align: middle; }}
}}
html {{ font-family: "DejaVu Sans", sans-serif; font-size: 9pt; line-height: 1.25; }}
body {{ margin: 0; }}
h1 {{ font-size: 16pt; text-align: center; margin: 0 0 3mm; bookmark-level: none; }}
h2 {{ font-size: 12pt; margin: 4mm 0 2mm; bookmark-level: 1; }}
h3 {{ font-size: 10pt; margin: 3mm 0 1.5mm; bookmark-level: 2; }}
h2, h3 {{ break-after: avoid; }}
p {{ margin: 0 0 2mm; }}
p.subtitle {{ font-size: 10pt; font-weight: bold; }}
p.small {{ font-size: 7pt; line-height: 1.3; }}
table {{ border-collapse: collapse; width: 100%; margin: 0 0 3mm; font-size: 7pt;
  font-family: "DejaVu Sans Condensed", "DejaVu Sans", sans-serif; }}
table.fixed {{ table-layout: fixed; width: auto; }}
thead {{ display: table-header-group; }}
th {{ background: #e6eef5; border-bottom: 0.6pt solid #1d4f73; font-weight: bold; }}
td {{ border-bottom: 0.25pt solid #cccccc; }}
th, td {{ padding: 1mm 1.5mm; text-align: left; vertical-align: top;
  overflow-wrap: break-word; }}
th.num, td.num {{ text-align: right; }}
tr {{ break-inside: avoid; }}
figure {{ margin: 0 0 3mm; }}
figure img {{ display: block; }}
.page-break {{ break-before: page; }}
"""


class PdfDocument:
    """A document built top to bottom, then rendered once to bytes."""

    def __init__(
        self,
        title: str,
        *,
        subtitle: str = "",
        lang: str = "sv",
        generated_at: dt.datetime | None = None,
        landscape: bool = False,
    ) -> None:
        self.title = title
        self.lang = lang if lang in _PAGE_LABEL else "sv"
        self.landscape = landscape
        stamp = (generated_at or dt.datetime.now(dt.UTC)).astimezone(STOCKHOLM)
        self._stamp = f"{_GENERATED_LABEL[self.lang]} {stamp:%Y-%m-%d %H:%M} (Europe/Stockholm)"
        self._last_heading = title
        self._body: list[str] = [f"<h1>{_esc(title)}</h1>"]
        if subtitle:
            self._body.append(f'<p class="subtitle">{_esc(subtitle)}</p>')
        self._body.append(f'<p class="small">{_esc(self._stamp)}</p>')

    @property
    def width(self) -> float:
        """Usable width in points (A4 less margins), for sizing images."""
        page_width = _A4[1] if self.landscape else _A4[0]
        return float(page_width - 2 * _MARGIN)

    def heading(self, text: str, *, level: int = 1) -> None:
        """A heading, also an entry of the PDF's outline (bookmarks) at ``level``.

        The document title is the one H1, so outline level 1 is H2 and level 2 is H3."""
        tag = "h2" if level <= 1 else "h3"
        self._last_heading = text
        self._body.append(f"<{tag}>{_esc(text)}</{tag}>")

    def paragraph(self, text: str, *, small: bool = False) -> None:
        css = ' class="small"' if small else ""
        self._body.append(f"<p{css}>{_esc(text)}</p>")

    def table(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[Any]],
        *,
        col_widths: Sequence[float] | None = None,
        numeric_columns: Sequence[int] = (),
    ) -> None:
        """A table whose header repeats on every page; ``numeric_columns`` are right-aligned.

        ``col_widths`` are in points, as :attr:`width` is."""
        numeric = set(numeric_columns)

        def cls(col: int) -> str:
            return ' class="num"' if col in numeric else ""

        parts = ['<table class="fixed">' if col_widths else "<table>"]
        if col_widths:
            cols = "".join(f'<col style="width:{w:.2f}pt">' for w in col_widths)
            parts.append(f"<colgroup>{cols}</colgroup>")
        heads = "".join(
            f'<th scope="col"{cls(i)}>{_esc(str(h))}</th>' for i, h in enumerate(header)
        )
        parts.append(f"<thead><tr>{heads}</tr></thead><tbody>")
        for row in rows:
            cells = "".join(
                f"<td{cls(i)}>{_esc('' if v is None else str(v))}</td>" for i, v in enumerate(row)
            )
            parts.append(f"<tr>{cells}</tr>")
        parts.append("</tbody></table>")
        self._body.append("".join(parts))

    def image(self, png: bytes, *, width: float | None = None, alt: str = "") -> None:
        """A PNG (e.g. a chart from :func:`vardkoll.services.reports.chart_images.chart_png`),
        scaled to ``width`` points (at most the page's usable width), height by its ratio.

        A tagged figure needs a text alternative; without ``alt`` it is named after the heading
        it sits under ("Diagram: Trender"), which at least tells a listener what it is."""
        target = min(width or self.width, self.width)
        data = base64.b64encode(png).decode("ascii")
        text = alt or f"{_CHART_LABEL[self.lang]}: {self._last_heading}"
        self._body.append(
            f'<figure><img src="data:image/png;base64,{data}" alt="{_esc(text)}" '
            f'style="width:{target:.2f}pt;height:auto"></figure>'
        )

    def page_break(self) -> None:
        self._body.append('<div class="page-break"></div>')

    def html(self) -> str:
        """The document as HTML, as WeasyPrint reads it (also handy when a layout looks off)."""
        css = _CSS.format(
            orientation="landscape" if self.landscape else "portrait",
            stamp=_css_string(self._stamp),
            label=_css_string(_PAGE_LABEL[self.lang]),
        )
        lang = DOCUMENT_LANG[self.lang]
        return (
            f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            f"<title>{_esc(self.title)}</title>"
            '<meta name="author" content="Vårdkoll">'
            f'<meta name="description" content="{_esc(self.title)}">'
            '<meta name="generator" content="Vårdkoll">'
            f"<style>{css}</style></head><body>{''.join(self._body)}</body></html>"
        )

    def render(self) -> bytes:
        # Imported here: WeasyPrint loads Pango at import, which the CLI need not pay for.
        from weasyprint import HTML, URLFetcher

        fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
        document = HTML(string=self.html(), url_fetcher=fetcher)
        pdf = document.write_pdf(
            pdf_variant="pdf/ua-1",
            pdf_tags=True,
            finisher=_open_outline,
        )
        assert isinstance(pdf, bytes)
        return pdf


def _open_outline(_document: Any, pdf: Any) -> None:
    """Show the bookmarks beside the pages on opening: the outline is the way around."""
    pdf.catalog["PageMode"] = "/UseOutlines"


def _esc(text: str) -> str:
    """Data must never be read as markup."""
    return html.escape(text, quote=True)


def _css_string(text: str) -> str:
    """Text for inside a double-quoted CSS string (and, the CSS sitting in HTML, no tags)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ")
    return escaped.replace("<", "\\3c ").replace(">", "\\3e ")
