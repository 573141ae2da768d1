"""Speed of reading and validating a pathway_events CSV, against a per-row Python baseline.

Generates a synthetic ``pathway_events`` CSV (Swedish Excel style: ``;``, UTF-8 with BOM, mixed
identity layouts), then times :func:`vardkoll.ingest.read_raw` + :func:`validate` and, on a
slice of the same rows, a plain per-row loop (``csv`` module, ``parse_identity`` and
``datetime`` per cell) for the ratio. Prints a table and writes JSON to ``benchmarks/out/``.

    uv run python benchmarks/bench_ingest.py --rows 1000000
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from vardkoll.domain import InputError, luhn_check_digit, parse_identity
from vardkoll.ingest import SCHEMAS, read_raw, validate

TODAY = dt.date(2025, 6, 1)
OUT = Path(__file__).resolve().parent / "out"


def _identities(rng: np.random.Generator, n: int) -> list[str]:
    pool = []
    for _ in range(min(n, 50_000)):
        born = dt.date(1930, 1, 1) + dt.timedelta(days=int(rng.integers(0, 30_000)))
        birth = f"{int(rng.integers(0, 1000)):03d}"
        short = born.strftime("%y%m%d") + birth
        full = f"{born:%Y%m%d}{birth}{luhn_check_digit(short)}"
        layout = int(rng.integers(0, 3))
        pool.append((full[:8] + "-" + full[8:], full, full[2:8] + "-" + full[8:])[layout])
    return [pool[i] for i in rng.integers(0, len(pool), n)]


def make_file(path: Path, rows: int, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    names = [c.name for c in SCHEMAS["pathway_events"].columns]
    ids = _identities(rng, rows)
    start = np.datetime64("2024-01-01") + rng.integers(0, 400, rows)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(names)
        for i in range(rows):
            pathway, seq = divmod(i, 2)
            day = str(start[i - seq])
            base = {
                "source_system": "COSMIC-VMD",
                "pathway_id": f"P{pathway:09d}",
                "event_seq": str(seq + 1),
                "event_date": day if seq == 0 else str(np.datetime64(day) + 30),
                "patient_id": ids[pathway % rows],
                "protected_identity": "0",
                "region_code": "19",
                "unit_id": "SE2321000198-E0101",
            }
            if seq == 0:
                base |= {
                    "event_type": "clock_start",
                    "home_municipality": "1980",
                    "specialty": "orthopaedics",
                    "entry_type": "treatment",
                    "priority": "2",
                    "procedure_code": "NGB49",
                }
            else:
                base |= {"event_type": "removal", "removal_reason": "treated"}
            writer.writerow([base.get(n, "") for n in names])


def baseline(path: Path, limit: int) -> float:
    """Rows per second of a straightforward per-row Python validation."""
    started = time.perf_counter()
    count = 0
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle, delimiter=";")
        for row in reader:
            problems = []
            try:
                parse_identity(row["patient_id"], today=TODAY)
            except InputError:
                problems.append("patient_id")
            for name in ("event_date", "appointment_date", "patient_birth_date"):
                if row[name]:
                    try:
                        dt.date.fromisoformat(row[name])
                    except ValueError:
                        problems.append(name)
            for name in ("event_seq", "priority", "supersedes_seq"):
                if row[name] and not row[name].isdigit():
                    problems.append(name)
            count += 1
            if count >= limit:
                break
    return count / (time.perf_counter() - started)


def _timed(path: Path) -> tuple[float, float, float]:
    """(read seconds, read + validate seconds, CPU seconds of both) for one run."""
    cpu = time.process_time()
    started = time.perf_counter()
    raw = read_raw(path, kind="pathway_events")
    read_s = time.perf_counter() - started
    checked = validate(raw, today=TODAY)
    total_s = time.perf_counter() - started
    assert not checked.problems, checked.problems[:3]
    return read_s, total_s, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--baseline-rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pathway_events.csv"
        make_file(path, args.rows)
        size = path.stat().st_size
        runs = [_timed(path) for _ in range(args.repeat)]
        read_s, total_s, cpu_s = min(runs, key=lambda r: r[1])
        slow = baseline(path, args.baseline_rows)
    fast = args.rows / total_s
    result = {
        "rows": args.rows,
        "megabytes": round(size / 1e6, 1),
        "read_seconds": round(read_s, 2),
        "validate_seconds": round(total_s - read_s, 2),
        "cpu_seconds": round(cpu_s, 2),
        "rows_per_second": round(fast),
        "rows_per_cpu_second": round(args.rows / cpu_s),
        "baseline_rows_per_second": round(slow),
        "ratio": round(fast / slow, 1),
        "load_average": round(os.getloadavg()[0], 1),
    }
    width = max(len(k) for k in result)
    for key, value in result.items():
        print(f"{key:<{width}}  {value}")
    OUT.mkdir(exist_ok=True)
    (OUT / "bench_ingest.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
