"""Turn pathways into the rows of ``pathway_events`` (import-format.md §2).

Each pathway's removal date is fixed first (so the calibration holds); everything else is
placed inside the wait:

- **PVV**: an offer within the guarantee limit, declined, and a ``pause_start`` the same day
  whose ``reference`` is that offer's ``event_seq``; the pause ends weeks later.
- **MOV**: a ``pause_start`` whose ``reference`` is a clinician's HSA-style id.
- **Redress**: past the limit the care-guarantee unit offers another provider; accepted, a
  ``transfer`` follows and the care happens there; declined, the pathway ends with
  ``declined_offer`` a few days later.
- **Transfers** between units of the same specialty, **priority changes** (a few of them
  voided as registered in error) and **bookings** — a booking made before the as-of date may
  point at an appointment after it.
- Nothing dated after the as-of date is written, except such a booking's appointment.

Identities: events before a reserve-identity holder's *sammankoppling* carry the reserve
identity, events from it the personnummer — so the link shows inside one pathway.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from vardkoll.domain import EVENT_TYPES, REMOVAL_REASONS
from vardkoll.ingest import column_names
from vardkoll.synth._calendar import IntArray
from vardkoll.synth._codes import ENTRY, REASON, SPECIALTY_CODES
from vardkoll.synth._identities import ascii_column
from vardkoll.synth._organisation import Organisation
from vardkoll.synth._pathways import PROCEDURES, Pathways
from vardkoll.synth._writer import coded

__all__ = ["PATHWAY_EVENT_COLUMNS", "EventRows", "build_events", "pathway_ids"]

PATHWAY_EVENT_COLUMNS: tuple[str, ...] = column_names("pathway_events")

_TYPE = {name: i for i, name in enumerate(EVENT_TYPES)}
# Order of events on the same day.
_ORDER = {
    "clock_start": 0, "priority_change": 1, "offer": 2, "pause_start": 3, "pause_end": 4,
    "transfer": 5, "booking": 6, "void": 7, "removal": 9,
}  # fmt: skip
_NONE = -1
_LATE = np.iinfo(np.int32).max // 2

PVV_SHARE = 0.06
MOV_SHARE = 0.035
TRANSFER_SHARE = 0.03
PRIORITY_CHANGE_SHARE = 0.05
VOID_SHARE = 0.08
BOOKING_SHARE = 0.85
CLINICIANS = 400


@dataclass(frozen=True)
class EventRows:
    """The ``pathway_events`` table of a chunk, and the unit each removed pathway ended at."""

    table: pa.Table
    removal_unit: IntArray


@dataclass
class _Rows:
    """Event rows under construction: parallel lists of NumPy parts."""

    parts: dict[str, list[npt.NDArray[np.int64]]]

    @classmethod
    def empty(cls) -> _Rows:
        return cls({k: [] for k in _FIELDS})

    def add(self, kind: str, pathway: IntArray, day: IntArray, **extra: IntArray) -> None:
        n = pathway.size
        self.parts["pathway"].append(pathway)
        self.parts["day"].append(day)
        self.parts["type"].append(np.full(n, _TYPE[kind]))
        self.parts["order"].append(np.full(n, _ORDER[kind]))
        for name in _FIELDS[4:]:
            value = extra.get(name)
            self.parts[name].append(np.full(n, _NONE) if value is None else value)

    def stack(self) -> dict[str, npt.NDArray[np.int64]]:
        return {k: np.concatenate(v).astype(np.int32) for k, v in self.parts.items()}


_FIELDS = (
    "pathway", "day", "type", "order", "priority", "pause", "reason", "outcome", "offered",
    "appointment", "ref_offer", "clinician", "void_of", "new_unit",
)  # fmt: skip


def pathway_ids(chunk: int, n: int) -> pa.Array:
    """``P`` + chunk (2 digits) + serial (8 digits): unique within the source system."""
    if n >= 10**8:
        raise ValueError("a chunk holds at most 10^8 pathways")
    value = chunk * 10**8 + np.arange(n, dtype=np.int64)
    matrix = np.empty((n, 11), dtype=np.uint8)
    matrix[:, 0] = ord("P")
    for k in range(10):
        matrix[:, 10 - k] = ord("0") + (value // 10**k) % 10
    return ascii_column(matrix)


def _randint(rng: np.random.Generator, low: IntArray, high: IntArray) -> IntArray:
    """Uniform integers in [low, high) with array bounds (high > low assumed)."""
    span = np.maximum(high - low, 1)
    return np.asarray(low + np.floor(rng.random(low.size) * span).astype(np.int64))


def _alternative_units(
    org: Organisation,
    specialty: npt.NDArray[np.int16],
    current: IntArray,
    other_provider: bool,
    rng: np.random.Generator,
) -> IntArray:
    """Another unit of the same specialty (preferring another provider when asked)."""
    out = current.copy()
    for s_index in np.unique(specialty):
        code = SPECIALTY_CODES[int(s_index)]
        kinds = ("primary",) if code == "general_practice" else ("clinic", "private")
        candidates = np.array(org.units_with(code, kinds), dtype=np.int64)
        rows = np.flatnonzero(specialty == s_index)
        if candidates.size < 2 or rows.size == 0:
            continue
        provider = np.array([org.units[int(c)].provider for c in candidates])
        cur_provider = np.array([org.units[int(u)].provider for u in current[rows]])
        pick = rng.random((rows.size, candidates.size))
        same = candidates[None, :] == current[rows, None]
        pick[same] = -1.0
        if other_provider:
            same_provider = provider[None, :] == cur_provider[:, None]
            pick[same_provider & ~same] *= 0.2
        out[rows] = candidates[np.argmax(pick, axis=1)]
    return out


def build_events(
    pw: Pathways,
    org: Organisation,
    as_of: int,
    limits: dict[str, int],
    chunk: int,
    rng: np.random.Generator,
) -> EventRows:
    """All event rows of the chunk's pathways, sorted by pathway and ``event_seq``."""
    n = pw.size
    idx = np.arange(n, dtype=np.int64)
    start, removal = pw.start, pw.removal
    wait = removal - start
    guaranteed = (pw.entry == ENTRY["first_visit"]) | (pw.entry == ENTRY["treatment"])
    specialised = guaranteed | (pw.entry == ENTRY["examination"])
    limit = np.array([limits[e] for e in ENTRY], dtype=np.int64)[pw.entry]
    rows = _Rows.empty()
    rows.add("clock_start", idx, start, priority=pw.priority.astype(np.int64))
    last = start.copy()  # latest decoration day, so bookings come after it

    # PVV and MOV pauses (not combined with redress: the pause would change the clock).
    u = rng.random(n)
    free = guaranteed & (pw.redress == 0) & (pw.reason != REASON["registered_in_error"])
    pvv = free & (wait >= 45) & (u < PVV_SHARE) & (limit >= 20)
    p = idx[pvv]
    offer_day = start[p] + _randint(rng, np.full(p.size, 3), np.minimum(limit[p] - 10, 40))
    appointment = offer_day + _randint(rng, np.full(p.size, 5), start[p] + limit[p] + 1 - offer_day)
    pause_end = np.minimum(
        offer_day + _randint(rng, np.full(p.size, 14), np.full(p.size, 90)), removal[p] - 1
    )
    ok = pause_end > offer_day
    p, offer_day, appointment, pause_end = p[ok], offer_day[ok], appointment[ok], pause_end[ok]
    rows.add(
        "offer",
        p,
        offer_day,
        outcome=np.ones(p.size, dtype=np.int64),
        offered=pw.unit[p],
        appointment=appointment,
        ref_offer=np.ones(p.size, np.int64),
    )
    rows.add(
        "pause_start", p, offer_day, pause=np.zeros(p.size, np.int64), ref_offer=np.full(p.size, 2)
    )
    rows.add("pause_end", p, pause_end)
    last[p] = pause_end

    mov = free & ~pvv & (wait >= 40) & (u >= PVV_SHARE) & (u < PVV_SHARE + MOV_SHARE)
    m = idx[mov]
    mov_start = start[m] + _randint(rng, np.full(m.size, 2), wait[m] // 2)
    mov_end = mov_start + _randint(
        rng, np.full(m.size, 14), np.minimum(120, removal[m] - mov_start - 1)
    )
    rows.add(
        "pause_start",
        m,
        mov_start,
        pause=np.ones(m.size, np.int64),
        clinician=rng.integers(1, CLINICIANS + 1, m.size),
    )
    rows.add("pause_end", m, mov_end)
    last[m] = mov_end

    # Redress: an offer from another provider once the limit has passed.
    new_unit = np.full(n, _NONE, dtype=np.int64)
    transfer_day = np.full(n, _LATE, dtype=np.int64)
    r = idx[pw.redress > 0]
    alternative = _alternative_units(org, pw.specialty[r], pw.unit[r], True, rng)
    declined = pw.redress[r] == 2
    first_ok = start[r] + limit[r] + 1
    r_offer = np.where(
        declined,
        np.maximum(first_ok, removal[r] - rng.integers(0, 7, r.size)),
        first_ok
        + _randint(rng, np.zeros(r.size, np.int64), np.maximum(1, wait[r] - limit[r] - 14)),
    )
    r_appointment = np.where(declined, r_offer + rng.integers(7, 22, r.size), removal[r])
    rows.add(
        "offer",
        r,
        r_offer,
        outcome=declined.astype(np.int64),
        offered=alternative,
        appointment=r_appointment,
    )
    acc = r[~declined]
    acc_day = r_offer[~declined] + rng.integers(1, 6, acc.size)
    rows.add("transfer", acc, acc_day)
    new_unit[acc], transfer_day[acc] = alternative[~declined], acc_day
    last[r] = np.maximum(last[r], r_offer)
    last[acc] = acc_day

    # Transfers between units, priority changes (some voided), bookings, removals.
    t = idx[specialised & (pw.redress == 0) & (wait >= 20) & (rng.random(n) < TRANSFER_SHARE)]
    t_day = start[t] + np.floor(rng.uniform(0.2, 0.7, t.size) * wait[t]).astype(np.int64)
    t_day = np.maximum(t_day, last[t])
    t_unit = _alternative_units(org, pw.specialty[t], pw.unit[t], False, rng)
    moved = t_unit != pw.unit[t]
    t, t_day, t_unit = t[moved], t_day[moved], t_unit[moved]
    rows.add("transfer", t, t_day)
    new_unit[t], transfer_day[t] = t_unit, t_day
    last[t] = t_day

    c = idx[specialised & (wait >= 10) & (rng.random(n) < PRIORITY_CHANGE_SHARE)]
    c_day = start[c] + np.floor(rng.uniform(0.1, 0.9, c.size) * wait[c]).astype(np.int64)
    c_priority = np.where(pw.priority[c] > 1, pw.priority[c] - 1, 2).astype(np.int64)
    rows.add("priority_change", c, c_day, priority=c_priority)
    v_mask = rng.random(c.size) < VOID_SHARE
    v = c[v_mask]
    v_day = np.minimum(c_day[v_mask] + rng.integers(0, 10, v.size), removal[v] - 1)
    v_ok = v_day >= c_day[v_mask]
    rows.add("void", v[v_ok], v_day[v_ok], void_of=np.ones(int(v_ok.sum()), np.int64))

    b = idx[
        specialised
        & (pw.reason == REASON["treated"])
        & (pw.redress != 1)
        & (rng.random(n) < BOOKING_SHARE)
    ]
    b_day = np.maximum(removal[b] - rng.integers(3, 43, b.size), last[b])
    b_day = np.minimum(b_day, removal[b])
    rows.add("booking", b, b_day, appointment=removal[b])

    done = idx[removal <= as_of]
    rows.add("removal", done, removal[done], reason=pw.reason[done].astype(np.int64))

    ev = rows.stack()
    # One sort key: pathway, then day, then the same-day order of event types.
    key = (
        (ev["pathway"].astype(np.int64) << 20) | ((ev["day"] - ev["day"].min()) << 4) | ev["order"]
    )
    order = np.argsort(np.where(ev["day"] <= as_of, key, -1), kind="stable")
    order = order[np.count_nonzero(ev["day"] > as_of) :]
    ev = {k: v[order] for k, v in ev.items()}
    return _to_table(ev, pw, org, transfer_day, new_unit, chunk)


def _ints(values: IntArray, null: npt.NDArray[np.bool_], type_: pa.DataType) -> pa.Array:
    return pa.array(np.where(null, 0, values), type=type_, mask=null if null.any() else None)


def _dates(values: IntArray, null: npt.NDArray[np.bool_]) -> pa.Array:
    return _ints(values, null, pa.int32()).cast(pa.date32())


def _to_table(
    ev: dict[str, npt.NDArray[np.int64]],
    pw: Pathways,
    org: Organisation,
    transfer_day: IntArray,
    new_unit: IntArray,
    chunk: int,
) -> EventRows:
    n = ev["day"].size
    path = ev["pathway"]
    starts = np.r_[0, np.flatnonzero(np.diff(path)) + 1]
    group_start = np.repeat(starts, np.diff(np.r_[starts, n]))
    seq = np.arange(n) - group_start + 1
    etype = ev["type"]
    is_start = etype == _TYPE["clock_start"]

    # The unit responsible at each event: the new one from the transfer on.
    key = ev["day"] * 16 + ev["order"]
    transferred = key >= transfer_day[path] * 16 + _ORDER["transfer"]
    unit = np.where(transferred & (new_unit[path] >= 0), new_unit[path], pw.unit[path])

    # References: a PVV pause names its offer's event_seq; a void names the priority change.
    pvv_offer_seq = np.full(pw.size, _NONE, dtype=np.int64)
    is_pvv_offer = (etype == _TYPE["offer"]) & (ev["ref_offer"] == 1)
    pvv_offer_seq[path[is_pvv_offer]] = seq[is_pvv_offer]
    change_seq = np.full(pw.size, _NONE, dtype=np.int64)
    is_change = etype == _TYPE["priority_change"]
    change_seq[path[is_change]] = seq[is_change]
    ref_number = np.where(ev["ref_offer"] == 2, pvv_offer_seq[path], _NONE)
    clinicians = pa.array(org.clinician_ids(np.arange(CLINICIANS + 1)), type=pa.string())
    reference = pc.if_else(
        pa.array(ref_number >= 0),
        pc.cast(pa.array(ref_number), pa.string()),
        coded(ev["clinician"], clinicians).dictionary_decode(),
    )
    supersedes = np.where(ev["void_of"] == 1, change_seq[path], _NONE)

    people = pw.people
    person = pw.person[path]
    identities = pa.concat_arrays([people.first_id, people.linked_id])
    linked = ev["day"] >= people.link_day[person]
    patient = coded(np.where(linked, person + people.size, person), identities)
    protected = people.protected[person].astype(np.int8)

    units = [u.unit_id for u in org.units]
    municipality = np.where(is_start, people.municipality[person], _NONE)
    procedure = np.where(is_start, pw.procedure[path], _NONE)
    columns = {
        "source_system": coded(np.zeros(n, np.int64), [org.source_system]),
        "pathway_id": coded(path, pathway_ids(chunk, pw.size)),
        "event_seq": pa.array(seq.astype(np.int32)),
        "event_type": coded(etype, list(EVENT_TYPES)),
        "event_date": _dates(ev["day"], np.zeros(n, dtype=bool)),
        "patient_id": patient,
        "protected_identity": pa.array(protected),
        "patient_sex": pa.nulls(n, pa.string()),
        "patient_birth_date": pa.nulls(n, pa.date32()),
        "home_municipality": coded(municipality, [p.code for p in org.places]),
        "region_code": coded(np.zeros(n, np.int64), [org.region_code]),
        "unit_id": coded(unit, units),
        "specialty": coded(np.where(is_start, pw.specialty[path], _NONE), list(SPECIALTY_CODES)),
        "entry_type": coded(np.where(is_start, pw.entry[path], _NONE), list(ENTRY)),
        "priority": _ints(ev["priority"], ev["priority"] < 0, pa.int8()),
        "procedure_code": coded(procedure, list(PROCEDURES) or [""]),
        "pause_reason": coded(ev["pause"], ["PVV", "MOV"]),
        "removal_reason": coded(ev["reason"], list(REMOVAL_REASONS)),
        "offer_outcome": coded(ev["outcome"], ["accepted", "declined"]),
        "offered_unit_id": coded(ev["offered"], units),
        "appointment_date": _dates(ev["appointment"], ev["appointment"] < 0),
        "reference": reference,
        "supersedes_seq": _ints(supersedes, supersedes < 0, pa.int32()),
    }
    table = pa.table([columns[c] for c in PATHWAY_EVENT_COLUMNS], names=list(PATHWAY_EVENT_COLUMNS))
    removal_unit = np.full(pw.size, _NONE, dtype=np.int64)
    is_removal = etype == _TYPE["removal"]
    removal_unit[path[is_removal]] = unit[is_removal]
    return EventRows(table, removal_unit)
