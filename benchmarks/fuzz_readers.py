"""Coverage-guided fuzzing of the CSV/XLSX readers with atheris (libFuzzer), outside CI.

The Hypothesis tests in tests/ingest/test_fuzz_readers.py run in CI; this harness runs for as
long as you let it and finds what they miss. Contract under test: reading and validating any
bytes either raises ``InputError`` or returns problems, never any other exception.

    mkdir -p benchmarks/out/fuzz-corpus && cp samples/*.csv benchmarks/out/fuzz-corpus/
    uv run python benchmarks/fuzz_readers.py -max_total_time=300 -max_len=4096 \
        benchmarks/out/fuzz-corpus

(the samples seed the corpus, which grows in that folder). atheris installs from PyPI wheels
on Linux only; it is in the dev group there. Crashes are written by libFuzzer as
``crash-<sha1>`` in the working folder.
"""

from __future__ import annotations

import datetime as dt
import sys

import atheris

with atheris.instrument_imports():
    from vardkoll.domain import InputError
    from vardkoll.ingest import FILE_KINDS, validate
    from vardkoll.ingest._raw import raw_from_bytes

TODAY = dt.date(2025, 6, 1)
KINDS: tuple[str | None, ...] = (None, *FILE_KINDS)


def one_input(data: bytes) -> None:
    """Read and validate ``data``, first as detected, then as a kind chosen from its first byte."""
    kind = KINDS[data[0] % len(KINDS)] if data else None
    for as_kind in (None, kind):
        try:
            checked = validate(raw_from_bytes(data, source="fuzz", kind=as_kind), today=TODAY)
        except InputError:
            continue
        for problem in checked.problems:
            problem.message("sv")
            problem.message("en")


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
