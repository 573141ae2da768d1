"""The generated region looks and behaves like a Swedish one (issue 03's list), from its files."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from vardkoll.domain import SPECIALTIES, municipalities_of, parse_identity
from vardkoll.synth import DEFAULT_AS_OF, GenerationReport

pytestmark = pytest.mark.xdist_group("synth-region")


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> float:
    row = con.execute(sql).fetchone()
    assert row is not None
    return float(row[0])


def test_organisation(con: duckdb.DuckDBPyConnection) -> None:
    providers = con.execute("SELECT DISTINCT provider_id, ownership FROM units").fetchall()
    assert 10 <= len(providers) <= 30
    assert {o for _, o in providers} == {"public", "private"}
    specialties = {
        s
        for (text,) in con.execute("SELECT specialties FROM units").fetchall()
        for s in text.split("|")
    }
    assert len(specialties) >= 15
    assert specialties <= set(SPECIALTIES)
    kinds = con.execute(
        "SELECT DISTINCT entry_type FROM pathway_events WHERE entry_type IS NOT NULL"
    ).fetchall()
    assert {k for (k,) in kinds} == {
        "primary_contact",
        "primary_assessment",
        "first_visit",
        "examination",
        "treatment",
    }


def test_units_sit_near_their_municipality(con: duckdb.DuckDBPyConnection) -> None:
    """Coordinates (decimal comma) fall inside Västmanland's bounding box."""
    rows = con.execute("SELECT latitude, longitude FROM units").fetchall()
    for lat, lon in rows:
        assert 59.2 < float(lat.replace(",", ".")) < 60.3
        assert 15.4 < float(lon.replace(",", ".")) < 16.9


def test_population_drives_inflow_by_age(con: duckdb.DuckDBPyConnection) -> None:
    """First visits per inhabitant rise with age (the national pyramid times referral rates)."""
    rows = con.execute(
        """
        SELECT (date_diff('year', strptime(substr(patient_id, 1, 8), '%Y%m%d'),
                CAST(event_date AS DATE)) // 10) AS band, count(*)
        FROM pathway_events
        WHERE event_type = 'clock_start' AND entry_type = 'first_visit'
          AND length(patient_id) = 13 AND substr(patient_id, 7, 1) IN ('0', '1', '2', '3')
        GROUP BY 1 ORDER BY 1
        """
    ).fetchall()
    per_band = dict(rows)
    # SCB 2023: about 1.25 M aged 20-29 and 1.04 M aged 70-79 nationally.
    assert per_band[7] / 1.04 > 1.5 * per_band[2] / 1.25


def test_weekday_and_seasonal_rhythm(con: duckdb.DuckDBPyConnection) -> None:
    weekend = _one(
        con,
        "SELECT avg(CASE WHEN dayofweek(CAST(event_date AS DATE)) IN (0, 6) THEN 1 ELSE 0 END) "
        "FROM pathway_events WHERE event_type = 'clock_start'",
    )
    assert weekend < 0.05
    rows = con.execute(
        """
        SELECT CAST(substr(week, 7, 2) AS INTEGER) AS w, sum(CAST(performed AS INTEGER))
        FROM production WHERE performed IS NOT NULL AND entry_type = 'treatment'
        GROUP BY 1
        """
    ).fetchall()
    by_week = dict(rows)
    summer = sum(by_week[w] for w in range(27, 33)) / 6
    autumn = sum(by_week[w] for w in range(38, 44)) / 6
    assert summer < 0.7 * autumn
    assert by_week[52] < 0.8 * autumn


