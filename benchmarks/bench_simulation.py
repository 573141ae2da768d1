"""Benchmark: the cohort engine against the SimPy reference model of the same system.

The system is a region-sized planning run: 200 queues, 4 priorities, 104 weeks, 1000
replications, starting from a list of about 20 000 patients, with summer closures, Christmas
weeks and a block of extra sessions in the capacity plan, a 10 % uncertain demand level,
removals without treatment (0.5 % a week) and patient-chosen waits (5 % of offers declined,
4-week pauses).

The SimPy model is far too slow for the whole system, so it runs a subset of queues and
replications in the same process, and its time is scaled by the number of queue-replications
(the work of both models grows in proportion to it). Both models are also compared on that
subset: a two-sample Kolmogorov-Smirnov test on the final queue size of each queue.

Goals (issue 06): the full run under 20 s on this 2-core machine (timed in one process and
in two); at least 100 times faster than SimPy in one process; the two agree (KS p > 0.01).
The machine is shared, so the load average is recorded with the times, and CPU times beside
the wall-clock ones. Run with ``uv run python benchmarks/bench_simulation.py``;
prints a table and writes ``benchmarks/out/bench_simulation.json``.
"""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table
from scipy.stats import ks_2samp

from vardkoll.planning import ArrivalForecast, InitialList, WaitingListModel, simulate
from vardkoll.planning._simpy_reference import simulate_simpy

OUT = Path(__file__).resolve().parent / "out" / "bench_simulation.json"

QUEUES, PRIORITIES, WEEKS, REPLICATIONS = 200, 4, 104, 1000
SIMPY_QUEUE_COUNT = 4  # queues at the 1/8, 3/8, 5/8 and 7/8 points of demand: a fair sample
SIMPY_REPLICATIONS = 50
GOAL_SECONDS, GOAL_SPEEDUP, GOAL_P = 20.0, 100.0, 0.01
WORKERS = 2  # this machine's cores


def representative_queues(model: WaitingListModel) -> tuple[int, ...]:
    """Queues spread evenly over the range of demand, so the SimPy sample is not all small."""
    assert isinstance(model.arrivals, ArrivalForecast)
    demand = model.arrivals.mean_per_week[0].sum(axis=1)
    ranked = np.argsort(demand)
    spots = ((np.arange(SIMPY_QUEUE_COUNT) + 0.5) / SIMPY_QUEUE_COUNT * QUEUES).astype(int)
    return tuple(int(q) for q in ranked[spots])


def region(seed: int = 20261125) -> WaitingListModel:
    """The benchmark system; demand per queue is log-normal around 8 referrals a week."""
    rng = np.random.default_rng(seed)
    demand = rng.lognormal(np.log(8.0), 0.6, QUEUES)
    share = np.array([0.1, 0.2, 0.3, 0.4])  # priority 0 (most urgent) .. 3
    capacity = demand * rng.uniform(0.9, 1.15, QUEUES)
    plan = np.tile(capacity, (WEEKS, 1))
    plan[26:31] *= 0.3  # summer closures
    plan[78:83] *= 0.3
    plan[51] *= 0.5  # Christmas weeks
    plan[103] *= 0.5
    plan[60:64] *= 1.3  # extra sessions
    size = rng.poisson(demand * rng.uniform(4, 16, QUEUES))
    queue = np.repeat(np.arange(QUEUES), size)
    n = queue.size
    initial = InitialList.from_arrays(
        queue=queue,
        waited_weeks=rng.exponential(8.0, n),
        priority=rng.choice(PRIORITIES, n, p=share),
        paused_weeks_left=(rng.random(n) < 0.03) * rng.integers(1, 5, n),
    )
    return WaitingListModel(
        initial=initial,
        arrivals=ArrivalForecast.constant(demand[:, None] * share[None, :], WEEKS, 0.1),
        capacity=plan,
        removal_rate=0.005,
        decline_share=0.05,
        pause_weeks=4,
    )


def subset(model: WaitingListModel, queues: tuple[int, ...]) -> WaitingListModel:
    """The same system restricted to some queues (renumbered from 0)."""
    keep = np.isin(model.initial.queue, queues)
    renumber = {q: i for i, q in enumerate(queues)}
    init = model.initial
    assert isinstance(model.arrivals, ArrivalForecast)
    return WaitingListModel(
        initial=InitialList.from_arrays(
            queue=[renumber[int(q)] for q in init.queue[keep]],
            waited_weeks=init.waited_weeks[keep],
            priority=init.priority[keep],
            paused_weeks_left=init.paused_weeks_left[keep],
        ),
        arrivals=ArrivalForecast(
            model.arrivals.mean_per_week[:, list(queues)], model.arrivals.level_cv
        ),
        capacity=np.asarray(model.capacity)[:, list(queues)],
        removal_rate=model.removal_rate,
        decline_share=model.decline_share,
        pause_weeks=model.pause_weeks,
    )


