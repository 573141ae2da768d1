"""Frozen result records of a waiting-list simulation, shared by every engine.

Each engine fills the same per-replication paths; :func:`summarise` turns them into the
percentile bands a fan chart draws. Arrays are read-only: a result is a record, not a buffer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

DEFAULT_PERCENTILES: tuple[float, ...] = (5.0, 25.0, 50.0, 75.0, 95.0)


@dataclass(frozen=True)
class SimulationPaths:
    """Per replication, week and queue (shape ``(replications, weeks, queues)``).

    Counts are for the week; ``queue_size``, ``paused`` and ``beyond_guarantee`` are taken at
    its end (``queue_size`` includes paused patients; ``beyond_guarantee`` excludes them).
    ``wait_weeks_treated`` sums the waits, in weeks, of the week's treated patients; in the
    cohort engine patients older than the tracked ages count as exactly that old, so the sum is
    then a lower bound. ``start_queue_size`` has shape ``(replications, queues)``.
    """

    start_queue_size: IntArray
    arrivals: IntArray
    treated: IntArray
    declined: IntArray
    removed: IntArray
    queue_size: IntArray
    paused: IntArray
    beyond_guarantee: IntArray
    wait_weeks_treated: IntArray


@dataclass(frozen=True)
class SimulationResult:
    """What a planner reads: percentile bands per week and queue, across replications.

    Band arrays have shape ``(len(percentiles), weeks, queues)``; ``share_within`` is the share
    of bookable (not paused) patients within the guarantee at the end of the week, 1.0 for an
    empty list. ``final_queue_size`` is per replication and queue, ``(replications, queues)``.
    """

    weeks: int
    queues: int
    replications: int
    percentiles: tuple[float, ...]
    queue_size: FloatArray
    beyond_guarantee: FloatArray
    share_within: FloatArray
    mean_queue_size: FloatArray
    mean_treated: FloatArray
    mean_removed: FloatArray
    final_queue_size: IntArray
    paths: SimulationPaths | None = None


A = TypeVar("A", bound=npt.NDArray[Any])
Counts = npt.NDArray[np.integer[Any]]


def _ro(arr: A) -> A:
    arr.setflags(write=False)
    return arr


def share_within(queue_size: Counts, paused: Counts, beyond: Counts) -> npt.NDArray[np.float32]:
    """Share of bookable patients within the guarantee; 1.0 where nobody is bookable."""
    bookable = (queue_size - paused).astype(np.float32)
    share = np.float32(1.0) - beyond.astype(np.float32) / np.maximum(bookable, np.float32(1.0))
    share[bookable == 0] = 1.0
    return np.asarray(share, dtype=np.float32)


def summarise(
    queue_size: Counts,
    paused: Counts,
    beyond: Counts,
    treated_total: Counts,
    removed_total: Counts,
    percentiles: tuple[float, ...],
    paths: SimulationPaths | None,
) -> SimulationResult:
    """Percentile bands and means over replications, as a frozen record.

    ``queue_size``, ``paused`` and ``beyond`` are per replication, week and queue;
    ``treated_total`` and ``removed_total`` are summed over replications, per week and queue.
    """
    reps, weeks, queues = queue_size.shape
    share = share_within(queue_size, paused, beyond)
    pct = np.asarray(percentiles, dtype=np.float64)

    def bands(x: npt.NDArray[Any]) -> FloatArray:
        return np.asarray(np.percentile(x, pct, axis=0), dtype=np.float64)

    if paths is not None:
        for name in paths.__dataclass_fields__:
            _ro(getattr(paths, name))
    return SimulationResult(
        weeks=weeks,
        queues=queues,
        replications=reps,
        percentiles=tuple(float(p) for p in percentiles),
        queue_size=_ro(bands(queue_size)),
        beyond_guarantee=_ro(bands(beyond)),
        share_within=_ro(bands(share)),
        mean_queue_size=_ro(np.asarray(queue_size.mean(axis=0), dtype=np.float64)),
        mean_treated=_ro(np.asarray(treated_total / reps, dtype=np.float64)),
        mean_removed=_ro(np.asarray(removed_total / reps, dtype=np.float64)),
        final_queue_size=_ro(queue_size[:, -1, :].astype(np.int64)),
        paths=paths,
    )


def empty_paths(replications: int, weeks: int, queues: int) -> SimulationPaths:
    """Zeroed paths for an engine to fill."""

    def z() -> IntArray:
        return np.zeros((replications, weeks, queues), dtype=np.int64)

    return SimulationPaths(
        start_queue_size=np.zeros((replications, queues), dtype=np.int64),
        arrivals=z(),
        treated=z(),
        declined=z(),
        removed=z(),
        queue_size=z(),
        paused=z(),
        beyond_guarantee=z(),
        wait_weeks_treated=z(),
    )


def result_from_paths(paths: SimulationPaths, percentiles: tuple[float, ...]) -> SimulationResult:
    """Summarise complete paths (the engines that keep every replication use this)."""
    return summarise(
        paths.queue_size,
        paths.paused,
        paths.beyond_guarantee,
        paths.treated.sum(axis=0),
        paths.removed.sum(axis=0),
        percentiles,
        paths,
    )
