"""Rules that look at more than one cell: required-when, dates in order, pathways, duplicates.

Pathway rules (import-format.md §2, the same rules as ``validate_pathway`` of the domain, here
over whole columns rather than one pathway at a time):

- event 1 of a pathway is its ``clock_start``; a file may continue a pathway imported earlier,
  in which case its events start above 1 and the store checks them against the history;
- a ``removal`` is not dated before the pathway's clock start;
- after a removal only a ``void`` or correction of that removal may follow;
- ``supersedes_seq`` names an earlier event;
- a PVV pause names (in ``reference``) the event number of an offer the patient declined; a MOV
  pause names a clinician, not an event number;
- nothing but a ``booking`` is dated after today.

Rows are grouped and ordered with NumPy sorts, never with a loop over pathways.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from vardkoll.domain import EVENT_TYPES
from vardkoll.ingest._collect import Collector
from vardkoll.ingest._parse import to_mask
from vardkoll.ingest._schema import FileSchema

__all__ = ["check_rules"]

Mask = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int64]


def _ints(values: pa.Array) -> Ints:
    """Int-like Arrow values (ints, dates, timestamps) as int64, null as 0."""
    if pa.types.is_date32(values.type):
        values = values.cast(pa.int32())
    elif pa.types.is_timestamp(values.type):
        values = values.cast(pa.int64())
    filled = pc.fill_null(values.cast(pa.int64()), 0)
    return np.asarray(filled.to_numpy(zero_copy_only=False), np.int64)


def _codes(values: pa.Array) -> Ints:
    """Integer codes of a column: equal values, equal codes (strings: dense, null as -1)."""
    if pa.types.is_string(values.type):
        encoded = pc.dictionary_encode(values).indices
        return np.asarray(pc.fill_null(encoded.cast(pa.int64()), -1).to_numpy(), np.int64)
    return _ints(values)  # numbers compare as they are; callers mask the nulls


def _is(values: pa.Array, *choices: str) -> Mask:
    return to_mask(pc.is_in(values, value_set=pa.array(list(choices))))


_EVENT_TYPES = pa.array(list(EVENT_TYPES))


def _event_codes(event_type: pa.Array) -> Ints:
    """Index of each row's event type in ``EVENT_TYPES`` (-1 where empty or invalid)."""
    index = pc.index_in(event_type, value_set=_EVENT_TYPES)
    return np.asarray(pc.fill_null(index, -1).to_numpy(zero_copy_only=False), np.int64)


def _etype(*names: str) -> list[int]:
    return [EVENT_TYPES.index(name) for name in names]


def _pathway_groups(source: pa.Array, pathway: pa.Array) -> Ints:
    """A dense code per (source_system, pathway_id); -1 where either is missing.

    Coded column by column rather than by joining the strings, which would copy every id;
    files nearly always come from one source system, so usually the pathway code is enough.
    """
    source_code = _codes(source)
    pathway_code = _codes(pathway)
    missing = (source_code < 0) | (pathway_code < 0)
    if source_code.size and int(source_code.max()) > 0:
        width = int(pathway_code.max()) + 1
        combined = source_code * width + pathway_code
        _, dense = np.unique(np.where(missing, -1, combined), return_inverse=True)
        group = dense.astype(np.int64) - (1 if missing.any() else 0)
    else:
        group = pathway_code
    return np.where(missing, -1, group).astype(np.int64)


def _text(raw: Mapping[str, pa.Array], name: str, idx: Ints) -> list[object]:
    column = raw.get(name)
    if column is None:
        return [""] * idx.size
    return [v if v is not None else "" for v in column.take(pa.array(idx)).to_pylist()]


def _required_when(
    schema: FileSchema,
    typed: Mapping[str, pa.Array],
    raw: Mapping[str, pa.Array],
    collector: Collector,
    codes: Ints,
) -> None:
    for spec in schema.columns:
        if not isinstance(spec.required, tuple):
            continue
        column = raw.get(spec.name)
        empty = np.ones(codes.size, np.bool_) if column is None else to_mask(pc.is_null(column))
        needed = np.isin(codes, _etype(*spec.required)) & empty
        if needed.any():
            idx = np.flatnonzero(needed)
            types = [EVENT_TYPES[c] for c in codes[idx]]
            collector.add(idx, spec.name, "required_for_event", per_row={"event_type": types})


