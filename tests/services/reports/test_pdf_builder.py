"""The one PDF builder: page look (A4, footer, repeated table header) and no markup from data."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from vardkoll.services.reports.pdf import PdfDocument


def _pages(doc: PdfDocument) -> list[str]:
    reader = PdfReader(io.BytesIO(doc.render()))
    return [page.extract_text() for page in reader.pages]


def test_a_long_table_repeats_its_header_and_every_page_has_its_footer() -> None:
    stamp = dt.datetime(2025, 7, 1, 6, 30, tzinfo=dt.UTC)  # 08:30 in Stockholm (summer)
    doc = PdfDocument("Loggutdrag", lang="en", generated_at=stamp, landscape=True)
    rows = [[f"2025-06-{1 + i % 28:02d}", f"Row {i}", f"{i * 1000:,}"] for i in range(150)]
    doc.table(["When", "What", "Count"], rows, col_widths=[80, 400, 80], numeric_columns=[2])
    reader = PdfReader(io.BytesIO(doc.render()))
    assert len(reader.pages) >= 3
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)  # A4 landscape
    texts = [page.extract_text() for page in reader.pages]
    for number, text in enumerate(texts, start=1):
        assert "When What Count" in text, number  # the header row on every page
        assert "Generated 2025-07-01 08:30 (Europe/Stockholm)" in text
        assert f"Page {number}" in text
    assert all(f"Row {i} " in "\n".join(texts) for i in range(150))


def test_text_from_data_is_shown_as_text_never_read_as_markup() -> None:
    doc = PdfDocument("Test")
    doc.paragraph('<img src="http://example.invalid/x.png"> & <b>fet</b>')
    doc.table(["A"], [["</td></tr></table><h2>Injicerad</h2>"]])
    reader = PdfReader(io.BytesIO(doc.render()))
    text = reader.pages[0].extract_text()
    assert '<img src="http://example.invalid/x.png"> & <b>fet</b>' in text
    assert "</td></tr></table><h2>Injicerad</h2>" in text
    assert reader.outline == []  # the injected heading did not become a heading
    assert "Sida 1" in text


def test_rendering_fetches_nothing_but_data_uris() -> None:
    """Charts are embedded as data: URIs; any other address (a file, the network) is refused
    loudly rather than silently read, so a PDF can never pull in a file of the server."""
    from weasyprint.urls import FatalURLFetchingError

    doc = PdfDocument("Test")
    doc.image(_PNG)
    doc.render()  # the data: URI is fine
    doc._body.append('<img src="file:///etc/hostname" alt="x">')  # as a bug might write it
    with pytest.raises(FatalURLFetchingError):
        doc.render()


# A 1 x 1 PNG.
_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf00000301010018dd8db00000000049454e44ae426082"
)
