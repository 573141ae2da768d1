"""The audit log of patient-data access: write, verify, sample review, patient extract, retention.

Patient data law (docs/explanation/patient-data-law.md) requires every access to be logged with
action, unit, time, user and patient, sample reviews of the log, and at least five years of
retention. Here:

- :func:`write` adds one record in the caller's transaction; if it fails, the caller's request
  fails with it. Records form a hash chain: ``hash = SHA-256(prev_hash ‖ canonical JSON)``.
- :func:`verify` recomputes the chain from the retention anchor to ``audit_head``; any edit,
  insertion, deletion or truncation shows as the first broken sequence number.
- The database refuses UPDATE and DELETE (triggers); :func:`purge_expired` is the only path that
  removes rows, and only rows older than the retention period.
- No personnummer ever enters the log: records carry pseudonyms, and :func:`write` refuses text
  that holds a valid personnummer or samordningsnummer. Valid means what the domain validates
  (date and Luhn check digit), not a run of digits: HSA ids such as ``SE2321000198-E0001``
  carry ten digits and must pass.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import String, cast, delete, func, or_, select, update
from sqlalchemy.orm import Session

from vardkoll.domain import InputError, NotFound, StoreError, parse_identity
from vardkoll.store import (
    GENESIS_HASH,
    AuditHead,
    AuditPurgePermit,
    AuditRecord,
    AuditReview,
    User,
)

# Candidates only: a whole run of 10 or 12 digits, or 6/8 digits, a separator and 4 digits.
# The lookahead makes overlapping candidates visible; each is then validated in full.
_IDENTITY_CANDIDATE = re.compile(r"(?<!\d)(?=((?:\d{6}|\d{8})[-+]?\d{4})(?!\d))")
_PSEUDONYM = re.compile(r"^[0-9a-f]{16,64}$")
SampleKind = Literal["random", "user", "protected", "off_hours", "outside_unit"]
SAMPLE_KINDS: tuple[SampleKind, ...] = ("random", "user", "protected", "off_hours", "outside_unit")
REVIEW_OUTCOMES = ("ok", "follow_up", "violation")


@dataclass(frozen=True)
class Actor:
    """Who acts, from which request: the parts of a record the interface knows."""

    user_id: int | None
    username: str
    role: str
    request_id: str
    client_address: str


@dataclass(frozen=True)
class AuditEntry:
    """What was accessed, and why."""

    action: str
    resource: str
    acting_for: str
    purpose: str = ""
    patient_pseudonym: str | None = None
    identity_type: str | None = None
    patients: tuple[str, ...] = ()
    units: tuple[str, ...] = field(default=())


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _payload(record: AuditRecord) -> str:
    """The canonical text a record's hash covers (every field but the hash itself)."""
    at = _aware(record.at).astimezone(UTC).isoformat(timespec="microseconds")
    fields = {
        "seq": record.seq,
        "at": at,
        "user_id": record.user_id,
        "username": record.username,
        "role": record.role,
        "acting_for": record.acting_for,
        "action": record.action,
        "purpose": record.purpose,
        "patient_pseudonym": record.patient_pseudonym,
        "identity_type": record.identity_type,
        "patients": list(record.patients or []),
        "units": list(record.units or []),
        "resource": record.resource,
        "request_id": record.request_id,
        "client_address": record.client_address,
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _chain_hash(prev_hash: str, record: AuditRecord) -> str:
    return hashlib.sha256((prev_hash + _payload(record)).encode()).hexdigest()


def holds_identity_number(text: str) -> bool:
    """True when ``text`` contains a personnummer or samordningsnummer that passes validation.

    Why validate rather than match digits: unit and provider ids (HSA), municipality codes and
    free-text purposes legitimately hold digit runs; only a number the domain would accept as
    someone's identity (real date, check digit) is one.
    """
    for match in _IDENTITY_CANDIDATE.finditer(text):
        try:
            parse_identity(match.group(1))
        except InputError:
            continue
        return True
    return False


def _refuse_identity_numbers(*texts: str) -> None:
    for text in texts:
        if holds_identity_number(text):
            raise InputError(
                "an audit record must not contain an identity number; pass the patient's "
                "pseudonym instead (the resource is the path without query).",
                field="resource",
            )


def _lock_head(session: Session) -> AuditHead:
    """Take the chain's head row for update; this serialises writers on SQLite and PostgreSQL."""
    touched = session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq))
    if not getattr(touched, "rowcount", 0):
        session.add(
            AuditHead(id=1, seq=0, hash=GENESIS_HASH, anchor_seq=0, anchor_hash=GENESIS_HASH)
        )
        session.flush()
    head = session.get(AuditHead, 1, populate_existing=True)
    if head is None:  # pragma: no cover - created just above
        raise StoreError("audit_head is missing; run `vardkoll db upgrade`.")
    return head


def reserve(session: Session) -> None:
    """Call first in a transaction that will read patient data and then :func:`write`.

    Taking the log's lock before the reads means the write cannot fail later for a concurrent
    writer (SQLite upgrades a read transaction to a write one only if nothing changed since).
    """
    _lock_head(session)


