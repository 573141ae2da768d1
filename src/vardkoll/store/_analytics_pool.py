"""Shared read access to the analytics store: one connection per file version, and a cache.

The analytics store changes only by a rebuild that writes a new file and renames it into
place (:mod:`._analytics`), so a file's modification time names its version: a connection or
a cached result of one version stays right until the next rebuild, and nothing else has to
invalidate them. Every read of the store above this layer (overview, waiting list, planner,
indicators) shares these two, instead of keeping its own pool and its own cache.
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from vardkoll.domain import StoreError

__all__ = ["AnalyticsCache", "AnalyticsPool", "analytics_cache", "analytics_pool", "file_version"]

T = TypeVar("T")


def file_version(path: Path) -> float:
    """The version of the analytics file at ``path`` (its modification time; 0 when absent)."""
    return path.stat().st_mtime if path.exists() else 0.0


class AnalyticsPool:
    """One read-only DuckDB connection per analytics file version; requests take cursors.

    A changed version means a new file: the old connection is closed and a new one opened.
    """

    def __init__(self) -> None:
        self._connections: dict[str, tuple[float, duckdb.DuckDBPyConnection]] = {}
        self._lock = threading.Lock()

    def connection(self, path: Path) -> duckdb.DuckDBPyConnection:
        """The shared connection to the current version of ``path``."""
        stamp = file_version(path)
        with self._lock:
            known = self._connections.get(str(path))
            if known is not None and known[0] == stamp:
                return known[1]
            if known is not None:
                # Closed first: DuckDB hands a second connect to a path it still has open the
                # same database instance — the old file's, renamed over by the rebuild.
                del self._connections[str(path)]
                known[1].close()
            try:
                con = duckdb.connect(str(path), read_only=True)
            except duckdb.Error as exc:
                raise StoreError(f"the analytics store {path} cannot be opened: {exc}") from exc
            self._connections[str(path)] = (stamp, con)
            return con

    @contextlib.contextmanager
    def cursor(self, path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of the shared connection, closed after use (:class:`StoreError` when the
        file does not exist yet names the fix)."""
        if not path.exists():
            raise StoreError(
                f"the analytics store {path} does not exist yet; build it with "
                "`vardkoll analytics build` (the demo does this on its first run)."
            )
        cursor = self.connection(path).cursor()
        try:
            yield cursor
        finally:
            cursor.close()


class AnalyticsCache:
    """Results computed once per key, least recently used dropped beyond ``size``.

    Concurrent callers of a missing key wait for the first instead of computing it again
    (the landing page opened by a whole team at once). Keys that should follow the store's
    version use :meth:`per_version`.
    """

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._values: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._key_locks: dict[Hashable, threading.Lock] = {}

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()`` once per ``key``."""
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                known: T = self._values[key]
                return known
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                if key in self._values:
                    again: T = self._values[key]
                    return again
            value = compute()
            with self._lock:
                self._values[key] = value
                self._key_locks.pop(key, None)
                while len(self._values) > self.size:
                    self._values.popitem(last=False)
        return value

    def per_version(self, path: Path, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        """``compute()`` once per ``key`` and version of the analytics file at ``path``."""
        return self.get((str(path), file_version(path), *key), compute)

    def held(self) -> list[Hashable]:
        """The keys held now, oldest first (what the start-up warmer filled, for instance)."""
        with self._lock:
            return list(self._values)

    def discard(self, key: Hashable) -> None:
        """Forget one result, if held."""
        with self._lock:
            self._values.pop(key, None)

    def clear(self) -> None:
        """Forget every result (tests; a rebuild needs no call: it changes the version)."""
        with self._lock:
            self._values.clear()


analytics_pool = AnalyticsPool()
"""The process's shared pool."""

analytics_cache = AnalyticsCache(size=1024)
"""The process's shared result cache."""
