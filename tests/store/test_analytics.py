"""The analytics store: the documented schema, pseudonyms only, atomic swap, idempotent builds.

Built from the operational store (on both databases) and straight from files; both ways must
give the same tables for the same data.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from sqlalchemy import Engine
from vk_store_testdata import (
    BACKENDS,
    Problem,
    Validated,
    ed_rows,
    events_table,
    other_rows,
    personnummer,
    region_events,
    samordningsnummer,
    stay_rows,
    typed_table,
    unit_rows,
    validated,
)

from vardkoll.domain import nrid_check_digit, parse_identity, pseudonymise
from vardkoll.store import (
    ANALYTICS_TABLES,
    ImportRejected,
    analytics_checksums,
    build_analytics,
    import_validated,
    load_analytics_direct,
    make_engine,
    upgrade,
)
from vardkoll.store import _analytics as analytics_module
from vardkoll.store._analytics_sql import IDENTITY_FACTS_SQL

KEY = b"analytics-test-key"
AS_OF = dt.date(2025, 6, 1)
DOC = Path(__file__).resolve().parents[2] / "docs" / "reference" / "analytics-schema.md"
DIGIT_RUN = re.compile(r"(?=(\d{10}|\d{12}|\d{6}-\d{4}|\d{8}-\d{4}))")


def _files(seed: int = 1) -> dict[str, Validated]:
    rng = random.Random(seed)
    tables = {
        "units": typed_table("units", unit_rows(3)),
        "pathway_events": events_table(region_events(60, seed=seed)),
        "production": typed_table("production", other_rows("production", 20)),
        "beds": typed_table("beds", other_rows("beds", 12)),
        "theatre_sessions": typed_table("theatre_sessions", other_rows("theatre_sessions", 8)),
        "ed_visits": typed_table("ed_visits", ed_rows(rng, 25)),
        "inpatient_stays": typed_table("inpatient_stays", stay_rows(rng, 20)),
    }
    return {kind: validated(kind, t, source=f"{kind}.csv") for kind, t in tables.items()}


def _load(engine: Engine, files: dict[str, Validated]) -> None:
    for file in files.values():
        import_validated(engine, file, key=KEY)


def _identities(files: dict[str, Validated]) -> set[str]:
    out: set[str] = set()
    for kind in ("pathway_events", "ed_visits", "inpatient_stays"):
        out |= set(files[kind].valid.column("patient_id").to_pylist())
    return out


def _doc_columns() -> dict[str, list[str]]:
    """Table → column names, read from the schema document."""
    tables: dict[str, list[str]] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\| `(\w+)` \| (.+) \|$", line)
        if not m:
            continue
        items, depth, current = [], 0, ""
        for ch in m.group(2):
            depth += ch == "("
            depth -= ch == ")"
            if ch == "," and depth == 0:
                items.append(current)
                current = ""
            else:
                current += ch
        items.append(current)
        tables[m.group(1)] = [item.strip().split()[0] for item in items]
    return tables


_BUILT: dict[str, tuple[Path, dict[str, Validated]]] = {}


@pytest.fixture(params=BACKENDS)
def built(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, Validated]]:
    """One analytics file per backend, built once and only read by the tests that use it."""
    backend = request.param
    if backend not in _BUILT:
        folder = tmp_path_factory.mktemp(f"built-{backend}")
        if backend == "sqlite":
            url = f"sqlite:///{folder / 'store.sqlite3'}"
            upgrade(url)
        else:
            url = str(request.getfixturevalue("fresh_pg"))
        engine = make_engine(url)
        try:
            files = _files()
            _load(engine, files)
            path = folder / "analytics.duckdb"
            build_analytics(engine, path, key=KEY, as_of=AS_OF)
        finally:
            engine.dispose()
        _BUILT[backend] = (path, files)
    return _BUILT[backend]


def test_tables_and_columns_are_exactly_the_documented_ones(
    built: tuple[Path, dict[str, Validated]],
) -> None:
    path, _ = built
    documented = _doc_columns()
    assert set(documented) == set(ANALYTICS_TABLES)
    con = duckdb.connect(str(path), read_only=True)
    try:
        assert {r[0] for r in con.execute("SHOW TABLES").fetchall()} == set(documented)
        for table, columns in documented.items():
            described = con.execute(f"DESCRIBE {table}").fetchall()
            assert [r[0] for r in described] == columns, table
        types = {
            (t, r[0]): r[1] for t in documented for r in con.execute(f"DESCRIBE {t}").fetchall()
        }
    finally:
        con.close()
    expected = {
        ("units", "latitude"): "DOUBLE",
        ("units", "specialties"): "VARCHAR[]",
        ("pathways", "birth_year"): "INTEGER",
        ("pathways", "age_at_clock_start"): "INTEGER",
        ("pathways", "priority"): "INTEGER",
        ("pathways", "clock_start"): "DATE",
        ("pathways", "removed_on"): "DATE",
        ("pathways", "has_pvv"): "BOOLEAN",
        ("pathways", "paused_days_total"): "INTEGER",
        ("pathways", "guarantee_void"): "BOOLEAN",
        ("pauses", "end_date"): "DATE",
        ("pathway_units", "valid_to"): "DATE",
        ("production", "week_start"): "DATE",
        ("production", "planned"): "INTEGER",
        ("beds", "outliers"): "INTEGER",
        ("theatre_sessions", "cancelled"): "BOOLEAN",
        ("ed_visits", "arrival"): "TIMESTAMP WITH TIME ZONE",
        ("ed_visits", "triage"): "INTEGER",
        ("inpatient_stays", "discharged"): "TIMESTAMP WITH TIME ZONE",
        ("inpatient_stays", "diagnoses"): "VARCHAR[]",
        ("build_info", "built_at"): "TIMESTAMP WITH TIME ZONE",
        ("build_info", "rows_pathways"): "BIGINT",
    }
    assert {k: types[k] for k in expected} == expected


def test_only_pseudonyms_reach_the_file(built: tuple[Path, dict[str, Validated]]) -> None:
    path, files = built
    identities = _identities(files)
    assert len(identities) > 50
    raw = path.read_bytes()
    pseudonym = pseudonymise(sorted(identities)[0], KEY)
    assert pseudonym.encode() in raw  # the bytes are searchable: a positive control
    forms = {
        form
        for canonical in identities
        for form in (canonical, canonical[2:], f"{canonical[:8]}-{canonical[8:]}")
    }
    for form in forms:
        assert form.encode() not in raw
    con = duckdb.connect(str(path), read_only=True)
    try:
        for (table,) in con.execute("SHOW TABLES").fetchall():
            for name, dtype, *_ in con.execute(f"DESCRIBE {table}").fetchall():
                if "VARCHAR" not in dtype:
                    continue
                values = con.execute(
                    f"SELECT DISTINCT CAST({name} AS VARCHAR) FROM {table}"
                ).fetchall()
                for (value,) in values:
                    runs = set(DIGIT_RUN.findall(value or ""))
                    assert not runs & forms, (table, name)
        pseudonyms = {
            r[0] for r in con.execute("SELECT patient_pseudonym FROM pathways").fetchall()
        }
    finally:
        con.close()
    events = files["pathway_events"].valid.column("patient_id").to_pylist()
    assert pseudonyms <= {pseudonymise(c, KEY) for c in events}


def test_pathway_facts_follow_the_identity_and_the_units(
    built: tuple[Path, dict[str, Validated]],
) -> None:
    path, files = built
    facts = {}
    for canonical in set(files["pathway_events"].valid.column("patient_id").to_pylist()):
        ident = parse_identity(canonical, today=AS_OF)
        facts[pseudonymise(canonical, KEY)] = ident
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute(
            "SELECT patient_pseudonym, sex, birth_year, age_at_clock_start, clock_start, "
            "unit_id, provider_id, pathway_key FROM pathways"
        ).fetchall()
    finally:
        con.close()
    assert len(rows) == 60
    units = {r["unit_id"] for r in unit_rows(3)}
    for pseudonym, sex, birth_year, age, start, unit, provider, key in rows:
        ident = facts[pseudonym]
        assert ident.birth_date is not None
        assert (sex, birth_year) == (ident.sex, ident.birth_date.year)
        born = ident.birth_date
        assert age == start.year - born.year - ((start.month, start.day) < (born.month, born.day))
        assert provider == ("SE2321000198-P01" if unit in units else None)
        assert key.startswith("COSMIC-VMD:P")


def test_identity_facts_sql_agrees_with_parse_identity() -> None:
    rng = random.Random(5)
    ids = [personnummer(rng) for _ in range(300)] + [samordningsnummer(rng) for _ in range(300)]
    for _ in range(300):
        born = dt.date(1920, 1, 1) + dt.timedelta(days=rng.randrange(0, 38_000))
        xx = (born.year // 100) + 3 + 3 * rng.randrange(0, 3)
        letters = rng.choice("ABCDEFGH") + rng.choice("JKLMNP")
        body = f"{xx:02d}{born:%y%m%d}{letters}{rng.randrange(10)}"
        ids.append(body + str(nrid_check_digit(body)))
    parsed = [parse_identity(i, today=dt.date(2026, 1, 1)) for i in ids]
    con = duckdb.connect()
    try:
        con.register(
            "vk_pat",
            pa.table(
                {
                    "patient_id": ids,
                    "identity_type": [p.type for p in parsed],
                    "patient_pseudonym": [str(n) for n in range(len(ids))],
                }
            ),
        )
        con.execute(IDENTITY_FACTS_SQL)
        got = con.execute(
            "SELECT birth_date, sex FROM vk_facts ORDER BY CAST(patient_pseudonym AS INT)"
        ).fetchall()
    finally:
        con.close()
    assert got == [(p.birth_date, p.sex) for p in parsed]
    assert {p.type for p in parsed} == {"personnummer", "samordningsnummer", "reservnummer"}


def test_week_start_is_the_iso_monday(built: tuple[Path, dict[str, Validated]]) -> None:
    path, _ = built
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute("SELECT iso_week, week_start FROM production").fetchall()
    finally:
        con.close()
    assert rows
    for week, start in rows:
        year, number = int(week[:4]), int(week[6:])
        assert start == dt.date.fromisocalendar(year, number, 1)


def test_rebuild_swaps_atomically_and_leaves_no_debris(engine: Engine, tmp_path: Path) -> None:
    files = _files()
    _load(engine, files)
    path = tmp_path / "analytics" / "a.duckdb"
    build_analytics(engine, path, key=KEY, as_of=dt.date(2024, 6, 1))
    reader = duckdb.connect(str(path), read_only=True)
    try:
        old = reader.execute("SELECT count(*) FROM pathways").fetchone()
        build_analytics(engine, path, key=KEY, as_of=dt.date(2025, 12, 31))
        # The open reader keeps the file it opened; a new reader gets the new build.
        assert reader.execute("SELECT count(*) FROM pathways").fetchone() == old
    finally:
        reader.close()
    fresh = duckdb.connect(str(path), read_only=True)
    try:
        assert fresh.execute("SELECT as_of FROM build_info").fetchone() == (dt.date(2025, 12, 31),)
        new = fresh.execute("SELECT count(*) FROM pathways").fetchone()
    finally:
        fresh.close()
    assert new is not None
    assert old is not None
    assert new[0] > old[0]
    assert [p.name for p in path.parent.iterdir()] == ["a.duckdb"]


def test_a_failed_build_keeps_the_old_file(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _load(engine, _files())
    folder = tmp_path / "analytics"
    path = folder / "a.duckdb"
    build_analytics(engine, path, key=KEY, as_of=AS_OF)
    before = analytics_checksums(path)
    broken = dict(analytics_module.OUTPUT_TABLES, beds="SELECT no_such_column FROM in_beds")
    monkeypatch.setattr(analytics_module, "OUTPUT_TABLES", broken)
    with pytest.raises(duckdb.Error):
        build_analytics(engine, path, key=KEY, as_of=AS_OF)
    assert analytics_checksums(path) == before
    assert [p.name for p in folder.iterdir()] == ["a.duckdb"]


def test_direct_path_equals_the_store_path_and_is_idempotent(
    engine: Engine, tmp_path: Path
) -> None:
    files = _files(seed=4)
    _load(engine, files)
    via_store = tmp_path / "store.duckdb"
    build_analytics(engine, via_store, key=KEY, as_of=AS_OF)
    by_path = {Path(f"/in/{kind}.csv"): file for kind, file in files.items()}
    direct = tmp_path / "direct.duckdb"
    load_analytics_direct(list(by_path), direct, key=KEY, read=by_path.__getitem__, as_of=AS_OF)
    first = analytics_checksums(direct)
    load_analytics_direct(list(by_path), direct, key=KEY, read=by_path.__getitem__, as_of=AS_OF)
    assert analytics_checksums(direct) == first
    store_sums = analytics_checksums(via_store)
    assert {t: s for t, s in first.items() if t != "build_info"} == {
        t: s for t, s in store_sums.items() if t != "build_info"
    }


def test_direct_path_later_file_wins_and_problems_reject(tmp_path: Path) -> None:
    rows = other_rows("beds", 4)
    changed = [dict(r) for r in rows]
    changed[0]["occupied_beds"] = 77
    inputs = {
        Path("/in/old.csv"): validated("beds", typed_table("beds", rows)),
        Path("/in/new.csv"): validated("beds", typed_table("beds", changed)),
    }
    path = tmp_path / "n.duckdb"
    load_analytics_direct(list(inputs), path, key=KEY, read=inputs.__getitem__, as_of=AS_OF)
    con = duckdb.connect(str(path), read_only=True)
    try:
        assert con.execute("SELECT max(occupied_beds) FROM beds").fetchone() == (77,)
        assert con.execute("SELECT count(*) FROM beds").fetchone() == (4,)
    finally:
        con.close()
    before = analytics_checksums(path)
    bad = {
        Path("/in/bad.csv"): validated(
            "beds",
            typed_table("beds", rows),
            problems=(Problem("bad.csv", 3, "date", "x", "not_date"),),
        )
    }
    with pytest.raises(ImportRejected):
        load_analytics_direct(list(bad), path, key=KEY, read=bad.__getitem__)
    assert analytics_checksums(path) == before
    report = load_analytics_direct(
        list(bad), path, key=KEY, read=bad.__getitem__, accept_valid=True, as_of=AS_OF
    )
    assert report.rows["beds"] == 4


def test_as_of_leaves_out_pathways_not_yet_started(engine: Engine, tmp_path: Path) -> None:
    events = region_events(50, seed=9)
    import_validated(engine, validated("pathway_events", events_table(events)), key=KEY)
    cut = dt.date(2024, 8, 1)
    report = build_analytics(engine, tmp_path / "c.duckdb", key=KEY, as_of=cut)
    started = {
        e.pathway_id for e in events if e.event_type == "clock_start" and e.event_date <= cut
    }
    assert report.rows["pathways"] == len(started)
