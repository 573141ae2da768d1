"""PDF documents that leave the application: monthly reports, patient log extracts.

Why one builder: every PDF Vårdkoll hands out should look the same (title, generated-at stamp in
Stockholm time, page numbers, tables that repeat their header across pages) and be produced the
same way, so a report and a log extract cannot drift apart in what they promise. ReportLab
(BSD) lays out the pages; charts arrive as PNG bytes rendered locally (:mod:`.chart_images`).
The built-in Helvetica covers Latin-1, which is all Swedish needs.

Accessibility, honestly: ReportLab's open-source edition cannot write a *tagged* PDF (no
structure tree or marked content; ``StructTreeRoot`` is only a catalogue slot it never
fills), so these PDFs are **not** tagged and do not claim to be (no ``MarkInfo``). What they
do carry: the document language (``/Lang`` ``sv-SE`` or ``en-GB``, so a screen reader picks
the right voice), the title in the metadata and shown as the window title
(``DisplayDocTitle``), and an outline (bookmarks) of every heading, opened beside the
pages, as the navigable structure. Text is real text (not images), in reading order.

>>> doc = PdfDocument("Månadsrapport", subtitle="Region Västmanland")
>>> doc.heading("Väntande")
>>> doc.table(["Enhet", "Antal"], [["Ortopedi", "12"], ["Kirurgi", "<5"]])
>>> doc.render()[:5]
b'%PDF-'
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    Image,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable

STOCKHOLM = ZoneInfo("Europe/Stockholm")
DOCUMENT_LANG = {"sv": "sv-SE", "en": "en-GB"}
_PAGE_LABEL = {"sv": "Sida", "en": "Page"}
_GENERATED_LABEL = {"sv": "Skapad", "en": "Generated"}


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
        styles = getSampleStyleSheet()
        self._styles: dict[str, Any] = {
            "title": styles["Title"],
            "h1": styles["Heading2"],
            "h2": styles["Heading3"],
            "body": styles["BodyText"],
            "small": ParagraphStyle("small", parent=styles["BodyText"], fontSize=8, leading=10),
            "cell": ParagraphStyle("cell", parent=styles["BodyText"], fontSize=8, leading=9.5),
        }
        self._flow: list[Flowable] = [Paragraph(_escape(title), self._styles["title"])]
        if subtitle:
            self._flow.append(Paragraph(_escape(subtitle), self._styles["h2"]))
        self._flow.append(Paragraph(_escape(self._stamp), self._styles["small"]))
        self._flow.append(Spacer(1, 4 * mm))

    @property
    def width(self) -> float:
        """Usable width in points (A4 less margins), for sizing images."""
        page_width = A4[1] if self.landscape else A4[0]
        return float(page_width - 30 * mm)

    def heading(self, text: str, *, level: int = 1) -> None:
        """A heading, also an entry of the PDF's outline (bookmarks) at ``level``."""
        heading = _Heading(_escape(text), self._styles["h1" if level <= 1 else "h2"])
        heading.outline = (text, min(max(level, 1), 2))
        self._flow.append(heading)

    def paragraph(self, text: str, *, small: bool = False) -> None:
        self._flow.append(Paragraph(_escape(text), self._styles["small" if small else "body"]))

    def table(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[Any]],
        *,
        col_widths: Sequence[float] | None = None,
        numeric_columns: Sequence[int] = (),
    ) -> None:
        """A table whose header repeats on every page; ``numeric_columns`` are right-aligned."""
        cell = self._styles["cell"]
        data = [[Paragraph(f"<b>{_escape(str(h))}</b>", cell) for h in header]]
        data += [
            [Paragraph(_escape("" if v is None else str(v)), cell) for v in row] for row in rows
        ]
        table = Table(data, colWidths=list(col_widths) if col_widths else None, repeatRows=1)
        style: list[tuple[Any, ...]] = [
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6eef5")),
            ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.HexColor("#1d4f73")),
            ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#cccccc")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
        for col in numeric_columns:
            style.append(("ALIGN", (col, 0), (col, -1), "RIGHT"))
        table.setStyle(TableStyle(style))
        self._flow.append(table)
        self._flow.append(Spacer(1, 3 * mm))

    def image(self, png: bytes, *, width: float | None = None) -> None:
        """A PNG (e.g. a chart from :func:`vardkoll.services.reports.chart_images.chart_png`),
        scaled."""
        reader = Image(io.BytesIO(png))
        target = min(width or self.width, self.width)
        ratio = target / float(reader.imageWidth)
        self._flow.append(
            Image(io.BytesIO(png), width=target, height=float(reader.imageHeight) * ratio)
        )
        self._flow.append(Spacer(1, 3 * mm))

    def page_break(self) -> None:
        self._flow.append(PageBreak())

    def render(self) -> bytes:
        buffer = io.BytesIO()
        size = (A4[1], A4[0]) if self.landscape else A4
        template = _OutlinedTemplate(
            buffer,
            pagesize=size,
            leftMargin=15 * mm,
            rightMargin=15 * mm,
            topMargin=15 * mm,
            bottomMargin=15 * mm,
            title=self.title,
            author="Vårdkoll",
            creator="Vårdkoll",
            subject=self.title,
            lang=DOCUMENT_LANG[self.lang],
        )
        label = _PAGE_LABEL[self.lang]
        stamp = self._stamp

        def footer(canvas: Any, document: Any) -> None:
            if document.page == 1:
                canvas.setViewerPreference("DisplayDocTitle", "true")
                canvas.showOutline()
            canvas.saveState()
            canvas.setFont("Helvetica", 7)
            canvas.drawString(15 * mm, 8 * mm, stamp)
            canvas.drawRightString(size[0] - 15 * mm, 8 * mm, f"{label} {document.page}")
            canvas.restoreState()

        template.build(list(self._flow), onFirstPage=footer, onLaterPages=footer)
        return buffer.getvalue()


class _Heading(Paragraph):
    """A paragraph that is also an outline entry (text, level)."""

    outline: tuple[str, int] = ("", 1)


class _OutlinedTemplate(SimpleDocTemplate):
    """Adds each heading to the PDF outline as it is laid out (its page is then known)."""

    _depth = -1

    def afterFlowable(self, flowable: Flowable) -> None:  # noqa: N802 (ReportLab's hook)
        if isinstance(flowable, _Heading):
            text, level = flowable.outline
            depth = min(level - 1, self._depth + 1)  # an outline may not skip a level
            self._depth = depth
            key = f"h{id(flowable)}"
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(text, key, level=depth, closed=False)


def _escape(text: str) -> str:
    """ReportLab paragraphs are mini-XML; data must never be read as markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
