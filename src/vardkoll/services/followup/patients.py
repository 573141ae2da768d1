"""Patient-level reads: the waiting list and one patient's pathways — scoped and audited.

Every function here is the only way to patient rows: it checks the right, narrows the query with
:meth:`Scope.duckdb_where`, and writes exactly one audit record in the operational store's
transaction before returning anything. If the audit write fails, nothing is returned.

A patient outside the user's scope is :class:`NotFound`, exactly like a patient who does not
exist (no existence oracle). A patient with protected identity (*skyddad identitet*) shows no
identity to anyone, and opening the record needs a stated purpose (:class:`PurposeRequired`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from vardkoll.analytics import limits_cte, still_waiting_sql
from vardkoll.domain import InputError, NotFound, PermissionDenied, StoreError
from vardkoll.services.access import audit
from vardkoll.services.access.scope import Scope
from vardkoll.services.followup.overview import cached_per_version, open_analytics, store_facts
from vardkoll.settings import Settings

_PSEUDONYM = re.compile(r"^[0-9a-f]{32}$")
WAITING_SORTS = (
    "days_to_breach",
    "days_waited",
    "clock_start",
    "priority",
    "unit_id",
    "specialty",
    "entry_type",
    "patient_pseudonym",
)
DEFAULT_PURPOSE = "waiting-list follow-up"


class PurposeRequired(InputError):
    """Opening a protected identity's record needs a stated purpose."""

    status = 428
    code = "purpose_required"


@dataclass(frozen=True)
class PathwayRow:
    """One pathway as patient lists show it (pseudonym only, never the identity)."""

    pathway_key: str
    patient_pseudonym: str
    identity_type: str
    unit_id: str
    unit_name: str
    specialty: str
    entry_type: str
    priority: int | None
    clock_start: dt.date
    removed_on: dt.date | None
    removal_reason: str | None
    days_waited: int
    limit_days: int | None

    @property
    def days_to_breach(self) -> int | None:
        return None if self.limit_days is None else self.limit_days - self.days_waited


@dataclass(frozen=True)
class PatientRecord:
    """One patient as the patient page shows them."""

    pseudonym: str
    identity_type: str
    protected: bool
    identity: str | None  # None when protected or unknown to the operational store
    pathways: tuple[PathwayRow, ...]


# Only pathways with a pause that counts (has_pvv or has_mov: the pauses table holds those
# pauses, nothing else) are joined with their pauses — a few per cent of those waiting.
_ROW_SQL = """
WITH {lim},
base AS (
    SELECT p.*, u.unit_name FROM pathways p LEFT JOIN units u ON u.unit_id = p.unit_id
    WHERE {where}
),
paused AS (
    SELECT b.pathway_key,
           SUM(GREATEST(0, date_diff('day', GREATEST(pa.start_date, b.clock_start),
               LEAST(COALESCE(pa.end_date, CAST(? AS DATE)),
                     COALESCE(b.removed_on, CAST(? AS DATE)), CAST(? AS DATE))))) AS days
    FROM (SELECT pathway_key, clock_start, removed_on FROM base
          WHERE has_pvv OR has_mov) b
    JOIN pauses pa ON pa.pathway_key = b.pathway_key GROUP BY 1
)
SELECT b.pathway_key, b.patient_pseudonym, b.identity_type, b.unit_id,
       COALESCE(b.unit_name, b.unit_id), b.specialty, b.entry_type, b.priority, b.clock_start,
       b.removed_on, b.removal_reason,
       date_diff('day', b.clock_start,
                 LEAST(COALESCE(b.removed_on, CAST(? AS DATE)), CAST(? AS DATE)))
         - COALESCE(z.days, 0) AS days_waited,
       l.limit_days
FROM base b
LEFT JOIN paused z ON z.pathway_key = b.pathway_key
LEFT JOIN lim l ON l.entry_type = b.entry_type AND b.clock_start >= l.valid_from
     AND (l.valid_to IS NULL OR b.clock_start <= l.valid_to)
"""


def _limits() -> tuple[str, list[Any]]:
    return limits_cte("se-national")


def _rows(con: Any, where: str, params: list[Any], as_of: dt.date, tail: str) -> list[PathwayRow]:
    lim, lim_params = _limits()
    sql = _ROW_SQL.format(lim=lim, where=where) + tail
    args = [*lim_params, *params, as_of, as_of, as_of, as_of, as_of]
    return [
        PathwayRow(
            str(r[0]),
            str(r[1]),
            str(r[2]),
            str(r[3]),
            str(r[4]),
            str(r[5]),
            str(r[6]),
            None if r[7] is None else int(r[7]),
            r[8],
            r[9],
            r[10],
            int(r[11]),
            None if r[12] is None else int(r[12]),
        )
        for r in con.execute(sql, args).fetchall()
    ]


@dataclass(frozen=True)
class WaitingListQuery:
    """Filters, order and page of the waiting list."""

    unit_id: str | None = None
    specialty: str | None = None
    entry_type: str | None = None
    sort: str = "days_to_breach"
    direction: Literal["asc", "desc"] = "asc"
    offset: int = 0
    limit: int = 50


