"""Benchmark: forecast and backtest every queue of a region-sized set of weekly series.

300 series (50 units × 3 specialties × 2 entry types) of 156 weeks, plus the region total,
built with NumPy from a fixed seed: a level (log-normal around 15 referrals a week), a linear
trend, a yearly wave, the Swedish calendar (referrals in proportion to working days, 30 %
fewer in ISO weeks 27–32) and Poisson noise, with a quarter of the series over-dispersed
(negative binomial). :func:`vardkoll.planning.forecast_many` backtests every candidate model
by rolling origin (11 origins over the last year, horizon 12) and forecasts 12 weeks ahead.
The 12 weeks after the history are generated too and held out, to check the intervals on
weeks no model has seen.

Goal (issue 06): under a minute on this 2-core machine. Run with
``uv run python benchmarks/bench_forecast.py [--workers N]`` (default 1: one process is fast
enough, and on a busy machine a second one does not help); prints a table and writes
``benchmarks/out/bench_forecast.json``. With one worker, ``parent_cpu_seconds`` is all the CPU
the run used, a figure that depends less on what else the machine is doing than wall time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels
from rich.console import Console
from rich.table import Table

from vardkoll.planning import forecast_many, week_calendar

OUT = Path(__file__).resolve().parent / "out" / "bench_forecast.json"
UNITS, SPECIALTIES, ENTRY_TYPES = 50, ("ortopedi", "ögon", "kirurgi"), ("besök", "behandling")
WEEKS, HORIZON, HELD_OUT = 156, 12, 12
START = dt.date(2023, 1, 2)
GOAL_SECONDS = 60.0


def region(seed: int = 20261125) -> tuple[pd.DataFrame, dict[tuple[str, ...], np.ndarray]]:
    """The long table of the first 156 weeks, and each series' held-out next 12 weeks."""
    rng = np.random.default_rng(seed)
    mondays = [START + dt.timedelta(weeks=k) for k in range(WEEKS + HELD_OUT)]
    calendar = week_calendar(mondays)
    working = calendar["working_days"].to_numpy() / 5
    summer = np.where(calendar["summer"].to_numpy(), 0.7, 1.0)
    t = np.arange(WEEKS + HELD_OUT)
    rows: list[pd.DataFrame] = []
    held: dict[tuple[str, ...], np.ndarray] = {}
    for u in range(UNITS):
        for specialty in SPECIALTIES:
            for entry_type in ENTRY_TYPES:
                level = rng.lognormal(np.log(15.0), 0.8)
                trend = rng.normal(0.0, 0.08)  # relative change per year
                wave = rng.uniform(0.0, 0.25) * np.sin(2 * np.pi * t / 52.18 + rng.uniform(0, 7))
                mean = level * np.maximum(1 + trend * t / 52 + wave, 0.05) * working * summer
                if rng.random() < 0.25:  # over-dispersed: negative binomial, size 5
                    counts = rng.negative_binomial(5, 5 / (5 + mean))
                else:
                    counts = rng.poisson(mean)
                key = (f"U{u:02d}", specialty, entry_type)
                held[key] = counts[WEEKS:].astype(np.float64)
                rows.append(
                    pd.DataFrame(
                        {
                            "unit_id": key[0],
                            "specialty": specialty,
                            "entry_type": entry_type,
                            "week_start": mondays[:WEEKS],
                            "inflow": counts[:WEEKS],
                        }
                    )
                )
    held[("*", "*", "*")] = np.sum(list(held.values()), axis=0)
    return pd.concat(rows, ignore_index=True), held


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    args = parser.parse_args()
    console = Console()
    frame, held = region()
    load_before = os.getloadavg()[0]

    started, cpu = time.perf_counter(), time.process_time()
    result = forecast_many(frame, horizon=HORIZON, workers=args.workers)
    wall, parent_cpu = time.perf_counter() - started, time.process_time() - cpu

    forecasts = result.forecasts
    acc = [f.accuracy for f in forecasts.values()]
    inside_95 = np.concatenate(
        [(f.lower_95 <= held[k]) & (held[k] <= f.upper_95) for k, f in forecasts.items()]
    )
    inside_80 = np.concatenate(
        [(f.lower_80 <= held[k]) & (held[k] <= f.upper_80) for k, f in forecasts.items()]
    )
    beats_baseline = np.mean([f.accuracy.mae <= f.baseline.mae for f in forecasts.values()])
    models = Counter(f.model for f in forecasts.values())
    trust = Counter(f.trust for f in forecasts.values())
    not_converged = sum(not f.converged for f in forecasts.values())
    series = len(forecasts) + len(result.skipped)

    backtest = {
        "median_mase": round(float(np.median([a.mase for a in acc])), 3),
        "median_baseline_mase": round(
            float(np.median([f.baseline.mase for f in forecasts.values()])), 3
        ),
        "share_beating_baseline": round(float(beats_baseline), 3),
        "mean_coverage_80": round(float(np.mean([a.coverage_80 for a in acc])), 3),
        "mean_coverage_95": round(float(np.mean([a.coverage_95 for a in acc])), 3),
    }
    record = {
        "system": {
            "series": series,
            "weeks": WEEKS,
            "horizon": HORIZON,
            "backtest_origins": acc[0].origins,
            "workers": args.workers,
        },
        "seconds": round(wall, 2),
        "parent_cpu_seconds": round(parent_cpu, 2),
        "ms_per_series": round(1000 * wall / series, 1),
        "skipped": len(result.skipped),
        "models": dict(models),
        "trust": dict(trust),
        "did_not_converge": not_converged,
        "backtest": backtest,
        "held_out": {
            "points": int(inside_95.size),
            "coverage_80": round(float(inside_80.mean()), 3),
            "coverage_95": round(float(inside_95.mean()), 3),
        },
        "goals": {"under_60_s": wall < GOAL_SECONDS},
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_1min_before": round(load_before, 2),
            "load_average_1min_after": round(os.getloadavg()[0], 2),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "statsmodels": statsmodels.__version__,
        },
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    table = Table(title="Demand forecasts: backtest and forecast every series")
    table.add_column("What")
    table.add_column("Value", justify="right")
    table.add_column("Goal", justify="right")
    table.add_row(
        f"{series} series × {WEEKS} weeks, horizon {HORIZON}, {acc[0].origins} origins, "
        f"{args.workers} worker(s)",
        f"{wall:.1f} s ({1000 * wall / series:.0f} ms/series)",
        f"< {GOAL_SECONDS:.0f} s {'✓' if wall < GOAL_SECONDS else '✗'}",
    )
    table.add_row("Models chosen", ", ".join(f"{m} {n}" for m, n in models.most_common()), "")
    table.add_row("Trust", ", ".join(f"{t} {n}" for t, n in trust.most_common()), "")
    table.add_row(
        "Backtest MASE, median (seasonal naive baseline)",
        f"{backtest['median_mase']:.2f} ({backtest['median_baseline_mase']:.2f})",
        "< 1",
    )
    table.add_row("Series where the chosen model beats the baseline", f"{beats_baseline:.0%}", "")
    table.add_row(
        "Backtest coverage 80 % / 95 %",
        f"{backtest['mean_coverage_80']:.0%} / {backtest['mean_coverage_95']:.0%}",
        "≈ 80 % / 95 %",
    )
    table.add_row(
        f"Held-out coverage 80 % / 95 % ({inside_95.size} weeks)",
        f"{inside_80.mean():.0%} / {inside_95.mean():.0%}",
        "≈ 80 % / 95 %",
    )
    table.add_row("Fits that did not converge", str(not_converged), "")
    table.add_row(
        "Load average (1 min) before / after",
        f"{load_before:.1f} / {os.getloadavg()[0]:.1f}",
        f"{os.cpu_count()} CPUs",
    )
    console.print(table)
    console.print(f"Wrote {OUT.relative_to(Path.cwd()) if OUT.is_relative_to(Path.cwd()) else OUT}")


if __name__ == "__main__":
    main()
