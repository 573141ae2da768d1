"""Import throughput: CSV → analytics store (direct path) and CSV → operational store.

Generates (or takes, ``--csv``) a ``pathway_events`` CSV of ``--rows`` rows (default 1 M;
``--rows 10000000`` for the full run) with a small vectorised generator: one patient per
pathway, 2–5 events per pathway (clock start, priority changes, bookings, MOV pauses,
removals), valid personnummer. Then measures

* the direct path ``load_analytics_direct`` (read + vectorised validation by
  ``vardkoll.ingest``, one HMAC per patient, set-based pathway replay, DuckDB write) in rows/s,
  with its parts: ingest read + validate, and the store's own work on validated rows;
* a per-row Python baseline on a subset of the same file (``csv`` module, ``parse_identity``,
  ``date.fromisoformat``, code checks and one HMAC per row) and the ratio to the direct path;
* CSV → operational store on PostgreSQL (``COPY`` + merge) and SQLite (``executemany``):
  ``import_validated`` alone and end to end.

Prints a Rich table and writes ``benchmarks/out/bench_import.json``.

    uv run python benchmarks/bench_import.py                    # 1 M rows
    uv run python benchmarks/bench_import.py --rows 10000000 --ops-rows 2000000
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import tempfile
import time
import uuid
from collections.abc import Callable
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from vardkoll.domain import InputError, parse_identity, pseudonymise
from vardkoll.ingest import read_and_validate
from vardkoll.store import import_validated, load_analytics_direct, make_engine, upgrade
from vardkoll.store._analytics import _write
from vardkoll.store._kinds import conform, kind_spec

OUT = Path(__file__).resolve().parent / "out"
KEY = b"benchmark-key"
TODAY = dt.date(2025, 6, 1)
COLUMNS = [
    "source_system", "pathway_id", "event_seq", "event_type", "event_date", "patient_id",
    "protected_identity", "patient_sex", "patient_birth_date", "home_municipality",
    "region_code", "unit_id", "specialty", "entry_type", "priority", "procedure_code",
    "pause_reason", "removal_reason", "offer_outcome", "offered_unit_id", "appointment_date",
    "reference", "supersedes_seq",
]  # fmt: skip
SPECIALTIES = np.array(["orthopaedics", "ent", "ophthalmology", "urology", "gynaecology"])
ENTRY_TYPES = np.array(["first_visit", "treatment", "examination"])
REMOVALS = np.array(["treated", "no_longer_needed", "treated_elsewhere"])
UNITS = np.array([f"SE2321000198-E01{i:02d}" for i in range(40)])


# --- a small vectorised generator ------------------------------------------------------------


def _personnummer(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct valid personnummer as YYYYMMDD-NNNC (Luhn over YYMMDDNNN, in NumPy).

    Distinct, so no two generated pathways are open for the same patient at the same unit: an
    odd multiplier not divisible by 5 permutes 0 … 32 000 000 − 1 (birth day × 1000 + number).
    """
    space = 32_000_000
    if n > space:
        raise SystemExit(f"the generator makes at most {space:,} pathways")
    start = int(rng.integers(0, space))
    idx = (np.arange(start, start + n, dtype=np.int64) * 2_654_435_761) % space
    born = np.datetime64("1930-01-01") + (idx // 1000).astype("timedelta64[D]")
    ymd = np.char.replace(np.datetime_as_string(born, unit="D"), "-", "")
    nnn = np.char.zfill((idx % 1000).astype(str), 3)
    body = np.char.add(ymd, nnn).astype("S11")  # YYYYMMDDNNN
    digits = np.frombuffer(body.tobytes(), dtype=np.uint8).reshape(n, 11)[:, 2:] - ord("0")
    doubled = digits.astype(np.int64) * np.array([2, 1, 2, 1, 2, 1, 2, 1, 2])
    total = (doubled // 10 + doubled % 10).sum(axis=1)
    check = ((10 - total % 10) % 10).astype(str)
    return np.char.add(np.char.add(np.char.add(ymd, "-"), nnn), check)


def make_csv(path: Path, rows: int, seed: int = 7) -> None:
    """Write a valid ``pathway_events`` CSV of exactly ``rows`` rows."""
    rng = np.random.default_rng(seed)
    sizes = rng.choice([2, 3, 4, 5], size=rows // 2 + 2, p=[0.3, 0.35, 0.2, 0.15])
    ends = np.cumsum(sizes)
    n_path = int(np.searchsorted(ends, rows) + 1)
    sizes = sizes[:n_path]
    sizes[-1] -= int(ends[n_path - 1] - rows)
    path_of = np.repeat(np.arange(n_path), sizes)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    pos = np.arange(rows) - np.repeat(starts, sizes)
    k = np.repeat(sizes, sizes)
    removed = np.repeat(rng.random(n_path) < 0.6, sizes)
    kind = np.full(rows, "booking", dtype=object)
    kind[(pos % 2 == 1)] = "priority_change"
    pause = (k >= 4) & ~removed | (k == 5)
    kind[pause & (pos == 1)] = "pause_start"
    kind[pause & (pos == 2)] = "pause_end"
    kind[removed & (pos == k - 1) & (pos > 0)] = "removal"
    kind[pos == 0] = "clock_start"
    start = np.datetime64(TODAY) - rng.integers(110, 500, n_path).astype("timedelta64[D]")
    gaps = rng.integers(1, 20, rows)
    gaps[pos == 0] = 0
    offset = np.cumsum(gaps) - np.repeat(np.cumsum(gaps)[starts] - gaps[starts], sizes)
    event_date = np.repeat(start, sizes) + offset.astype("timedelta64[D]")
    pins = pa.array(_personnummer(rng, n_path)).take(pa.array(path_of))
    pathway_ids = np.char.add("P", np.char.zfill(np.arange(n_path).astype(str), 9))
    is_start = kind == "clock_start"

    def where(mask: np.ndarray, values: Any) -> pa.Array:
        arr = np.where(mask, values, None)
        return pa.array(arr, pa.string())

    table = pa.table(
        {
            "source_system": pa.array(np.full(rows, "COSMIC-VMD"), pa.string()),
            "pathway_id": pa.array(pathway_ids).take(pa.array(path_of)),
            "event_seq": pa.array((pos + 1).astype(str)),
            "event_type": pa.array(kind.astype(str)),
            "event_date": pa.array(np.datetime_as_string(event_date, unit="D")),
            "patient_id": pins,
            "protected_identity": pa.array(np.full(rows, "0")),
            "patient_sex": pa.nulls(rows, pa.string()),
            "patient_birth_date": pa.nulls(rows, pa.string()),
            "home_municipality": where(is_start, "1980"),
            "region_code": pa.array(np.full(rows, "19")),
            "unit_id": pa.array(UNITS).take(pa.array(path_of % len(UNITS))),
            "specialty": where(is_start, SPECIALTIES[path_of % len(SPECIALTIES)]),
            "entry_type": where(is_start, ENTRY_TYPES[path_of % len(ENTRY_TYPES)]),
            "priority": where(is_start | (kind == "priority_change"), (pos % 4 + 1).astype(str)),
            "procedure_code": pa.nulls(rows, pa.string()),
            "pause_reason": where(kind == "pause_start", "MOV"),
            "removal_reason": where(kind == "removal", REMOVALS[path_of % 3]),
            "offer_outcome": pa.nulls(rows, pa.string()),
            "offered_unit_id": pa.nulls(rows, pa.string()),
            "appointment_date": where(
                kind == "booking",
                np.datetime_as_string(event_date + np.timedelta64(30, "D"), unit="D"),
            ),
            "reference": where(kind == "pause_start", "SE2321000198-H0042"),
            "supersedes_seq": pa.nulls(rows, pa.string()),
        }
    )
    pacsv.write_csv(
        table.select(COLUMNS),
        path,
        pacsv.WriteOptions(delimiter=";", quoting_style="none", batch_size=200_000),
    )


# --- the per-row baseline ---------------------------------------------------------------------


ALLOWED = {
    "event_type": {"clock_start", "priority_change", "pause_start", "pause_end", "offer",
                   "booking", "transfer", "removal", "void"},
    "entry_type": set(ENTRY_TYPES), "specialty": set(SPECIALTIES),
    "removal_reason": set(REMOVALS) | {"declined_offer", "deceased", "registered_in_error",
                                       "other"},
    "pause_reason": {"PVV", "MOV"},
}  # fmt: skip


def per_row_baseline(path: Path, limit: int) -> tuple[int, float]:
    """Validate and pseudonymise ``limit`` rows one by one in plain Python."""
    t0 = time.perf_counter()
    n = 0
    with path.open(encoding="utf-8", newline="") as handle:
        for row in islice(csv.DictReader(handle, delimiter=";"), limit):
            problems = []
            try:
                ident = parse_identity(row["patient_id"], today=TODAY)
                pseudonymise(ident.canonical, KEY)
            except InputError:
                problems.append("patient_id")
            for name in ("event_date", "appointment_date"):
                if row[name]:
                    try:
                        if dt.date.fromisoformat(row[name]) > TODAY and name == "event_date":
                            problems.append(name)
                    except ValueError:
                        problems.append(name)
            for name, allowed in ALLOWED.items():
                if row[name] and row[name] not in allowed:
                    problems.append(name)
            for name in ("event_seq", "priority"):
                if row[name] and not row[name].isdigit():
                    problems.append(name)
            if row["event_type"] == "clock_start" and not (row["specialty"] and row["priority"]):
                problems.append("specialty")
            n += 1
    return n, time.perf_counter() - t0


# --- runs --------------------------------------------------------------------------------------


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def _pg_database(base: str) -> tuple[str, Callable[[], None]]:
    name = f"vk_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(make_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    return make_url(base).set(database=name).render_as_string(hide_password=False), drop


def ops_run(url: str, csv_path: Path, validated: Any) -> dict[str, float]:
    upgrade(url)
    engine = make_engine(url)
    try:
        report, store_s = _timed(lambda: import_validated(engine, validated, key=KEY))
    finally:
        engine.dispose()
    rows = report.rows_stored
    return {"rows": rows, "import_seconds": store_s, "import_rows_per_second": rows / store_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--csv", type=Path, help="use this pathway_events CSV instead")
    parser.add_argument("--baseline-rows", type=int, default=50_000)
    parser.add_argument("--ops-rows", type=int, default=None, help="rows for the ops stores")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(
            "VARDKOLL_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--out", default="bench_import.json", help="file name in benchmarks/out")
    args = parser.parse_args()
    console = Console()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="vk-bench-") as tmp_name:
        tmp = Path(tmp_name)
        csv_path = args.csv or tmp / "pathway_events.csv"
        if args.csv is None:
            _, gen_s = _timed(lambda: make_csv(csv_path, args.rows))
            console.print(f"generated {args.rows:,} rows in {gen_s:.1f} s")
        size_mb = csv_path.stat().st_size / 1e6

        # Direct path, whole, then its parts.
        report, direct_s = _timed(
            lambda: load_analytics_direct(
                [csv_path], tmp / "direct.duckdb", key=KEY,
                read=lambda p: read_and_validate(p, today=TODAY), as_of=TODAY,
            )
        )  # fmt: skip
        validated, ingest_s = _timed(lambda: read_and_validate(csv_path, today=TODAY))
        rows = validated.n_read
        assert not validated.problems, validated.problems[:5]
        table = conform(validated.valid, kind_spec("pathway_events"), "bench")
        _, store_s = _timed(
            lambda: _write(
                tmp / "store-part.duckdb", {"pathway_events": table}, key=KEY, as_of=TODAY,
                source="bench", rule_set="se-national", started=time.perf_counter(),
            )
        )  # fmt: skip
        n_base, base_s = per_row_baseline(csv_path, args.baseline_rows)
        results["direct"] = {
            "rows": rows,
            "megabytes": round(size_mb, 1),
            "pathways": report.rows["pathways"],
            "patients": report.patients,
            "seconds": round(direct_s, 2),
            "rows_per_second": round(rows / direct_s),
            "ingest_read_validate_seconds": round(ingest_s, 2),
            "ingest_rows_per_second": round(rows / ingest_s),
            "store_build_seconds": round(store_s, 2),
            "store_build_rows_per_second": round(rows / store_s),
            "baseline_rows": n_base,
            "baseline_rows_per_second": round(n_base / base_s),
            "ratio_vs_baseline": round((rows / direct_s) / (n_base / base_s), 1),
        }

        # Operational stores.
        ops_validated = validated
        if args.ops_rows is not None and args.ops_rows < rows:
            ops_csv = tmp / "ops.csv"
            make_csv(ops_csv, args.ops_rows)
            ops_validated = read_and_validate(ops_csv, today=TODAY)
        if not args.skip_postgres:
            url, drop = _pg_database(args.pg_url)
            try:
                results["postgresql"] = ops_run(url, csv_path, ops_validated)
            finally:
                drop()
        if not args.skip_sqlite:
            url = f"sqlite:///{tmp / 'ops.sqlite3'}"
            results["sqlite"] = ops_run(url, csv_path, ops_validated)
        for name in ("postgresql", "sqlite"):
            if name in results:
                r = results[name]
                end_to_end = r["rows"] / (r["import_seconds"] + ingest_s * r["rows"] / rows)
                r["end_to_end_rows_per_second"] = round(end_to_end)
                r["import_rows_per_second"] = round(r["import_rows_per_second"])
                r["import_seconds"] = round(r["import_seconds"], 2)

    out = Table(title=f"bench_import · {rows:,} pathway events ({size_mb:.0f} MB)")
    out.add_column("measure")
    out.add_column("rows/s", justify="right")
    out.add_column("goal", justify="right")
    d = results["direct"]
    out.add_row("CSV → analytics store (direct, whole)", f"{d['rows_per_second']:,}", "1,000,000")
    out.add_row("  of which ingest read + validate", f"{d['ingest_rows_per_second']:,}", "")
    out.add_row(
        "  of which pseudonymise + replay + write", f"{d['store_build_rows_per_second']:,}", ""
    )
    out.add_row("per-row Python baseline", f"{d['baseline_rows_per_second']:,}", "")
    out.add_row("ratio direct / baseline", f"{d['ratio_vs_baseline']}×", "20×")
    for name in ("postgresql", "sqlite"):
        if name in results:
            r = results[name]
            goal = "200,000" if name == "postgresql" else ""
            out.add_row(
                f"validated → {name} (import_validated)", f"{r['import_rows_per_second']:,}", goal
            )
            out.add_row(f"CSV → {name} (end to end)", f"{r['end_to_end_rows_per_second']:,}", "")
    console.print(out)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / args.out).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
