"""National-scale generation: wall time, peak memory, and the calibration on the output.

Runs :func:`vardkoll.synth.generate_national` (all 21 regions, ≥ 10 million pathways) into a
temporary folder, measures wall time (goal < 3 min) and peak resident memory (goal < 8 GB,
``resource.getrusage``), then computes the calibration figures of DOMAIN.md §2–3 straight from
the written CSV files with DuckDB — nationally and per region — prints them as a table and
writes everything to ``benchmarks/out/bench_generate.json``.

    uv run python benchmarks/bench_generate.py            # all 21 regions
    uv run python benchmarks/bench_generate.py --regions 19 09 --keep /tmp/gen
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
from rich.console import Console
from rich.table import Table

from vardkoll.synth import DEFAULT_AS_OF, DEFAULT_SEED, generate_national, region_population

OUT = Path(__file__).resolve().parent / "out"
LABELS = {
    "first_visit_waiting_pct_population": "waiting for a first visit, % of population",
    "first_visit_beyond_90_pct": "of them beyond 90 days, %",
    "treatment_waiting_pct_population": "waiting for treatment, % of population",
    "treatment_beyond_90_pct": "of them beyond 90 days, %",
    "treatment_median_completed_days": "median completed treatment wait, days",
    "overcrowding_per_100_beds": "överbeläggningar per 100 beds (somatic)",
}
TOLERANCE = 0.25
TIME_GOAL_S = 180.0
MEMORY_GOAL_GB = 8.0

# DOMAIN.md §2 (March 2022) and §3 (2019 5.0, Jan–Nov 2023 6.7).
TARGETS: dict[str, float] = {
    "first_visit_waiting_pct_population": 100 * 462_000 / 10_450_000,
    "first_visit_beyond_90_pct": 100 * 136_000 / 462_000,
    "treatment_waiting_pct_population": 100 * 160_000 / 10_450_000,
    "treatment_beyond_90_pct": 100 * 65_000 / 160_000,
    "treatment_median_completed_days": 63.0,
    "overcrowding_per_100_beds": 5.5,
}

FIGURES_SQL = """
CREATE TEMP TABLE ev AS
SELECT regexp_extract(filename, 'region-([0-9]{2})', 1) AS region, pathway_id,
       CAST(event_seq AS INTEGER) AS seq, event_type, CAST(event_date AS DATE) AS d,
       entry_type, removal_reason, CAST(supersedes_seq AS INTEGER) AS supersedes
FROM read_csv($events, delim=';', header=true, all_varchar=true, filename=true)
"""

PATHS_SQL = """
CREATE TEMP TABLE paths AS
WITH live AS (
    SELECT e.* FROM ev e ANTI JOIN (SELECT region, pathway_id, supersedes FROM ev
                                    WHERE event_type = 'void') v
    ON e.region = v.region AND e.pathway_id = v.pathway_id AND e.seq = v.supersedes
)
SELECT s.region, s.entry_type, s.d AS start, r.d AS removed, r.removal_reason
FROM (SELECT * FROM live WHERE event_type = 'clock_start') s
LEFT JOIN (SELECT * FROM live WHERE event_type = 'removal') r
  ON s.region = r.region AND s.pathway_id = r.pathway_id
"""

WAITING_SQL = """
SELECT region, entry_type,
       count(*) FILTER (WHERE start <= $as_of AND removed IS NULL) AS waiting,
       count(*) FILTER (WHERE start <= $as_of AND removed IS NULL
                        AND date_diff('day', start, $as_of) > 90) AS beyond,
       median(date_diff('day', start, removed)) FILTER (
           WHERE removal_reason = 'treated' AND removed > $as_of - INTERVAL 30 DAY) AS median_done,
       count(*) AS pathways
FROM paths WHERE entry_type IN ('first_visit', 'treatment')
GROUP BY GROUPING SETS ((region, entry_type), (entry_type))
"""

BEDS_SQL = """
SELECT regexp_extract(filename, 'region-([0-9]{2})', 1) AS region,
       sum(CAST(overcrowded AS BIGINT)) AS over, sum(CAST(available_beds AS BIGINT)) AS beds
