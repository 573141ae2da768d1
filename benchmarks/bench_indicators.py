"""The standard monthly series (36 month ends) on a national-size pathway table.

Generates a synthetic ``pathways``/``pauses`` pair of the analytics schema (default 10 M
pathways: 21 regions, 2,000 units, 30 specialties, every entry type, ~85 % removed, PVV/MOV
pauses on ~10 %), or reads ``--source`` (a DuckDB analytics file or a directory with
``pathways/`` and ``pauses/`` Parquet data). Then, each in a fresh child process so peak
memory is its own:

* **vardkoll** — :func:`vardkoll.analytics.series_for_cut` (method ``sweep``) for the cut
  region × provider × unit × specialty × entry type: month-end waiting in *both* views
  (national with PVV/MOV apart, and pause-adjusted) with exact median and p90, completed per
  month (treated and removed apart, both views), and monthly flows;
* **baseline, national** — the straightforward DuckDB SQL: join every pathway to every month
  end it waited through, then aggregate (count, share within, beyond, median, p90, PVV/MOV
  apart), plus completed per month — the national view only, i.e. *less* than vardkoll does;
* **baseline, both views** — the same expansion also subtracting paused days per month end.

Each method runs ``--repeat`` times (default 3), interleaved so a slow spell of the machine
hits all of them, and the run with the median time is reported with every run beside it.
Imports are outside the clock for both; vardkoll's includes opening the tables.

It checks that vardkoll's national month-end table equals the baseline's cell by cell,
optionally runs the portable method on Spark local mode for a smaller generated region, prints
a Rich table and writes ``benchmarks/out/bench_indicators.json``.

    uv run python benchmarks/bench_indicators.py                 # 10 M pathways
    uv run python benchmarks/bench_indicators.py --rows 1000000 --spark-rows 50000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import os
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from rich.console import Console
from rich.table import Table

OUT = Path(__file__).resolve().parent / "out"
AS_OF = dt.date(2025, 6, 30)
CUT = ["region_code", "provider_id", "unit_id", "specialty", "entry_type"]
ENTRY = ["primary_contact", "primary_assessment", "first_visit", "examination", "treatment"]
MEAN_WAIT = [0.5, 3.0, 140.0, 80.0, 190.0]  # ≈ 4 month ends per pathway, as nationally
EPOCH = np.datetime64("1970-01-01", "D")


def _day(d: dt.date) -> int:
    return (d - dt.date(1970, 1, 1)).days


def generate(rows: int, seed: int = 2026) -> dict[str, pa.Table]:
    """A national-size synthetic pair of tables, fully vectorised."""
    rng = np.random.default_rng(seed)
    units = 2000
    unit = rng.integers(0, units, rows)
    unit_region = rng.integers(0, 21, units)
    unit_provider = np.arange(units) // 10
    entry = rng.choice(5, rows, p=[0.1, 0.1, 0.35, 0.15, 0.3])
    unit_specialties = rng.integers(1, 30, (units, 5))
    specialty = np.where(entry < 2, 0, unit_specialties[unit, rng.integers(0, 5, rows)])
    start = rng.integers(_day(dt.date(2021, 7, 1)), _day(AS_OF) + 1, rows)
    wait = np.floor(rng.gamma(1.3, np.array(MEAN_WAIT)[entry] / 1.3)).astype(np.int64)
    removed = start + wait
    still = (removed > _day(AS_OF)) | (rng.random(rows) < 0.005)
    treated = rng.random(rows) < 0.8
    reasons = np.array(["no_longer_needed", "treated_elsewhere", "declined_offer", "other"])
    reason = np.where(treated, "treated", reasons[rng.integers(0, 4, rows)])
    index = pa.array(np.arange(rows))
    keys = pc.binary_join_element_wise("SYS:P", pc.cast(index, pa.string()), "")
    sex = np.array(["M", "F"])[rng.integers(0, 2, rows)]
    pathways = pa.table(
        {
            "pathway_key": keys,
            "patient_pseudonym": pa.nulls(rows, pa.string()),
            "identity_type": pa.array(np.full(rows, "personnummer")),
            "sex": pa.array(sex),
            "birth_year": pa.array(rng.integers(1925, 2025, rows).astype(np.int32)),
            "age_at_clock_start": pa.array(rng.integers(0, 100, rows).astype(np.int32)),
            "home_municipality": pa.nulls(rows, pa.string()),
            "region_code": pa.array(np.char.zfill(unit_region[unit].astype(str), 2)),
            "provider_id": pa.array(np.char.add("P", unit_provider[unit].astype(str))),
            "unit_id": pa.array(np.char.add("U", unit.astype(str))),
            "specialty": pa.array(np.char.add("sp", specialty.astype(str))),
            "entry_type": pa.array(np.array(ENTRY)[entry]),
            "priority": pa.array(rng.integers(1, 5, rows).astype(np.int32)),
            "procedure_code": pa.nulls(rows, pa.string()),
            "clock_start": pa.array((EPOCH + start).astype("datetime64[D]")),
            "removed_on": pa.array((EPOCH + removed).astype("datetime64[D]"), mask=still),
            "removal_reason": pa.array(reason, mask=still),
            "has_pvv": pa.array(np.zeros(rows, dtype=bool)),
            "has_mov": pa.array(np.zeros(rows, dtype=bool)),
            "paused_days_total": pa.array(np.zeros(rows, dtype=np.int32)),
            "guarantee_void": pa.array(np.zeros(rows, dtype=bool)),
        }
    )
    paused = np.flatnonzero((rng.random(rows) < 0.10) & (wait > 3))
    second = paused[rng.random(paused.size) < 0.2]
    who = np.concatenate([paused, second])
    end = np.where(still[who], _day(AS_OF), removed[who])
    p_start = start[who] + (rng.random(who.size) * (end - start[who])).astype(np.int64)
    p_end = p_start + rng.integers(1, 40, who.size)
    pauses = pa.table(
        {
            "pathway_key": keys.take(pa.array(who)),
            "reason": pa.array(np.array(["PVV", "MOV"])[rng.integers(0, 2, who.size)]),
            "start_date": pa.array((EPOCH + p_start).astype("datetime64[D]")),
            "end_date": pa.array((EPOCH + p_end).astype("datetime64[D]"), mask=p_end > _day(AS_OF)),
        }
    )
    return {"pathways": pathways, "pauses": pauses}


def _month_ends() -> list[dt.date]:
    from vardkoll.analytics import series_month_ends

    return series_month_ends(AS_OF, 36)


def _limit_sql() -> str:
    from vardkoll.domain import rule_set_versions

    branches = []
    for v in rule_set_versions("se-national"):
        until = f" AND clock_start <= DATE '{v.valid_to}'" if v.valid_to else ""
        for kind, limit in v.limits.items():
            if limit is not None:
                branches.append(
                    f"WHEN entry_type = '{kind}' AND clock_start >= DATE '{v.valid_from}'"
                    f"{until} THEN {limit}"
                )
    return "CASE " + " ".join(branches) + " END"


def baseline_sql(adjusted: bool) -> list[str]:
    """The straightforward queries: expand pathway × month end, then aggregate."""
    ends = ", ".join(f"DATE '{d}'" for d in _month_ends())
    cut = ", ".join(CUT)
    paused = (
        """, pz AS (
            SELECT x.pathway_key, x.d,
                   sum(greatest(least(coalesce(pa.end_date, DATE '9999-12-31'), x.d)
                       - greatest(pa.start_date, x.clock_start), 0)) AS paused
            FROM x JOIN pauses pa USING (pathway_key) GROUP BY ALL)"""
        if adjusted
        else ""
    )
    adjusted_select = (
        f""" UNION ALL
        SELECT x.d, {cut}, 'pause_adjusted' AS view, 'all' AS wait_group,
               x.days - coalesce(pz.paused, 0) AS days, limit_days
        FROM x LEFT JOIN pz USING (pathway_key, d)"""
        if adjusted
        else ""
    )
    waiting = f"""
        WITH me AS (SELECT unnest([{ends}]) AS d),
        fp AS (SELECT pathway_key, min(start_date) AS fp FROM pauses GROUP BY 1),
        p AS (SELECT pathway_key, {cut}, clock_start, removed_on, fp.fp,
                     {_limit_sql()} AS limit_days
              FROM pathways LEFT JOIN fp USING (pathway_key)),
        x AS (SELECT me.d, p.*, date_diff('day', p.clock_start, me.d) AS days
              FROM p JOIN me ON p.clock_start <= me.d
                            AND (p.removed_on IS NULL OR p.removed_on > me.d)){paused},
        v AS (SELECT d, {cut}, 'national' AS view,
                     CASE WHEN fp <= d THEN 'pvv_mov' ELSE 'standard' END AS wait_group,
                     days, limit_days FROM x{adjusted_select})
        SELECT d, {cut}, view, wait_group, count(*) AS waiting_count,
               avg((days <= limit_days)::INT) AS waiting_within_limit_share,
               sum((days > limit_days)::INT) AS waiting_beyond_limit_count,
               quantile_cont(days, 0.5) AS waiting_median_days,
               quantile_cont(days, 0.9) AS waiting_p90_days
        FROM v GROUP BY ALL"""
    first = _month_ends()[0].replace(day=1)
    completed = f"""
        WITH fp AS (SELECT pathway_key, min(start_date) AS fp FROM pauses GROUP BY 1)
        SELECT date_trunc('month', removed_on) AS month, {cut},
               CASE WHEN removal_reason = 'treated' THEN 'treated' ELSE 'removed_other' END
                   AS outcome,
               CASE WHEN fp.fp <= removed_on THEN 'pvv_mov' ELSE 'standard' END AS wait_group,
               count(*) AS completed_count,
               avg((date_diff('day', clock_start, removed_on) <= {_limit_sql()})::INT) AS share,
               quantile_cont(date_diff('day', clock_start, removed_on), 0.5) AS median,
               quantile_cont(date_diff('day', clock_start, removed_on), 0.9) AS p90
        FROM pathways LEFT JOIN fp USING (pathway_key)
        WHERE removed_on BETWEEN DATE '{first}' AND DATE '{AS_OF}'
        GROUP BY ALL"""
    if not adjusted:
        return [waiting, completed]
    completed_adjusted = f"""
        WITH pz AS (
            SELECT p.pathway_key,
                   sum(greatest(least(coalesce(pa.end_date, DATE '9999-12-31'), p.removed_on)
                       - greatest(pa.start_date, p.clock_start), 0)) AS paused
            FROM pathways p JOIN pauses pa USING (pathway_key)
            WHERE p.removed_on BETWEEN DATE '{first}' AND DATE '{AS_OF}' GROUP BY ALL),
        c AS (SELECT date_trunc('month', removed_on) AS month, {cut},
                     CASE WHEN removal_reason = 'treated' THEN 'treated' ELSE 'removed_other' END
                         AS outcome,
                     date_diff('day', clock_start, removed_on) - coalesce(pz.paused, 0) AS days,
                     {_limit_sql()} AS limit_days
              FROM pathways LEFT JOIN pz USING (pathway_key)
              WHERE removed_on BETWEEN DATE '{first}' AND DATE '{AS_OF}')
        SELECT month, {cut}, outcome, count(*) AS completed_count,
               avg((days <= limit_days)::INT) AS share,
               quantile_cont(days, 0.5) AS median, quantile_cont(days, 0.9) AS p90
        FROM c GROUP BY ALL"""
    flows = f"""
        WITH ev AS (
            SELECT {cut}, date_trunc('month', clock_start) AS month, 1 AS inflow,
                   0 AS out_treated, 0 AS out_other
            FROM pathways WHERE clock_start BETWEEN DATE '{first}' AND DATE '{AS_OF}'
            UNION ALL
            SELECT {cut}, date_trunc('month', removed_on), 0,
                   (removal_reason = 'treated')::INT, (removal_reason <> 'treated')::INT
            FROM pathways WHERE removed_on BETWEEN DATE '{first}' AND DATE '{AS_OF}')
        SELECT {cut}, month, sum(inflow) AS inflow, sum(out_treated) AS outflow_treated,
               sum(out_other) AS outflow_removed_other
        FROM ev GROUP BY ALL"""
    return [waiting, completed, completed_adjusted, flows]


def _connect(source: Path) -> duckdb.DuckDBPyConnection:
    if source.is_dir():
        con = duckdb.connect()
        for name in ("pathways", "pauses"):
            con.execute(
                f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{source / name}/*.parquet')"
            )
        return con
    return duckdb.connect(str(source), read_only=True)


def _child(task: str, source: str, queue: Any) -> None:
    """Run one measurement in this process and report time, peak memory and a check value.

    Module imports happen before the clock starts, for both methods (DuckDB is imported
    with this module; vardkoll's analytics package pulls in Ibis and pandas)."""
    if task == "vardkoll":
        from vardkoll.analytics import open_tables, series_for_cut
    started = time.perf_counter()
    cpu_started = _cpu_seconds()
    result: dict[str, Any] = {"task": task}
    if task == "vardkoll":
        tables = open_tables("duckdb", source)
        series = series_for_cut(tables, AS_OF, CUT, months=36, method="sweep")
        result["seconds"] = time.perf_counter() - started
        national = series.waiting[series.waiting.view == "national"]
        result["rows"] = {
            "waiting": len(series.waiting),
            "completed": len(series.completed),
            "flows": len(series.flows),
        }
        result["check"] = _digest(national)
    else:
        con = _connect(Path(source))
        con.execute("SET enable_progress_bar = false")
        frames = [con.sql(sql).to_arrow_table() for sql in baseline_sql(task == "baseline_both")]
        result["seconds"] = time.perf_counter() - started
        waiting = frames[0].to_pandas()
        result["rows"] = {"waiting": len(waiting), "completed": frames[1].num_rows}
        result["check"] = _digest(waiting[waiting.view == "national"].rename(columns={"d": "on"}))
    result["peak_rss_mib"] = _peak_mib()
    result["cpu_seconds"] = _cpu_seconds() - cpu_started
    queue.put(result)


def _cpu_seconds() -> float:
    """User + system CPU time of this process, all threads: less sensitive to a busy machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_mib() -> float:
    """This process's peak resident memory (VmHWM: reset by exec, unlike ru_maxrss)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _digest(frame: Any) -> dict[str, float]:
    """Order-independent sums that two equal tables share."""
    return {
        "rows": float(len(frame)),
        "waiting_count": float(frame.waiting_count.sum()),
        "beyond": float(frame.waiting_beyond_limit_count.fillna(0).astype(float).sum()),
        "share": float(frame.waiting_within_limit_share.astype(float).fillna(0).sum()),
        "median": float(frame.waiting_median_days.astype(float).sum()),
        "p90": float(frame.waiting_p90_days.astype(float).sum()),
    }


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median wall time, with every run's seconds beside it."""
    ordered = sorted(runs, key=lambda r: r["seconds"])
    chosen = dict(ordered[(len(ordered) - 1) // 2])
    chosen["all_seconds"] = [round(r["seconds"], 2) for r in runs]
    return chosen


def measure(task: str, source: Path) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    process = ctx.Process(target=_child, args=(task, str(source), queue))
    process.start()
    result: dict[str, Any] = queue.get()
    process.join()
    return result


def spark_check(rows: int, workdir: Path) -> dict[str, Any]:
    """Portable method on Spark local mode vs sweep on DuckDB, same generated region."""
    import pyarrow.parquet as pq

    from vardkoll.analytics import open_tables, series_for_cut

    data = generate(rows, seed=11)
    root = workdir / "spark_source"
    for name, table in data.items():
        (root / name).mkdir(parents=True)
        pq.write_table(table, root / name / "part-0.parquet")
    cut = ["region_code", "entry_type", "priority"]
    duck = series_for_cut(open_tables("duckdb", root), AS_OF, cut, months=36)
    started = time.perf_counter()
    spark_tables = open_tables("spark", root, master="local[2]")
    spark = series_for_cut(spark_tables, AS_OF, cut, months=36, method="portable")
    seconds = time.perf_counter() - started
    same = all(
        getattr(duck, t).shape == getattr(spark, t).shape
        and np.allclose(
            getattr(duck, t).select_dtypes("number").astype(float).to_numpy(),
            getattr(spark, t).select_dtypes("number").astype(float).to_numpy(),
            equal_nan=True,
        )
        for t in ("waiting", "completed", "flows")
    )
    return {"rows": rows, "cut": cut, "seconds": seconds, "identical_to_duckdb": bool(same)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--source", type=Path, help="DuckDB file or Parquet directory to use")
    parser.add_argument("--skip-both-views-baseline", action="store_true")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs per method, interleaved; the run with the median time is reported",
    )
    parser.add_argument(
        "--spark-rows",
        type=int,
        default=0,
        help="also run Spark local mode on a generated region of this size",
    )
    args = parser.parse_args()
    console = Console()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        source = args.source
        generated_seconds = None
        if source is None:
            started = time.perf_counter()
            data = generate(args.rows)
            source = Path(tmp) / "analytics.duckdb"
            con = duckdb.connect(str(source))
            for name, table in data.items():
                con.register("incoming", table)
                con.execute(f"CREATE TABLE {name} AS SELECT * FROM incoming")
                con.unregister("incoming")
            con.close()
            del data
            generated_seconds = time.perf_counter() - started
        with _connect(source) as con:
            rows = con.execute("SELECT count(*) FROM pathways").fetchone()[0]
            pauses = con.execute("SELECT count(*) FROM pauses").fetchone()[0]
            pairs = con.execute(
                "SELECT count(*) FROM pathways JOIN (SELECT unnest(?::DATE[]) AS d) me "
                "ON clock_start <= d AND (removed_on IS NULL OR removed_on > d)",
                [_month_ends()],
            ).fetchone()[0]
        tasks = ["vardkoll", "baseline_national"]
        if not args.skip_both_views_baseline:
            tasks.append("baseline_both")
        runs: dict[str, list[dict[str, Any]]] = {task: [] for task in tasks}
        for _ in range(args.repeat):  # interleaved, so a slow spell hits every method
            for task in tasks:
                runs[task].append(measure(task, source))
        results = {task: _median_run(found) for task, found in runs.items()}
        spark = spark_check(args.spark_rows, Path(tmp)) if args.spark_rows else None

    ours = results["vardkoll"]
    identical = all(
        abs(ours["check"][k] - results["baseline_national"]["check"][k])
        <= 1e-6 * max(1.0, abs(ours["check"][k]))
        for k in ours["check"]
    )
    table = Table(
        title=f"Standard series, 36 month ends, {rows:,} pathways ({pairs:,} "
        "pathway × month-end pairs)"
    )
    headers = ("Method", "Seconds (median)", "Runs (s)", "CPU seconds", "Peak memory (MiB)")
    for header in (*headers, "vs vardkoll"):
        table.add_column(header, justify="right" if header != "Method" else "left")
    labels = {
        "vardkoll": "vardkoll sweep: both views, completed, flows",
        "baseline_national": "baseline SQL expansion: national view + completed",
        "baseline_both": "baseline SQL expansion: both views, completed, flows",
    }
    for task, result in results.items():
        ratio = result["seconds"] / ours["seconds"]
        table.add_row(
            labels[task],
            f"{result['seconds']:.1f}",
            " ".join(f"{x:.1f}" for x in result["all_seconds"]),
            f"{result['cpu_seconds']:.1f}",
            f"{result['peak_rss_mib']:.0f}",
            f"{ratio:.1f}×" if task != "vardkoll" else "1×",
        )
    console.print(table)
    console.print(f"National month-end table identical to the baseline's: {identical}")
    console.print(
        f"Load average (1, 5, 15 min) before {load_before}, after {os.getloadavg()} on "
        f"{os.cpu_count()} CPUs: other work on the machine slows both methods alike."
    )
    if spark:
        console.print(
            f"Spark local[2], {spark['rows']:,} pathways, portable method: "
            f"{spark['seconds']:.1f} s; identical to DuckDB: "
            f"{spark['identical_to_duckdb']}"
        )
    OUT.mkdir(exist_ok=True)
    report = {
        "date": dt.date.today().isoformat(),
        "pathways": rows,
        "pauses": pauses,
        "pathway_month_end_pairs": pairs,
        "generated_seconds": generated_seconds,
        "cut": CUT,
        "months": 36,
        "results": results,
        "speedup_vs_baseline_national": results["baseline_national"]["seconds"] / ours["seconds"],
        "speedup_vs_baseline_same_tables": (
            results["baseline_both"]["seconds"] / ours["seconds"]
            if "baseline_both" in results
            else None
        ),
        "load_average_before_after": [load_before, os.getloadavg()],
        "identical_to_baseline": identical,
        "percentiles": "exact (linear interpolation, type 7) in both methods",
        "spark": spark,
        "duckdb": duckdb.__version__,
    }
    (OUT / "bench_indicators.json").write_text(json.dumps(report, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
