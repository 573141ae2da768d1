"""The engine's durability settings take on every connection, and bad URLs fail clearly."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from vardkoll.domain import InputError, StoreError
from vardkoll.store import make_engine, write_transaction
from vardkoll.store._engine import _check_pragmas


def test_sqlite_pragmas_hold_on_every_connection(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'sub' / 'db.sqlite3'}", busy_timeout_ms=1234)
    try:
        # Two connections at once: both are new DBAPI connections, both configured.
        with engine.connect() as a, engine.connect() as b:
            for conn in (a, b):
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 1234
    finally:
        engine.dispose()
    assert (tmp_path / "sub" / "db.sqlite3").exists()  # the directory was created


class _Cursor:
    def __init__(self, values: dict[str, object]) -> None:
        self.values = values
        self.last = ""

    def execute(self, sql: str) -> _Cursor:
        self.last = sql.split()[-1]
        return self

    def fetchone(self) -> tuple[object]:
        return (self.values[self.last],)


def test_a_refused_pragma_stops_the_program() -> None:
    good = {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1, "busy_timeout": 5}
    _check_pragmas(_Cursor(good), 5, in_memory=False)
    with pytest.raises(StoreError, match="journal_mode"):
        _check_pragmas(_Cursor({**good, "journal_mode": "delete"}), 5, in_memory=False)
    with pytest.raises(StoreError, match="synchronous"):
        _check_pragmas(_Cursor({**good, "synchronous": 1}), 5, in_memory=False)


@pytest.mark.parametrize(
    ("url", "needle"),
    [("not a url", "not a SQLAlchemy URL"), ("mysql://u@h/db", "supports 'sqlite'")],
)
def test_bad_urls_are_input_errors(url: str, needle: str) -> None:
    with pytest.raises(InputError, match=needle):
        make_engine(url)


def test_plain_postgresql_url_uses_psycopg() -> None:
    engine = make_engine("postgresql://user@127.0.0.1:1/db")
    assert engine.dialect.driver == "psycopg"


def test_write_transaction_rolls_back_on_error(engine: Engine) -> None:
    with write_transaction(engine) as conn:
        conn.execute(text("CREATE TABLE scratch (x INTEGER)"))

    def insert_then_fail() -> None:
        with write_transaction(engine) as conn:
            conn.execute(text("INSERT INTO scratch VALUES (1)"))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        insert_then_fail()
    with engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM scratch")).scalar() == 0
        conn.execute(text("DROP TABLE scratch"))