def main() -> None:
    console = Console()
    model = region()
    load_before = os.getloadavg()[0]

    started, cpu = time.perf_counter(), time.process_time()
    result = simulate(model, replications=REPLICATIONS, seed=1)
    engine_s, engine_cpu = time.perf_counter() - started, time.process_time() - cpu

    # The same run on both cores: the blocks have their own streams, so the result is equal.
    started = time.perf_counter()
    both = simulate(model, replications=REPLICATIONS, seed=1, workers=WORKERS)
    engine_2_s = time.perf_counter() - started
    assert np.array_equal(both.final_queue_size, result.final_queue_size)
    best_s = min(engine_s, engine_2_s)

    queues = representative_queues(model)
    small = subset(model, queues)
    started, cpu = time.perf_counter(), time.process_time()
    reference = simulate_simpy(small, replications=SIMPY_REPLICATIONS, seed=2)
    simpy_s, simpy_cpu = time.perf_counter() - started, time.process_time() - cpu
    scale = (QUEUES * REPLICATIONS) / (len(queues) * SIMPY_REPLICATIONS)
    simpy_full_s = simpy_s * scale
    speedup = simpy_full_s / engine_s
    speedup_cpu = simpy_cpu * scale / engine_cpu

    agreement = []
    for i, q in enumerate(queues):
        test = ks_2samp(result.final_queue_size[:, q], reference.final_queue_size[:, i])
        agreement.append(
            {
                "queue": q,
                "engine_median_final": float(np.median(result.final_queue_size[:, q])),
                "simpy_median_final": float(np.median(reference.final_queue_size[:, i])),
                "ks_statistic": float(test.statistic),
                "ks_pvalue": float(test.pvalue),
            }
        )
    agree = all(a["ks_pvalue"] > GOAL_P for a in agreement)

    record = {
        "system": {
            "queues": QUEUES,
            "priorities": PRIORITIES,
            "weeks": WEEKS,
            "replications": REPLICATIONS,
            "initial_list": model.initial.size,
        },
        "engine_seconds": round(engine_s, 2),
        "engine_cpu_seconds": round(engine_cpu, 2),
        "engine_seconds_workers": {str(WORKERS): round(engine_2_s, 2)},
        "simpy_subset": {
            "queues": list(queues),
            "replications": SIMPY_REPLICATIONS,
            "seconds": round(simpy_s, 2),
            "cpu_seconds": round(simpy_cpu, 2),
        },
        "simpy_scaled_seconds": round(simpy_full_s, 1),
        "speedup": round(speedup, 1),
        "speedup_cpu": round(speedup_cpu, 1),
        "agreement": agreement,
        "goals": {
            "under_20_s": best_s < GOAL_SECONDS,
            "at_least_100x": speedup >= GOAL_SPEEDUP,
            "at_least_100x_cpu": speedup_cpu >= GOAL_SPEEDUP,
            "agree_ks_p_over_0_01": agree,
        },
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_1min_before": round(load_before, 2),
            "load_average_1min_after": round(os.getloadavg()[0], 2),
            "python": platform.python_version(),
            "numpy": np.__version__,
        },
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")

    table = Table(title="Waiting-list simulation: cohort engine vs SimPy reference")
    table.add_column("What")
    table.add_column("Value", justify="right")
    table.add_column("Goal", justify="right")
    table.add_row(
        f"Cohort engine, {REPLICATIONS} reps × {WEEKS} wk × {QUEUES} queues × {PRIORITIES} prio",
        f"{engine_s:.1f} s (CPU {engine_cpu:.1f} s)",
        "",
    )
    table.add_row(
        f"The same on {WORKERS} processes (identical result)",
        f"{engine_2_s:.1f} s",
        f"< {GOAL_SECONDS:.0f} s {'✓' if best_s < GOAL_SECONDS else '✗'}",
    )
    table.add_row(
        f"SimPy, {SIMPY_REPLICATIONS} reps × {len(queues)} queues (measured)",
        f"{simpy_s:.1f} s (CPU {simpy_cpu:.1f} s)",
        "",
    )
    table.add_row(f"SimPy scaled to the full run (×{scale:.0f})", f"{simpy_full_s:,.0f} s", "")
    table.add_row(
        "Speed-up, one process (wall; CPU)",
        f"{speedup:,.0f}×; {speedup_cpu:,.0f}×",
        f"≥ {GOAL_SPEEDUP:.0f}× {'✓' if speedup >= GOAL_SPEEDUP else '✗'}",
    )
    for a in agreement:
        table.add_row(
            f"KS final queue size, queue {a['queue']} (median {a['engine_median_final']:.0f} "
            f"vs {a['simpy_median_final']:.0f})",
            f"p = {a['ks_pvalue']:.3f}",
            f"> {GOAL_P} {'✓' if a['ks_pvalue'] > GOAL_P else '✗'}",
        )
    table.add_row(
        "Load average (1 min) before / after",
        f"{load_before:.1f} / {os.getloadavg()[0]:.1f}",
        f"{os.cpu_count()} CPUs",
    )
    console.print(table)
    console.print(f"Wrote {OUT.relative_to(Path.cwd()) if OUT.is_relative_to(Path.cwd()) else OUT}")


if __name__ == "__main__":
    main()
