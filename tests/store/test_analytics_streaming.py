"""The analytics build in bounded memory: chunks and partitions change nothing but the memory.

``load_analytics_direct`` stages each file in chunks and replays pathways per partition; these
tests build the generated Gotland region (the real files, through the real validation) with
the default chunk size and with tiny chunks, and compare every table; they also check that no
identity reaches the scratch file and that a build that fails half-way leaves the old store.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

from vardkoll import ingest
from vardkoll.analytics import overview
from vardkoll.domain import InputError
from vardkoll.store import _analytics_build as build_module
from vardkoll.store import analytics_checksums, load_analytics_direct
from vardkoll.store._analytics_build import StagedBuild
from vardkoll.synth import FILE_NAMES, generate_region

KEY = b"streaming-test-key"


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], dt.date]:
    """Gotland's files (about 180 000 events), plus ED visits and events given twice."""
    folder = tmp_path_factory.mktemp("gotland")
    report = generate_region(folder, region_code="09")
    files = [folder / name for name in FILE_NAMES]
    # A second copy of a file repeats every key: the later file wins, row by row.
    return [*files, folder / "ed_visits.csv", folder / "pathway_events.csv"], report.as_of


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the pathway replays (one per partition)."""
    calls: list[int] = []
    real = build_module.build_pathway_tables

    def spy(*args: Any, **kwargs: Any) -> None:
        calls.append(1)
        real(*args, **kwargs)

    monkeypatch.setattr(build_module, "build_pathway_tables", spy)
    return calls


def test_tiny_chunks_build_exactly_the_same_store(
    region: tuple[list[Path], dt.date], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files, as_of = region
    calls = _counting(monkeypatch)
    whole = load_analytics_direct(
        files, tmp_path / "whole.duckdb", key=KEY, read=ingest.read_and_validate, as_of=as_of
    )
    assert len(calls) == 1
    chunked = load_analytics_direct(
        files,
        tmp_path / "chunked.duckdb",
        key=KEY,
        read=ingest.read_and_validate,
        as_of=as_of,
        chunk_rows=9_000,
        memory_limit="256MB",
    )
    assert len(calls) > 20  # about 180 000 events in partitions of about 9 000
    assert whole.rows == chunked.rows
    assert whole.patients == chunked.patients
    assert whole.rows["pathways"] > 60_000
    assert analytics_checksums(tmp_path / "whole.duckdb") == analytics_checksums(
        tmp_path / "chunked.duckdb"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chunked.duckdb", "whole.duckdb"]


def test_the_later_copy_of_a_file_wins_once(
    region: tuple[list[Path], dt.date], tmp_path: Path
) -> None:
    files, as_of = region
    report = load_analytics_direct(
        files, tmp_path / "a.duckdb", key=KEY, read=ingest.read_and_validate, as_of=as_of,
        chunk_rows=50_000,
    )  # fmt: skip
    source = files[FILE_NAMES.index("ed_visits.csv")]
    assert report.rows["ed_visits"] == ingest.read_and_validate(source).valid.num_rows


def test_the_scratch_file_holds_pseudonyms_only(
    region: tuple[list[Path], dt.date], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files, as_of = region
    identities = set(
        ingest.read_and_validate(files[FILE_NAMES.index("pathway_events.csv")])
        .valid.column("patient_id")
        .to_pylist()
    )
    seen: dict[str, bytes] = {}
    real_write: Callable[..., Any] = StagedBuild.write

    def inspect(self: StagedBuild, *args: Any, **kwargs: Any) -> Any:
        self.con.execute("CHECKPOINT")
        seen["staged"] = b"".join(p.read_bytes() for p in self.scratch.rglob("*") if p.is_file())
        return real_write(self, *args, **kwargs)

    monkeypatch.setattr(StagedBuild, "write", inspect)
    load_analytics_direct(
        files[:2], tmp_path / "a.duckdb", key=KEY, read=ingest.read_and_validate, as_of=as_of,
        chunk_rows=20_000,
    )  # fmt: skip
    staged = seen["staged"]
    con = duckdb.connect(str(tmp_path / "a.duckdb"), read_only=True)
    try:
        row = con.execute("SELECT min(patient_pseudonym) FROM pathways").fetchone()
    finally:
        con.close()
    assert row is not None
    assert str(row[0]).encode() in staged  # the bytes are searchable: a positive control
    sample = sorted(identities)[:: max(1, len(identities) // 2000)]
    assert len(sample) > 1000
    for canonical in sample:
        assert canonical.encode() not in staged
        assert f"{canonical[:8]}-{canonical[8:]}".encode() not in staged


def test_a_build_failing_half_way_keeps_the_old_store(
    region: tuple[list[Path], dt.date], tmp_path: Path
) -> None:
    files, as_of = region
    folder = tmp_path / "analytics"
    path = folder / "a.duckdb"
    load_analytics_direct(files[:1], path, key=KEY, read=ingest.read_and_validate, as_of=as_of)
    before = analytics_checksums(path)

    def read(file: Path) -> Any:
        if file.name == "beds.csv":
            raise OSError("disk went away")
        return ingest.read_and_validate(file)

    with pytest.raises(OSError, match="disk went away"):
        load_analytics_direct(files, path, key=KEY, read=read, as_of=as_of, chunk_rows=10_000)
    assert analytics_checksums(path) == before
    assert [p.name for p in folder.iterdir()] == ["a.duckdb"]


def test_chunk_size_must_be_positive(tmp_path: Path) -> None:
    empty: Callable[[Path], Any] = lambda _: None  # noqa: E731 - never called
    with pytest.raises(InputError, match="chunk_rows"):
        load_analytics_direct(
            [tmp_path / "x.csv"], tmp_path / "a.duckdb", key=KEY, read=empty, chunk_rows=0
        )


def test_overview_from_snapshots_equals_the_replay(
    region: tuple[list[Path], dt.date], tmp_path: Path
) -> None:
    """The precomputed ``waiting_snapshots`` give the overview the live query gives."""
    files, as_of = region
    path = tmp_path / "a.duckdb"
    load_analytics_direct(
        files[:7], path, key=KEY, read=ingest.read_and_validate, as_of=as_of, chunk_rows=40_000
    )
    con = duckdb.connect(str(path), read_only=True)
    try:
        units = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT unit_id FROM pathways ORDER BY 1 LIMIT 3"
            ).fetchall()
        ]
        months = sorted(
            {r[0] for r in con.execute("SELECT month_end FROM waiting_snapshots").fetchall()}
        )
        assert len(months) == 48
        assert months[-1] == as_of
        for when in (as_of, months[-24], months[-7]):
            for regions, unit_ids in ((None, None), (["09"], None), (["09"], units), ([], None)):
                fast = overview(con, as_of=when, regions=regions, units=unit_ids)
                slow = overview(
                    con, as_of=when, regions=regions, units=unit_ids, use_snapshots=False
                )
                assert fast == slow
                assert regions == [] or sum(c.waiting for c in fast.cells) > 100
                assert len({t.month_end for t in fast.trend}) == (0 if regions == [] else 24)
        # A date the snapshots do not cover falls back to the replay.
        odd = as_of - dt.timedelta(days=40)
        assert overview(con, as_of=odd) == overview(con, as_of=odd, use_snapshots=False)
    finally:
        con.close()


def test_pathways_carry_what_the_waiting_list_relies_on(
    region: tuple[list[Path], dt.date], tmp_path: Path
) -> None:
    """Every pathway with a pause row is marked PVV or MOV, and ``paused_days_total`` is the
    sum of its pauses clipped to clock start, removal and the build date."""
    files, as_of = region
    path = tmp_path / "a.duckdb"
    load_analytics_direct(
        files[:2], path, key=KEY, read=ingest.read_and_validate, as_of=as_of, chunk_rows=30_000
    )
    con = duckdb.connect(str(path), read_only=True)
    try:
        unmarked = con.execute(
            "SELECT count(*) FROM pauses JOIN pathways USING (pathway_key) "
            "WHERE NOT (has_pvv OR has_mov)"
        ).fetchone()
        paused, differing = con.execute(
            """SELECT count(*) FILTER (WHERE p.paused_days_total > 0),
                      count(*) FILTER (WHERE p.paused_days_total <> coalesce(s.days, 0))
            FROM pathways p LEFT JOIN (
                SELECT pa.pathway_key, sum(greatest(0, date_diff('day',
                    greatest(pa.start_date, q.clock_start),
                    least(coalesce(pa.end_date, ?), coalesce(q.removed_on, ?), ?)))) AS days
                FROM pauses pa JOIN pathways q USING (pathway_key) GROUP BY 1) s
              USING (pathway_key)""",
            [as_of, as_of, as_of],
        ).fetchone() or (0, 0)
    finally:
        con.close()
    assert unmarked == (0,)
    assert paused > 500
    assert differing == 0


def test_debris_of_a_killed_build_is_swept_and_a_running_one_kept(
    region: tuple[list[Path], dt.date], tmp_path: Path
) -> None:
    files, as_of = region
    dead = tmp_path / ".a.duckdb.4194305.0badf00d.scratch"
    (dead / "spill").mkdir(parents=True)
    (dead / "staging.duckdb").write_bytes(b"x")
    half = tmp_path / ".a.duckdb.4194305.0badf00d.building"
    half.write_bytes(b"x")
    running = tmp_path / f".a.duckdb.{os.getpid()}.c0ffee00.scratch"
    running.mkdir()
    unrelated = tmp_path / ".a.duckdb.notes"
    unrelated.write_text("kept")
    load_analytics_direct(
        files[:1], tmp_path / "a.duckdb", key=KEY, read=ingest.read_and_validate, as_of=as_of
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [".a.duckdb.notes", running.name, "a.duckdb"]
    )
