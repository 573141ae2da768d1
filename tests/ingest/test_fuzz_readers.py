"""Fuzzing the readers: whatever the bytes, the answer is an InputError or a list of problems.

Never another exception, never a problem without file, row, field and reason, and the rows
always add up: every data row is either valid or named in a problem.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from pathlib import Path

import openpyxl
from hypothesis import given
from hypothesis import strategies as st
from vk_ingest_testdata import SAMPLES, TODAY

from vardkoll.domain import InputError
from vardkoll.ingest import (
    FILE_KINDS,
    ValidatedFile,
    read_and_validate,
    write_error_report,
    write_xlsx,
)
from vardkoll.ingest._messages import CATALOGUE

SAMPLE_CSV = {kind: (SAMPLES / f"{kind}.csv").read_bytes() for kind in FILE_KINDS}
SAMPLE_XLSX = (SAMPLES / "pathway_events.xlsx").read_bytes()
PIN = re.compile(r"(?<![0-9])(?:[0-9]{2})?[0-9]{6}[-+]?[0-9]{4}(?![0-9])")
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def _run(data: bytes, name: str = "f.csv", kind: str | None = None) -> ValidatedFile | None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            checked = read_and_validate(path, kind=kind, today=TODAY)
        except InputError as exc:
            message = str(exc)
            assert message  # says something
            return None
        report = Path(tmp) / "report.csv"
        write_error_report(checked.problems, report, lang="sv")
        report.read_bytes()
    _invariants(checked)
    return checked


def _invariants(checked: ValidatedFile) -> None:
    rows = set(checked.valid.column("_row").to_pylist())
    assert not rows & checked.rejected_rows
    assert len(rows) == checked.valid.num_rows
    for p in checked.problems:
        assert p.file
        assert p.row >= 1
        assert p.code in CATALOGUE
        assert p.message("sv")
        assert p.message("en")
        for lang in ("sv", "en"):  # every placeholder filled
            assert not PLACEHOLDER.search(p.message(lang).replace(p.value or "\0", "")), p
        for text in (p.value or "", p.message("sv"), p.message("en")):
            assert not PIN.search(text), (p.code, text)
    header_problems = [p for p in checked.problems if p.code.endswith("_column")]
    if header_problems:
        assert checked.valid.num_rows == 0
    else:
        assert checked.valid.num_rows + len(checked.rejected_rows) == checked.n_read


@given(st.binary(max_size=400))
def test_random_bytes(data: bytes) -> None:
    _run(data)


@given(st.binary(max_size=300))
def test_random_bytes_after_a_valid_header(data: bytes) -> None:
    header = SAMPLE_CSV["production"].split(b"\r\n")[0] + b"\r\n"
    _run(header + data)


@given(st.sampled_from(FILE_KINDS), st.data())
def test_truncated_csv(kind: str, data: st.DataObject) -> None:
    sample = SAMPLE_CSV[kind]
    cut = data.draw(st.integers(0, len(sample)))
    _run(sample[:cut])


@given(st.integers(0, len(SAMPLE_XLSX)))
def test_truncated_xlsx(cut: int) -> None:
    checked = _run(SAMPLE_XLSX[:cut], name="f.xlsx")
    if cut < len(SAMPLE_XLSX):
        assert checked is None  # a cut ZIP is damaged, and says so


@given(
    st.sampled_from(FILE_KINDS),
    st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16", "latin-1", "utf-16-le", "cp437"]),
)
def test_encodings(kind: str, encoding: str) -> None:
    text = SAMPLE_CSV[kind].decode("utf-8-sig")
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        return
    checked = _run(data)
    if encoding in ("utf-8", "utf-8-sig", "cp1252", "utf-16"):
        assert checked is not None
        assert checked.problems == ()


def _table(kind: str) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(SAMPLE_CSV[kind].decode("utf-8-sig")), delimiter=";"))
    return rows[0], rows[1:]


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


@given(st.sampled_from(FILE_KINDS), st.data())
def test_missing_or_repeated_columns(kind: str, data: st.DataObject) -> None:
    header, rows = _table(kind)
    order = data.draw(
        st.lists(st.integers(0, len(header) - 1), min_size=1, max_size=len(header) + 3)
    )
    checked = _run(
        _csv([header[i] for i in order], [[r[i] for i in order] for r in rows]), kind=kind
    )
    assert checked is not None
    codes = {p.code for p in checked.problems if p.row == 1}
    if len(set(order)) < len(order):
        assert "duplicate_column" in codes
    if len(set(order)) == len(order) == len(header):
        assert checked.problems == ()  # only the order changed


_identity_junk = st.one_of(
    st.text(alphabet="0123456789-+ ", max_size=14),
    st.from_regex(r"[0-9]{8}-[0-9]{4}", fullmatch=True),
    st.from_regex(r"[0-9]{6}\+[0-9]{4}", fullmatch=True),
    st.from_regex(r"[0-9]{8}[A-Z]{2}[0-9]{2}", fullmatch=True),
)


@given(st.lists(_identity_junk, min_size=1, max_size=12))
def test_invalid_identities(values: list[str]) -> None:
    header, rows = _table("ed_visits")
    col = header.index("patient_id")
    rows = [[*r[:col], values[i % len(values)], *r[col + 1 :]] for i, r in enumerate(rows)]
    checked = _run(_csv(header, rows))
    assert checked is not None
    assert {p.code for p in checked.problems} <= {"bad_identity", "required"}
    assert {p.field for p in checked.problems} <= {"patient_id"}


_dates = st.one_of(
    st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", fullmatch=True),
    st.from_regex(r"[0-9]{1,7}", fullmatch=True),
    st.text(
        alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=10
    ),  # NUL: binary
)


@given(st.lists(_dates, min_size=1, max_size=15))
def test_impossible_dates(values: list[str]) -> None:
    header, rows = _table("beds")
    col = header.index("date")
    rows = [[*r[:col], values[i % len(values)], *r[col + 1 :]] for i, r in enumerate(rows)]
    checked = _run(_csv(header, rows))
    assert checked is not None
    allowed = {"not_date", "implausible_date", "required", "duplicate_key", "extra_fields"}
    assert {p.code for p in checked.problems} <= allowed


@given(st.sampled_from(FILE_KINDS), st.data())
def test_duplicated_rows(kind: str, data: st.DataObject) -> None:
    header, rows = _table(kind)
    picks = data.draw(st.lists(st.integers(0, len(rows) - 1), min_size=1, max_size=5))
    checked = _run(_csv(header, rows + [rows[i] for i in picks]))
    assert checked is not None
    duplicates = [p for p in checked.problems if p.code == "duplicate_key"]
    assert len(duplicates) == len(picks)
    assert all(p.row > len(rows) + 1 for p in duplicates)  # always the later row


_formula = st.sampled_from(
    ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", '=HYPERLINK("http://x","y")', "\t=1"]
)


@given(st.sampled_from(FILE_KINDS), st.data())
def test_formula_injection_is_data_and_neutralised_on_export(
    kind: str, data: st.DataObject
) -> None:
    header, rows = _table(kind)
    r = data.draw(st.integers(0, len(rows) - 1))
    c = data.draw(st.integers(0, len(header) - 1))
    payload = data.draw(_formula)
    rows[r][c] = payload
    with tempfile.TemporaryDirectory() as tmp:
        checked = _run(_csv(header, rows))
        assert checked is not None
        report = Path(tmp) / "report.csv"
        write_error_report(checked.problems, report, lang="en")
        for line in csv.reader(io.StringIO(report.read_text(encoding="utf-8-sig"))):
            assert not any(cell.startswith(("=", "+", "-", "@")) for cell in line)
        book_path = Path(tmp) / "out.xlsx"
        write_xlsx(book_path, header, rows)
        sheet = openpyxl.load_workbook(book_path).active
        cell = sheet.cell(row=r + 2, column=c + 1)
        assert cell.data_type == "s"
        assert cell.value == payload