def write(session: Session, actor: Actor, entry: AuditEntry, *, now: datetime | None = None) -> int:
    """Append one record in the caller's transaction; returns its sequence number."""
    _refuse_identity_numbers(entry.resource, entry.purpose, entry.acting_for)
    for pseudonym in (entry.patient_pseudonym, *entry.patients):
        if pseudonym is not None and not _PSEUDONYM.match(pseudonym):
            raise InputError(
                "patients are logged by pseudonym (hex); got something else.", field="patients"
            )
    head = _lock_head(session)
    record = AuditRecord(
        seq=head.seq + 1,
        at=(now or datetime.now(UTC)).astimezone(UTC),
        user_id=actor.user_id,
        username=actor.username,
        role=actor.role,
        acting_for=entry.acting_for[:200],
        action=entry.action,
        purpose=entry.purpose[:500],
        patient_pseudonym=entry.patient_pseudonym,
        identity_type=entry.identity_type,
        patients=list(entry.patients),
        units=sorted(set(entry.units)),
        resource=entry.resource[:300],
        request_id=actor.request_id[:64],
        client_address=actor.client_address[:64],
        prev_hash=head.hash,
        hash="",
    )
    record.hash = _chain_hash(head.hash, record)
    session.add(record)
    head.seq = record.seq
    head.hash = record.hash
    session.flush()
    return record.seq


@dataclass(frozen=True)
class VerifyReport:
    """The outcome of :func:`verify`."""

    ok: bool
    checked: int
    head_seq: int
    head_hash: str
    first_bad_seq: int | None = None
    problem: str = ""


def verify(session: Session) -> VerifyReport:
    """Recompute the hash chain from the retention anchor to the head."""
    head = session.get(AuditHead, 1)
    if head is None:
        return VerifyReport(True, 0, 0, GENESIS_HASH)
    prev_hash, expected_seq, checked = head.anchor_hash, head.anchor_seq + 1, 0
    rows = session.scalars(select(AuditRecord).order_by(AuditRecord.seq)).yield_per(2000)
    for record in rows:
        if record.seq != expected_seq:
            return VerifyReport(
                False,
                checked,
                head.seq,
                head.hash,
                expected_seq,
                f"record {expected_seq} is missing (next present is {record.seq}).",
            )
        if record.prev_hash != prev_hash or _chain_hash(prev_hash, record) != record.hash:
            return VerifyReport(
                False,
                checked,
                head.seq,
                head.hash,
                record.seq,
                f"record {record.seq} does not match its hash: it was changed or replaced.",
            )
        prev_hash, expected_seq, checked = record.hash, expected_seq + 1, checked + 1
    if expected_seq - 1 != head.seq or prev_hash != head.hash:
        return VerifyReport(
            False,
            checked,
            head.seq,
            head.hash,
            expected_seq,
            f"the log ends at record {expected_seq - 1} but the head says {head.seq}: "
            "records were removed from the end.",
        )
    return VerifyReport(True, checked, head.seq, head.hash)


# --- sample review (stickprov) --------------------------------------------------------------


def _off_hours(moment: datetime, tz: ZoneInfo) -> bool:
    local = _aware(moment).astimezone(tz)
    return local.weekday() >= 5 or not 7 <= local.hour < 18


def draw_sample(
    session: Session,
    *,
    kind: SampleKind,
    size: int,
    since: datetime,
    until: datetime,
    rng: random.Random,
    username: str | None = None,
    timezone: str = "Europe/Stockholm",
) -> str:
    """Draw a sample of records for review and return its id; its reviews start open.

    ``random`` draws uniformly; ``user`` from one account's records; ``protected`` from
    openings of protected identities; ``off_hours`` from accesses on evenings and weekends
    (local time); ``outside_unit`` from records whose data belong to units the user is not
    assigned to (for accounts with units).
    """
    if kind not in SAMPLE_KINDS:
        raise InputError(f"sample kind must be one of {', '.join(SAMPLE_KINDS)}; got {kind!r}.")
    if size < 1:
        raise InputError(f"sample size must be at least 1; got {size}.", field="size")
    query = select(AuditRecord).where(AuditRecord.at >= since, AuditRecord.at < until)
    if kind == "user":
        if not username:
            raise InputError("a 'user' sample needs a username.", field="username")
        query = query.where(AuditRecord.username == username)
    if kind == "protected":
        query = query.where(AuditRecord.action == "read_protected")
    candidates = list(session.scalars(query.order_by(AuditRecord.seq)))
    if kind == "off_hours":
        tz = ZoneInfo(timezone)
        candidates = [r for r in candidates if _off_hours(r.at, tz)]
    if kind == "outside_unit":
        assigned = {
            u.id: set(u.unit_ids or []) for u in session.scalars(select(User)) if u.unit_ids
        }
        candidates = [
            r
            for r in candidates
            if r.user_id in assigned and r.units and not set(r.units) <= assigned[r.user_id]
        ]
    chosen = rng.sample(candidates, min(size, len(candidates)))
    sample_id = uuid.uuid4().hex
    for record in sorted(chosen, key=lambda r: r.seq):
        session.add(AuditReview(audit_seq=record.seq, sample_id=sample_id, sample_kind=kind))
    session.flush()
    return sample_id


