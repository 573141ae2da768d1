"""CSV and XLSX files as Swedish Excel and data warehouses write them.

Each test writes the bytes a real tool would produce and checks the cells and row numbers the
reader hands on; expected values are spelled out by hand.
"""

from __future__ import annotations

import codecs
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st
from vk_ingest_testdata import PIN_A, TODAY, clock_start, csv_text, event

from vardkoll.domain import InputError
from vardkoll.ingest import read_and_validate, read_raw, validate
from vardkoll.ingest._csv import _careful, _fast, decode, read_csv_bytes

PRODUCTION = "unit_id;entry_type;week;planned;performed\r\n"
Write = Callable[..., Path]


def _cells(path: Path, kind: str | None = None) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = read_raw(path, kind=kind).table.to_pylist()
    return rows


# ------------------------------------------------------------------ separators and encodings


@pytest.mark.parametrize("sep", [";", ",", "\t"])
def test_separator_is_detected(write_file: Write, sep: str) -> None:
    text = PRODUCTION.replace(";", sep) + sep.join(["U1", "treatment", "2025-W14", "42", "39"])
    rows = _cells(write_file(text))
    assert rows == [
        {
            "unit_id": "U1",
            "entry_type": "treatment",
            "week": "2025-W14",
            "planned": "42",
            "performed": "39",
            "_row": 2,
        }
    ]


def test_comma_separated_file_with_quoted_decimal_comma(write_file: Write) -> None:
    header = (
        "provider_id,provider_name,ownership,unit_id,unit_name,region_code,"
        "municipality_code,latitude,longitude,specialties\r\n"
    )
    line = 'P1,Region X,public,U1,"Mottagning, Västerås",19,1980,"59,6099","16,5448",ent\r\n'
    checked = read_and_validate(write_file(header + line), today=TODAY)
    assert checked.problems == ()
    row = checked.valid.to_pylist()[0]
    assert row["unit_name"] == "Mottagning, Västerås"
    assert row["latitude"] == pytest.approx(59.6099)
    assert row["longitude"] == pytest.approx(16.5448)


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("cp1252", "windows-1252"),
        ("utf-16", "utf-16"),
    ],
)
def test_encodings_are_detected(write_file: Write, encoding: str, expected: str) -> None:
    text = "enhet_id;kontakttyp;vecka;planerat;utfört\r\nÖgon-Åsa;treatment;2025-W14;42;39\r\n"
    path = write_file(text, encoding=encoding)
    raw = read_raw(path)
    assert raw.kind == "production"
    assert raw.table.column("unit_id").to_pylist() == ["Ögon-Åsa"]
    assert raw.table.column("performed").to_pylist() == ["39"]
    assert raw.table.schema.metadata[b"vardkoll.encoding"] == expected.encode()


def test_bom_is_not_part_of_the_first_header(write_file: Write) -> None:
    path = write_file(codecs.BOM_UTF8 + (PRODUCTION + "U1;treatment;2025-W14;42;\r\n").encode())
    assert read_raw(path).table.column_names[0] == "unit_id"


def test_text_that_is_neither_utf8_nor_cp1252_is_refused(write_file: Write) -> None:
    # 0x81 is undefined in Windows-1252 and invalid as a UTF-8 start byte.
    with pytest.raises(InputError, match="neither UTF-8 nor Windows-1252"):
        read_raw(write_file(PRODUCTION.encode() + b"U\x81;treatment;2025-W14;1;1\r\n"))


def test_decode_keeps_utf8_bytes_without_copying() -> None:
    data = "a;b\r\nå;ä\r\n".encode()
    text, start, encoding = decode(data)
    assert (text is data, start, encoding) == (True, 0, "utf-8")


# ------------------------------------------------------------------------- headers


def test_swedish_headers_in_any_case_spacing_or_without_diacritics(write_file: Write) -> None:
    header = "Enhet ID; KONTAKTTYP ;Vecka;planerat;UTFORT\r\n"
    rows = _cells(write_file(header + "U1;treatment;2025-W14;42;39\r\n"))
    assert set(rows[0]) == {"unit_id", "entry_type", "week", "planned", "performed", "_row"}


def test_kind_can_be_named_when_the_header_is_ambiguous(write_file: Write) -> None:
    path = write_file("unit_id;date\r\nU1;2025-03-05\r\n")
    with pytest.raises(InputError, match="Cannot tell which kind"):
        read_raw(path)
    raw = read_raw(path, kind="beds")
    assert raw.kind == "beds"
    assert raw.table.column("date").to_pylist() == ["2025-03-05"]


def test_unknown_kind_name_is_an_input_error(write_file: Write) -> None:
    with pytest.raises(InputError, match="Unknown file kind 'waiting'"):
        read_raw(write_file(PRODUCTION), kind="waiting")


# --------------------------------------------------------------- rows and their numbers


