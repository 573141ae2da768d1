"""Kill -9 at any step leaves the store as it was; concurrent imports cannot both win.

A child process (``import_worker.py``) runs a real import. ``VARDKOLL_TEST_PAUSE_AT`` makes
it stop at a named step and say so on stderr; the test then kills it with SIGKILL and
compares the store's checksum with the one taken before. Random-delay kills add points
between the named steps. On both SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import random
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from vk_store_testdata import events_table, region_events, second_delivery, validated

from vardkoll.store import import_validated, make_engine, store_checksum, upgrade

WORKER = Path(__file__).resolve().parent / "import_worker.py"
STEPS = ("locked", "staged", "checked", "merged", "pathways", "before_commit")
N = 40

pytestmark = pytest.mark.slow


def _start(
    url: str, which: str, *, seed: int = 1, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(WORKER), url, which, str(seed), str(N)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def _wait_for_marker(proc: subprocess.Popen[str], step: str, timeout: float = 60.0) -> None:
    assert proc.stderr is not None
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stderr], [], [], 0.5)
        if ready:
            line = proc.stderr.readline()
            if not line and proc.poll() is not None:
                break
            seen.append(line)
            if line.strip() == f"VARDKOLL_PAUSED_AT {step}":
                return
    proc.kill()
    raise AssertionError(f"worker never reached {step!r}; stderr: {''.join(seen)[-2000:]}")


def _kill(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)  # reap the child and close its pipes
    assert proc.returncode == -signal.SIGKILL


def _import_in_process(url: str, *which: str) -> None:
    engine = make_engine(url)
    try:
        for name in which:
            events = region_events(N, seed=1) if name == "first" else second_delivery(N, seed=1)
            import_validated(
                engine, validated("pathway_events", events_table(events), source=f"{name}.csv")
            )
    finally:
        engine.dispose()


def _reference(tmp_path: Path) -> str:
    """The data checksum of both files imported without interruption (on SQLite)."""
    url = f"sqlite:///{tmp_path / 'reference.sqlite3'}"
    upgrade(url)
    _import_in_process(url, "first", "second")
    engine = make_engine(url)
    try:
        return store_checksum(engine, include_log=False)
    finally:
        engine.dispose()


def _no_running_batch(engine: Engine) -> None:
    with engine.connect() as conn:
        running = conn.execute(
            text("SELECT count(*) FROM import_batches WHERE status = 'running'")
        ).scalar()
    assert running == 0


def test_kill_at_every_step_leaves_the_store_unchanged(store_url: str, tmp_path: Path) -> None:
    _import_in_process(store_url, "first")
    engine = make_engine(store_url)
    try:
        before = store_checksum(engine)
        for step in STEPS:
            proc = _start(store_url, "second", env={"VARDKOLL_TEST_PAUSE_AT": step})
            _wait_for_marker(proc, step)
            _kill(proc)
            assert store_checksum(engine) == before, f"store changed after a kill at {step!r}"
        # Killed after the commit: the import is complete and stays so.
        proc = _start(store_url, "second", env={"VARDKOLL_TEST_PAUSE_AT": "committed"})
        _wait_for_marker(proc, "committed")
        _kill(proc)
        _no_running_batch(engine)
        # The same two files imported without interruption give the same data.
        assert store_checksum(engine, include_log=False) == _reference(tmp_path)
    finally:
        engine.dispose()


def test_kill_after_random_delays(store_url: str, tmp_path: Path) -> None:
    _import_in_process(store_url, "first")
    engine = make_engine(store_url)
    try:
        before = store_checksum(engine, include_log=False)
        after = _reference(tmp_path)
        rng = random.Random(12)
        for _ in range(3):
            proc = _start(store_url, "second")
            time.sleep(rng.uniform(0.5, 4.0))
            if proc.poll() is None:
                _kill(proc)
            else:
                proc.communicate()
            state = store_checksum(engine, include_log=False)
            assert state in {before, after}
            _no_running_batch(engine)
            if state == after:
                break
    finally:
        engine.dispose()


def test_concurrent_imports_run_one_after_the_other(store_url: str) -> None:
    """The second import waits for the first (write lock) and then sees its rows."""
    engine = make_engine(store_url)
    try:
        env = {"VARDKOLL_TEST_PAUSE_AT": "staged", "VARDKOLL_TEST_PAUSE_SECONDS": "3"}
        a = _start(store_url, "first", env=env)
        _wait_for_marker(a, "staged")  # a holds the write lock now
        b = _start(store_url, "second")
        out_a, _ = a.communicate(timeout=120)
        out_b, err_b = b.communicate(timeout=120)
        assert out_a.strip() == "DONE 1"
        assert out_b.strip() == "DONE 2", err_b[-2000:]
        with engine.connect() as conn:
            unchanged = conn.execute(
                text("SELECT rows_unchanged FROM import_batches WHERE id = 2")
            ).scalar()
            doubles = conn.execute(
                text(
                    "SELECT count(*) FROM (SELECT source_system, pathway_id, event_seq "
                    "FROM pathway_events WHERE superseded_by IS NULL "
                    "GROUP BY source_system, pathway_id, event_seq HAVING count(*) > 1) d"
                )
            ).scalar()
        assert unchanged is not None
        assert unchanged > 0
        assert doubles == 0
    finally:
        engine.dispose()


def test_two_conflicting_open_pathways_cannot_both_win(store_url: str) -> None:
    """Two files each open a pathway for the same patient, unit, specialty and entry type."""
    engine = make_engine(store_url)
    try:
        env = {"VARDKOLL_TEST_PAUSE_AT": "checked", "VARDKOLL_TEST_PAUSE_SECONDS": "2"}
        a = _start(store_url, "clash:A", seed=1, env=env)
        _wait_for_marker(a, "checked")  # a has checked its pathway, not yet stored it
        b = _start(store_url, "clash:B", seed=2)
        out_a, _ = a.communicate(timeout=120)
        out_b, _ = b.communicate(timeout=120)
        assert out_a.strip() == "DONE 1"
        assert out_b.strip() == "REJECTED open_pathway_conflict"
        assert b.returncode == 3
        with engine.connect() as conn:
            open_ = conn.execute(
                text("SELECT pathway_id FROM pathways WHERE removed_on IS NULL")
            ).all()
        assert [r[0] for r in open_] == ["A"]
    finally:
        engine.dispose()


def test_in_process_import_matches_the_worker(store_url: str) -> None:
    """The worker's data is what the tests think it is (guards the fixtures above)."""
    engine = make_engine(store_url)
    try:
        report = import_validated(
            engine, validated("pathway_events", events_table(second_delivery(N, seed=1)))
        )
        assert report.rows_new > N
        assert report.pathways_changed == N + N // 2
    finally:
        engine.dispose()
