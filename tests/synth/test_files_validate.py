"""The generated files are exactly what the import path accepts: zero problems in every file.

The generator writes what a region would send, so the real validator
(:func:`vardkoll.ingest.read_and_validate`) is the judge; the cross-file checks here are the
ones a single-file validator cannot make (every unit named exists, codes belong to the region).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import duckdb
import pytest

from vardkoll.domain import municipalities_of
from vardkoll.ingest import SCHEMAS, read_and_validate
from vardkoll.synth import DEFAULT_AS_OF, FILE_NAMES

pytestmark = pytest.mark.xdist_group("synth-region")


@pytest.mark.parametrize("name", FILE_NAMES)
def test_every_file_validates_without_problems(region_dir: Path, name: str) -> None:
    result = read_and_validate(region_dir / name, today=DEFAULT_AS_OF)
    assert result.kind == name.removesuffix(".csv")
    assert result.n_read > 0
    summary = Counter((p.field, p.code) for p in result.problems)
    assert not result.problems, f"{len(result.problems)} problems: {summary.most_common(5)}"


@pytest.mark.parametrize("name", FILE_NAMES)
def test_headers_are_the_contract_columns(region_dir: Path, name: str) -> None:
    header = (region_dir / name).read_text(encoding="utf-8").split("\n", 1)[0].split(";")
    assert tuple(header) == SCHEMAS[name.removesuffix(".csv")].names


def test_files_are_semicolon_utf8_with_iso_dates(region_dir: Path) -> None:
    text = (region_dir / "units.csv").read_bytes().decode("utf-8")
    assert "Västmanland" in text  # UTF-8, not Windows-1252
    assert text.split("\n", 1)[0].count(";") == 9
    first_event = (region_dir / "pathway_events.csv").read_text("utf-8").split("\n")[1]
    assert first_event.split(";")[4][4] == "-"  # event_date YYYY-MM-DD


def test_every_unit_named_in_any_file_is_in_units(con: duckdb.DuckDBPyConnection) -> None:
    missing = con.execute(
        """
        SELECT DISTINCT u FROM (
            SELECT unit_id AS u FROM pathway_events
            UNION ALL SELECT offered_unit_id FROM pathway_events WHERE offered_unit_id IS NOT NULL
            UNION ALL SELECT unit_id FROM production
            UNION ALL SELECT unit_id FROM beds
            UNION ALL SELECT unit_id FROM theatre_sessions
            UNION ALL SELECT unit_id FROM ed_visits
            UNION ALL SELECT unit_id FROM inpatient_stays
        ) WHERE u NOT IN (SELECT unit_id FROM units)
        """
    ).fetchall()
    assert missing == []


def test_municipalities_are_the_regions_own(con: duckdb.DuckDBPyConnection) -> None:
    own = {m.code for m in municipalities_of("19")}
    used = {
        row[0]
        for row in con.execute(
            "SELECT municipality_code FROM units UNION SELECT home_municipality FROM "
            "pathway_events WHERE home_municipality IS NOT NULL UNION "
            "SELECT municipality_code FROM inpatient_stays"
        ).fetchall()
    }
    assert used == own  # every municipality appears, and no other


def test_wards_belong_to_one_unit_and_stays_match_beds(con: duckdb.DuckDBPyConnection) -> None:
    (multi,) = con.execute(
        "SELECT count(*) FROM (SELECT ward_id FROM beds GROUP BY 1 "
        "HAVING count(DISTINCT unit_id) > 1)"
    ).fetchone() or (None,)
    assert multi == 0
    (stray,) = con.execute(
        "SELECT count(*) FROM inpatient_stays s WHERE NOT EXISTS (SELECT 1 FROM beds b "
        "WHERE b.ward_id = s.ward_id AND b.unit_id = s.unit_id AND b.care_type = s.care_type)"
    ).fetchone() or (None,)
    assert stray == 0
