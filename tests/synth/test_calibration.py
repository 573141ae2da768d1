"""The generated region lands within ±25 % of the published Swedish figures (DOMAIN.md §2–3).

Every figure is computed here from the written CSV files with DuckDB, the way an analyst
would compute it from a region's export — not from the generator's internals. The only
outside number is the denominator, the region's population (SCB 2023, the generator's
documented reference table).

Definitions: *waiting* = a pathway whose clock started on or before the as-of date and that
has no (unvoided) removal by then; its wait is the calendar days from clock start to as-of
(pauses not subtracted, as the national statistics report them apart). *Completed wait* =
clock start to a removal with reason ``treated`` in the month up to as-of.
"""

from __future__ import annotations

import duckdb
import pytest

from vardkoll.synth import DEFAULT_AS_OF, region_population

pytestmark = pytest.mark.xdist_group("synth-region")

TOLERANCE = 0.25
# DOMAIN.md §2 (March 2022, whole country) and §3 (2019: 5.0, Jan–Nov 2023: 6.7).
FIRST_VISIT_SHARE = 462_000 / 10_450_000
FIRST_VISIT_BEYOND_90 = 136_000 / 462_000
TREATMENT_SHARE = 160_000 / 10_450_000
TREATMENT_BEYOND_90 = 65_000 / 160_000
TREATMENT_MEDIAN_DAYS = 63.0
OVERCROWDING_LOW, OVERCROWDING_HIGH = 4.0, 7.0

WAITING_SQL = """
WITH voided AS (
    SELECT pathway_id, CAST(supersedes_seq AS INTEGER) AS seq
    FROM pathway_events WHERE event_type = 'void'
),
live AS (
    SELECT e.* FROM pathway_events e
    ANTI JOIN voided v ON e.pathway_id = v.pathway_id AND CAST(e.event_seq AS INTEGER) = v.seq
),
starts AS (
    SELECT pathway_id, entry_type, CAST(event_date AS DATE) AS start
    FROM live WHERE event_type = 'clock_start'
),
removals AS (
    SELECT pathway_id, CAST(event_date AS DATE) AS removed, removal_reason
    FROM live WHERE event_type = 'removal' AND CAST(event_date AS DATE) <= $as_of
)
SELECT
    s.entry_type,
    count(*) FILTER (WHERE s.start <= $as_of AND r.removed IS NULL) AS waiting,
    count(*) FILTER (
        WHERE s.start <= $as_of AND r.removed IS NULL AND date_diff('day', s.start, $as_of) > 90
    ) AS beyond_90,
    median(date_diff('day', s.start, r.removed)) FILTER (
        WHERE r.removal_reason = 'treated' AND r.removed > $as_of - INTERVAL 30 DAY
    ) AS median_completed
FROM starts s LEFT JOIN removals r USING (pathway_id)
GROUP BY s.entry_type
"""


def _within(value: float, target: float) -> bool:
    return abs(value - target) <= TOLERANCE * target


@pytest.fixture(scope="module")
def waiting(loaded: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, int, float]]:
    rows = loaded.cursor().execute(WAITING_SQL, {"as_of": DEFAULT_AS_OF}).fetchall()
    return {entry: (n, beyond, median) for entry, n, beyond, median in rows}


def test_first_visit_stock_is_4_4_percent_of_population(waiting: dict) -> None:  # type: ignore[type-arg]
    share = waiting["first_visit"][0] / region_population("19")
    assert _within(share, FIRST_VISIT_SHARE), f"{share:.4f} vs {FIRST_VISIT_SHARE:.4f}"


def test_first_visit_29_percent_beyond_90_days(waiting: dict) -> None:  # type: ignore[type-arg]
    n, beyond, _ = waiting["first_visit"]
    assert _within(beyond / n, FIRST_VISIT_BEYOND_90), f"{beyond / n:.3f}"


def test_treatment_stock_is_1_5_percent_of_population(waiting: dict) -> None:  # type: ignore[type-arg]
    share = waiting["treatment"][0] / region_population("19")
    assert _within(share, TREATMENT_SHARE), f"{share:.4f} vs {TREATMENT_SHARE:.4f}"


def test_treatment_41_percent_beyond_90_days(waiting: dict) -> None:  # type: ignore[type-arg]
    n, beyond, _ = waiting["treatment"]
    assert _within(beyond / n, TREATMENT_BEYOND_90), f"{beyond / n:.3f}"


def test_median_completed_treatment_wait_near_63_days(waiting: dict) -> None:  # type: ignore[type-arg]
    median = waiting["treatment"][2]
    assert _within(median, TREATMENT_MEDIAN_DAYS), f"median {median} days"


def test_overcrowding_per_100_available_beds(con: duckdb.DuckDBPyConnection) -> None:
    (rate,) = con.execute(
        "SELECT 100.0 * sum(CAST(overcrowded AS INTEGER)) / sum(CAST(available_beds AS INTEGER)) "
        "FROM beds WHERE care_type = 'somatic'"
    ).fetchone() or (None,)
    assert rate is not None
    assert OVERCROWDING_LOW <= rate <= OVERCROWDING_HIGH, f"{rate:.2f} per 100 beds"
    assert _within(rate, 5.5), f"{rate:.2f} per 100 beds"


def test_primary_care_is_mostly_within_its_limits(con: duckdb.DuckDBPyConnection) -> None:
    """Not a published target, but the 0-3 guarantee should mostly hold in primary care."""
    rows = con.execute(
        """
        WITH s AS (SELECT pathway_id, entry_type, CAST(event_date AS DATE) d
                   FROM pathway_events WHERE event_type = 'clock_start'),
             r AS (SELECT pathway_id, CAST(event_date AS DATE) d
                   FROM pathway_events WHERE event_type = 'removal')
        SELECT s.entry_type,
               avg(CASE WHEN date_diff('day', s.d, r.d) <= (CASE s.entry_type
                   WHEN 'primary_contact' THEN 0 ELSE 3 END) THEN 1 ELSE 0 END)
        FROM s JOIN r USING (pathway_id)
        WHERE s.entry_type LIKE 'primary%' GROUP BY 1
        """
    ).fetchall()
    shares = dict(rows)
    assert shares["primary_contact"] > 0.9
    assert 0.7 < shares["primary_assessment"] < 0.98