def waiting_list(
    settings: Settings,
    engine: Engine,
    scope: Scope,
    actor: audit.Actor,
    query: WaitingListQuery,
    *,
    action: str = "list",
    resource: str = "/waiting-lists",
) -> tuple[list[PathwayRow], int]:
    """Pathways still waiting in the user's reach (one page, and the total), audited once."""
    if not scope.allows("waiting_list"):
        raise PermissionDenied("Your role does not include patient waiting lists.")
    if query.sort not in WAITING_SORTS:
        raise InputError(
            f"sort must be one of {', '.join(WAITING_SORTS)}; got {query.sort!r}.", field="sort"
        )
    as_of, _ = store_facts(settings)
    where, params = scope.duckdb_where("waiting_list", table="p")
    where += f" AND p.pathway_key IN ({still_waiting_sql(as_of)})"
    for column, value in (
        ("unit_id", query.unit_id),
        ("specialty", query.specialty),
        ("entry_type", query.entry_type),
    ):
        if value:
            where += f" AND p.{column} = ?"
            params.append(value)
    order = "days_to_breach" if query.sort == "days_to_breach" else query.sort
    direction = "DESC" if query.direction == "desc" else "ASC"
    order_sql = "(limit_days - days_waited)" if order == "days_to_breach" else order
    tail = (
        f" ORDER BY {order_sql} {direction} NULLS LAST, pathway_key"
        f" LIMIT {int(query.limit)} OFFSET {int(query.offset)}"
    )
    # The analytics store is read-only and separate; the audit record is written in the
    # operational store's transaction, and nothing is returned unless it commits.
    rows, count = _page(settings, where, params, as_of, tail)
    if rows:
        with _audited_transaction(engine) as db:
            audit.write(
                db,
                actor,
                audit.AuditEntry(
                    action=action,
                    resource=resource,
                    acting_for=scope.acting_for("waiting_list"),
                    purpose=DEFAULT_PURPOSE,
                    patients=tuple(dict.fromkeys(r.patient_pseudonym for r in rows)),
                    units=tuple({r.unit_id for r in rows}),
                ),
            )
    return rows, count


def _page(
    settings: Settings, where: str, params: list[Any], as_of: dt.date, tail: str
) -> tuple[list[PathwayRow], int]:
    """One page and the total, computed once per analytics-store version.

    The store only changes by a rebuild renamed into place, so a page of the same scope,
    filters and order is the same until then; under load (a coordinator's team opening the
    list) the sort over every waiting pathway of the region runs once, not per request. The
    audit record is still written for every response, by the caller.
    """

    def compute() -> tuple[list[PathwayRow], int]:
        with open_analytics(settings) as con:
            rows = _rows(con, where, params, as_of, tail)
            count_row = con.execute(
                f"SELECT count(*) FROM pathways p WHERE {where}", params
            ).fetchone()
        return rows, int(count_row[0]) if count_row else 0

    result: tuple[list[PathwayRow], int] = cached_per_version(
        settings, ("waiting_list", where, tuple(params), as_of, tail), compute
    )
    return list(result[0]), result[1]


@contextlib.contextmanager
def _audited_transaction(engine: Engine) -> Iterator[Session]:
    """One transaction for the reads and their audit record; a store failure refuses the request."""
    try:
        with Session(engine) as db, db.begin():
            yield db
    except DBAPIError as exc:
        raise StoreError(
            "the access could not be written to the audit log, so nothing is shown; "
            "try again, and tell an administrator if it persists."
        ) from exc


def _identity_facts(db: Session, pseudonym: str) -> tuple[bool, str | None]:
    """(protected, canonical identity) from the operational store; unknown → protected.

    Default deny: when the operational store cannot say the patient is unprotected (no
    ``patients`` table, no row), the record is treated as protected.
    """
    try:
        row = db.execute(
            text("SELECT protected, identity FROM patients WHERE pseudonym = :p"), {"p": pseudonym}
        ).first()
    except DBAPIError:
        return True, None
    if row is None:
        return True, None
    return bool(row[0]), str(row[1])


def _display_identity(canonical: str) -> str:
    return f"{canonical[:8]}-{canonical[8:]}" if len(canonical) == 12 else canonical


def patient_record(
    settings: Settings,
    engine: Engine,
    scope: Scope,
    actor: audit.Actor,
    pseudonym: str,
    *,
    purpose: str | None = None,
    resource: str = "/patients",
) -> PatientRecord:
    """One patient's pathways in the user's reach, audited; NotFound outside it."""
    if not _PSEUDONYM.match(pseudonym):
        raise NotFound("No patient with that reference in your scope.")
    if not scope.allows("waiting_list"):
        raise PermissionDenied("Your role does not include patient records.")
    as_of, _ = store_facts(settings)
    where, params = scope.duckdb_where("waiting_list", table="p")
    where += " AND p.patient_pseudonym = ?"
    params.append(pseudonym)
    with open_analytics(settings) as con:
        rows = _rows(con, where, params, as_of, " ORDER BY b.clock_start, b.pathway_key")
    if not rows:
        raise NotFound("No patient with that reference in your scope.")
    with _audited_transaction(engine) as db:
        audit.reserve(db)  # before reading the identity, so the write cannot fail afterwards
        protected, canonical = _identity_facts(db, pseudonym)
        stated = (purpose or "").strip()
        if protected and len(stated) < 5:
            raise PurposeRequired(
                "This patient has protected identity; state the purpose of opening the record.",
                field="purpose",
            )
        audit.write(
            db,
            actor,
            audit.AuditEntry(
                action="read_protected" if protected else "read",
                resource=resource,
                acting_for=scope.acting_for("waiting_list"),
                purpose=stated or DEFAULT_PURPOSE,
                patient_pseudonym=pseudonym,
                identity_type=rows[0].identity_type,
                units=tuple({r.unit_id for r in rows}),
            ),
        )
    return PatientRecord(
        pseudonym=pseudonym,
        identity_type=rows[0].identity_type,
        protected=protected,
        identity=None if protected or canonical is None else _display_identity(canonical),
        pathways=tuple(rows),
    )