def test_some_queues_grow_and_others_are_stable(con: duckdb.DuckDBPyConnection) -> None:
    """Orthopaedics has capacity below demand; cardiology is in balance."""

    def stock(specialty: str, on: dt.date) -> int:
        return int(
            _one(
                con,
                f"""
                WITH s AS (SELECT pathway_id, CAST(event_date AS DATE) d FROM pathway_events
                           WHERE event_type = 'clock_start' AND specialty = '{specialty}'
                             AND entry_type = 'first_visit'),
                     r AS (SELECT pathway_id, CAST(event_date AS DATE) d FROM pathway_events
                           WHERE event_type = 'removal')
                SELECT count(*) FROM s LEFT JOIN r USING (pathway_id)
                WHERE s.d <= DATE '{on}' AND (r.d IS NULL OR r.d > DATE '{on}')
                """,
            )
        )

    year_before = DEFAULT_AS_OF.replace(year=DEFAULT_AS_OF.year - 1)
    assert stock("orthopaedics", DEFAULT_AS_OF) > 1.15 * stock("orthopaedics", year_before)
    ratio = stock("cardiology", DEFAULT_AS_OF) / stock("cardiology", year_before)
    assert 0.85 < ratio < 1.15


def test_pauses_offers_removals_and_transfers(con: duckdb.DuckDBPyConnection) -> None:
    counts = dict(
        con.execute(
            "SELECT coalesce(pause_reason, removal_reason, offer_outcome, event_type), count(*) "
            "FROM pathway_events GROUP BY 1"
        ).fetchall()
    )
    for kind in (
        "PVV",
        "MOV",
        "declined",
        "accepted",
        "transfer",
        "priority_change",
        "void",
        "booking",
        "no_longer_needed",
        "declined_offer",
        "treated_elsewhere",
        "deceased",
        "registered_in_error",
    ):
        assert counts.get(kind, 0) > 0, kind
    (mov_refs,) = con.execute(
        "SELECT count(*) FROM pathway_events WHERE pause_reason = 'MOV' "
        "AND reference NOT LIKE 'SE2321000198-%'"
    ).fetchone() or (None,)
    assert mov_refs == 0
    declined_elsewhere = _one(
        con,
        """
        SELECT count(*) FROM pathway_events o JOIN pathway_events r USING (pathway_id)
        WHERE o.event_type = 'offer' AND o.offer_outcome = 'declined'
          AND o.offered_unit_id <> o.unit_id AND r.removal_reason = 'declined_offer'
        """,
    )
    assert declined_elsewhere == counts["declined_offer"]


def test_no_longer_needed_is_discovered_late(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        """
        WITH s AS (SELECT pathway_id, CAST(event_date AS DATE) d FROM pathway_events
                   WHERE event_type = 'clock_start' AND entry_type = 'first_visit'),
             r AS (SELECT pathway_id, removal_reason, CAST(event_date AS DATE) d
                   FROM pathway_events WHERE event_type = 'removal')
        SELECT removal_reason, median(date_diff('day', s.d, r.d)),
               avg(CASE WHEN date_diff('day', s.d, r.d) > 180 THEN 1 ELSE 0 END)
        FROM s JOIN r USING (pathway_id) GROUP BY 1
        """
    ).fetchall()
    median = {reason: m for reason, m, _ in rows}
    assert median["no_longer_needed"] > 2 * median["treated"]
    late = sum(n for reason, _, n in rows if reason == "no_longer_needed")
    assert late > 0.25


def test_identities_and_their_links(con: duckdb.DuckDBPyConnection) -> None:
    ids = con.execute("SELECT DISTINCT patient_id FROM pathway_events").fetchall()
    kinds: dict[str, int] = {}
    for (text,) in ids[::20]:
        identity = parse_identity(text, today=DEFAULT_AS_OF)
        kinds[identity.type] = kinds.get(identity.type, 0) + 1
    assert kinds["personnummer"] > 0.95 * sum(kinds.values())
    assert kinds.get("samordningsnummer", 0) > 0
    assert kinds.get("reservnummer", 0) > 0
    # A reserve identity is later linked: the same pathway continues under a personnummer.
    (linked,) = con.execute(
        """
        SELECT count(DISTINCT pathway_id) FROM pathway_events a
        WHERE length(a.patient_id) = 12 AND EXISTS (
            SELECT 1 FROM pathway_events b WHERE b.pathway_id = a.pathway_id
              AND length(b.patient_id) = 13 AND CAST(b.event_seq AS INTEGER) >
                  CAST(a.event_seq AS INTEGER))
        """
    ).fetchone() or (None,)
    assert linked is not None
    assert linked > 50
    protected = _one(con, "SELECT avg(CAST(protected_identity AS INTEGER)) FROM pathway_events")
    assert 0.0005 < protected < 0.01


