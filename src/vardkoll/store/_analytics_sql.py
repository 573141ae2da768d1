"""The SELECTs that fill each table of the analytics store (docs/reference/analytics-schema.md).

They read the relations staged by :mod:`._analytics_build`: ``in_<kind>`` (current rows;
for patient kinds ``ps_<kind>`` with pseudonyms), ``vk_facts`` (per pseudonym: identity type,
birth date, sex), and the pathway tables ``vk_state``, ``vk_pauses``, ``vk_units``,
``vk_paused``; ``waiting_snapshots`` reads the finished ``out.pathways`` and ``out.pauses``
with ``vk_snapshot_dates`` and ``vk_limits``. Every table is written in a fixed order so the
same input gives the same file content.
"""

from __future__ import annotations

__all__ = ["IDENTITY_FACTS_SELECT", "IDENTITY_FACTS_SQL", "OUTPUT_TABLES"]

# Birth date and sex from the canonical identity (docs/reference/domain.md), vectorised; checked
# against vardkoll.domain.parse_identity in the tests. The sex digit is the 11th character of every
# canonical form; a samordningsnummer's day is the birth day + 60; a reserve identity's
# century field is 19 or 20 by its remainder mod 3 (00: birth date unknown).
IDENTITY_FACTS_SELECT = """
SELECT patient_pseudonym, identity_type,
    CASE identity_type
        WHEN 'personnummer' THEN TRY_CAST(try_strptime(substr(patient_id, 1, 8), '%Y%m%d')
                                          AS DATE)
        WHEN 'samordningsnummer' THEN TRY_CAST(try_strptime(
            substr(patient_id, 1, 6)
            || lpad(CAST(TRY_CAST(substr(patient_id, 7, 2) AS INTEGER) - 60 AS VARCHAR), 2, '0'),
            '%Y%m%d') AS DATE)
        WHEN 'reservnummer' THEN CASE TRY_CAST(substr(patient_id, 1, 2) AS INTEGER) % 3
            WHEN 1 THEN TRY_CAST(try_strptime('19' || substr(patient_id, 3, 6), '%Y%m%d') AS DATE)
            WHEN 2 THEN TRY_CAST(try_strptime('20' || substr(patient_id, 3, 6), '%Y%m%d') AS DATE)
            END
    END AS birth_date,
    CASE TRY_CAST(substr(patient_id, 11, 1) AS INTEGER) % 2 WHEN 1 THEN 'M' WHEN 0 THEN 'F' END
        AS sex
FROM vk_pat
"""
IDENTITY_FACTS_SQL = "CREATE TEMP TABLE vk_facts AS " + IDENTITY_FACTS_SELECT

_UNITS = "(SELECT unit_id, provider_id FROM in_units)"

