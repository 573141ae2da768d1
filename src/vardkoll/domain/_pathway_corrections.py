"""Corrections of a pathway's history: which events are in force, and in whose place.

Regions never overwrite an event; a later event naming it in ``supersedes_seq`` takes its place
and a ``void`` cancels it. Kept apart from the replay (:mod:`._pathway`) because this is the one
step that decides what the history *says* before any rule judges what it *means*.
"""

from __future__ import annotations

from vardkoll.domain._pathway_model import PathwayEvent, RuleViolation


def _effective(events: list[PathwayEvent], out: list[RuleViolation]) -> list[PathwayEvent]:
    """Apply corrections: the events in force, each in the place of what it replaced.

    An event named by a later correction drops out; a ``void`` is never in force itself. If
    two corrections name the same event, the later one wins.
    """
    by_seq: dict[int, PathwayEvent] = {}
    for e in sorted(events, key=lambda e: e.event_seq):
        if e.event_seq in by_seq:
            out.append(
                _v(
                    e,
                    "event_seq",
                    "duplicate_seq",
                    "is used twice in this pathway; "
                    "give each event its own number (the second was ignored)",
                )
            )
            continue
        by_seq[e.event_seq] = e
    place = {seq: seq for seq in by_seq}
    replaced: set[int] = set()
    winner: dict[int, int] = {}
    for seq, e in by_seq.items():
        target = e.supersedes_seq
        if target is None:
            continue
        problem = _correction_problem(seq, target, by_seq, winner)
        if problem is not None:
            out.append(_v(e, "supersedes_seq", *problem))
            if problem[0] != "superseded_twice":
                continue
            replaced.add(winner[target])
        winner[target] = seq
        replaced.add(target)
        place[seq] = place[target]
    kept = [e for s, e in by_seq.items() if s not in replaced and e.event_type != "void"]
    return sorted(kept, key=lambda e: (place[e.event_seq], e.event_seq))


def _correction_problem(
    seq: int, target: int, by_seq: dict[int, PathwayEvent], winner: dict[int, int]
) -> tuple[str, str] | None:
    """Why a correction cannot simply replace its target (``None`` when it can)."""
    if target not in by_seq:
        return "supersedes_unknown", f"names event {target}, which this pathway does not have"
    if target >= seq:
        return "supersedes_later", f"names event {target}; a correction replaces an earlier event"
    if by_seq[target].event_type == "void":
        return "void_of_void", f"names the void {target}; to restore an event, send it again"
    if target in winner:
        return "superseded_twice", (
            f"names event {target}, already replaced by event {winner[target]}; the later wins"
        )
    return None


def _v(e: PathwayEvent, name: str, code: str, text: str) -> RuleViolation:
    return RuleViolation(e.event_seq, name, code, f"Event {e.event_seq} ({e.event_type}): {text}.")