def test_hospital_files_tell_one_story(con: duckdb.DuckDBPyConnection) -> None:
    (admitted_visits, acute_like) = con.execute(
        """
        SELECT (SELECT count(*) FROM ed_visits WHERE disposition = 'admitted'),
               (SELECT count(*) FROM ed_visits e JOIN inpatient_stays s
                  ON e.patient_id = s.patient_id AND e.departure = s.admitted
                WHERE e.disposition = 'admitted')
        """
    ).fetchone() or (0, 0)
    assert admitted_visits > 0
    assert acute_like == admitted_visits
    order_problems = _one(
        con,
        """
        SELECT count(*) FROM inpatient_stays
        WHERE (ready_for_discharge IS NOT NULL AND ready_for_discharge < admitted)
           OR (discharged IS NOT NULL AND ready_for_discharge IS NOT NULL
               AND discharged < ready_for_discharge)
        """,
    )
    assert order_problems == 0
    frail = _one(
        con,
        """
        SELECT avg(CASE WHEN diagnoses LIKE '%|%' THEN 1 ELSE 0 END) FROM inpatient_stays
        WHERE date_diff('year', strptime(substr(patient_id, 1, 8), '%Y%m%d'),
                        CAST(admitted AS TIMESTAMP)) >= 76
          AND length(patient_id) = 13 AND substr(patient_id, 7, 1) IN ('0', '1', '2', '3')
        """,
    )
    assert frail > 0.6  # most patients 75+ carry frailty (HFRS) categories


def test_ready_for_discharge_waits_differ_by_municipality(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rows = con.execute(
        """
        SELECT municipality_code, avg(date_diff('hour', CAST(ready_for_discharge AS TIMESTAMP),
                                                CAST(discharged AS TIMESTAMP)))
        FROM inpatient_stays WHERE ready_for_discharge IS NOT NULL AND discharged IS NOT NULL
        GROUP BY 1
        """
    ).fetchall()
    assert len(rows) == len(municipalities_of("19"))
    hours = sorted(h for _, h in rows)
    assert hours[-1] > 1.5 * hours[0]


def test_report_matches_files(region: GenerationReport, con: duckdb.DuckDBPyConnection) -> None:
    (pathways,) = con.execute(
        "SELECT count(DISTINCT pathway_id) FROM pathway_events"
    ).fetchone() or (None,)
    assert pathways == region.pathways
    for name, rows in region.rows.items():
        (n,) = con.execute(f"SELECT count(*) FROM {name.removesuffix('.csv')}").fetchone() or (0,)
        assert n == rows, name


def test_event_ids_carry_the_region_so_regions_never_collide(
    con: duckdb.DuckDBPyConnection, region: GenerationReport
) -> None:
    """A national build keeps the later file's row per id; shared ids across regions lose rows."""
    (only,) = region.regions
    code = only.region_code
    for table, column, prefix in (
        ("ed_visits", "visit_id", f"AKM{code}-"),
        ("inpatient_stays", "stay_id", f"VT{code}-"),
        ("theatre_sessions", "session_id", f"OP{code}-"),
    ):
        total, prefixed, distinct = con.execute(
            f"SELECT count(*), count(*) FILTER (WHERE starts_with({column}, ?)), "
            f"count(DISTINCT {column}) FROM {table}",
            [prefix],
        ).fetchone()  # type: ignore[misc]
        assert total > 0
        assert prefixed == total == distinct
