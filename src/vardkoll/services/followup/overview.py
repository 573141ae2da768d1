"""The region overview for a user: the analytics query narrowed by the user's scope, cached.

Why a cache: the overview is the landing page and the analytics store changes only when it is
rebuilt (a new file is renamed into place), so results are keyed by the file's modification time
and the filters; a rebuild invalidates them. A cold overview is cheap too: the build precomputes
``waiting_snapshots`` (see :func:`vardkoll.analytics.overview`). The connection pool and the
cache are the store's (:data:`vardkoll.store.analytics_pool` and
:data:`vardkoll.store.analytics_cache`), shared with every other read of the store;
:func:`cached_per_version` is the short form.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import Any

from vardkoll.analytics import Overview, analytics_as_of, analytics_regions, overview
from vardkoll.domain import REGIONS, NotFound, PermissionDenied
from vardkoll.services.access.scope import Scope
from vardkoll.settings import Settings
from vardkoll.store import analytics_cache, analytics_pool


@contextlib.contextmanager
def open_analytics(settings: Settings) -> Iterator[Any]:
    """A read-only cursor on the analytics store (:class:`StoreError` names the fix)."""
    with analytics_pool.cursor(settings.resolved_analytics_path()) as cursor:
        yield cursor


def cached_per_version(settings: Settings, key: tuple[Any, ...], compute: Any) -> Any:
    """``compute()`` once per ``key`` and version of the analytics store (a rebuild renames
    a new file into place, which changes the modification time and so every key)."""
    return analytics_cache.per_version(settings.resolved_analytics_path(), key, compute)


def store_facts(settings: Settings) -> tuple[dt.date, list[str]]:
    """The date the store describes and the regions it holds."""
    path = settings.resolved_analytics_path()

    def compute() -> tuple[dt.date, list[str]]:
        with open_analytics(settings) as con:
            return analytics_as_of(con), analytics_regions(con)

    result: tuple[dt.date, list[str]] = analytics_cache.per_version(path, ("facts",), compute)
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
        tuple(regions) if regions is not None else None,
        tuple(units) if units is not None else None,
        as_of,
    )

    def compute() -> Overview:
        with open_analytics(settings) as con:
            return overview(con, as_of=as_of, regions=regions, units=units)

    result: Overview = analytics_cache.per_version(path, key, compute)
    return result
