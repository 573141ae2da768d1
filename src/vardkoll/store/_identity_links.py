"""Links between identities (*sammankoppling*), kept as an append-only history.

A reserve number given at the emergency department is later linked to the patient's
personnummer; a samordningsnummer becomes a personnummer at folkbokföring. The links are
stored, never edited, and checked by :class:`vardkoll.domain.IdentityHistory` inside the
writing transaction, so a cycle or an out-of-order link is refused even when two processes
add links at once.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from vardkoll.domain import IdentityHistory, IdentityLink, parse_identity, pseudonymise
from vardkoll.store._engine import write_transaction
from vardkoll.store._models_people import IdentityLinkRow, Patient

__all__ = ["add_identity_link", "identity_history"]


def _history(conn: Connection) -> IdentityHistory:
    rows = conn.execute(
        select(
            IdentityLinkRow.from_identity,
            IdentityLinkRow.to_identity,
            IdentityLinkRow.linked_on,
            IdentityLinkRow.reason,
        ).order_by(IdentityLinkRow.linked_on, IdentityLinkRow.from_identity)
    ).all()
    return IdentityHistory(IdentityLink(r[0], r[1], r[2], r[3]) for r in rows)


def identity_history(engine: Engine) -> IdentityHistory:
    """Every stored link, ready to resolve any identity to the one it is known by now."""
    with engine.connect() as conn:
        return _history(conn)


def add_identity_link(
    engine: Engine,
    link: IdentityLink,
    *,
    key: bytes | None = None,
    today: dt.date | None = None,
) -> None:
    """Record that ``link.from_identity`` is the same person as ``link.to_identity``.

    Unknown identities are added as patients (their type read from the canonical form, their
    pseudonym computed when ``key`` is given).
    Raises :class:`vardkoll.domain.DomainRuleError` for a cycle or a link older than one
    already recorded for the same identity.
    """
    with write_transaction(engine) as conn:
        history = _history(conn)
        history.add(link)  # refuses cycles and out-of-order links before anything is written
        for identity in (link.from_identity, link.to_identity):
            kind = parse_identity(identity, today=today).type
            values = {
                "identity": identity,
                "identity_type": kind,
                "protected": False,
                "pseudonym": None if key is None else pseudonymise(identity, key),
            }
            dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
            conn.execute(dialect.insert(Patient).values(**values).on_conflict_do_nothing())
        conn.execute(
            insert(IdentityLinkRow).values(
                from_identity=link.from_identity,
                to_identity=link.to_identity,
                linked_on=link.linked_on,
                reason=link.reason,
            )
        )
