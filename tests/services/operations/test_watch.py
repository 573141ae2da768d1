"""Imports from a watched folder: complete sets only, each once, logs without identities."""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from ops_support import SAMPLES, sqlite_settings
from sqlalchemy import text

from vardkoll.services.operations.watched_imports import (
    find_ready_sets,
    mask_identity,
    watch,
    watch_once,
)
from vardkoll.settings import Settings
from vardkoll.store import make_engine, store_checksum

PNR = re.compile(r"(?<!\d)(19|20)?\d{6}[-+]?\d{4}(?!\d)")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return sqlite_settings(tmp_path / "site")


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


def _drop_set(inbox: Path, name: str, *files: Path, ready: bool = True) -> Path:
    folder = inbox / name
    folder.mkdir()
    for f in files:
        shutil.copy(f, folder / f.name)
    if ready:
        (folder / ".ready").touch()
    return folder


def _batches(settings: Settings) -> int:
    engine = make_engine(settings.resolved_database_url())
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM import_batches")).scalar_one())
    finally:
        engine.dispose()


def _data_checksum(settings: Settings) -> str:
    engine = make_engine(settings.resolved_database_url())
    try:
        return store_checksum(engine, include_log=False)
    finally:
        engine.dispose()


def test_a_ready_set_is_imported_once_and_archived(settings: Settings, inbox: Path) -> None:
    _drop_set(inbox, "nightly", SAMPLES / "units.csv", SAMPLES / "pathway_events.csv")
    _drop_set(inbox, "unfinished", SAMPLES / "units.csv", ready=False)
    outcomes = watch_once(inbox, settings=settings)
    assert [(o.name, o.status, o.files) for o in outcomes] == [("nightly", "done", 2)]
    assert outcomes[0].rows_new > 0
    done = outcomes[0].destination
    assert done.parent == inbox / "done"
    assert re.fullmatch(r"\d{8}T\d{6}Z-nightly", done.name)
    assert {p.name for p in done.iterdir()} >= {"units.csv", "pathway_events.csv", "result.json"}
    assert (inbox / "unfinished").is_dir()  # no marker: left alone
    assert _batches(settings) == 2
    # A second pass finds nothing; the same files dropped again store nothing new.
    assert watch_once(inbox, settings=settings) == []
    stored = _data_checksum(settings)
    _drop_set(inbox, "again", SAMPLES / "units.csv", SAMPLES / "pathway_events.csv")
    (again,) = watch_once(inbox, settings=settings)
    assert (again.status, again.rows_new) == ("done", 0)
    assert _data_checksum(settings) == stored  # the log notes the run; the data is the same


def test_a_loose_file_needs_its_own_marker(settings: Settings, inbox: Path) -> None:
    shutil.copy(SAMPLES / "units.csv", inbox / "units.csv")
    assert find_ready_sets(inbox) == []
    (inbox / "units.csv.ready").touch()
    assert find_ready_sets(inbox) == [inbox / "units.csv"]
    (outcome,) = watch_once(inbox, settings=settings)
    assert outcome.status == "done"
    assert sorted(p.name for p in outcome.destination.iterdir()) == [
        ".ready",
        "result.json",
        "units.csv",
    ]
    assert list(inbox.glob("units.csv*")) == []


def test_a_bad_set_goes_to_failed_with_its_report_and_the_log_has_no_identity(
    settings: Settings, inbox: Path, caplog: pytest.LogCaptureFixture
) -> None:
    rows = (SAMPLES / "pathway_events.csv").read_text(encoding="utf-8-sig").splitlines()
    header, first = rows[0], rows[1].split(";")
    first[4] = "2025-13-45"  # an impossible event date
    name = "195104022248-events"  # a producer that names files after a patient
    folder = inbox / name
    folder.mkdir()
    (folder / "pathway_events.csv").write_text(
        "\n".join([header, ";".join(first), *rows[2:]]) + "\n", encoding="utf-8"
    )
    (folder / ".ready").touch()
    with caplog.at_level(logging.INFO, logger="vardkoll.watch"):
        (outcome,) = watch_once(inbox, settings=settings)
    assert outcome.status == "failed"
    assert outcome.destination.parent == inbox / "failed"
    assert (outcome.destination / "errors.csv").is_file()
    assert "event_date" in (outcome.destination / "errors.csv").read_text(encoding="utf-8-sig")
    assert _batches(settings) == 0
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "failed" in logged
    assert "<id>-events" in logged
    assert PNR.search(logged) is None


def test_a_set_left_in_processing_by_a_crash_is_finished(settings: Settings, inbox: Path) -> None:
    processing = inbox / "processing"
    processing.mkdir()
    _drop_set(processing, "20260101T000000Z-crashed", SAMPLES / "units.csv")
    (outcome,) = watch_once(inbox, settings=settings)
    assert outcome.status == "done"
    assert list(processing.iterdir()) == []


def test_settling_takes_only_files_unchanged_for_long_enough(
    settings: Settings, inbox: Path
) -> None:
    old, new = inbox / "units.csv", inbox / "production.csv"
    shutil.copy(SAMPLES / "units.csv", old)
    shutil.copy(SAMPLES / "production.csv", new)
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))
    assert find_ready_sets(inbox, settle_seconds=600) == [old]


def test_identity_numbers_are_masked() -> None:
    assert mask_identity("19510402-2248 and 510402+2248 and 195104022248") == (
        "<id> and <id> and <id>"
    )
    assert mask_identity("P0001 batch 2025-01-10") == "P0001 batch 2025-01-10"


def test_long_running_mode_picks_up_sets_until_stopped(settings: Settings, inbox: Path) -> None:
    stop = threading.Event()
    thread = threading.Thread(
        target=watch,
        kwargs={"directory": inbox, "settings": settings, "interval": 0.2, "stop": stop},
    )
    thread.start()
    try:
        _drop_set(inbox, "later", SAMPLES / "units.csv")
        deadline = time.monotonic() + 60
        while not list((inbox / "done").glob("*-later")) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop.set()
        thread.join()
    assert len(list((inbox / "done").glob("*-later"))) == 1


def test_cli_once_exits_1_when_a_set_failed(settings: Settings, inbox: Path) -> None:
    bad = inbox / "bad.csv"
    bad.write_text("not;a;known;header\n1;2;3;4\n", encoding="utf-8")
    (inbox / "bad.csv.ready").touch()
    env = {
        **os.environ,
        "VARDKOLL_DATA_DIR": str(settings.data_dir),
        "VARDKOLL_DATABASE_URL": settings.resolved_database_url(),
    }
    run = subprocess.run(
        [sys.executable, "-m", "vardkoll", "imports", "watch", str(inbox), "--once"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "1 failed" in run.stdout
    assert "Traceback" not in run.stderr
    (failed,) = (inbox / "failed").iterdir()
    assert (failed / "result.json").is_file()


def test_a_second_watcher_skips_its_pass_while_the_first_works(
    settings: Settings, inbox: Path
) -> None:
    import fcntl

    _drop_set(inbox, "nightly", SAMPLES / "units.csv")
    with (inbox / ".vardkoll-watch.lock").open("a") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert watch_once(inbox, settings=settings) == []
        assert (inbox / "nightly").is_dir()
        fcntl.flock(held.fileno(), fcntl.LOCK_UN)
    (outcome,) = watch_once(inbox, settings=settings)
    assert outcome.status == "done"