FROM read_csv($beds, delim=';', header=true, all_varchar=true, filename=true)
WHERE care_type = 'somatic' GROUP BY ROLLUP (1)
"""


def calibration(root: Path, regions: list[str]) -> dict[str, dict[str, float]]:
    """Each target figure per region and for all regions together ('SE'), from the files."""
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    con.execute(FIGURES_SQL, {"events": str(root / "region-*" / "pathway_events.csv")})
    con.execute(PATHS_SQL)
    waiting = con.execute(WAITING_SQL, {"as_of": DEFAULT_AS_OF}).fetchall()
    beds = con.execute(BEDS_SQL, {"beds": str(root / "region-*" / "beds.csv")}).fetchall()
    total_pathways = con.execute("SELECT count(*) FROM paths").fetchone()
    pop = {code: region_population(code) for code in regions}
    pop["SE"] = sum(pop.values())
    figures: dict[str, dict[str, float]] = {key: {} for key in pop}
    for region, entry, n, beyond, median, _ in waiting:
        key = region or "SE"
        figures[key][f"{entry}_waiting_pct_population"] = 100 * n / pop[key]
        figures[key][f"{entry}_beyond_90_pct"] = 100 * beyond / n
        if entry == "treatment":
            figures[key]["treatment_median_completed_days"] = float(median)
    for region, over, available in beds:
        figures[region or "SE"]["overcrowding_per_100_beds"] = 100 * over / available
    figures["SE"]["pathways"] = float(total_pathways[0] if total_pathways else 0)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--regions", nargs="*", help="county codes (default: all 21)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--keep", type=Path, help="write here and keep the files")
    args = parser.parse_args(argv)
    console = Console(width=110)
    root = args.keep or Path(tempfile.mkdtemp(prefix="vardkoll-national-"))
    try:
        began = time.perf_counter()
        report = generate_national(root, seed=args.seed, regions=args.regions)
        wall = time.perf_counter() - began
        peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # KiB on Linux
        size_gb = sum(p.stat().st_size for p in root.rglob("*.csv")) / 1024**3
        began = time.perf_counter()
        figures = calibration(root, [r.region_code for r in report.regions])
        calibration_s = time.perf_counter() - began
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)

    timing = Table(title=f"generate --scale national ({len(report.regions)} regions)")
    for col in ("measure", "value", "goal"):
        timing.add_column(col, justify="left" if col == "measure" else "right")
    timing.add_row("wall time", f"{wall:.1f} s", f"< {TIME_GOAL_S:.0f} s")
    timing.add_row("peak memory (RSS)", f"{peak_gb:.2f} GB", f"< {MEMORY_GOAL_GB:.0f} GB")
    timing.add_row("pathways", f"{report.pathways:,}", "≥ 10,000,000")
    for name, rows in report.rows.items():
        timing.add_row(f"rows {name}", f"{rows:,}", "")
    timing.add_row("CSV written", f"{size_gb:.2f} GB", "")
    timing.add_row("throughput", f"{report.pathways / wall:,.0f} pathways/s", "")
    timing.add_row("calibration query (DuckDB)", f"{calibration_s:.1f} s", "")
    console.print(timing)

    table = Table(title="Calibration from the written files (DOMAIN.md §2–3, ±25 %)")
    table.add_column("figure")
    table.add_column("target", justify="right")
    table.add_column("all regions", justify="right")
    table.add_column("regions within ±25 %", justify="right")
    table.add_column("ok", justify="center")
    results: dict[str, Any] = {}
    all_ok = True
    for key, target in TARGETS.items():
        value = figures["SE"][key]
        within = abs(value - target) <= TOLERANCE * target
        regional = [f[key] for code, f in figures.items() if code != "SE"]
        n_ok = sum(abs(v - target) <= TOLERANCE * target for v in regional)
        all_ok &= within
        mark = "✓" if within else "✗"
        table.add_row(LABELS[key], f"{target:.2f}", f"{value:.2f}", f"{n_ok}/{len(regional)}", mark)
        results[key] = {
            "target": target,
            "national": value,
            "within_25pct": within,
            "regions_within": n_ok,
        }
    console.print(table)
    console.print(
        "Regions with their own overcrowding rate (Kalmar 0.4, Skåne 7.6, Norrbotten 10.8) "
        "are outside ±25 % of 5.5 by design."
    )

    OUT.mkdir(exist_ok=True)
    payload = {
        "benchmark": "generate_national",
        "python": sys.version.split()[0],
        "seed": args.seed,
        "as_of": DEFAULT_AS_OF.isoformat(),
        "regions": len(report.regions),
        "wall_s": round(wall, 2),
        "peak_rss_gb": round(peak_gb, 3),
        "pathways": report.pathways,
        "rows": dict(report.rows),
        "csv_gb": round(size_gb, 3),
        "calibration_query_s": round(calibration_s, 2),
        "goals": {"wall_s": TIME_GOAL_S, "peak_rss_gb": MEMORY_GOAL_GB},
        "calibration": results,
        "per_region": {code: f for code, f in sorted(figures.items())},
    }
    (OUT / "bench_generate.json").write_text(json.dumps(payload, indent=2), encoding="utf-8")
    console.print(f"Wrote {OUT / 'bench_generate.json'}")
    return 0 if all_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