def sample_rows(session: Session, sample_id: str) -> list[tuple[AuditReview, AuditRecord]]:
    """A sample's reviews with their records, in log order."""
    query = (
        select(AuditReview, AuditRecord)
        .join(AuditRecord, AuditRecord.seq == AuditReview.audit_seq)
        .where(AuditReview.sample_id == sample_id)
        .order_by(AuditRecord.seq)
    )
    return [(review, record) for review, record in session.execute(query)]


def list_samples(session: Session) -> list[tuple[str, str, int, int]]:
    """(sample id, kind, records, reviewed) for every sample, newest first."""
    query = (
        select(
            AuditReview.sample_id,
            func.min(AuditReview.sample_kind),
            func.count(),
            func.count(AuditReview.outcome),
            func.max(AuditReview.id),
        )
        .group_by(AuditReview.sample_id)
        .order_by(func.max(AuditReview.id).desc())
    )
    return [(s, k, int(n), int(done)) for s, k, n, done, _ in session.execute(query)]


def review_of(session: Session, review_id: int) -> tuple[str, int]:
    """(sample id, audit sequence number) of one review, for pages that name the record."""
    review = session.get(AuditReview, review_id)
    if review is None:
        raise NotFound(f"no review {review_id}.")
    return review.sample_id, review.audit_seq


def record_review(
    session: Session,
    *,
    review_id: int,
    reviewer_id: int,
    outcome: str,
    note: str = "",
    now: datetime | None = None,
) -> str:
    """Record the outcome of reviewing one sampled record; returns the sample's id."""
    if outcome not in REVIEW_OUTCOMES:
        raise InputError(
            f"outcome must be one of {', '.join(REVIEW_OUTCOMES)}; got {outcome!r}.",
            field="outcome",
        )
    review = session.get(AuditReview, review_id)
    if review is None:
        raise NotFound(f"no review {review_id}.")
    _refuse_identity_numbers(note)
    review.outcome = outcome
    review.note = note[:2000]
    review.reviewer_id = reviewer_id
    review.reviewed_at = now or datetime.now(UTC)
    session.flush()
    return review.sample_id


# --- patient log extract --------------------------------------------------------------------


def patient_extract(session: Session, pseudonym: str) -> list[AuditRecord]:
    """Every record that shows the patient: opened alone or as part of a list or export."""
    if not _PSEUDONYM.match(pseudonym):
        raise InputError("a patient is looked up by pseudonym (hex).", field="pseudonym")
    query = (
        select(AuditRecord)
        .where(
            or_(
                AuditRecord.patient_pseudonym == pseudonym,
                cast(AuditRecord.patients, String).like(f'%"{pseudonym}"%'),
            )
        )
        .order_by(AuditRecord.seq)
    )
    return list(session.scalars(query))


EXTRACT_COLUMNS = ("time", "user", "role", "acting_for", "action", "purpose", "resource")


def extract_rows(records: list[AuditRecord], timezone: str) -> list[dict[str, Any]]:
    """The extract as rows (local ISO 8601 times): which unit or process accessed, and when."""
    tz = ZoneInfo(timezone)
    return [
        {
            "time": _aware(r.at).astimezone(tz).isoformat(timespec="seconds"),
            "user": r.username,
            "role": r.role,
            "acting_for": r.acting_for,
            "action": r.action,
            "purpose": r.purpose,
            "resource": r.resource,
        }
        for r in records
    ]


# --- retention ------------------------------------------------------------------------------


def purge_expired(session: Session, *, retention_years: int, now: datetime | None = None) -> int:
    """Delete records older than the retention period (never younger), keeping the chain checkable.

    The last deleted record's hash becomes the anchor :func:`verify` starts from.
    """
    if retention_years < 5:
        raise InputError(
            f"audit retention must be at least 5 years; got {retention_years}.",
            field="audit_retention_years",
        )
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(days=round(365.25 * retention_years))
    head = _lock_head(session)
    last = session.scalar(
        select(AuditRecord).where(AuditRecord.at < cutoff).order_by(AuditRecord.seq.desc()).limit(1)
    )
    if last is None:
        return 0
    permit = AuditPurgePermit(id=1, cutoff=cutoff)
    session.add(permit)
    session.flush()
    result = session.execute(delete(AuditRecord).where(AuditRecord.seq <= last.seq))
    session.execute(delete(AuditPurgePermit).where(AuditPurgePermit.id == 1))
    head.anchor_seq, head.anchor_hash = last.seq, last.hash
    session.flush()
    return int(getattr(result, "rowcount", 0) or 0)
