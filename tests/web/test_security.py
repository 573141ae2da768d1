"""Sign-in, sessions, CSRF, throttling and the security headers."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy.orm import Session
from web_support import World

from vardkoll.http.security import CSP
from vardkoll.services.access.auth import SignInFailed, SignInThrottled, authenticate

PASSWORD = "correct horse battery staple"


def _login_form(client) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    return token.group(1), page.text


def _sign_in(client, username: str, password: str):  # type: ignore[no-untyped-def]
    token, _ = _login_form(client)
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )


def test_headers_forbid_inline_code_and_framing(world: World) -> None:
    response = world.client().get("/login")
    headers = response.headers
    assert headers["content-security-policy"] == CSP
    assert "script-src 'self'" in CSP
    assert "unsafe-inline" not in CSP
    assert "unsafe-eval" not in CSP
    assert "frame-ancestors 'none'" in CSP
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["cache-control"] == "no-store"
    assert "<script>" not in response.text
    assert "style=" not in response.text


def test_pages_have_no_inline_script_or_style(world: World) -> None:
    world.user("samordnare", "regional_coordinator", region="19")
    client = world.client("samordnare")
    for path in ("/overview", "/waiting-lists"):
        html = client.get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert "<style" not in html, path
        assert " style=" not in html, path
        assert "onclick" not in html, path


def test_sign_in_sets_a_hardened_cookie_and_sign_out_ends_the_session(world: World) -> None:
    world.user("anna", "regional_coordinator", region="19", password=PASSWORD)
    client = world.client()
    response = _sign_in(client, "anna", PASSWORD)
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert "vk_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # the development default serves http://127.0.0.1
    assert client.get("/overview").status_code == 200
    page = client.get("/overview").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    stolen = client.cookies.get("vk_session")
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 303
    replay = world.client()
    replay.cookies.set("vk_session", stolen or "")
    assert replay.get("/overview").status_code == 303  # back to the sign-in form


def test_secure_cookie_when_configured(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from web_support import make_world

    world = make_world(tmp_path, cookie_secure=True)
    world.user("anna", "regional_coordinator", region="19", password=PASSWORD)
    client = world.client()
    client.base_url = client.base_url.copy_with(scheme="https")  # type: ignore[attr-defined]
    response = _sign_in(client, "anna", PASSWORD)
    assert "Secure" in response.headers["set-cookie"]
    assert response.headers["strict-transport-security"].startswith("max-age=")


def test_forms_without_the_session_token_are_refused(world: World) -> None:
    world.user("admin", "admin")
    client = world.client("admin")
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    response = client.post(
        "/admin/users",
        data={"username": "x", "password": "p" * 12, "role": "national_analyst"},
    )
    assert response.status_code == 403
    assert "csrf_failed" in response.text
    login = world.client().post(
        "/login", data={"username": "admin", "password": "x", "csrf_token": "forged"}
    )
    assert login.status_code == 403


def test_wrong_password_and_unknown_user_look_the_same(world: World) -> None:
    world.user("anna", "regional_coordinator", region="19", password=PASSWORD)
    wrong = _sign_in(world.client(), "anna", "not the password")
    unknown = _sign_in(world.client(), "nobody", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert "Fel användarnamn eller lösenord." in wrong.text
    assert "Fel användarnamn" in unknown.text


def test_sign_in_is_throttled_per_account_and_address(world: World) -> None:
    world.user("anna", "regional_coordinator", region="19", password=PASSWORD)
    client = world.client()
    for _ in range(world.settings.login_max_failures):
        assert _sign_in(client, "anna", "wrong password!").status_code == 401
    # Even the right password is refused while the pause lasts.
    assert _sign_in(client, "anna", PASSWORD).status_code == 429


def test_throttle_ends_after_the_pause(world: World) -> None:
    world.user("anna", "regional_coordinator", region="19", password=PASSWORD)
    settings = world.settings
    start = dt.datetime(2025, 3, 1, 8, 0, tzinfo=dt.UTC)
    with Session(world.engine) as db, db.begin():
        for i in range(settings.login_max_failures):
            with pytest.raises(SignInFailed):
                authenticate(
                    db,
                    username="anna",
                    password="x",
                    client_address="10.0.0.1",
                    settings=settings,
                    now=start + dt.timedelta(seconds=i),
                )
        with pytest.raises(SignInThrottled):
            authenticate(
                db,
                username="anna",
                password=PASSWORD,
                client_address="10.0.0.1",
                settings=settings,
                now=start + dt.timedelta(minutes=1),
            )
        # Another address is not locked out by this one.
        authenticate(
            db,
            username="anna",
            password=PASSWORD,
            client_address="10.0.0.2",
            settings=settings,
            now=start + dt.timedelta(minutes=1),
        )
        later = start + dt.timedelta(minutes=settings.login_lockout_minutes + 1)
        user = authenticate(
            db,
            username="anna",
            password=PASSWORD,
            client_address="10.0.0.1",
            settings=settings,
            now=later,
        )
        assert user.username == "anna"


def test_disabling_an_account_ends_its_sessions(world: World) -> None:
    world.user("anna", "regional_coordinator", region="19")
    world.user("admin", "admin")
    anna = world.client("anna")
    assert anna.get("/overview").status_code == 200
    admin = world.client("admin")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', admin.get("/admin/users").text)
    assert csrf is not None
    assert (
        admin.post("/admin/users/anna/disable", data={"csrf_token": csrf.group(1)}).status_code
        == 303
    )
    assert anna.get("/overview").status_code == 303


def test_next_parameter_cannot_send_users_elsewhere(world: World) -> None:
    world.user("anna", "regional_coordinator", region="19", password=PASSWORD)
    client = world.client()
    page = client.get("/login?next=//evil.example/")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    response = client.post(
        "/login",
        data={
            "username": "anna",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/",
        },
    )
    assert response.headers["location"] == "/"


def test_production_refuses_an_unsafe_configuration(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from vardkoll.domain import InputError
    from vardkoll.http.app import create_app
    from vardkoll.settings import Settings

    with pytest.raises(InputError) as info:
        create_app(Settings(environment="production", data_dir=tmp_path, cookie_secure=False))
    for fragment in ("VARDKOLL_SECRET_KEY", "SQLite", "VARDKOLL_COOKIE_SECURE"):
        assert fragment in info.value.message
    ok = Settings(
        environment="production",
        data_dir=tmp_path,
        secret_key="x" * 40,
        database_url="postgresql+psycopg://vardkoll@db.example/vardkoll",
    )
    assert ok.deployment_problems() == []
    assert Settings(
        environment="production", debug=True, secret_key="x" * 40, database_url=ok.database_url
    ).deployment_problems() == ["VARDKOLL_DEBUG is on; set VARDKOLL_DEBUG=false."]