def _not_before(
    typed: Mapping[str, pa.Array],
    raw: Mapping[str, pa.Array],
    collector: Collector,
    anchor: str,
    later: tuple[str, ...],
    code: str,
) -> None:
    start = typed[anchor]
    for name in later:
        bad = to_mask(pc.less(typed[name], start))
        if bad.any():
            idx = np.flatnonzero(bad)
            collector.add(idx, name, code, per_row={anchor: _text(raw, anchor, idx)})


def _lookup(keys: Ints, queries: Ints) -> Ints:
    """Index of the first row whose key equals each query, or -1."""
    if keys.size == 0:
        return np.full(queries.size, -1, np.int64)
    order = np.argsort(keys, kind="stable")
    pos = np.searchsorted(keys[order], queries)
    pos = np.clip(pos, 0, keys.size - 1)
    found = keys[order[pos]] == queries
    return np.where(found, order[pos], -1).astype(np.int64)


def _pair_keys(group: Ints, seq: Ints, other_group: Ints, other_seq: Ints) -> tuple[Ints, Ints]:
    """One int64 per (pathway, event number), comparable across the two sets."""
    both = np.concatenate([seq, other_seq])
    groups = np.concatenate([group, other_group])
    if both.size == 0:
        return seq, other_seq
    low, high = int(both.min()), int(both.max())
    span = high - low + 1
    reach = max(abs(int(groups.min())), abs(int(groups.max()))) + 1
    if low >= 0 and span * reach < 2**62:
        return group * span + (seq - low), other_group * span + (other_seq - low)
    _, rank = np.unique(both, return_inverse=True)  # huge event numbers: rank them first
    width = int(rank.max()) + 1
    rank = rank.astype(np.int64)
    return group * width + rank[: seq.size], other_group * width + rank[seq.size :]


@dataclass
class _Events:
    """The pathway events of a file as NumPy columns, in the domain's replay terms.

    ``place`` is where an event sits in its pathway's order: its own number, or, for a
    correction, the place of the event it replaces (followed through chains of corrections).
    ``effective`` events are the ones in force: not replaced by a later correction, not voids.
    """

    codes: Ints
    group: Ints
    seq: Ints
    sup: Ints
    has_sup: Mask
    day: Ints
    has_day: Mask
    ok: Mask
    keys: Ints
    place: Ints
    effective: Mask
    of_void: Mask
    n_groups: int

    def per_group_min(self, value: Ints, where: Mask) -> Ints:
        """For every row, the minimum ``value`` over the rows of its pathway in ``where``."""
        out = np.full(self.n_groups, np.iinfo(np.int64).max, np.int64)
        np.minimum.at(out, self.group[where], value[where])
        return out[np.where(self.ok, self.group, 0)]


def _events(typed: Mapping[str, pa.Array], codes: Ints) -> _Events:
    group = _pathway_groups(typed["source_system"], typed["pathway_id"])
    keyed = (group >= 0) & to_mask(pc.is_valid(typed["event_seq"]))
    ok = keyed & (codes >= 0)
    seq = _ints(typed["event_seq"])
    sup = _ints(typed["supersedes_seq"])
    has_sup = ok & to_mask(pc.is_valid(typed["supersedes_seq"]))
    keys, sup_keys = _pair_keys(np.where(keyed, group, -1), seq, np.where(has_sup, group, -2), sup)
    void_code = _etype("void")[0]
    correcting = has_sup & (sup < seq)
    target = np.where(correcting, _lookup(keys, sup_keys), -1)
    of_void = (target >= 0) & (codes[np.maximum(target, 0)] == void_code)
    correcting &= ~of_void  # a void cannot be corrected (nor voided): it stays as sent
    target = np.where(correcting, target, -1)
    superseded = np.zeros(codes.size, np.bool_)
    superseded[target[target >= 0]] = True
    if correcting.any():  # two corrections of one event: the later one wins
        idx = np.flatnonzero(correcting)
        _, same_target = np.unique(sup_keys[idx], return_inverse=True)
        latest = np.zeros(int(same_target.max()) + 1, np.int64)
        np.maximum.at(latest, same_target, seq[idx])
        superseded[idx[seq[idx] < latest[same_target]]] = True
    place = seq.copy()
    for _ in range(16):  # chains of corrections are short; 16 links is plenty
        moved = np.where(correcting, np.where(target >= 0, place[np.maximum(target, 0)], sup), seq)
        if np.array_equal(moved, place):
            break
        place = moved
    dates = typed["event_date"]
    return _Events(
        codes=codes,
        group=group,
        seq=seq,
        sup=sup,
        has_sup=has_sup,
        day=_ints(dates),
        has_day=to_mask(pc.is_valid(dates)),
        ok=ok,
        keys=keys,
        place=place,
        effective=ok & ~superseded & (codes != void_code),
        of_void=of_void,
        n_groups=max(int(group.max()) + 1 if codes.size else 0, 1),
    )


