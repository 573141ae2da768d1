"""``Scope.apply`` narrows SQLAlchemy queries exactly like ``Scope.duckdb_where`` narrows DuckDB."""

from __future__ import annotations

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, MetaData, String, Table, create_engine, insert, select

from vardkoll.services.access.roles import ROLE_NAMES
from vardkoll.services.access.scope import Principal, Scope

ROWS = [
    (f"r{i}", region, unit, municipality)
    for i, (region, unit, municipality) in enumerate(
        [
            ("19", "A", "1980"),
            ("19", "B", "1983"),
            ("19", "A", "1983"),
            ("01", "C", "0180"),
            ("01", "A", "0180"),
            ("19", "C", "1980"),
        ]
    )
]
metadata = MetaData()
stays = Table(
    "stays",
    metadata,
    Column("id", String, primary_key=True),
    Column("region_code", String),
    Column("unit_id", String),
    Column("municipality_code", String),
)
ENGINE = create_engine("sqlite://")
metadata.create_all(ENGINE)
with ENGINE.begin() as conn:
    conn.execute(
        insert(stays),
        [
            dict(zip(("id", "region_code", "unit_id", "municipality_code"), r, strict=True))
            for r in ROWS
        ],
    )
DUCK = duckdb.connect()
DUCK.execute(
    "CREATE TABLE stays (id VARCHAR, region_code VARCHAR, unit_id VARCHAR, "
    "municipality_code VARCHAR)"
)
DUCK.executemany("INSERT INTO stays VALUES (?, ?, ?, ?)", ROWS)


def oracle(p: Principal, right: str) -> set[str]:
    reach = {
        ("aggregates", "national_analyst"): "all",
        ("aggregates", "regional_coordinator"): "region",
        ("aggregates", "care_guarantee_officer"): "region",
        ("aggregates", "clinic_manager"): "units",
        ("aggregates", "pks_analyst"): "units",
        ("waiting_list", "regional_coordinator"): "region",
        ("waiting_list", "care_guarantee_officer"): "region",
        ("waiting_list", "clinic_manager"): "units",
        ("discharge", "municipal_discharge_coordinator"): "municipality",
    }.get((right, p.role), "none")
    out = set()
    for row_id, region, unit, municipality in ROWS:
        if (
            reach == "all"
            or (reach == "region" and p.region_code and region == p.region_code)
            or (
                reach == "units"
                and p.region_code
                and region == p.region_code
                and unit in p.unit_ids
            )
            or (
                reach == "municipality"
                and p.region_code
                and region == p.region_code
                and p.municipality_code
                and municipality == p.municipality_code
            )
        ):
            out.add(row_id)
    return out


@settings(max_examples=200, deadline=None)
@given(
    role=st.sampled_from([*ROLE_NAMES, "unknown"]),
    region=st.sampled_from([None, "19", "01"]),
    units=st.lists(st.sampled_from(["A", "B", "C"]), unique=True, max_size=2),
    municipality=st.sampled_from([None, "1980", "1983", "0180"]),
    right=st.sampled_from(["aggregates", "waiting_list", "discharge"]),
)
def test_sqlalchemy_and_duckdb_filters_agree_with_the_oracle(
    role: str, region: str | None, units: list[str], municipality: str | None, right: str
) -> None:
    p = Principal(1, "u", role, region, tuple(units), municipality)
    scope = Scope.for_principal(p)
    query = scope.apply(
        select(stays.c.id),
        right,  # type: ignore[arg-type]
        region=stays.c.region_code,
        unit=stays.c.unit_id,
        municipality=stays.c.municipality_code,
    )
    with ENGINE.connect() as conn:
        got_sql = set(conn.execute(query).scalars())
    where, params = scope.duckdb_where(
        right,
        table="stays",
        municipality="municipality_code",  # type: ignore[arg-type]
    )
    got_duck = {
        r[0] for r in DUCK.execute(f"SELECT id FROM stays WHERE {where}", params).fetchall()
    }
    expected = oracle(p, right)
    assert got_sql == expected
    assert got_duck == expected


def test_a_disabled_account_reaches_nothing() -> None:
    p = Principal(1, "u", "national_analyst", None, (), None, active=False)
    assert Scope.for_principal(p).duckdb_where("aggregates", table="t") == ("FALSE", [])
