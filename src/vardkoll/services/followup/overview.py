"""The region overview for a user: the analytics query narrowed by the user's scope, cached.

Why a cache: the overview is the landing page and the analytics store changes only when it is
rebuilt (a new file is renamed into place), so results are keyed by the file's modification time
and the filters; a rebuild invalidates them. A cold overview is cheap too: the build precomputes
``waiting_snapshots`` (see :func:`vardkoll.analytics.overview`). :func:`cached_per_version`
offers the same cache to other reads of the store (the waiting-list pages).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb

from vardkoll.analytics import Overview, analytics_as_of, analytics_regions, overview
from vardkoll.domain import REGIONS, NotFound, PermissionDenied, StoreError
from vardkoll.services.access.scope import Scope
from vardkoll.settings import Settings

_CACHE: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 1024


_CONNECTIONS: dict[str, tuple[float, Any]] = {}
_CONNECTIONS_LOCK = threading.Lock()


def _connection(path: Path) -> Any:
    """One read-only DuckDB connection per file version; requests take cursors from it.

    The store is rebuilt by writing a new file and renaming it into place, so a changed
    modification time means a new file: the old connection is closed and a new one opened.
    """
    stamp = _stamp(path)
    with _CONNECTIONS_LOCK:
        known = _CONNECTIONS.get(str(path))
        if known is not None and known[0] == stamp:
            return known[1]
        try:
            con = duckdb.connect(str(path), read_only=True)
        except duckdb.Error as exc:
            raise StoreError(f"the analytics store {path} cannot be opened: {exc}") from exc
        if known is not None:
            known[1].close()
        _CONNECTIONS[str(path)] = (stamp, con)
        return con


@contextlib.contextmanager
def open_analytics(settings: Settings) -> Iterator[Any]:
    """A read-only cursor on the analytics store (:class:`StoreError` names the fix)."""
    path = settings.resolved_analytics_path()
    if not path.exists():
        raise StoreError(
            f"the analytics store {path} does not exist yet; build it with "
            "`vardkoll analytics build` (the demo does this on its first run)."
        )
    cursor = _connection(path).cursor()
    try:
        yield cursor
    finally:
        cursor.close()


def _stamp(path: Path) -> float:
    return path.stat().st_mtime if path.exists() else 0.0


_KEY_LOCKS: dict[tuple[Any, ...], threading.Lock] = {}


def _cached(key: tuple[Any, ...], compute: Any) -> Any:
    """``compute()`` once per key: concurrent callers of a missing key wait for the first."""
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
        key_lock = _KEY_LOCKS.setdefault(key, threading.Lock())
    with key_lock:
        with _CACHE_LOCK:
            if key in _CACHE:
                return _CACHE[key]
        value = compute()
        with _CACHE_LOCK:
            _CACHE[key] = value
            _KEY_LOCKS.pop(key, None)
            while len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
    return value


def cached_per_version(settings: Settings, key: tuple[Any, ...], compute: Any) -> Any:
    """``compute()`` once per ``key`` and version of the analytics store (a rebuild renames
    a new file into place, which changes the modification time and so every key)."""
    path = settings.resolved_analytics_path()
    return _cached((str(path), _stamp(path), *key), compute)


def store_facts(settings: Settings) -> tuple[dt.date, list[str]]:
    """The date the store describes and the regions it holds."""
    path = settings.resolved_analytics_path()

    def compute() -> tuple[dt.date, list[str]]:
        with open_analytics(settings) as con:
            return analytics_as_of(con), analytics_regions(con)

    result: tuple[dt.date, list[str]] = _cached(("facts", str(path), _stamp(path)), compute)
    return result


def region_choices(settings: Settings, scope: Scope) -> list[tuple[str, str]]:
    """(code, name) of the regions the user may pick; national analysts also get all (``""``)."""
    _, regions = store_facts(settings)
    visible = scope.visible_regions(regions)
    choices = [(code, REGIONS[code].short_name if code in REGIONS else code) for code in visible]
    if scope.reach("aggregates") == "all":
        choices.insert(0, ("", ""))
    return choices


def pick_region(
    settings: Settings, scope: Scope, requested: str | None, *, remembered: str | None = None
) -> str:
    """The region a page or an API call shows (``""`` = all regions, national analysts only).

    One rule for the pages and the API, so the same request never shows different regions: a
    region asked for must be in the user's reach (else :class:`PermissionDenied`); without one,
    the page's remembered region if still in reach, else the first choice — all regions for a
    national analyst, the user's own region for everyone else.
    """
    if scope.reach("aggregates") == "none":
        raise PermissionDenied("Your role does not include the overview of waiting times.")
    choices = region_choices(settings, scope)
    if not choices:
        raise NotFound("No regions in your scope have data in the analytics store.")
    codes = [code for code, _ in choices]
    if requested is not None:
        if requested not in codes:
            raise PermissionDenied("The region you asked for is outside your scope.")
        return requested
    return remembered if remembered in codes and remembered is not None else codes[0]


def scoped_filters(scope: Scope, region: str | None) -> tuple[list[str] | None, list[str] | None]:
    """(regions, units) for the overview query: the user's reach, narrowed to ``region``."""
    reach = scope.reach("aggregates")
    p = scope.principal
    if reach == "none":
        raise PermissionDenied("Your role does not include the overview of waiting times.")
    if reach == "all":
        return ([region] if region else None), None
    if reach == "region":
        return [p.region_code or ""], None
    return [p.region_code or ""], list(p.unit_ids)


def region_overview(
    settings: Settings, scope: Scope, *, region: str | None = None, as_of: dt.date | None = None
) -> Overview:
    """The overview the user may see, for ``region`` (national analysts) on ``as_of``."""
    regions, units = scoped_filters(scope, region)
    as_of = as_of or store_facts(settings)[0]
    path = settings.resolved_analytics_path()
    key = (
        "overview",
        str(path),
        _stamp(path),
        tuple(regions) if regions is not None else None,
        tuple(units) if units is not None else None,
        as_of,
    )

    def compute() -> Overview:
        with open_analytics(settings) as con:
            return overview(con, as_of=as_of, regions=regions, units=units)

    result: Overview = _cached(key, compute)
    return result