def _pathway_rules(
    typed: Mapping[str, pa.Array],
    raw: Mapping[str, pa.Array],
    collector: Collector,
    today: dt.date,
    codes: Ints,
) -> tuple[Ints, Ints]:
    """Run the pathway rules; returns (pathway code, pathway-and-event key) of every row.

    The pathway code is -1 where the row lacks source, pathway or event number; the key is
    then meaningless and callers mask with the code.
    """
    start_code, booking_code, removal_code = _etype("clock_start", "booking", "removal")
    ev = _events(typed, codes)
    today_days = (today - dt.date(1970, 1, 1)).days
    future = ev.has_day & (ev.day > today_days) & (codes >= 0) & (codes != booking_code)
    if future.any():
        collector.add(future, "event_date", "future_date", {"today": today.isoformat()})

    later = ev.has_sup & (ev.sup >= ev.seq)
    if later.any():
        idx = np.flatnonzero(later)
        per_row = {"event_seq": ev.seq[idx].tolist()}
        collector.add(idx, "supersedes_seq", "supersedes_later", per_row=per_row)

    if ev.of_void.any():
        collector.add(ev.of_void, "supersedes_seq", "supersedes_void")

    # A pathway that starts in this file (it has event 1) begins with a clock start: every
    # event in force before the first clock start is out of place.
    starts_here = ev.per_group_min(ev.place, ev.ok) == 1
    is_start = ev.effective & (codes == start_code)
    first_start = ev.per_group_min(ev.place, is_start)
    early = ev.effective & starts_here & (ev.place < first_start)
    if early.any():
        collector.add(early, "event_type", "first_not_clock_start")

    start_row = np.full(ev.n_groups, -1, np.int64)
    at_start = is_start & (ev.place == first_start)
    start_row[ev.group[at_start]] = np.flatnonzero(at_start)
    removal = ev.effective & (codes == removal_code) & ~early
    first = np.where(removal, start_row[np.where(ev.ok, ev.group, 0)], -1)
    start_day = ev.day[np.maximum(first, 0)]
    dated = (first >= 0) & ev.has_day & ev.has_day[np.maximum(first, 0)]
    before = removal & dated & (ev.day < start_day)
    if before.any():
        idx = np.flatnonzero(before)
        per_row = {
            "clock_start": _text(raw, "event_date", first[idx]),
            "clock_start_row": collector.rows[first[idx]].tolist(),
        }
        collector.add(idx, "event_date", "before_clock_start", per_row=per_row)

    # After the removal in force, only voids (never in force) may follow.
    removed = removal & ~before
    removal_place = ev.per_group_min(ev.place, removed)
    after = ev.effective & (ev.place > removal_place)
    if after.any():
        idx = np.flatnonzero(after)
        at = _lookup(
            *_pair_keys(
                np.where(removed, ev.group, -1), ev.place, ev.group[idx], removal_place[idx]
            )
        )
        per_row = {
            "removal_seq": [ev.seq[r] if r >= 0 else "?" for r in at],
            "removal_row": [collector.rows[r] if r >= 0 else "?" for r in at],
        }
        collector.add(idx, "event_seq", "event_after_removal", per_row=per_row)

    _pause_references(typed, collector, ev)
    keyed = (ev.group >= 0) & to_mask(pc.is_valid(typed["event_seq"]))
    return np.where(keyed, ev.group, -1).astype(np.int64), ev.keys


