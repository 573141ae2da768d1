"""The pathway rules of :func:`vardkoll.domain.reconstruct_pathway`, set-based in DuckDB SQL.

Why a second implementation: the domain replays one pathway at a time in Python, which is
the reference but far too slow for a region's (let alone the nation's) millions of events.
These statements compute the same state for every pathway at once — corrections, voids,
pauses that count, redress offers that void the guarantee, new clocks after a void, the unit
at removal — and ``tests/store/test_pathway_sql.py`` checks them against the domain replay on
generated histories.

The two agree on every history that :func:`vardkoll.domain.validate_pathway` accepts. For a
history that breaks its rules the domain skips offending events one by one; here a later
``clock_start`` that does not follow a voided guarantee is ignored the same way, but its
events stay attributed to the epoch they follow, and a PVV pause's in-limit check counts all
earlier pauses (the domain counts only those that were themselves valid).

How it stays fast: every pathway gets an integer key ``pw`` and every event its row index
``_i`` in the input; the replay works on a narrow *spine* (``pw``, ``_i``, order, type, date)
and fetches other columns by ``_i`` only for the few rows that need them (clock starts,
pauses, offers, the last event of each pathway). Wide rows are never copied.

Output: temporary tables ``vk_state`` (one row per pathway with an applied clock start),
``vk_pauses`` (the pauses that count) and, on request, ``vk_units`` (responsible units).
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow as pa

from vardkoll.domain import rule_set_versions

__all__ = ["build_pathway_tables", "limits_table", "paused_days_sql"]

_FAR_FUTURE = dt.date(9999, 12, 31)


def limits_table(rule_set: str = "se-national") -> pa.Table:
    """The guarantee limits of ``rule_set``, one row per version and entry type."""
    rows: dict[str, list[object]] = {
        "valid_from": [],
        "valid_to": [],
        "entry_type": [],
        "limit_days": [],
    }
    for version in rule_set_versions(rule_set):
        for entry_type, limit in version.limits.items():
            rows["valid_from"].append(version.valid_from)
            rows["valid_to"].append(version.valid_to)
            rows["entry_type"].append(entry_type)
            rows["limit_days"].append(limit)
    return pa.table(
        rows,
        schema=pa.schema(
            [
                ("valid_from", pa.date32()),
                ("valid_to", pa.date32()),
                ("entry_type", pa.string()),
                ("limit_days", pa.int64()),
            ]
        ),
    )


_SPINE = [
    # Integer keys, and a narrow spine of every event.
    """CREATE OR REPLACE TEMP TABLE vk_keys AS
    SELECT row_number() OVER (ORDER BY source_system, pathway_id) AS pw, source_system, pathway_id
    FROM (SELECT DISTINCT source_system, pathway_id FROM vk_in)""",
    """CREATE OR REPLACE TEMP TABLE vk_all AS
    SELECT k.pw, e._i, e.event_seq, e.event_type, e.event_date, e.supersedes_seq
    FROM vk_in e JOIN vk_keys k USING (source_system, pathway_id)""",
]

_CORRECTIONS = [
    # Valid corrections (a void is one too): they name an earlier event that is not a void.
    """CREATE OR REPLACE TEMP TABLE vk_corr AS
    SELECT c.pw, c.event_seq AS seq, c.supersedes_seq AS target
    FROM (SELECT * FROM vk_all WHERE supersedes_seq IS NOT NULL) c
    JOIN vk_all t ON t.pw = c.pw AND t.event_seq = c.supersedes_seq
    WHERE c.supersedes_seq < c.event_seq AND t.event_type <> 'void'""",
    # Replaced: every target, and an earlier correction of a target corrected again.
    """CREATE OR REPLACE TEMP TABLE vk_replaced AS
    SELECT pw, target AS seq FROM vk_corr
    UNION
    SELECT c1.pw, c1.seq FROM vk_corr c1
    JOIN vk_corr c2 ON c2.pw = c1.pw AND c2.target = c1.target AND c2.seq > c1.seq""",
    # A correction takes the place of what it replaced (following chains to the root).
    """CREATE OR REPLACE TEMP TABLE vk_place AS
    WITH RECURSIVE chain(pw, seq, root, depth) AS (
        SELECT pw, seq, target, 1 FROM vk_corr
        UNION ALL
        SELECT ch.pw, ch.seq, c.target, ch.depth + 1
        FROM chain ch JOIN vk_corr c ON c.pw = ch.pw AND c.seq = ch.root
        WHERE ch.depth < 64)
    SELECT pw, seq, arg_max(root, depth) AS place FROM chain GROUP BY ALL""",
]


def _replay(on: str, with_corrections: bool) -> list[str]:
    if with_corrections:
        effective = f"""
            SELECT a.pw, a._i, a.event_seq, a.event_type, a.event_date,
                   row_number() OVER (PARTITION BY a.pw
                       ORDER BY coalesce(p.place, a.event_seq), a.event_seq) AS ord
            FROM vk_all a
            LEFT JOIN vk_place p ON p.pw = a.pw AND p.seq = a.event_seq
            ANTI JOIN vk_replaced r ON r.pw = a.pw AND r.seq = a.event_seq
            WHERE a.event_type <> 'void' AND a.event_date <= {on}"""
    else:
        effective = f"""
            SELECT pw, _i, event_seq, event_type, event_date,
                   row_number() OVER (PARTITION BY pw ORDER BY event_seq) AS ord
            FROM vk_all WHERE event_type <> 'void' AND event_date <= {on}"""
    return [
        # Effective events dated on or before the evaluation date, in replay order.
        f"CREATE OR REPLACE TEMP TABLE vk_eff AS {effective}",
        # Candidate epochs: each clock_start opens one; events before the first are skipped.
        """CREATE OR REPLACE TEMP TABLE vk_e1 AS
        SELECT * FROM (
            SELECT *, sum(CASE WHEN event_type = 'clock_start' THEN 1 ELSE 0 END) OVER (
                PARTITION BY pw ORDER BY ord ROWS UNBOUNDED PRECEDING) AS epoch
            FROM vk_eff) WHERE epoch >= 1""",
        """CREATE OR REPLACE TEMP TABLE vk_cand AS
        SELECT e.pw, e.epoch, e.ord AS start_ord, e._i AS start_i, e.event_date AS clock,
               i.entry_type, i.specialty, i.home_municipality, l.limit_days
        FROM (SELECT * FROM vk_e1 WHERE event_type = 'clock_start') e
        JOIN vk_in i ON i._i = e._i
        LEFT JOIN vk_limits l ON l.entry_type = i.entry_type
            AND e.event_date >= l.valid_from
            AND (l.valid_to IS NULL OR e.event_date <= l.valid_to)""",
        # The removal that ends the pathway: the first one not dated before its clock start.
        """CREATE OR REPLACE TEMP TABLE vk_rem AS
        SELECT e.pw, min(e.ord) AS removal_ord, arg_min(e.event_date, e.ord) AS removed_on,
               arg_min(e._i, e.ord) AS removal_i
        FROM (SELECT * FROM vk_e1 WHERE event_type = 'removal') e
        JOIN vk_cand c ON c.pw = e.pw AND c.epoch = e.epoch
        WHERE e.event_date >= c.clock
        GROUP BY ALL""",
        # Events up to the removal.
        """CREATE OR REPLACE TEMP TABLE vk_e2 AS
        SELECT e.* FROM vk_e1 e LEFT JOIN vk_rem r ON r.pw = e.pw
        WHERE r.removal_ord IS NULL OR e.ord <= r.removal_ord""",
        # Pauses: a start applies when none runs; the next end closes it; removal closes too.
        """CREATE OR REPLACE TEMP TABLE vk_pe AS
        SELECT *, sum(CASE WHEN applied_start THEN 1 ELSE 0 END) OVER (
                PARTITION BY pw, epoch ORDER BY ord ROWS UNBOUNDED PRECEDING) AS grp
        FROM (
            SELECT e.pw, e.epoch, e.ord, e.event_type, e.event_date, i.pause_reason,
                   i.reference,
                   e.event_type = 'pause_start' AND coalesce(lag(e.event_type) OVER w,
                       'pause_end') = 'pause_end' AS applied_start,
                   e.event_type = 'pause_end' AND coalesce(lag(e.event_type) OVER w, '')
                       = 'pause_start' AS applied_end
            FROM (SELECT * FROM vk_e2 WHERE event_type IN ('pause_start', 'pause_end')) e
            JOIN vk_in i ON i._i = e._i
            WHERE e.event_type = 'pause_end' OR i.pause_reason IS NOT NULL
            WINDOW w AS (PARTITION BY e.pw, e.epoch ORDER BY e.ord))""",
        """CREATE OR REPLACE TEMP TABLE vk_p1 AS
        SELECT p.*, coalesce(p.end_event_date, r.removed_on) AS end_date
        FROM (
            SELECT p.pw, p.epoch, p.grp,
                   min(p.ord) FILTER (WHERE p.applied_start) AS start_ord,
                   arg_min(p.event_date, p.ord) FILTER (WHERE p.applied_start) AS start_date,
                   arg_min(p.pause_reason, p.ord) FILTER (WHERE p.applied_start) AS reason,
                   trim(arg_min(coalesce(p.reference, ''), p.ord)
                        FILTER (WHERE p.applied_start)) AS ref,
                   min(p.ord) FILTER (WHERE p.event_type = 'pause_end') AS end_ord,
                   arg_min(p.event_date, p.ord) FILTER (WHERE p.event_type = 'pause_end')
                       AS end_event_date
            FROM vk_pe p WHERE p.grp >= 1 GROUP BY ALL) p
        LEFT JOIN vk_rem r ON r.pw = p.pw""",
        # Offers, and the offer a PVV pause names (by event_seq, else by what it corrected).
        """CREATE OR REPLACE TEMP TABLE vk_off AS
        SELECT e.pw, e.epoch, e.ord, e.event_seq, i.supersedes_seq, e.event_date, i.unit_id,
               i.offered_unit_id, i.appointment_date, i.offer_outcome, c.clock, c.limit_days
        FROM (SELECT * FROM vk_e2 WHERE event_type = 'offer') e
        JOIN vk_in i ON i._i = e._i
        JOIN vk_cand c ON c.pw = e.pw AND c.epoch = e.epoch""",
        """CREATE OR REPLACE TEMP TABLE vk_pvv AS
        SELECT p.pw, p.epoch, p.grp, o.offer_outcome, o.appointment_date
        FROM vk_p1 p JOIN vk_off o ON o.pw = p.pw AND o.epoch = p.epoch
            AND o.ord < p.start_ord
            AND (o.event_seq = TRY_CAST(p.ref AS BIGINT)
                 OR o.supersedes_seq = TRY_CAST(p.ref AS BIGINT))
        WHERE p.reason = 'PVV' AND regexp_full_match(p.ref, '[0-9]+')
        QUALIFY row_number() OVER (
            PARTITION BY p.pw, p.epoch, p.grp
            ORDER BY (o.event_seq = TRY_CAST(p.ref AS BIGINT)) DESC, o.ord) = 1""",
        # Paused days before the named offer's appointment, from the pauses before this one.
        """CREATE OR REPLACE TEMP TABLE vk_pvv_days AS
        SELECT v.pw, v.epoch, v.grp,
               coalesce(sum(CASE WHEN q.start_date IS NOT NULL THEN greatest(0, date_diff(
                   'day', greatest(q.start_date, c.clock),
                   least(coalesce(q.end_date, v.appointment_date), v.appointment_date))) END),
                   0) AS paused
        FROM vk_pvv v
        JOIN vk_cand c ON c.pw = v.pw AND c.epoch = v.epoch
        LEFT JOIN vk_p1 q ON q.pw = v.pw AND q.epoch = v.epoch AND q.grp < v.grp
        GROUP BY ALL""",
        """CREATE OR REPLACE TEMP TABLE vk_p2 AS
        SELECT p.*,
            CASE
                WHEN p.reason = 'MOV' THEN p.ref <> '' AND NOT regexp_full_match(p.ref, '[0-9]+')
                ELSE v.offer_outcome IS NOT NULL AND v.offer_outcome = 'declined' AND (
                    c.limit_days IS NULL OR (
                        v.appointment_date IS NOT NULL AND v.appointment_date >= c.clock
                        AND greatest(0, date_diff('day', c.clock, v.appointment_date)
                            - coalesce(d.paused, 0)) <= c.limit_days))
            END AS counts
        FROM vk_p1 p
        JOIN vk_cand c ON c.pw = p.pw AND c.epoch = p.epoch
        LEFT JOIN vk_pvv v ON v.pw = p.pw AND v.epoch = p.epoch AND v.grp = p.grp
        LEFT JOIN vk_pvv_days d ON d.pw = p.pw AND d.epoch = p.epoch AND d.grp = p.grp""",
        # Redress offers: at another unit, after the limit was passed; declined voids it.
        """CREATE OR REPLACE TEMP TABLE vk_void AS
        WITH paused AS (
            SELECT o.pw, o.ord, coalesce(sum(
                CASE WHEN p.start_date IS NOT NULL THEN greatest(0, date_diff('day',
                    greatest(p.start_date, o.clock),
                    least(CASE WHEN p.end_ord < o.ord THEN p.end_date END, o.event_date))) END),
                0) AS days
            FROM vk_off o
            LEFT JOIN vk_p2 p ON p.pw = o.pw AND p.epoch = o.epoch
                AND p.counts AND p.start_ord < o.ord
            GROUP BY ALL)
        SELECT o.pw, o.epoch, arg_min(o.event_date, o.ord) AS void_since
        FROM vk_off o JOIN paused d ON d.pw = o.pw AND d.ord = o.ord
        WHERE o.limit_days IS NOT NULL AND o.offered_unit_id IS NOT NULL
            AND o.offered_unit_id <> o.unit_id AND o.offer_outcome = 'declined'
            AND greatest(0, date_diff('day', o.clock, o.event_date) - d.days) > o.limit_days
        GROUP BY ALL""",
        # A later clock start applies only once the guarantee of the epoch before was void.
        """CREATE OR REPLACE TEMP TABLE vk_applied AS
        SELECT c.*, c.epoch = 1 OR v.void_since IS NOT NULL AS applied
        FROM vk_cand c LEFT JOIN vk_void v ON v.pw = c.pw AND v.epoch = c.epoch - 1""",
        """CREATE OR REPLACE TEMP TABLE vk_last AS
        SELECT a.* FROM vk_applied a LEFT JOIN vk_rem r ON r.pw = a.pw
        WHERE a.applied AND (r.removal_ord IS NULL OR a.start_ord <= r.removal_ord)
        QUALIFY row_number() OVER (PARTITION BY a.pw ORDER BY a.epoch DESC) = 1""",
        # Events that were not applied (so do not set the responsible unit).
        """CREATE OR REPLACE TEMP TABLE vk_skip AS
        SELECT a.pw, a.start_ord AS ord FROM vk_applied a WHERE NOT a.applied
        UNION ALL
        SELECT e.pw, e.ord FROM vk_e2 e JOIN vk_cand c ON c.pw = e.pw AND c.epoch = e.epoch
        WHERE e.event_type = 'removal' AND e.event_date < c.clock
        UNION ALL
        SELECT pw, ord FROM vk_pe WHERE NOT applied_start AND NOT applied_end
        UNION ALL
        SELECT e.pw, e.ord FROM (SELECT * FROM vk_e2 WHERE event_type = 'pause_start') e
        JOIN vk_in i ON i._i = e._i WHERE i.pause_reason IS NULL""",
        """CREATE OR REPLACE TEMP TABLE vk_app AS
        SELECT e.pw, e._i, e.ord, e.event_type, e.event_date FROM vk_e2 e
        ANTI JOIN vk_skip s ON s.pw = e.pw AND s.ord = e.ord""",
        """CREATE OR REPLACE TEMP TABLE vk_pauses_pw AS
        SELECT p.pw, p.reason, p.start_date, p.end_date
        FROM vk_p2 p JOIN vk_last l ON l.pw = p.pw AND p.epoch >= l.epoch
        WHERE p.counts""",
    ]


def _state(on: str) -> list[str]:
    return [
        """CREATE OR REPLACE TEMP TABLE vk_state AS
        WITH last_app AS (
            SELECT pw, arg_max(_i, ord) AS i FROM vk_app GROUP BY pw),
        procedure AS (
            SELECT a.pw, arg_max(x.procedure_code, a.ord) AS procedure_code
            FROM vk_app a
            JOIN (SELECT _i, procedure_code FROM vk_in WHERE procedure_code IS NOT NULL) x
                ON x._i = a._i
            GROUP BY a.pw),
        prio AS (
            SELECT a.pw, arg_max(x.priority, a.ord) AS priority
            FROM vk_app a
            JOIN vk_last l ON l.pw = a.pw AND a.ord >= l.start_ord
            JOIN (SELECT _i, priority FROM vk_in WHERE priority IS NOT NULL
                  AND event_type IN ('clock_start', 'priority_change')) x ON x._i = a._i
            GROUP BY a.pw),
        latest AS (SELECT pw, arg_max(_i, ord) AS i FROM vk_eff GROUP BY pw),
        prot AS (
            SELECT DISTINCT e.pw FROM vk_eff e
            JOIN (SELECT _i FROM vk_in WHERE protected_identity) x ON x._i = e._i),
        sex AS (
            SELECT e.pw, arg_max(x.patient_sex, e.ord) AS patient_sex FROM vk_eff e
            JOIN (SELECT _i, patient_sex FROM vk_in WHERE patient_sex IS NOT NULL) x
                ON x._i = e._i GROUP BY e.pw),
        born AS (
            SELECT e.pw, arg_max(x.patient_birth_date, e.ord) AS patient_birth_date
            FROM vk_eff e
            JOIN (SELECT _i, patient_birth_date FROM vk_in
                  WHERE patient_birth_date IS NOT NULL) x ON x._i = e._i GROUP BY e.pw),
        home AS (
            SELECT e.pw, arg_max(x.home_municipality, e.ord) AS home_municipality
            FROM vk_eff e
            JOIN (SELECT _i, home_municipality FROM vk_in
                  WHERE home_municipality IS NOT NULL) x ON x._i = e._i GROUP BY e.pw),
        pz AS (
            SELECT pw, bool_or(reason = 'PVV') AS has_pvv, bool_or(reason = 'MOV') AS has_mov,
                   bool_or(end_date IS NULL) AS paused
            FROM vk_pauses_pw GROUP BY pw),
        seqs AS (SELECT pw, max(event_seq) AS last_event_seq FROM vk_all GROUP BY pw)
        SELECT l.pw, k.source_system, k.pathway_id, pi.patient_id,
               pr.pw IS NOT NULL AS protected_identity, sx.patient_sex,
               bn.patient_birth_date,
               coalesce(l.home_municipality, hm.home_municipality) AS home_municipality,
               ui.region_code, ui.unit_id, l.specialty, l.entry_type, pq.priority,
               pc.procedure_code, l.clock AS clock_start, r.removed_on,
               ri.removal_reason,
               coalesce(pz.paused, false) AS paused,
               coalesce(pz.has_pvv, false) AS has_pvv, coalesce(pz.has_mov, false) AS has_mov,
               v.void_since IS NOT NULL AS guarantee_void, v.void_since AS guarantee_void_since,
               s.last_event_seq
        FROM vk_last l
        JOIN vk_keys k ON k.pw = l.pw
        JOIN seqs s ON s.pw = l.pw
        JOIN last_app la ON la.pw = l.pw
        JOIN vk_in ui ON ui._i = la.i
        JOIN latest lt ON lt.pw = l.pw
        JOIN vk_in pi ON pi._i = lt.i
        LEFT JOIN prot pr ON pr.pw = l.pw
        LEFT JOIN sex sx ON sx.pw = l.pw
        LEFT JOIN born bn ON bn.pw = l.pw
        LEFT JOIN home hm ON hm.pw = l.pw
        LEFT JOIN prio pq ON pq.pw = l.pw
        LEFT JOIN procedure pc ON pc.pw = l.pw
        LEFT JOIN pz ON pz.pw = l.pw
        LEFT JOIN vk_rem r ON r.pw = l.pw
        LEFT JOIN vk_in ri ON ri._i = r.removal_i
        LEFT JOIN vk_void v ON v.pw = l.pw AND v.epoch = l.epoch""",
        """CREATE OR REPLACE TEMP TABLE vk_pauses AS
        SELECT k.source_system, k.pathway_id, p.reason, p.start_date, p.end_date
        FROM vk_pauses_pw p JOIN vk_keys k ON k.pw = p.pw""",
    ]


_UNITS = """CREATE OR REPLACE TEMP TABLE vk_units AS
    SELECT k.source_system, k.pathway_id, u.unit_id, u.event_date AS valid_from,
           coalesce(lead(u.event_date) OVER w, r.removed_on) AS valid_to
    FROM (
        SELECT a.pw, a.ord, i.unit_id, a.event_date,
               lag(i.unit_id) OVER (PARTITION BY a.pw ORDER BY a.ord) AS prev_unit
        FROM vk_app a JOIN vk_in i ON i._i = a._i) u
    JOIN vk_keys k ON k.pw = u.pw
    LEFT JOIN vk_rem r ON r.pw = u.pw
    WHERE u.prev_unit IS NULL OR u.prev_unit <> u.unit_id
    WINDOW w AS (PARTITION BY u.pw ORDER BY u.ord)"""


def build_pathway_tables(
    con: duckdb.DuckDBPyConnection,
    events: pa.Table | str,
    *,
    limits: pa.Table,
    as_of: dt.date | None = None,
    with_units: bool = True,
) -> None:
    """Create ``vk_state``, ``vk_pauses`` (and ``vk_units``) from ``events``.

    ``events`` has the columns of ``pathway_events``: an Arrow table, or the name of a
    relation in ``con`` that also carries a unique ``_i`` (the staged analytics build replays
    one partition of pathways at a time without leaving DuckDB). ``as_of`` (default: every
    event) replays only events dated on or before it, after applying every correction known
    now — the domain's "history as known now, state as it stood then".
    """
    if isinstance(events, str):
        con.execute(f"CREATE OR REPLACE TEMP VIEW vk_in AS SELECT * FROM {events}")
    else:
        indexed = events.append_column("_i", pa.array(range(events.num_rows), pa.int64()))
        con.register("vk_in", indexed)
    con.register("vk_limits", limits)
    on = f"DATE '{(as_of or _FAR_FUTURE).isoformat()}'"
    for statement in _SPINE:
        con.execute(statement)
    row = con.execute("SELECT count(*) FROM vk_all WHERE supersedes_seq IS NOT NULL").fetchone()
    corrections = bool(row and row[0])
    statements = [*(_CORRECTIONS if corrections else []), *_replay(on, corrections), *_state(on)]
    if with_units:
        statements.append(_UNITS)
    for statement in statements:
        con.execute(statement)


def paused_days_sql(as_of: dt.date | None) -> str:
    """Paused days per pathway inside ``clock_start … min(as_of, removed_on) − 1``."""
    on = f"DATE '{(as_of or _FAR_FUTURE).isoformat()}'"
    return f"""
        SELECT s.source_system, s.pathway_id, CAST(coalesce(sum(
            CASE WHEN p.start_date IS NOT NULL THEN greatest(0, date_diff('day',
                greatest(p.start_date, s.clock_start),
                least(coalesce(p.end_date, {on}), coalesce(s.removed_on, {on}), {on}))) END),
            0) AS INTEGER) AS paused_days_total
        FROM vk_state s LEFT JOIN vk_pauses_pw p ON p.pw = s.pw
        GROUP BY ALL"""
