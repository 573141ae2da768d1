"""Load test of the web app on loopback: 20 concurrent users, bounded run, rps and latency.

The app runs in its own process (uvicorn); this process drives it with 20 threads, each a user
with keep-alive, against three endpoints in turn: the overview page (HTML) and the overview API
as a national analyst (all regions), and the (audited) waiting-list API as a regional
coordinator (default: of the largest region). Before the timed runs, one request to each
measures the cold start (empty caches). Data: an analytics store to serve as it is
(``--analytics-path``, e.g. the national store ``bench_pipeline.py`` builds), a prepared data
directory (``--data-dir``, e.g. after ``vardkoll demo`` has run once) or, by default, a synthetic
region generated here straight into an analytics store (``--pathways`` rows, DuckDB SQL; no
personnummer).

    uv run python benchmarks/bench_web.py [--seconds 60] [--users 20] [--pathways 300000]
    uv run python benchmarks/bench_web.py --seconds 180 \
        --analytics-path /tmp/national-analytics/analytics.duckdb

Prints a table and writes ``benchmarks/out/bench_web.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import duckdb
import httpx2
from sqlalchemy.orm import Session

from vardkoll.services.access.accounts import create_api_token, create_user
from vardkoll.services.access.auth import start_session
from vardkoll.store import make_engine, upgrade
from vardkoll.store._auth_models import User

OUT = Path(__file__).resolve().parent / "out"
SECRET = "benchmark-secret-0123456789-abcdefghijklmnopqrstuvwxyz"


def synthetic_region(path: Path, pathways: int) -> None:
    """A region-sized analytics store: 40 units, 16 specialties, 3 years of pathways."""
    con = duckdb.connect(str(path))
    con.execute(
        """
        CREATE TABLE units AS
        SELECT 'SE19-U' || lpad(i::VARCHAR, 3, '0') AS unit_id, 'Enhet ' || i AS unit_name,
               'P1' AS provider_id, 'Region Västmanland' AS provider_name, 'public' AS ownership,
               '19' AS region_code, '1980' AS municipality_code, 59.6 AS latitude,
               16.5 AS longitude, []::VARCHAR[] AS specialties
        FROM range(40) t(i)
        """
    )
    con.execute(
        f"""
        CREATE TABLE pathways AS
        SELECT 'B:' || i AS pathway_key, md5(i::VARCHAR) AS patient_pseudonym,
               'personnummer' AS identity_type, 'F' AS sex, 1950 AS birth_year,
               60 AS age_at_clock_start, '1980' AS home_municipality, '19' AS region_code,
               'P1' AS provider_id, 'SE19-U' || lpad((i % 40)::VARCHAR, 3, '0') AS unit_id,
               (['orthopaedics','ent','ophthalmology','general_surgery','urology',
                 'gynaecology','cardiology','dermatology','neurology','psychiatry',
                 'paediatrics','rheumatology','endocrinology','gastroenterology',
                 'plastic_surgery','hand_surgery'])[1 + (i * 7) % 16] AS specialty,
               (['first_visit','treatment','examination','first_visit'])[1 + (i % 4)]
                 AS entry_type,
               1 + (i % 4) AS priority, NULL::VARCHAR AS procedure_code,
               DATE '2022-04-01' + CAST(floor(random() * 1095) AS INTEGER) AS clock_start,
               NULL::DATE AS removed_on, NULL::VARCHAR AS removal_reason,
               FALSE AS has_pvv, FALSE AS has_mov, 0 AS paused_days_total,
               FALSE AS guarantee_void
        FROM range({int(pathways)}) t(i)
        """
    )
    con.execute(
        """
        UPDATE pathways SET removed_on = clock_start + CAST(20 + floor(random() * 200) AS INTEGER),
               removal_reason = 'treated'
        WHERE random() < 0.85
        """
    )
    con.execute(
        """
        CREATE TABLE pauses AS
        SELECT pathway_key, 'PVV' AS reason, clock_start + 10 AS start_date,
               clock_start + 40 AS end_date
        FROM pathways WHERE random() < 0.05
        """
    )
    con.execute(
        "CREATE TABLE build_info AS SELECT now() AS built_at, DATE '2025-03-31' AS as_of, "
        "'benchmark' AS source, (SELECT count(*) FROM pathways) AS rows_pathways"
    )
    con.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def drive(
    base: str,
    path: str,
    headers: dict[str, str],
    cookies: dict[str, str],
    users: int,
    seconds: float,
) -> dict[str, Any]:
    """``users`` threads request ``path`` for ``seconds``; latency in ms, errors counted."""
    latencies: list[float] = []
    errors = [0]
    statuses: dict[str, int] = {}
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def user() -> None:
        with httpx2.Client(base_url=base, headers=headers, cookies=cookies, timeout=30) as client:
            while time.monotonic() < stop:
                start = time.perf_counter()
                try:
                    status = str(client.get(path).status_code)
                except httpx2.HTTPError as exc:  # a timeout or a dropped connection
                    status = type(exc).__name__
                elapsed = (time.perf_counter() - start) * 1000
                with lock:
                    latencies.append(elapsed)
                    if status != "200":
                        errors[0] += 1
                        statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=user) for _ in range(users)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - began
    return {
        "requests": len(latencies),
        "errors": errors[0],
        "rps": len(latencies) / wall,
        "p50_ms": _percentile(latencies, 0.50),
        "p95_ms": _percentile(latencies, 0.95),
        "p99_ms": _percentile(latencies, 0.99),
        "mean_ms": statistics.fmean(latencies),
        "errors_by_status": statuses,
    }


def _largest_region(analytics: Path) -> str:
    con = duckdb.connect(str(analytics), read_only=True)
    try:
        row = con.execute(
            "SELECT region_code FROM pathways GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
        ).fetchone()
    finally:
        con.close()
    return str(row[0]) if row else "19"


def _accounts(url: str, region: str) -> tuple[str, str, str]:
    """(session of the national analyst, their API token, the regional user's API token)."""
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as db, db.begin():
        for username, role, code in (
            ("bench-national", "national_analyst", None),
            (f"bench-region-{region}", "regional_coordinator", region),
        ):
            if db.query(User).filter_by(username=username).one_or_none() is None:
                create_user(db, username=username, role=role, password=None, region_code=code)
        national = db.query(User).filter_by(username="bench-national").one()
        session_token = start_session(db, national)
        national_token = create_api_token(db, username="bench-national", name="benchmark")
        regional_token = create_api_token(db, username=f"bench-region-{region}", name="benchmark")
    engine.dispose()
    return session_token, national_token, regional_token


def _cold(base: str, path: str, headers: dict[str, str], cookies: dict[str, str]) -> float:
    """The first request after start (caches empty), in ms; fails loudly on an error."""
    start = time.perf_counter()
    response = httpx2.get(base + path, headers=headers, cookies=cookies, timeout=600)
    if response.status_code != 200:
        raise SystemExit(f"{path}: HTTP {response.status_code} {response.text[:300]}")
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0, help="total run (split 3 ways)")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--pathways", type=int, default=300_000)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument(
        "--analytics-path",
        type=Path,
        default=None,
        help="an analytics store to serve as it is (e.g. the national one of bench_pipeline)",
    )
    parser.add_argument(
        "--region", default=None, help="the regional user's region (default: the largest)"
    )
    args = parser.parse_args()

    folder = args.data_dir or Path(tempfile.mkdtemp(prefix="vk-bench-web-"))
    analytics = args.analytics_path or folder / "analytics.duckdb"
    if args.data_dir is None and args.analytics_path is None:
        synthetic_region(analytics, args.pathways)
    region = args.region or _largest_region(analytics)
    con = duckdb.connect(str(analytics), read_only=True)
    try:
        counted = con.execute("SELECT count(*) FROM pathways").fetchone()
    finally:
        con.close()
    pathways = int(counted[0]) if counted else 0
    url = f"sqlite:///{folder / 'vardkoll.sqlite3'}"
    session_token, national_token, regional_token = _accounts(url, region)

    port = _free_port()
    env = {
        **os.environ,
        "VARDKOLL_DATA_DIR": str(folder),
        "VARDKOLL_DATABASE_URL": url,
        "VARDKOLL_ANALYTICS_PATH": str(analytics),
        "VARDKOLL_SECRET_KEY": SECRET,
        "VARDKOLL_SESSION_IDLE_MINUTES": "600",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "vardkoll.web.asgi:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--workers",
            str(args.workers),
        ],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    national = {"Authorization": f"Bearer {national_token}"}
    regional = {"Authorization": f"Bearer {regional_token}"}
    cookie = {"vk_session": session_token}
    waiting = "/api/v1/waiting-list?limit=50"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx2.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx2.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the app did not start")
            time.sleep(0.2)
        cold = {
            "GET /overview (HTML)": _cold(base, "/overview", {}, cookie),
            "GET /api/v1/overview": _cold(base, "/api/v1/overview", national, {}),
            "GET /api/v1/waiting-list (audited)": _cold(base, waiting, regional, {}),
        }
        share = args.seconds / 3
        results = {
            "GET /overview (HTML)": drive(base, "/overview", {}, cookie, args.users, share),
            "GET /api/v1/overview": drive(
                base, "/api/v1/overview", national, {}, args.users, share
            ),
            "GET /api/v1/waiting-list (audited)": drive(
                base, waiting, regional, {}, args.users, share
            ),
        }
    finally:
        server.terminate()
        server.wait(timeout=30)
    for name, ms in cold.items():
        results[name]["cold_first_ms"] = ms

    print(
        f"\n{args.users} users, {args.seconds:.0f} s, {pathways:,} pathways "
        f"({analytics}), loopback; overview as a national analyst, waiting list as a "
        f"regional coordinator of region {region}\n"
    )
    print(
        f"{'endpoint':38} {'req':>7} {'err':>4} {'rps':>8} {'p50':>8} {'p95':>8} {'p99':>8}"
        f" {'cold':>9}"
    )
    for name, r in results.items():
        print(
            f"{name:38} {r['requests']:>7.0f} {r['errors']:>4.0f} {r['rps']:>8.1f} "
            f"{r['p50_ms']:>6.1f}ms {r['p95_ms']:>6.1f}ms {r['p99_ms']:>6.1f}ms"
            f" {r['cold_first_ms']:>7.0f}ms {r['errors_by_status'] or ''}"
        )
    OUT.mkdir(exist_ok=True)
    (OUT / "bench_web.json").write_text(
        json.dumps(
            {
                "users": args.users,
                "seconds": args.seconds,
                "pathways": pathways,
                "analytics_path": str(analytics),
                "regional_user_region": region,
                "python": platform.python_version(),
                "results": results,
            },
            indent=2,
        ),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
