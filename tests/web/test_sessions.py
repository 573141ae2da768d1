"""Sessions stay alive while used, touched in their own write so a read-only page never fails."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session
from web_support import World

from vardkoll.services.access.auth import load_session, start_session, touch_session
from vardkoll.store._auth_models import User, WebSession

T0 = dt.datetime(2026, 11, 25, 8, 0, tzinfo=dt.UTC)


def _last_seen(world: World, session_id: str) -> dt.datetime:
    with Session(world.engine) as db:
        row = db.get(WebSession, session_id)
        assert row is not None
        return row.last_seen.replace(tzinfo=dt.UTC)


def test_loading_reads_only_and_says_when_a_touch_is_due(world: World) -> None:
    world.user("anna", "regional_coordinator", region="19")
    with Session(world.engine) as db, db.begin():
        user = db.scalars(select(User).where(User.username == "anna")).one()
        token = start_session(db, user, now=T0)
    with Session(world.engine) as db, db.begin():
        soon = load_session(db, token, settings=world.settings, now=T0 + dt.timedelta(seconds=30))
        later = load_session(db, token, settings=world.settings, now=T0 + dt.timedelta(minutes=2))
        assert soon is not None
        assert later is not None
        assert not soon.touch_due
        assert later.touch_due
        assert not db.dirty
        assert not db.new
    assert _last_seen(world, later.session_id) == T0
    with Session(world.engine) as db, db.begin():
        touch_session(db, later.session_id, now=T0 + dt.timedelta(minutes=2))
    assert _last_seen(world, later.session_id) == T0 + dt.timedelta(minutes=2)


def test_a_page_request_keeps_the_session_alive(world: World) -> None:
    world.user("anna", "regional_coordinator", region="19")
    client = world.client("anna")
    with Session(world.engine) as db, db.begin():
        for row in db.scalars(select(WebSession)):
            row.last_seen = row.last_seen - dt.timedelta(minutes=5)
    before = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=4)
    assert client.get("/overview").status_code == 200
    with Session(world.engine) as db:
        seen = [r.last_seen.replace(tzinfo=dt.UTC) for r in db.scalars(select(WebSession))]
    assert seen
    assert all(s > before for s in seen)
