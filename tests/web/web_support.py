"""A small world for the web and API tests: an analytics store, an operational store, accounts.

The analytics DuckDB file follows docs/reference/analytics-schema.md (the tables the web reads);
the operational store is migrated with the real Alembic migrations. Rows are few and hand-made
so every expected number can be checked by an independent reference in the tests.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from vardkoll.domain import luhn_check_digit, pseudonymise
from vardkoll.http.app import create_app
from vardkoll.http.context import SESSION_COOKIE
from vardkoll.services.access.accounts import create_api_token, create_user
from vardkoll.services.access.auth import start_session
from vardkoll.settings import Settings
from vardkoll.store import make_engine, upgrade
from vardkoll.store._auth_models import User

SECRET = "test-secret-key-0123456789-abcdefghijklmnop"
AS_OF = dt.date(2025, 3, 31)
UNITS = {  # unit_id: (region, municipality, name)
    "SE19-A": ("19", "1980", "Ortopedmottagningen Västerås"),
    "SE19-B": ("19", "1983", "Kirurgmottagningen Köping"),
    "SE01-A": ("01", "0180", "Ögonmottagningen Stockholm"),
}


def personnummer(birth: str, serial: str) -> str:
    """A valid 12-digit personnummer for ``birth`` (YYYYMMDD) and a 3-digit serial."""
    return birth + serial + str(luhn_check_digit(birth[2:] + serial))


@dataclass(frozen=True)
class Pathway:
    key: str
    identity: str
    unit_id: str
    specialty: str
    entry_type: str
    clock_start: dt.date
    removed_on: dt.date | None = None
    priority: int = 2
    pauses: tuple[tuple[dt.date, dt.date | None, str], ...] = ()
    protected: bool = False

    @property
    def region(self) -> str:
        return UNITS[self.unit_id][0]

    @property
    def pseudonym(self) -> str:
        return pseudonymise(self.identity, SECRET.encode())


def _d(text_: str) -> dt.date:
    return dt.date.fromisoformat(text_)


PATHWAYS: tuple[Pathway, ...] = (
    # Region 19, unit A: orthopaedics treatment, one within and two beyond 90 days on AS_OF.
    Pathway(
        "S:1",
        personnummer("19640823", "323"),
        "SE19-A",
        "orthopaedics",
        "treatment",
        _d("2025-02-01"),
    ),
    Pathway(
        "S:2",
        personnummer("19510402", "112"),
        "SE19-A",
        "orthopaedics",
        "treatment",
        _d("2024-11-01"),
    ),
    # 150 days minus a 70-day PVV pause = 80 days waited: within the limit.
    Pathway(
        "S:3",
        personnummer("19700101", "234"),
        "SE19-A",
        "orthopaedics",
        "treatment",
        _d("2024-11-01"),
        pauses=((_d("2024-12-01"), _d("2025-02-09"), "PVV"),),
    ),
    Pathway(
        "S:4",
        personnummer("19800515", "456"),
        "SE19-A",
        "orthopaedics",
        "first_visit",
        _d("2025-03-30"),
        protected=True,
    ),
    # Region 19, unit B: removed before AS_OF (not waiting), one waiting examination (no limit).
    Pathway(
        "S:5",
        personnummer("19900220", "678"),
        "SE19-B",
        "general_surgery",
        "first_visit",
        _d("2024-10-01"),
        removed_on=_d("2025-01-15"),
    ),
    Pathway(
        "S:6",
        personnummer("19851111", "890"),
        "SE19-B",
        "general_surgery",
        "examination",
        _d("2024-06-01"),
    ),
    # A specialty code that looks like a formula: exports must neutralise it.
    Pathway(
        "S:7",
        personnummer("19920303", "135"),
        "SE19-B",
        "=HYPERLINK(1)",
        "first_visit",
        _d("2025-01-10"),
    ),
    # Region 01: another region's patient.
    Pathway(
        "S:8",
        personnummer("19660606", "246"),
        "SE01-A",
        "ophthalmology",
        "first_visit",
        _d("2025-03-01"),
    ),
    Pathway(
        "S:9",
        personnummer("19770707", "357"),
        "SE01-A",
        "ophthalmology",
        "first_visit",
        _d("2024-09-01"),
    ),
)


def write_analytics(path: Path, pathways: tuple[Pathway, ...] = PATHWAYS) -> None:
    """The analytics store of the contract, with ``pathways`` and their pauses."""
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE units (unit_id VARCHAR, unit_name VARCHAR, provider_id VARCHAR, "
        "provider_name VARCHAR, ownership VARCHAR, region_code VARCHAR, municipality_code VARCHAR,"
        " latitude DOUBLE, longitude DOUBLE, specialties VARCHAR[])"
    )
    for unit_id, (region, municipality, name) in UNITS.items():
        con.execute(
            "INSERT INTO units VALUES (?, ?, 'P1', 'Region', 'public', ?, ?, 59.6, 16.5, [])",
            [unit_id, name, region, municipality],
        )
    con.execute(
        "CREATE TABLE pathways (pathway_key VARCHAR, patient_pseudonym VARCHAR, identity_type "
        "VARCHAR, sex VARCHAR, birth_year INTEGER, age_at_clock_start INTEGER, home_municipality "
        "VARCHAR, region_code VARCHAR, provider_id VARCHAR, unit_id VARCHAR, specialty VARCHAR, "
        "entry_type VARCHAR, priority INTEGER, procedure_code VARCHAR, clock_start DATE, "
        "removed_on DATE, removal_reason VARCHAR, has_pvv BOOLEAN, has_mov BOOLEAN, "
        "paused_days_total INTEGER, guarantee_void BOOLEAN)"
    )
    con.execute(
        "CREATE TABLE pauses (pathway_key VARCHAR, reason VARCHAR, start_date DATE, end_date DATE)"
    )
    for p in pathways:
        con.execute(
            "INSERT INTO pathways VALUES (?, ?, 'personnummer', 'F', 1960, 60, ?, ?, 'P1', ?, ?, ?,"
            " ?, NULL, ?, ?, ?, ?, FALSE, 0, FALSE)",
            [
                p.key,
                p.pseudonym,
                UNITS[p.unit_id][1],
                p.region,
                p.unit_id,
                p.specialty,
                p.entry_type,
                p.priority,
                p.clock_start,
                p.removed_on,
                "treated" if p.removed_on else None,
                bool(p.pauses),
            ],
        )
        for start, end, reason in p.pauses:
            con.execute("INSERT INTO pauses VALUES (?, ?, ?, ?)", [p.key, reason, start, end])
    con.execute(
        "CREATE TABLE build_info (built_at TIMESTAMPTZ, as_of DATE, source VARCHAR, "
        "rows_pathways BIGINT)"
    )
    con.execute("INSERT INTO build_info VALUES (now(), ?, 'tests', ?)", [AS_OF, len(pathways)])
    con.close()


_TEMPLATE: dict[str, Path] = {}


def migrated_sqlite(target: Path) -> str:
    """A migrated operational store at ``target`` (migrated once per process, then copied)."""
    if "db" not in _TEMPLATE or not _TEMPLATE["db"].exists():
        import tempfile

        folder = Path(tempfile.mkdtemp(prefix="vk-template-"))
        upgrade(f"sqlite:///{folder / 'template.sqlite3'}")
        _TEMPLATE["db"] = folder / "template.sqlite3"
    shutil.copy(_TEMPLATE["db"], target)
    return f"sqlite:///{target}"


@dataclass
class World:
    """A running app over the test stores, with helpers to act as users."""

    app: FastAPI
    settings: Settings
    tmp: Path
    clients: dict[str, TestClient] = field(default_factory=dict)

    @property
    def engine(self):  # type: ignore[no-untyped-def]
        return self.app.state.engine

    def user(
        self,
        username: str,
        role: str,
        *,
        region: str | None = None,
        units: list[str] | None = None,
        municipality: str | None = None,
        password: str | None = None,
    ) -> int:
        with Session(self.engine) as db, db.begin():
            account = create_user(
                db,
                username=username,
                role=role,
                password=password,
                region_code=region,
                unit_ids=units,
                municipality_code=municipality,
            )
        return account.id

    def client(self, username: str | None = None) -> TestClient:
        """A browser signed in as ``username`` (a session made directly: no password cost)."""
        client = TestClient(self.app, base_url="http://127.0.0.1", follow_redirects=False)
        if username is not None:
            with Session(self.engine) as db, db.begin():
                user = db.query(User).filter_by(username=username).one()
                token = start_session(db, user)
            client.cookies.set(SESSION_COOKIE, token)
        return client

    def token(self, username: str) -> str:
        with Session(self.engine) as db, db.begin():
            return create_api_token(db, username=username, name="tests")

    def audit_count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one())


def make_world(tmp: Path, **overrides: object) -> World:
    """The app over a fresh copy of the test stores."""
    analytics = tmp / "analytics.duckdb"
    write_analytics(analytics)
    url = migrated_sqlite(tmp / "vardkoll.sqlite3")
    engine = make_engine(url)
    with engine.begin() as conn:
        for p in PATHWAYS:
            conn.execute(
                text(
                    "INSERT INTO patients (identity, identity_type, protected, pseudonym) "
                    "VALUES (:i, 'personnummer', :p, :s)"
                ),
                {"i": p.identity, "p": p.protected, "s": p.pseudonym},
            )
    engine.dispose()
    settings = Settings(
        data_dir=tmp,
        database_url=url,
        analytics_path=analytics,
        secret_key=SECRET,
        **overrides,  # type: ignore[arg-type]
    )
    return World(app=create_app(settings), settings=settings, tmp=tmp)