def test_blank_lines_keep_the_row_numbers_a_person_sees(write_file: Write) -> None:
    text = (
        "\r\n"  # row 1 blank: the header is row 2
        + PRODUCTION
        + "U1;treatment;2025-W10;1;1\r\n"  # row 3
        + "\r\n"  # row 4
        + "   \r\n"  # row 5, blanks only
        + ";;;;\r\n"  # row 6, an Excel row of empty cells
        + "U2;treatment;2025-W10;2;2\r\n"  # row 7
        + "\r\n\r\n"
    )
    checked = read_and_validate(write_file(text), today=TODAY)
    assert checked.valid.column("_row").to_pylist() == [3, 7]
    assert checked.valid.column("unit_id").to_pylist() == ["U1", "U2"]
    assert checked.n_read == 2


def test_row_numbers_follow_records_not_lines(write_file: Write) -> None:
    # A quoted line break stays inside one row, as Excel shows it.
    text = PRODUCTION + '"U1\r\nannex";treatment;2025-W10;1;1\r\nU2;treatment;2025-W10;2;\r\n'
    rows = _cells(write_file(text))
    assert [r["_row"] for r in rows] == [2, 3]
    assert rows[0]["unit_id"] == "U1\r\nannex"


def test_trailing_blanks_and_no_break_spaces_are_ignored(write_file: Write) -> None:
    text = PRODUCTION + "  U1 ;treatment\u00a0;2025-W14 ; 42;39  \r\n"
    checked = read_and_validate(write_file(text), today=TODAY)
    assert checked.problems == ()
    assert checked.valid.to_pylist()[0]["unit_id"] == "U1"
    assert checked.valid.to_pylist()[0]["planned"] == 42


def test_trailing_separators_from_excel_are_ignored(write_file: Write) -> None:
    text = "unit_id;entry_type;week;planned;performed;\r\nU1;treatment;2025-W14;42;39;\r\n"
    checked = read_and_validate(write_file(text), today=TODAY)
    assert checked.problems == ()
    assert checked.valid.num_rows == 1


def test_extra_values_on_a_row_are_a_problem_of_that_row(write_file: Write) -> None:
    text = PRODUCTION + "U1;treatment;2025-W14;42;39\r\nU2;treatment;2025-W14;1;1;surplus\r\n"
    checked = read_and_validate(write_file(text), today=TODAY)
    assert [(p.row, p.code, p.value) for p in checked.problems] == [(3, "extra_fields", "surplus")]
    assert checked.valid.column("unit_id").to_pylist() == ["U1"]


def test_header_only_file_has_no_rows_and_no_problems(write_file: Write) -> None:
    checked = read_and_validate(write_file(PRODUCTION), today=TODAY)
    assert (checked.n_read, checked.valid.num_rows, checked.problems) == (0, 0, ())


@pytest.mark.parametrize("content", [b"", b"\r\n\r\n  \r\n", b"\xef\xbb\xbf"])
def test_empty_file_is_a_clear_error(write_file: Write, content: bytes) -> None:
    with pytest.raises(InputError, match="empty"):
        read_raw(write_file(content))


def test_binary_file_is_refused(write_file: Write) -> None:
    with pytest.raises(InputError, match="binary data"):
        read_raw(write_file(b"\x00\x01\x02garbage" * 10))


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"Cannot read 'nothing\.csv'"):
        read_raw(tmp_path / "nothing.csv")


# -------------------------------------------------------------- dates and numbers in CSV


def test_excel_serial_dates_and_decimal_commas_in_csv(write_file: Write) -> None:
    # 45721 is 2025-03-05 in Excel's 1900 date system (45721 days after 1899-12-30).
    rows = [clock_start(day="45721"), event(2, "removal", "2025-03-20", removal_reason="treated")]
    checked = read_and_validate(write_file(csv_text(rows)), today=TODAY)
    assert checked.problems == ()
    assert checked.valid.column("event_date").to_pylist()[0] == dt.date(2025, 3, 5)


# --------------------------------------------------------------------------- XLSX


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values, start=1):
            if value is not None:
                sheet.cell(row=r, column=c, value=value)
    book.save(path)
    return path


def test_xlsx_with_dates_numbers_blank_rows_and_formula_cells(tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path / "beds.xlsx",
        [
            [
                "avdelning_id",
                "enhet_id",
                "sjukhus",
                "vårdtyp",
                "datum",
                "disponibla_vårdplatser",
                "belagda_vårdplatser",
                "överbeläggningar",
                "utlokaliserade",
            ],
            [
                "A1",
                "U1",
                '=HYPERLINK("http://evil")',
                "somatic",
                dt.datetime(2025, 3, 5),
                24,
                25.0,
                1,
                0,
            ],
            [None] * 9,  # row 3 left empty in the sheet
            ["A1", "U1", "Sjukhuset", "somatic", 45722, 24, 24, 0, 0],  # a date typed as number
        ],
    )
    raw = read_raw(path)
    assert raw.kind == "beds"
    assert raw.table.column("_row").to_pylist() == [2, 4]
    assert raw.table.column("hospital").to_pylist()[0] == '=HYPERLINK("http://evil")'
    checked = validate(raw, today=TODAY)
    assert checked.problems == ()
    assert checked.valid.column("date").to_pylist() == [dt.date(2025, 3, 5), dt.date(2025, 3, 6)]
    assert checked.valid.column("occupied_beds").to_pylist() == [25, 24]


