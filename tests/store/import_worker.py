"""Run one import in a child process, for the kill and concurrency tests.

Usage: ``python import_worker.py URL FILE_KIND SEED N [SOURCE]`` where FILE_KIND is
``first`` (region_events) or ``second`` (second_delivery) or ``clash:<name>`` (one open
pathway for a fixed patient, unit, specialty and entry type). Prints ``DONE <batch id>`` or
``REJECTED <codes>`` on stdout; ``VARDKOLL_TEST_PAUSE_AT`` makes the import stop at a step.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from vk_store_testdata import (
    events_table,
    random_history,
    region_events,
    second_delivery,
    validated,
)

from vardkoll.store import ImportRejected, import_validated, make_engine


def main() -> int:
    url, which, seed, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    source = sys.argv[5] if len(sys.argv) > 5 else f"{which}.csv"
    if which == "first":
        events = region_events(n, seed=seed)
    elif which == "second":
        events = second_delivery(n, seed=seed)
    elif which.startswith("clash:"):
        history = random_history(
            random.Random(seed),
            pathway_id=which.split(":", 1)[1],
            patient="196408233234",
            specialty="ent",
            entry_type="treatment",
            complex_events=False,
        )
        events = [e for e in history if e.event_type != "removal"]
    else:
        raise SystemExit(f"unknown file kind {which!r}")
    engine = make_engine(url)
    try:
        report = import_validated(
            engine, validated("pathway_events", events_table(events), source=source)
        )
    except ImportRejected as exc:
        print("REJECTED", " ".join(sorted({p.code for p in exc.problems})), flush=True)
        return 3
    finally:
        engine.dispose()
    print("DONE", report.batch_id, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
