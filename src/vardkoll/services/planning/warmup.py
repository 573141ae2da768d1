"""Warm the planner's cache in the background, so the first visit to ``/planning`` is quick.

Why: a queue's case (its forecast and the backcast that fits the booking rule) takes seconds,
and the page cannot show anything before it. The cases do not depend on who asks (a queue's
rows are the same for every scope that may see it; the scope is checked again on every
request), so one background pass over every queue, in the order the selector lists them,
serves everyone. The pass runs when the web app starts and again whenever the analytics store
has been rebuilt (a new version of the file), and stops when the app stops.
"""

from __future__ import annotations

import logging
import threading

from vardkoll.services.followup.overview import (
    cached_per_version,
    open_analytics,
    store_facts,
)
from vardkoll.services.planning.data import PlanningChoice, planning_keys
from vardkoll.services.planning.planner import PlanningCase, _build_case
from vardkoll.settings import Settings
from vardkoll.store import file_version

__all__ = ["PlanningWarmer", "warm_planning_cache"]

_LOG = logging.getLogger(__name__)
_EVERY_SECONDS = 60.0
"""How often the warmer looks for a rebuilt analytics store."""


def warm_planning_cache(settings: Settings, stop: threading.Event | None = None) -> int:
    """Build and cache the case of every queue in the store; returns how many were built.

    The cache keys are those :func:`~vardkoll.services.planning.planner.planning_case` reads.
    """
    on = store_facts(settings)[0]

    def choices() -> list[PlanningChoice]:
        with open_analytics(settings) as con:
            return planning_keys(con, "TRUE", [], as_of=on)

    every: list[PlanningChoice] = cached_per_version(settings, ("planning-all-keys", on), choices)
    built = 0
    for choice in every:
        if stop is not None and stop.is_set():
            break

        def compute(choice: PlanningChoice = choice) -> PlanningCase:
            with open_analytics(settings) as con:
                return _build_case(con, choice, "TRUE", [], on)

        cached_per_version(settings, ("planning-case", choice.key, on), compute)
        built += 1
    return built


class PlanningWarmer:
    """A daemon thread that warms the cache at start and after every analytics rebuild."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.stop = threading.Event()
        self.done = threading.Event()
        """Set after each complete pass (tests and health checks wait on it)."""
        self._thread = threading.Thread(target=self._run, name="planning-warmup", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self.stop.set()
        self._thread.join(timeout=5.0)

    def _run(self) -> None:
        path = self.settings.resolved_analytics_path()
        warmed: float | None = None
        while not self.stop.is_set():
            stamp = file_version(path)
            if stamp and stamp != warmed:
                try:
                    warm_planning_cache(self.settings, self.stop)
                except Exception:  # a store being replaced or removed: try again later
                    _LOG.warning("planning warm-up failed; retrying", exc_info=True)
                else:
                    warmed = stamp
                    self.done.set()
            self.stop.wait(_EVERY_SECONDS)