OUTPUT_TABLES: dict[str, str] = {
    "units": """
        SELECT unit_id, unit_name, provider_id, provider_name, ownership, region_code,
               municipality_code, CAST(latitude AS DOUBLE) AS latitude,
               CAST(longitude AS DOUBLE) AS longitude,
               CAST(string_split(specialties, '|') AS VARCHAR[]) AS specialties
        FROM in_units ORDER BY unit_id""",
    "pathways": f"""
        SELECT s.source_system || ':' || s.pathway_id AS pathway_key,
               s.patient_id AS patient_pseudonym,
               f.identity_type,
               coalesce(f.sex, s.patient_sex) AS sex,
               CAST(year(coalesce(f.birth_date, s.patient_birth_date)) AS INTEGER) AS birth_year,
               CAST(year(s.clock_start) - year(coalesce(f.birth_date, s.patient_birth_date))
                    - CASE WHEN strftime(s.clock_start, '%m%d')
                                < strftime(coalesce(f.birth_date, s.patient_birth_date), '%m%d')
                           THEN 1 ELSE 0 END AS INTEGER) AS age_at_clock_start,
               s.home_municipality, s.region_code, u.provider_id, s.unit_id, s.specialty,
               s.entry_type, CAST(s.priority AS INTEGER) AS priority, s.procedure_code,
               s.clock_start, s.removed_on, s.removal_reason, s.has_pvv, s.has_mov,
               CAST(d.paused_days_total AS INTEGER) AS paused_days_total, s.guarantee_void,
               s.guarantee_void_since
        FROM vk_state s
        LEFT JOIN vk_facts f ON f.patient_pseudonym = s.patient_id
        LEFT JOIN {_UNITS} u ON u.unit_id = s.unit_id
        LEFT JOIN vk_paused d ON d.source_system = s.source_system
            AND d.pathway_id = s.pathway_id
        ORDER BY pathway_key""",
    "pauses": """
        SELECT source_system || ':' || pathway_id AS pathway_key, reason, start_date, end_date
        FROM vk_pauses ORDER BY pathway_key, start_date, reason""",
    "pathway_units": """
        SELECT source_system || ':' || pathway_id AS pathway_key, unit_id, valid_from, valid_to
        FROM vk_units ORDER BY pathway_key, valid_from, unit_id""",
    "production": """
        SELECT unit_id, entry_type, week AS iso_week,
               CAST(make_date(CAST(substr(week, 1, 4) AS INTEGER), 1, 4)
                    - CAST(isodow(make_date(CAST(substr(week, 1, 4) AS INTEGER), 1, 4)) - 1
                           AS INTEGER)
                    + 7 * (CAST(substr(week, 7, 2) AS INTEGER) - 1) AS DATE) AS week_start,
               CAST(planned AS INTEGER) AS planned, CAST(performed AS INTEGER) AS performed
        FROM in_production ORDER BY unit_id, entry_type, iso_week""",
    "beds": """
        SELECT ward_id, unit_id, hospital, care_type, date,
               CAST(available_beds AS INTEGER) AS available_beds,
               CAST(occupied_beds AS INTEGER) AS occupied_beds,
               CAST(overcrowded AS INTEGER) AS overcrowded,
               CAST(outliers AS INTEGER) AS outliers
        FROM in_beds ORDER BY ward_id, date""",
    "theatre_sessions": """
        SELECT session_id, unit_id, theatre_id, date, specialty,
               CAST(planned_minutes AS INTEGER) AS planned_minutes,
               CAST(used_minutes AS INTEGER) AS used_minutes, cancelled
        FROM in_theatre_sessions ORDER BY session_id""",
    "ed_visits": """
        SELECT visit_id, unit_id, patient_id AS patient_pseudonym,
               CAST(arrival AS TIMESTAMPTZ) AS arrival, CAST(triage AS INTEGER) AS triage,
               CAST(physician_seen AS TIMESTAMPTZ) AS physician_seen,
               CAST(departure AS TIMESTAMPTZ) AS departure, disposition
        FROM ps_ed_visits ORDER BY visit_id""",
    "inpatient_stays": """
        SELECT stay_id, patient_id AS patient_pseudonym, unit_id, ward_id, care_type,
               municipality_code,
               CAST(admitted AS TIMESTAMPTZ) AS admitted,
               CAST(admission_notice_sent AS TIMESTAMPTZ) AS admission_notice_sent,
               CAST(ready_for_discharge AS TIMESTAMPTZ) AS ready_for_discharge,
               CAST(discharged AS TIMESTAMPTZ) AS discharged,
               CAST(string_split(diagnoses, '|') AS VARCHAR[]) AS diagnoses
        FROM ps_inpatient_stays ORDER BY stay_id""",
    # Who was still waiting at the build date and at each of the 47 month ends before it
    # (``vk_snapshot_dates``), counted per region, unit, specialty, entry type and limit: the
    # overview of any selectable date reads thousands of these rows instead of replaying
    # millions of pathways. A materialised cache of vardkoll.analytics.still_waiting (the one
    # definition: pause-adjusted days, the rule-set version in force at clock start, a void
    # guarantee reported apart from the day it became void); a test checks the two agree.
    "waiting_snapshots": """
        WITH waiting AS (
            SELECT d.month_end, d.rule_set, p.pathway_key, p.region_code, p.unit_id,
                   p.specialty, p.entry_type, p.clock_start,
                   coalesce(p.guarantee_void_since <= d.month_end, false) AS void
            FROM out.pathways p JOIN vk_snapshot_dates d
              ON p.clock_start <= d.month_end
             AND (p.removed_on IS NULL OR p.removed_on > d.month_end)),
        paused AS (
            SELECT w.month_end, w.pathway_key,
                   sum(greatest(0, date_diff('day', greatest(pa.start_date, w.clock_start),
                       least(coalesce(pa.end_date, w.month_end), w.month_end)))) AS days
            FROM waiting w JOIN out.pauses pa ON pa.pathway_key = w.pathway_key
            GROUP BY 1, 2),
        judged AS (
            SELECT w.month_end, w.rule_set, w.region_code, w.unit_id, w.specialty,
                   w.entry_type, w.void, l.limit_days,
                   date_diff('day', w.clock_start, w.month_end) - coalesce(z.days, 0)
                       AS days_waited
            FROM waiting w
            LEFT JOIN paused z ON z.month_end = w.month_end AND z.pathway_key = w.pathway_key
            LEFT JOIN vk_limits l ON l.entry_type = w.entry_type
                AND w.clock_start >= l.valid_from
                AND (l.valid_to IS NULL OR w.clock_start <= l.valid_to))
        SELECT month_end, rule_set, region_code, unit_id, specialty, entry_type,
               CAST(limit_days AS INTEGER) AS limit_days,
               count(*) AS waiting,
               count(*) FILTER (WHERE NOT void AND limit_days IS NOT NULL
                                AND days_waited <= limit_days) AS within_limit,
               count(*) FILTER (WHERE NOT void AND limit_days IS NOT NULL
                                AND days_waited > limit_days) AS beyond_limit,
               count(*) FILTER (WHERE void) AS guarantee_void
        FROM judged GROUP BY ALL
        ORDER BY month_end, region_code, unit_id, specialty, entry_type, limit_days""",
}
