"""The set-based pathway replay (DuckDB SQL) against the domain's one-pathway replay.

``vardkoll.domain.reconstruct_pathway`` is the reference. Generated histories exercise
pauses (PVV naming a declined in-limit offer, MOV naming a clinician), offers, transfers,
corrections and voids, redress offers that void the guarantee, and new clocks after a void;
every history the domain's validation accepts must come out the same, field by field, on
several evaluation dates. Invalid histories must not break the SQL.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st
from vk_store_testdata import events_table, random_history

from vardkoll.domain import (
    PathwayEvent,
    days_waited,
    reconstruct_pathway,
    validate_pathway,
)
from vardkoll.store._pathway_sql import build_pathway_tables, limits_table, paused_days_sql

ON_DATES = (dt.date(2024, 3, 1), dt.date(2024, 9, 1), dt.date(2025, 6, 1), dt.date(2027, 1, 1))


def _expected(events: list[PathwayEvent], on: dt.date) -> dict[str, Any] | None:
    s = reconstruct_pathway(events, on)
    if s.clock_start is None:
        return None
    end = on if s.removal_date is None else min(on, s.removal_date)
    paused = (end - s.clock_start).days - days_waited(s.clock_start, end, s.pauses)
    return {
        "clock_start": s.clock_start,
        "removed_on": s.removal_date,
        "removal_reason": s.removal_reason,
        "unit_id": s.unit_id,
        "priority": s.priority,
        "entry_type": s.entry_type,
        "specialty": s.specialty,
        "guarantee_void": s.guarantee_void,
        "guarantee_void_since": s.guarantee_void_since,
        "has_pvv": any(p[2] == "PVV" for p in s.pauses),
        "has_mov": any(p[2] == "MOV" for p in s.pauses),
        "paused": s.status == "paused",
        "paused_days_total": paused,
        "patient_id": s.patient_id,
        "pauses": sorted((p[2], p[0], p[1]) for p in s.pauses),
    }


def _sql_states(events: list[PathwayEvent], on: dt.date) -> dict[str, dict[str, Any]]:
    con = duckdb.connect()
    try:
        build_pathway_tables(con, events_table(events), limits=limits_table(), as_of=on)
        rows = con.sql(
            f"""SELECT s.*, d.paused_days_total FROM vk_state s
            JOIN ({paused_days_sql(on)}) d USING (source_system, pathway_id)"""
        ).to_arrow_table()
        pauses = con.sql("SELECT * FROM vk_pauses").to_arrow_table().to_pylist()
    finally:
        con.close()
    out = {r["pathway_id"]: r for r in rows.to_pylist()}
    for r in out.values():
        r["pauses"] = []
    for p in pauses:
        out[p["pathway_id"]]["pauses"].append((p["reason"], p["start_date"], p["end_date"]))
    for r in out.values():
        r["pauses"].sort()
    return out


def _histories(seed: int, n: int) -> tuple[dict[str, list[PathwayEvent]], int]:
    rng = random.Random(seed)
    valid: dict[str, list[PathwayEvent]] = {}
    invalid = 0
    for i in range(n):
        history = random_history(rng, pathway_id=f"P{i}")
        if validate_pathway(history):
            invalid += 1
            continue
        valid[f"P{i}"] = history
    return valid, invalid


def _compare(
    histories: dict[str, list[PathwayEvent]], dates: tuple[dt.date, ...] = ON_DATES
) -> list[str]:
    events = [e for h in histories.values() for e in h]
    mismatches = []
    for on in dates:
        got = _sql_states(events, on)
        for pid, history in histories.items():
            want = _expected(history, on)
            have = got.get(pid)
            if want is None or have is None:
                if want is not None or have is not None:
                    mismatches.append(f"{pid} on {on}: domain {want!r}, sql {have!r}")
                continue
            diff = {k: (v, have[k]) for k, v in want.items() if have[k] != v}
            if diff:
                mismatches.append(f"{pid} on {on}: {diff}")
    return mismatches


def test_sql_matches_the_domain_on_many_valid_histories() -> None:
    histories, _ = _histories(seed=20250305, n=400)
    kinds = [e.event_type for h in histories.values() for e in h]
    # The sample really covers the hard cases.
    assert kinds.count("void") >= 5
    assert sum(any(e.supersedes_seq for e in h) for h in histories.values()) >= 20
    assert sum(k == "clock_start" for k in kinds) > len(histories) + 20  # new clocks
    assert (
        sum(reconstruct_pathway(h, ON_DATES[-1]).guarantee_void for h in histories.values()) >= 10
    )
    assert _compare(histories) == []


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_sql_matches_the_domain_for_any_seed(seed: int) -> None:
    histories, _ = _histories(seed, n=40)
    assert _compare(histories, ON_DATES[1::2]) == []


def test_invalid_histories_still_give_a_state() -> None:
    rng = random.Random(99)
    broken = []
    for i in range(300):
        history = random_history(rng, pathway_id=f"X{i}")
        if validate_pathway(history):
            broken += history
    got = _sql_states(broken, ON_DATES[-1])
    starts = {e.pathway_id for e in broken if e.event_type == "clock_start"}
    assert set(got) == starts
    assert all(r["clock_start"] is not None and r["unit_id"] for r in got.values())


def test_a_pathway_without_clock_start_has_no_state() -> None:
    history = random_history(random.Random(3), pathway_id="P1")
    rest = [e for e in history if e.event_type != "clock_start"]
    assert _sql_states(rest or history[:0], ON_DATES[-1]) == {}


def test_limits_follow_the_rule_set_versions() -> None:
    rows = limits_table().to_pylist()
    old = {r["entry_type"]: r["limit_days"] for r in rows if r["valid_from"].year == 2010}
    new = {r["entry_type"]: r["limit_days"] for r in rows if r["valid_from"].year == 2019}
    assert old["primary_assessment"] == 7
    assert new["primary_assessment"] == 3
    assert new["treatment"] == 90
    assert new["examination"] is None
