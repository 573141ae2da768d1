"""An independent reference for the overview: per-pathway Python with the domain's rules."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from web_support import PATHWAYS, Pathway

from vardkoll.domain import evaluate_guarantee


def waiting_on(p: Pathway, on: dt.date) -> bool:
    return p.clock_start <= on and (p.removed_on is None or p.removed_on > on)


def status(p: Pathway, on: dt.date):  # type: ignore[no-untyped-def]
    return evaluate_guarantee("se-national", p.entry_type, p.clock_start, on, p.pauses)


def reference_cells(
    on: dt.date, pathways: Iterable[Pathway] = PATHWAYS
) -> dict[tuple[str, str], tuple[int, int, int]]:
    """(entry_type, specialty) -> (waiting, within limit, beyond limit) on ``on``."""
    cells: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for p in pathways:
        if not waiting_on(p, on):
            continue
        cell = cells[(p.entry_type, p.specialty)]
        cell[0] += 1
        s = status(p, on)
        if s.limit_days is not None:
            cell[1 if not s.breached else 2] += 1
    return {k: (v[0], v[1], v[2]) for k, v in cells.items()}
