"""API tokens: shown once and stored hashed, listed without secrets, revoked and expired at once."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from web_support import World, migrated_sqlite

from vardkoll.domain import InputError, NotFound
from vardkoll.services.access.tokens import (
    DEFAULT_TOKEN_DAYS,
    create_api_token,
    hash_token,
    list_tokens,
    revoke_token,
    user_for_token,
)
from vardkoll.store._auth_models import ApiToken

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def test_a_token_is_stored_only_as_its_hash_and_ends_after_its_days(world: World) -> None:
    world.user("importer", "system_import", region="19")
    with Session(world.engine) as db, db.begin():
        token = create_api_token(db, username="importer", name="nightly", expires_days=30, now=NOW)
        row = db.scalars(select(ApiToken)).one()
        assert row.token_hash == hash_token(token) != token
        assert token not in {str(v) for v in vars(row).values()}
        just_before = NOW + dt.timedelta(days=30, seconds=-1)
        user = user_for_token(db, token, now=just_before)
        assert user is not None
        assert user.username == "importer"
        assert user_for_token(db, token, now=NOW + dt.timedelta(days=30)) is None
        assert user_for_token(db, token + "x", now=NOW) is None
        (listed,) = list_tokens(db, now=NOW)
        assert (listed.username, listed.name, listed.state) == ("importer", "nightly", "active")
        assert listed.valid_until == NOW + dt.timedelta(days=30)
        (ended,) = list_tokens(db, now=NOW + dt.timedelta(days=31))
        assert ended.state == "ended"


def test_revoking_ends_a_token_at_once_and_keeps_an_earlier_end(world: World) -> None:
    world.user("importer", "system_import", region="19")
    with Session(world.engine) as db, db.begin():
        token = create_api_token(db, username="importer", name="a", now=NOW)
        token_id = list_tokens(db, now=NOW)[0].id
        later = NOW + dt.timedelta(days=1)
        revoked = revoke_token(db, token_id=token_id, now=later)
        assert revoked.state == "ended"
        assert revoked.valid_until == later
        assert user_for_token(db, token, now=later) is None
        assert revoke_token(
            db, token_id=token_id, now=later + dt.timedelta(days=5)
        ).valid_until == (later)
        with pytest.raises(NotFound, match="token list"):
            revoke_token(db, token_id=999, now=NOW)


def test_a_disabled_account_s_token_stops(world: World) -> None:
    world.user("importer", "system_import", region="19")
    token = world.token("importer")
    from vardkoll.services.access.accounts import set_active

    with Session(world.engine) as db, db.begin():
        assert user_for_token(db, token) is not None
        set_active(db, "importer", active=False)
        assert user_for_token(db, token) is None
        with pytest.raises(InputError, match="disabled"):
            create_api_token(db, username="importer", name="again")


@pytest.mark.parametrize("days", [0, -1, 731])
def test_a_token_must_end_within_two_years(world: World, days: int) -> None:
    world.user("importer", "system_import", region="19")
    with Session(world.engine) as db, db.begin(), pytest.raises(InputError, match="expire"):
        create_api_token(db, username="importer", name="x", expires_days=days)


def test_default_life_is_ninety_days(world: World) -> None:
    world.user("importer", "system_import", region="19")
    with Session(world.engine) as db, db.begin():
        create_api_token(db, username="importer", name="x", now=NOW)
        assert list_tokens(db, now=NOW)[0].valid_until == NOW + dt.timedelta(
            days=DEFAULT_TOKEN_DAYS
        )


def _cli(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"VARDKOLL_DATA_DIR": str(tmp), "PATH": "/usr/bin:/bin", "HOME": str(tmp)}
    return subprocess.run(
        [sys.executable, "-m", "vardkoll", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_token_create_list_revoke_from_the_cli(tmp_path: Path) -> None:
    migrated_sqlite(tmp_path / "vardkoll.sqlite3")
    role = ("--role", "system_import", "--region", "19", "--oidc-only")
    added = _cli(tmp_path, "users", "add", "importer", *role)
    assert added.returncode == 0, added.stderr
    created = _cli(
        tmp_path, "users", "token", "create", "importer", "--name", "nightly", "--expires", "7"
    )
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    assert token.startswith("vk_")
    assert len(token.split()) == 1
    listed = _cli(tmp_path, "users", "token", "list")
    assert "nightly" in listed.stdout
    assert "active" in listed.stdout
    assert token not in listed.stdout
    bad = _cli(tmp_path, "users", "token", "create", "importer", "--expires", "1000")
    assert bad.returncode == 2
    assert "730" in bad.stderr
    assert "Traceback" not in bad.stderr
    revoked = _cli(tmp_path, "users", "token", "revoke", "1")
    assert revoked.returncode == 0, revoked.stderr
    assert "ended" in _cli(tmp_path, "users", "token", "list", "importer").stdout
    missing = _cli(tmp_path, "users", "token", "revoke", "42")
    assert missing.returncode != 0
    assert "Traceback" not in missing.stderr
