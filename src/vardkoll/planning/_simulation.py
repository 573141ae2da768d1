"""The cohort engine: Monte Carlo of a multi-priority waiting list, vectorised with NumPy.

Instead of one object per patient the engine keeps *counts* by priority × weeks waited for
every replication and queue at once, an array of shape
``(priorities, ages, replications, queues)``. Patients of the same priority and age are
interchangeable, so each step of the week (see :mod:`vardkoll.planning._model`) becomes a few
array operations, and every random choice among patients is drawn exactly as a count per age
(:mod:`vardkoll.planning._sampling`). Ages ``0 .. tracked_weeks - 1`` are kept one by one; older
patients share one last age bin. That is exact for everything reported except the waits of
patients treated out of that last bin, which count as ``tracked_weeks`` (a lower bound).

Randomness is explicit: one :class:`numpy.random.SeedSequence` is spawned into one stream per
block of replications, so a run is reproducible from its seed and block size, and blocks could
run in parallel. There is no global seed.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np
import numpy.typing as npt

from vardkoll.domain import InputError
from vardkoll.planning._model import (
    ArrivalForecast,
    ArrivalPaths,
    CapacityPolicy,
    InitialList,  # noqa: F401  (used by the docstring example)
    IntArray,
    WaitingListModel,
    check_allocation,
    round_slots,
)
from vardkoll.planning._result import (
    DEFAULT_PERCENTILES,
    SimulationPaths,
    SimulationResult,
    empty_paths,
    summarise,
)
from vardkoll.planning._sampling import bin_of_rank, distinct_ranks, exclusive_cumsum, offers


def _check_run(
    replications: int, block_size: int, percentiles: tuple[float, ...], workers: int
) -> None:
    problems = []
    if workers < 1:
        problems.append(f"`workers` must be at least 1; got {workers}.")
    if replications < 1:
        problems.append(f"`replications` must be at least 1; got {replications}.")
    if block_size < 1:
        problems.append(f"`block_size` must be at least 1; got {block_size}.")
    if not percentiles or any(not 0 <= p <= 100 for p in percentiles):
        problems.append(f"`percentiles` must be between 0 and 100; got {percentiles}.")
    if problems:
        raise InputError(" ".join(problems), field="simulate")


class _Layout:
    """Sizes and the start state shared by every block of one run.

    Ages ``0 .. m-1`` live in a ring of ``m`` slots indexed by arrival week modulo ``m`` (so
    ageing costs nothing: at the end of each week the slot of the cohort turning ``m`` empties
    into the last bin and takes next week's arrivals); bin ``m`` holds everyone older.
    """

    def __init__(self, model: WaitingListModel, tracked_weeks: int | None) -> None:
        self.model = model
        self.fifo = model.booking == "fifo"
        self.p = 1 if self.fifo else model.priorities
        first_beyond = model.beyond_age
        self.m = first_beyond + 1 if tracked_weeks is None else int(tracked_weeks)
        if self.m < first_beyond + 1:
            raise InputError(
                f"`tracked_weeks` must be at least {first_beyond + 1} to count waits beyond "
                f"the {model.guarantee_weeks:g}-week guarantee; got {tracked_weeks}.",
                field="tracked_weeks",
            )
        q = model.queues
        init = model.initial
        prio = np.zeros(init.size, np.int64) if self.fifo else init.priority.astype(np.int64)
        bookable = init.paused_weeks_left == 0
        # Bookable patients by (priority, bin, queue); a paused one re-enters, age unchanged, in
        # the bin of the cohort that has that age in the week it comes back.
        self.start = np.zeros((self.p, self.m + 1, q), np.int64)
        np.add.at(
            self.start,
            (prio[bookable], self.bin_of(0, init.waited_weeks[bookable]), init.queue[bookable]),
            1,
        )
        back = init.paused_weeks_left[~bookable].astype(np.int64)
        self.paused_back = back
        self.paused_prio = prio[~bookable]
        self.paused_bin = self.bin_of(back, init.waited_weeks[~bookable])
        self.paused_queue = init.queue[~bookable].astype(np.int64)
        self.start_size = np.bincount(init.queue, minlength=q).astype(np.int64)
        self.oldest_first_ages = np.r_[self.m, np.arange(self.m - 1, -1, -1)].astype(np.int64)

    def bin_of(self, week: IntArray | int, age: IntArray) -> IntArray:
        """The bin of patients of ``age`` weeks at the start of ``week``."""
        return np.where(age >= self.m, self.m, (np.asarray(week) - age) % self.m)

    def oldest_first(self, week: int) -> tuple[IntArray, IntArray]:
        """Bins from the oldest patients to the newest this week, and their ages."""
        return self.bin_of(week, self.oldest_first_ages), self.oldest_first_ages


def _arrivals(
    layout: _Layout,
    week: int,
    reps: slice,
    levels: npt.NDArray[np.float64] | None,
    rng: np.random.Generator,
) -> IntArray:
    """This week's arrivals, shape ``(priorities, rows, queues)``."""
    arrivals = layout.model.arrivals
    if isinstance(arrivals, ArrivalForecast):
        assert levels is not None
        mean = arrivals.mean_per_week[week]  # (queues, priorities)
        if layout.fifo:
            mean = mean.sum(axis=1, keepdims=True)
        lam = mean.T[:, None, :] * levels[None, :, :]
        return np.asarray(rng.poisson(lam), dtype=np.int64)
    counts = arrivals.counts[reps, week]  # (rows, queues, priorities)
    if layout.fifo:
        counts = counts.sum(axis=2, keepdims=True)
    return np.ascontiguousarray(counts.transpose(2, 0, 1))


def _slots(
    layout: _Layout, week: int, reps: slice, waiting: IntArray, rng: np.random.Generator
) -> IntArray:
    capacity = layout.model.capacity
    rows = waiting.shape[1]
    if isinstance(capacity, CapacityPolicy):
        slots = np.asarray(capacity.slots(week, reps, waiting.transpose(1, 2, 0), rng))
        if slots.shape != (rows, layout.model.queues) or slots.min(initial=0) < 0:
            raise InputError(
                f"A CapacityPolicy must return non-negative slots of shape "
                f"({rows}, {layout.model.queues}); got shape {slots.shape}.",
                field="capacity",
            )
        return slots.astype(np.int64)
    return round_slots(np.asarray(capacity)[week], rows, rng)


class _Block:
    """The state of one block of replications: counts, pauses, and the week's bookkeeping."""

    def __init__(
        self, layout: _Layout, reps: slice, rng: np.random.Generator, want_waits: bool
    ) -> None:
        model = layout.model
        self.want_waits = want_waits
        self.layout = layout
        self.reps = reps
        self.rng = rng
        self.rows = reps.stop - reps.start
        self.cells = self.rows * model.queues
        p, m, q = layout.p, layout.m, model.queues
        # n[k, bin, cell]: bookable patients of priority k in a bin (see _Layout).
        self.n = np.broadcast_to(layout.start[:, :, None, :], (p, m + 1, self.rows, q))
        self.n = self.n.reshape(p, m + 1, self.cells).copy()
        self.waiting = self.n.sum(axis=1)  # (p, cells), kept up to date
        # Paused patients, one entry each: week back, priority, bin on return, cell.
        cell_of_queue = np.arange(self.rows)[:, None] * q
        self.back = np.repeat(layout.paused_back, self.rows)
        self.p_prio = np.repeat(layout.paused_prio, self.rows)
        self.p_bin = np.repeat(layout.paused_bin, self.rows)
        self.p_cell = (cell_of_queue + layout.paused_queue[None, :]).T.ravel()
        self.on_pause = np.bincount(self.p_cell, minlength=self.cells).astype(np.int64)
        self.levels = (
            model.arrivals.levels(rng, self.rows)
            if isinstance(model.arrivals, ArrivalForecast)
            else None
        )

    def columns(self, k: IntArray, bins: IntArray, cells: IntArray) -> IntArray:
        """Counts ``n[k[i], bins[j], cells[i]]`` as a ``(len(cells), len(bins))`` array."""
        width = self.layout.m + 1
        row = k * (width * self.cells) + cells
        flat = row[:, None] + (bins * self.cells)[None, :]
        return np.asarray(np.take(self.n, flat), dtype=np.int64)

    def flat(self, k: IntArray, bins: IntArray, cells: IntArray) -> IntArray:
        """Flat positions in ``n`` of ``(k[i], bins[i], cells[i])``."""
        width = self.layout.m + 1
        return np.asarray((k * width + bins) * self.cells + cells, dtype=np.int64)

    def come_back(self, week: int) -> None:
        due = self.back == week
        if not due.any():
            return
        cells = self.p_cell[due]
        np.add.at(self.n.reshape(-1), self.flat(self.p_prio[due], self.p_bin[due], cells), 1)
        np.add.at(self.waiting.reshape(-1), self.p_prio[due] * self.cells + cells, 1)
        np.subtract.at(self.on_pause, cells, 1)
        keep = ~due
        self.back, self.p_prio = self.back[keep], self.p_prio[keep]
        self.p_bin, self.p_cell = self.p_bin[keep], self.p_cell[keep]

    def pause(self, week: int, k: IntArray, ages: IntArray, cells: IntArray) -> None:
        """Decliners (already taken off the list) pause; their clock stops meanwhile."""
        layout = self.layout
        weeks = layout.model.pause_weeks
        np.add.at(self.on_pause, cells, 1)
        self.back = np.r_[self.back, np.full(cells.size, week + weeks)]
        self.p_prio = np.r_[self.p_prio, k]
        self.p_bin = np.r_[self.p_bin, layout.bin_of(week + weeks, ages)]
        self.p_cell = np.r_[self.p_cell, cells]

    def decliners(
        self,
        offered: IntArray,
        declined: IntArray,
        limit: IntArray,
        order: IntArray,
        k: int | None,
    ) -> tuple[IntArray, IntArray, IntArray]:
        """Who declines: priority, age and cell of each, drawn before the offers are taken.

        ``offered`` is per priority and cell (``k`` given: that priority's row alone). The
        declines fall uniformly on distinct offers among the first ``limit`` of each cell, in
        booking order: priority, then oldest first.
        """
        cells = np.flatnonzero(declined)
        pick_cell = np.repeat(cells, declined[cells])
        ranks = distinct_ranks(pick_cell, np.repeat(limit[cells], declined[cells]), self.rng)
        if k is None:
            per_k = offered[:, pick_cell].T  # (picks, priorities)
            k_of = bin_of_rank(per_k, ranks)
            rows = np.arange(k_of.size)
            within = ranks - (np.cumsum(per_k, axis=1) - per_k)[rows, k_of]
            offered_k = per_k[rows, k_of]
        else:
            k_of = np.full(pick_cell.size, k)
            within = ranks
            offered_k = offered[pick_cell]
        ages = np.full(pick_cell.size, self.layout.oldest_first_ages[0])
        # Most offers, and so most declines, fall in the oldest bin: look further only for
        # the declines beyond it.
        oldest = np.take(self.n, self.flat(k_of, np.full_like(k_of, order[0]), pick_cell))
        further = np.flatnonzero(within >= oldest)
        if further.size:
            k_f, cell_f = k_of[further], pick_cell[further]
            before = self.columns(k_f, order[1:], cell_f)  # (picks, bins), oldest first
            older = np.cumsum(before, axis=1) - before
            left = offered_k[further] - oldest[further]
            taken = np.minimum(np.maximum(left[:, None] - older, 0), before)
            j = bin_of_rank(taken, within[further] - oldest[further])
            ages[further] = self.layout.oldest_first_ages[1:][j]
        return k_of, ages, pick_cell

    def book(self, k: int, offered: IntArray, order: IntArray, ages: IntArray) -> IntArray:
        """Take ``offered`` patients of priority ``k`` per cell, oldest first; their waits."""
        nk = self.n[k]
        # The oldest bin for every cell at once; most offers end there on a long list.
        first = np.minimum(offered, nk[order[0]])
        nk[order[0]] -= first
        waited = ages[0] * first
        active = np.flatnonzero(offered > first)
        if active.size > self.cells // 4:
            # Many cells go further: whole rows (contiguous) beat gathering columns.
            rest = order[1:]
            sub = nk[rest]
            older = exclusive_cumsum(sub)
            took = np.minimum(np.maximum(offered - first - older, 0), sub)
            nk[rest] = sub - took
            if self.want_waits:
                waited += ages[1:] @ took
        elif active.size:
            rest = order[1:]
            sub = nk[np.ix_(rest, active)]
            older = exclusive_cumsum(sub)
            took = np.minimum(np.maximum((offered - first)[active] - older, 0), sub)
            nk[np.ix_(rest, active)] = sub - took
            if self.want_waits:
                waited[active] += ages[1:] @ took
        self.waiting[k] -= offered
        return np.asarray(waited, dtype=np.int64)


def _offer_week(
    blk: _Block, week: int, slots: IntArray, alloc: IntArray | None
) -> tuple[IntArray, IntArray, IntArray]:
    """Offer the week's slots: returns treated, declined and the treated's waits per cell."""
    layout = blk.layout
    decline = layout.model.decline_share
    order, ages = layout.oldest_first(week)
    p = layout.p
    if alloc is None:
        # Priority order: one run of offers down the whole list, priority by priority. The
        # declines are independent of priority, so one draw settles the run for every cell.
        bookable = blk.waiting.sum(axis=0)
        treated, declined = offers(bookable, slots, decline, blk.rng)
        total = treated + declined
        before = exclusive_cumsum(blk.waiting)
        offered = np.minimum(np.maximum(total - before, 0), blk.waiting)
        # The offer that filled the slots was accepted: declines fall on the offers before it.
        limit = total - ((treated == slots) & (treated > 0))
        pauses = [blk.decliners(offered, declined, limit, order, None)] if declined.any() else []
    else:
        offered = np.zeros_like(blk.waiting)
        treated = np.zeros(blk.cells, np.int64)
        declined = np.zeros(blk.cells, np.int64)
        pauses = []
        for k in range(p):
            acc, dec = offers(blk.waiting[k], alloc[:, k], decline, blk.rng)
            offered[k] = acc + dec
            treated += acc
            declined += dec
            if dec.any():
                limit = offered[k] - ((acc == alloc[:, k]) & (acc > 0))
                pauses.append(blk.decliners(offered[k], dec, limit, order, k))
    waited = np.zeros(blk.cells, np.int64)
    for k in range(p):
        if offered[k].any():
            waited += blk.book(k, offered[k], order, ages)
    for k_of, pause_ages, cells in pauses:
        np.add.at(waited, cells, -pause_ages)
        blk.pause(week, k_of, pause_ages, cells)
    return treated, declined, waited


def _remove(blk: _Block, rate: float) -> IntArray:
    """Each bookable patient leaves untreated with probability ``rate``; removed per cell."""
    bookable = blk.waiting.sum(axis=0)
    removed = np.asarray(blk.rng.binomial(bookable, rate), dtype=np.int64)
    cells = np.flatnonzero(removed)
    if cells.size:
        pick_cell = np.repeat(cells, removed[cells])
        ranks = distinct_ranks(pick_cell, bookable[pick_cell], blk.rng)
        per_k = blk.waiting[:, pick_cell].T  # (picks, priorities)
        k_of = bin_of_rank(per_k, ranks)
        before = np.cumsum(per_k, axis=1) - per_k
        within = ranks - before[np.arange(k_of.size), k_of]
        # The last bin (the oldest patients) first: on a long list most removals fall there.
        m = blk.layout.m
        b_of = np.full(pick_cell.size, m)
        oldest = np.take(blk.n, blk.flat(k_of, b_of, pick_cell))
        further = np.flatnonzero(within >= oldest)
        if further.size:
            ring = blk.columns(k_of[further], np.arange(m), pick_cell[further])
            b_of[further] = bin_of_rank(ring, within[further] - oldest[further])
        np.subtract.at(blk.n.reshape(-1), blk.flat(k_of, b_of, pick_cell), 1)
        np.subtract.at(blk.waiting.reshape(-1), k_of * blk.cells + pick_cell, 1)
    return removed


def _run_block(
    layout: _Layout,
    reps: slice,
    rng: np.random.Generator,
    out: dict[str, npt.NDArray[np.integer[Any]]],
    keep: SimulationPaths | None,
    at: slice,
) -> None:
    """Run the replications ``reps``, writing their rows of ``out`` and ``keep`` at ``at``."""
    model = layout.model
    blk = _Block(layout, reps, rng, want_waits=keep is not None)
    p, m, q, rows = layout.p, layout.m, model.queues, blk.rows
    rule = None if isinstance(model.booking, str) else model.booking
    first_beyond = model.beyond_age
    if keep is not None:
        keep.start_queue_size[at] = layout.start_size
    for week in range(model.weeks):
        slot = week % m
        blk.come_back(week)
        arrived = _arrivals(layout, week, reps, blk.levels, rng).reshape(p, blk.cells)
        blk.n[:, slot] += arrived
        blk.waiting += arrived
        slots = _slots(layout, week, reps, blk.waiting.reshape(p, rows, q), rng)
        alloc = None
        if rule is not None:
            waiting = blk.waiting.reshape(p, rows, q).transpose(1, 2, 0)
            alloc = check_allocation(rule.allocate(week, slots, waiting), slots, p)
            alloc = alloc.reshape(blk.cells, p)
        treated, declined, waited = _offer_week(blk, week, slots.ravel(), alloc)
        removed = (
            _remove(blk, model.removal_rate)
            if model.removal_rate > 0
            else np.zeros(blk.cells, np.int64)
        )
        beyond_bins = layout.bin_of(week, np.arange(first_beyond, m + 1))
        beyond = blk.n[:, beyond_bins].sum(axis=(0, 1)).reshape(rows, q)
        on_pause = blk.on_pause.reshape(rows, q)
        out["queue_size"][at, week] = blk.waiting.sum(axis=0).reshape(rows, q) + on_pause
        out["paused"][at, week] = on_pause
        out["beyond"][at, week] = beyond
        out["treated"][week] += treated.reshape(rows, q).sum(axis=0)
        out["removed"][week] += removed.reshape(rows, q).sum(axis=0)
        if keep is not None:
            keep.arrivals[at, week] = arrived.sum(axis=0).reshape(rows, q)
            keep.treated[at, week] = treated.reshape(rows, q)
            keep.declined[at, week] = declined.reshape(rows, q)
            keep.removed[at, week] = removed.reshape(rows, q)
            keep.wait_weeks_treated[at, week] = waited.reshape(rows, q)
        # Ageing: the cohort turning m next week joins the last bin; its slot is then free for
        # next week's arrivals.
        nxt = (week + 1) % m
        blk.n[:, m] += blk.n[:, nxt]
        blk.n[:, nxt] = 0


def _outputs(replications: int, weeks: int, queues: int) -> dict[str, npt.NDArray[Any]]:
    """The arrays every run fills: list counts per replication, flows summed over them."""
    return {
        "queue_size": np.zeros((replications, weeks, queues), np.int32),
        "paused": np.zeros((replications, weeks, queues), np.int32),
        "beyond": np.zeros((replications, weeks, queues), np.int32),
        "treated": np.zeros((weeks, queues), np.int64),
        "removed": np.zeros((weeks, queues), np.int64),
    }


def _block_job(
    model: WaitingListModel,
    tracked_weeks: int | None,
    reps: slice,
    child: np.random.SeedSequence,
    keep_paths: bool,
) -> tuple[dict[str, npt.NDArray[Any]], SimulationPaths | None]:
    """One block in a worker process, into arrays of its own."""
    rows = reps.stop - reps.start
    out = _outputs(rows, model.weeks, model.queues)
    keep = empty_paths(rows, model.weeks, model.queues) if keep_paths else None
    layout = _Layout(model, tracked_weeks)
    _run_block(layout, reps, np.random.default_rng(child), out, keep, at=slice(0, rows))
    return out, keep


def _run_in_processes(
    model: WaitingListModel,
    tracked_weeks: int | None,
    blocks: list[slice],
    children: list[np.random.SeedSequence],
    out: dict[str, npt.NDArray[Any]],
    keep: SimulationPaths | None,
    workers: int,
) -> None:
    """Run the blocks in worker processes (spawned, so nothing is shared) and gather them."""
    context = multiprocessing.get_context("spawn")
    n = len(blocks)
    with ProcessPoolExecutor(max_workers=min(workers, n), mp_context=context) as pool:
        done = pool.map(
            _block_job, [model] * n, [tracked_weeks] * n, blocks, children, [keep is not None] * n
        )
        for reps, (part, kept) in zip(blocks, done, strict=True):
            for name in ("queue_size", "paused", "beyond"):
                out[name][reps] = part[name]
            out["treated"] += part["treated"]
            out["removed"] += part["removed"]
            if keep is not None and kept is not None:
                for name in keep.__dataclass_fields__:
                    getattr(keep, name)[reps] = getattr(kept, name)


def simulate(
    model: WaitingListModel,
    *,
    replications: int = 1000,
    seed: int | np.random.SeedSequence = 0,
    percentiles: tuple[float, ...] = DEFAULT_PERCENTILES,
    block_size: int = 100,
    tracked_weeks: int | None = None,
    keep_paths: bool = False,
    workers: int = 1,
) -> SimulationResult:
    """Simulate ``model`` ``replications`` times and return percentile bands per week and queue.

    Time is in weeks. ``tracked_weeks`` (default: one more than the guarantee in whole weeks)
    is how many ages are kept apart; raise it when the waits of treated patients matter.
    ``keep_paths`` keeps every replication's weekly counts (memory: 9 arrays of
    replications × weeks × queues). Reproducible for the same ``seed`` and ``block_size``,
    whatever ``workers``: with ``workers > 1`` the blocks run in that many processes, so a
    capacity policy or booking rule must then be picklable, and any state it keeps stays in
    the worker.

    >>> import numpy as np
    >>> model = WaitingListModel(
    ...     initial=InitialList.from_arrays(queue=[0] * 50, waited_weeks=np.arange(50) % 20),
    ...     arrivals=ArrivalForecast.constant([[8.0]], weeks=26),
    ...     capacity=np.full((26, 1), 10.0),
    ... )
    >>> result = simulate(model, replications=200, seed=1)
    >>> result.queue_size.shape   # (percentiles, weeks, queues)
    (5, 26, 1)
    >>> bool(result.queue_size[2, -1, 0] < 50)   # the median list has shrunk
    True
    """
    _check_run(replications, block_size, percentiles, workers)
    if isinstance(model.arrivals, ArrivalPaths) and model.arrivals.counts.shape[0] != replications:
        raise InputError(
            f"The arrival paths hold {model.arrivals.counts.shape[0]} replications; "
            f"`replications` must be the same; got {replications}.",
            field="replications",
        )
    t, q = model.weeks, model.queues
    out = _outputs(replications, t, q)
    keep = empty_paths(replications, t, q) if keep_paths else None
    seq = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    starts = range(0, replications, block_size)
    blocks = [slice(s, min(s + block_size, replications)) for s in starts]
    children = seq.spawn(len(blocks))
    if workers > 1 and len(blocks) > 1:
        _run_in_processes(model, tracked_weeks, blocks, children, out, keep, workers)
    else:
        layout = _Layout(model, tracked_weeks)
        for reps, child in zip(blocks, children, strict=True):
            _run_block(layout, reps, np.random.default_rng(child), out, keep, at=reps)
    if keep is not None:
        keep.queue_size[:] = out["queue_size"]
        keep.paused[:] = out["paused"]
        keep.beyond_guarantee[:] = out["beyond"]
    return summarise(
        out["queue_size"],
        out["paused"],
        out["beyond"],
        out["treated"],
        out["removed"],
        percentiles,
        keep,
    )