def test_xlsx_formula_is_never_evaluated(tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path / "p.xlsx",
        [
            ["unit_id", "entry_type", "week", "planned", "performed"],
            ["U1", "treatment", "2025-W14", "=40+2", None],
        ],
    )
    checked = read_and_validate(path, today=TODAY)
    assert [(p.field, p.code, p.value) for p in checked.problems] == [
        ("planned", "not_integer", "=40+2")
    ]


def test_xlsx_header_not_on_the_first_row(tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path / "p.xlsx",
        [
            [None],
            ["unit_id", "entry_type", "week", "planned", "performed"],
            ["U1", "treatment", "2025-W14", 4, 4],
        ],
    )
    checked = read_and_validate(path, today=TODAY)
    assert checked.valid.column("_row").to_pylist() == [3]


def test_old_xls_and_damaged_workbooks_are_input_errors(write_file: Write) -> None:
    with pytest.raises(InputError, match="97-2003"):
        read_raw(write_file(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, name="a.xls"))
    with pytest.raises(InputError, match="workbook cannot be read"):
        read_raw(write_file(b"PK\x03\x04" + b"broken zip" * 20, name="a.xlsx"))


def test_xlsx_and_csv_of_the_same_rows_validate_identically(tmp_path: Path) -> None:
    rows = [clock_start(), event(2, "removal", "2025-03-20", removal_reason="treated")]
    columns = [*list(rows[0]), "removal_reason"]
    csv_path = tmp_path / "e.csv"
    csv_path.write_text(csv_text(rows, columns), encoding="utf-8")
    xlsx_path = _xlsx(tmp_path / "e.xlsx", [columns, *([r.get(c) for c in columns] for r in rows)])
    from_csv = read_and_validate(csv_path, today=TODAY)
    from_xlsx = read_and_validate(xlsx_path, today=TODAY)
    assert from_csv.problems == from_xlsx.problems == ()
    assert from_csv.valid.equals(from_xlsx.valid)
    assert from_csv.valid.column("patient_id").to_pylist()[0] == PIN_A.replace("-", "")


# ------------------------------------------------- the fast and careful CSV paths agree

_cell = st.text(alphabet=st.sampled_from(list('ab ;,"\r\nÅ1-=')), max_size=6)


def _non_blank(rows: list[int], columns: list[list[str | None]]) -> list[tuple[object, ...]]:
    out = []
    for i, row in enumerate(rows):
        cells = [c[i] for c in columns]
        if any(v is not None and v.strip() for v in cells):
            out.append((row, *cells))
    return out


@given(st.lists(st.lists(_cell, min_size=3, max_size=3), min_size=1, max_size=8))
def test_arrow_and_python_csv_paths_give_the_same_cells(records: list[list[str]]) -> None:
    lines = []
    for record in records:
        quoted = [
            '"' + v.replace('"', '""') + '"' if set(v) & set(';",\r\n ') else v for v in record
        ]
        lines.append(";".join(quoted))
    data = ("a;b;c\r\n" + "\r\n".join(lines) + "\r\n").encode()
    start = data.index(b"\n") + 1
    end = len(data.rstrip(b" \t\r\n"))
    careful, rows, _ = _careful(data, start, end, ";", 3, 2)
    expected = _non_blank(rows.to_pylist(), [c.to_pylist() for c in careful])
    fast = _fast(data, start, end, ";", 3, quoted=True)
    if fast is not None:  # Arrow may decline (ragged or blank lines); the careful path answers
        numbers = list(range(2, 2 + len(fast[0])))
        assert _non_blank(numbers, [c.to_pylist() for c in fast]) == expected
    # Whatever path the reader takes, it returns the careful path's cells and numbers.
    sheet = read_csv_bytes(data)
    got = _non_blank(sheet.rows.to_pylist(), [c.to_pylist() for c in sheet.columns])
    assert got == expected


def test_reader_result_has_string_columns_and_row_numbers(write_file: Write) -> None:
    sheet = read_csv_bytes((PRODUCTION + "U1;treatment;2025-W14;42;39\r\n").encode())
    assert all(pa.types.is_string(c.type) for c in sheet.columns)
    assert sheet.rows.to_pylist() == [2]