def _pause_references(typed: Mapping[str, pa.Array], collector: Collector, ev: _Events) -> None:
    """PVV pauses name a declined offer in force; MOV pauses name a clinician.

    Only pauses in force are checked (a voided pause no longer claims anything). A PVV
    reference to an event number this file does not have may name an event imported earlier;
    the store checks it against the history.
    """
    pause_code, offer_code = _etype("pause_start", "offer")
    pause = ev.effective & (ev.codes == pause_code)
    if not pause.any():
        return
    reference = typed["reference"]
    numeric = to_mask(pc.match_substring_regex(reference, r"^[0-9]{1,18}$"))
    mov = pause & _is(typed["pause_reason"], "MOV") & numeric
    if mov.any():
        collector.add(mov, "reference", "mov_without_clinician")
    pvv = pause & _is(typed["pause_reason"], "PVV") & to_mask(pc.is_valid(reference))
    if not pvv.any():
        return
    target = np.zeros(ev.seq.size, np.int64)
    target[numeric] = _ints(pc.cast(reference.filter(pa.array(numeric)), pa.int64()))
    not_seq = pvv & (~numeric | (target >= ev.seq))
    if not_seq.any():
        collector.add(not_seq, "reference", "pvv_without_offer")
    check = pvv & ~not_seq
    if not check.any():
        return
    idx = np.flatnonzero(check)
    keys, queries = _pair_keys(np.where(ev.ok, ev.group, -1), ev.seq, ev.group[idx], target[idx])
    found = _lookup(keys, queries)
    idx, found = idx[found >= 0], found[found >= 0]
    offer = ev.effective & (ev.codes == offer_code)
    declined = offer & _is(typed["offer_outcome"], "declined")
    for code, wrong in (
        ("pvv_without_offer", ~offer[found]),
        ("pvv_offer_not_declined", offer[found] & ~declined[found]),
    ):
        if wrong.any():
            per_row = {"target_row": collector.rows[found[wrong]].tolist()}
            collector.add(idx[wrong], "reference", code, per_row=per_row)


def _duplicates(
    schema: FileSchema,
    typed: Mapping[str, pa.Array],
    raw: Mapping[str, pa.Array],
    collector: Collector,
    key: tuple[Ints, Mask] | None = None,
) -> None:
    """The later rows of every natural key that appears more than once.

    ``key`` may pass the key already coded as one int64 per row (with a mask of complete
    keys), as the pathway rules do; otherwise each key column is coded here.
    """
    n = len(typed[schema.natural_key[0]])
    if n < 2:
        return
    rows = np.arange(n, dtype=np.int64)
    if key is not None:
        codes = [key[0]]
        complete = key[1]
        order = np.argsort(np.where(complete, key[0], np.iinfo(np.int64).min), kind="stable")
    else:
        complete = np.ones(n, np.bool_)
        codes = []
        for name in schema.natural_key:
            complete &= to_mask(pc.is_valid(typed[name]))
            codes.append(_codes(typed[name]))
        order = np.lexsort([rows, *reversed(codes)])
    order = order[complete[order]]
    if order.size < 2:
        return
    same = np.ones(order.size - 1, np.bool_)
    for code in codes:
        same &= code[order[1:]] == code[order[:-1]]
    if not same.any():
        return
    run_start = np.where(np.concatenate([[False], same]), 0, np.arange(order.size))
    run_start = np.maximum.accumulate(run_start)
    later = np.flatnonzero(np.concatenate([[False], same]))
    idx = order[later]
    first = order[run_start[later]]
    names = schema.natural_key
    labels = [
        ", ".join(f"{name}={value}" for name, value in zip(names, parts, strict=True))
        for parts in zip(*(_text(raw, name, idx) for name in names), strict=True)
    ]
    collector.add(
        idx,
        names[-1],
        "duplicate_key",
        per_row={"first_row": collector.rows[first].tolist(), "key": labels},
    )


def check_rules(
    schema: FileSchema,
    typed: Mapping[str, pa.Array],
    raw: Mapping[str, pa.Array],
    collector: Collector,
    *,
    today: dt.date,
) -> None:
    """Run the rules between cells and rows of ``schema.kind`` (see the module docstring)."""
    if schema.kind == "pathway_events":
        codes = _event_codes(typed["event_type"])
        _required_when(schema, typed, raw, collector, codes)
        group, event_keys = _pathway_rules(typed, raw, collector, today, codes)
        complete = (group >= 0) & to_mask(pc.is_valid(typed["event_seq"]))
        _duplicates(schema, typed, raw, collector, (event_keys, complete))
        return
    elif schema.kind == "ed_visits":
        _not_before(
            typed, raw, collector, "arrival", ("physician_seen", "departure"), "before_arrival"
        )
    elif schema.kind == "inpatient_stays":
        _not_before(
            typed,
            raw,
            collector,
            "admitted",
            ("admission_notice_sent", "ready_for_discharge", "discharged"),
            "before_admitted",
        )
    _duplicates(schema, typed, raw, collector)
