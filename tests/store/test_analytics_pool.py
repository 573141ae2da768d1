"""The store's shared read access to the analytics file: one connection and one cached result
per file version, so a rebuild (a new file renamed into place) is seen without any call."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from vardkoll.domain import StoreError
from vardkoll.store import AnalyticsCache, AnalyticsPool, file_version


def _write(path: Path, value: int, mtime: float) -> None:
    tmp = path.with_name("new.duckdb")
    con = duckdb.connect(str(tmp))
    con.execute("CREATE TABLE t AS SELECT ? AS v", [value])
    con.close()
    os.replace(tmp, path)
    os.utime(path, (mtime, mtime))


def test_pool_and_cache_follow_the_file_version(tmp_path: Path) -> None:
    path = tmp_path / "a.duckdb"
    pool, cache = AnalyticsPool(), AnalyticsCache(size=8)
    with pytest.raises(StoreError, match="does not exist yet"), pool.cursor(path):
        pass
    _write(path, 1, 1_000_000.0)
    calls: list[int] = []

    def read() -> int:
        with pool.cursor(path) as con:
            row = con.execute("SELECT v FROM t").fetchone()
        calls.append(1)
        return int(row[0]) if row else -1

    assert cache.per_version(path, ("v",), read) == 1
    assert cache.per_version(path, ("v",), read) == 1
    assert len(calls) == 1  # computed once per version
    first = pool.connection(path)
    _write(path, 2, 2_000_000.0)  # a rebuild renamed into place
    assert file_version(path) == 2_000_000.0
    assert cache.per_version(path, ("v",), read) == 2
    assert len(calls) == 2
    assert pool.connection(path) is not first


def test_cache_drops_the_least_recently_used() -> None:
    cache = AnalyticsCache(size=2)
    for key in ("a", "b", "c"):
        cache.get(key, lambda key=key: key.upper())
    assert cache.held() == ["b", "c"]
    cache.discard("b")
    assert cache.held() == ["c"]
