"""Accounts: the CLI, the admin page, the demo accounts, and OIDC wiring."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx2
import pytest
from sqlalchemy.orm import Session
from web_support import World, migrated_sqlite

from vardkoll.services.access.accounts import create_demo_accounts, create_user
from vardkoll.services.access.roles import ROLE_NAMES
from vardkoll.store import make_engine


def _cli(tmp: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {"VARDKOLL_DATA_DIR": str(tmp), "PATH": "/usr/bin:/bin", "HOME": str(tmp)}
    return subprocess.run(
        [sys.executable, "-m", "vardkoll", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_users_add_list_disable_and_token_from_the_cli(tmp_path: Path) -> None:
    migrated_sqlite(tmp_path / "vardkoll.sqlite3")
    added = _cli(
        tmp_path,
        "users",
        "add",
        "anna",
        "--role",
        "clinic_manager",
        "--region",
        "19",
        "--unit",
        "SE19-A",
        stdin="ett långt lösenord\nett långt lösenord\n",
    )
    assert added.returncode == 0, added.stderr
    listed = _cli(tmp_path, "users", "list")
    assert "anna" in listed.stdout
    assert "clinic_manager" in listed.stdout
    assert "SE19-A" in listed.stdout
    bad = _cli(
        tmp_path, "users", "add", "bo", "--role", "clinic_manager", "--region", "19", "--oidc-only"
    )
    assert bad.returncode == 2
    assert "needs at least one unit" in bad.stderr
    assert "Traceback" not in bad.stderr
    token = _cli(tmp_path, "users", "token", "create", "anna")
    assert token.returncode == 0
    assert token.stdout.strip().startswith("vk_")
    assert _cli(tmp_path, "users", "disable", "anna").returncode == 0
    assert "no" in _cli(tmp_path, "users", "list").stdout.split("anna", 1)[1].splitlines()[0]
    assert _cli(tmp_path, "audit", "verify").returncode == 0


def test_cli_says_what_to_do_on_an_unmigrated_store(tmp_path: Path) -> None:
    result = _cli(tmp_path, "users", "list")
    assert result.returncode == 1
    assert "vardkoll db upgrade" in " ".join(result.stderr.split())


def test_doctor_deploy_lists_what_production_needs(tmp_path: Path) -> None:
    result = _cli(tmp_path, "doctor", "--deploy")
    assert result.returncode == 1
    for fragment in ("VARDKOLL_SECRET_KEY", "SQLite", "VARDKOLL_COOKIE_SECURE", "db upgrade"):
        assert fragment in result.stdout


def test_demo_accounts_cover_every_human_role_and_sign_in(world: World) -> None:
    accounts = create_demo_accounts(world.engine, unit_ids=["SE19-A"])
    assert {role for _, _, role, _ in accounts} == set(ROLE_NAMES) - {"system_import"}
    assert create_demo_accounts(world.engine, unit_ids=["SE19-A"]) == accounts  # idempotent
    for username, password, role, _scope in accounts:
        client = world.client()
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
        assert token is not None
        response = client.post(
            "/login",
            data={"username": username, "password": password, "csrf_token": token.group(1)},
        )
        assert response.status_code == 303, role
        landing = client.get("/", follow_redirects=True)
        assert landing.status_code == 200, role


def test_demo_accounts_take_units_from_the_store(tmp_path: Path) -> None:
    url = migrated_sqlite(tmp_path / "v.sqlite3")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO units (unit_id, provider_id, provider_name, ownership, unit_name, "
            "region_code, municipality_code, latitude, longitude, specialties) VALUES "
            "('SE19-Z', 'P', 'P', 'public', 'Z', '19', '1980', 59.6, 16.5, 'orthopaedics')"
        ) if _has_simple_units(engine) else None
    accounts = create_demo_accounts(engine)
    roles = {role for _, _, role, _ in accounts}
    assert {"national_analyst", "regional_coordinator", "admin"} <= roles


def _has_simple_units(engine) -> bool:  # type: ignore[no-untyped-def]
    from sqlalchemy import inspect

    columns = {c["name"] for c in inspect(engine).get_columns("units")}
    return {"unit_id", "region_code", "municipality_code", "specialties"} <= columns and not (
        columns
        - {
            "unit_id",
            "provider_id",
            "provider_name",
            "ownership",
            "unit_name",
            "region_code",
            "municipality_code",
            "latitude",
            "longitude",
            "specialties",
        }
    )


def test_admin_page_adds_an_account_and_shows_input_errors(world: World) -> None:
    world.user("admin", "admin")
    client = world.client("admin")
    page = client.get("/admin/users")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    bad = client.post(
        "/admin/users",
        data={
            "username": "pks1",
            "password": "tolv tecken!",
            "role": "pks_analyst",
            "region_code": "19",
            "csrf_token": csrf,
        },
    )
    assert bad.status_code == 422
    assert (
        "Rollen PKS-analytiker arbetar för sina egna enheter: fyll i minst ett enhets-id, "
        "flera åtskilda med kommatecken." in bad.text
    )
    assert "--unit" not in bad.text
    assert "needs at least" not in bad.text
    good = client.post(
        "/admin/users",
        data={
            "username": "pks1",
            "password": "tolv tecken!",
            "role": "pks_analyst",
            "region_code": "19",
            "unit_ids": "SE19-A, SE19-B",
            "csrf_token": csrf,
        },
    )
    assert good.status_code == 303
    listing = client.get("/admin/users").text
    assert "pks1" in listing
    assert "Kontot pks1 har lagts till." in listing  # confirmed after the redirect
    assert "Kontot pks1 har lagts till." not in client.get("/admin/users").text  # once
    assert world.client("pks1").get("/admin/users").status_code == 403


def test_create_user_rejects_unknown_roles(world: World) -> None:
    with Session(world.engine) as db, db.begin(), pytest.raises(ValueError, match="role must be"):
        create_user(db, username="x", role="superuser", password=None)


def test_oidc_wiring_redirects_to_the_identity_provider(tmp_path: Path) -> None:
    from web_support import make_world

    world = make_world(
        tmp_path,
        oidc_issuer="https://idp.region.example/realms/vard",
        oidc_client_id="vardkoll",
        oidc_client_secret="s3cret",
    )
    registry = world.app.state.oidc
    client = registry.create_client("region")
    assert client.client_id == "vardkoll"
    assert client._server_metadata_url == (
        "https://idp.region.example/realms/vard/.well-known/openid-configuration"
    )
    discovery = {
        "issuer": "https://idp.region.example/realms/vard",
        "authorization_endpoint": "https://idp.region.example/auth",
        "token_endpoint": "https://idp.region.example/token",
        "jwks_uri": "https://idp.region.example/jwks",
    }
    fetched: list[str] = []

    def idp(request: httpx2.Request) -> httpx2.Response:
        fetched.append(str(request.url))
        return httpx2.Response(200, json=discovery)

    # The identity provider is simulated at the HTTP layer; the discovery request is real.
    client.client_kwargs["transport"] = httpx2.MockTransport(idp)
    assert "/login/oidc" in world.client().get("/login").text
    response = world.client().get("/login/oidc")
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith("https://idp.region.example/auth?")
    assert "client_id=vardkoll" in location
    assert "state=" in location
    assert "nonce=" in location
    assert "vk_oidc=" in response.headers["set-cookie"]
    assert fetched == ["https://idp.region.example/realms/vard/.well-known/openid-configuration"]


def test_oidc_is_off_without_an_issuer(world: World) -> None:
    assert world.app.state.oidc is None
    assert world.client().get("/login/oidc").status_code == 404
    assert "/login/oidc" not in world.client().get("/login").text


def test_admin_form_advice_is_plain_swedish_and_english_on_request(world: World) -> None:
    world.user("admin", "admin")
    client = world.client("admin")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/admin/users").text)
    assert csrf is not None
    cases = [
        (
            {
                "username": "k1",
                "password": "tolv tecken!",
                "role": "municipal_discharge_coordinator",
                "region_code": "19",
            },
            "Rollen Kommunal utskrivningssamordnare arbetar för en kommun: fyll i kommunens "
            "fyrsiffriga kommunkod, till exempel 1980 för Västerås.",
        ),
        (
            {"username": "s1", "password": "tolv tecken!", "role": "regional_coordinator"},
            "Rollen Regional kapacitetssamordnare arbetar inom en region: fyll i regionen med "
            "dess tvåsiffriga länskod, till exempel 19 för Västmanland.",
        ),
        (
            {"username": "s2", "password": "kort", "role": "national_analyst"},
            "Lösenordet ska ha minst 12 tecken.",
        ),
        (
            {"username": "admin", "password": "tolv tecken!", "role": "national_analyst"},
            "Användarnamnet admin är redan upptaget. Välj ett annat.",
        ),
    ]
    for data, advice in cases:
        page = client.post("/admin/users", data={**data, "csrf_token": csrf.group(1)})
        assert page.status_code == 422
        assert advice in page.text
        assert "--" not in page.text.split('id="form-message"')[1].split("</p>")[0]
    english = client.post(
        "/admin/users?lang=en",
        data={
            "username": "s3",
            "password": "tolv tecken!",
            "role": "regional_coordinator",
            "csrf_token": csrf.group(1),
        },
    )
    assert "The role Regional capacity coordinator works within one region" in english.text


def test_disabling_and_enabling_are_confirmed(world: World) -> None:
    world.user("admin", "admin")
    world.user("nils", "national_analyst")
    client = world.client("admin")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/admin/users").text)
    assert csrf is not None
    off = client.post("/admin/users/nils/disable", data={"csrf_token": csrf.group(1)})
    assert off.status_code == 303
    assert (
        "Kontot nils har inaktiverats och dess inloggningar har avslutats."
        in client.get("/admin/users").text
    )
    client.post("/admin/users/nils/enable", data={"csrf_token": csrf.group(1)})
    assert "Kontot nils kan logga in igen." in client.get("/admin/users").text
    own = client.post("/admin/users/admin/disable", data={"csrf_token": csrf.group(1)})
    assert own.status_code == 422
    assert "Du kan inte inaktivera ditt eget konto." in own.text


def test_tokens_are_created_shown_once_and_revoked_with_confirmations(world: World) -> None:
    world.user("admin", "admin")
    world.user("importer", "system_import", region="19")
    client = world.client("admin")
    page = client.get("/admin/tokens")
    assert page.status_code == 200
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    bad = client.post(
        "/admin/tokens",
        data={"username": "importer", "name": " ", "csrf_token": csrf.group(1)},
    )
    assert bad.status_code == 422
    assert "Skriv vad nyckeln används till, med 1 till 100 tecken." in bad.text
    made = client.post(
        "/admin/tokens",
        data={"username": "importer", "name": "nattlig import", "csrf_token": csrf.group(1)},
    )
    assert made.status_code == 200
    token = re.search(r"<code>(vk_[^<]+)</code>", made.text)
    assert token is not None
    assert "En nyckel för importer har skapats. Kopiera den nu" in made.text
    assert token.group(1) not in client.get("/admin/tokens").text  # shown only once
    api = world.client()
    bearer = {"Authorization": f"Bearer {token.group(1)}"}
    assert api.get("/api/v1/audit/verify", headers=bearer).status_code == 403  # a real token
    token_id = re.search(r'action="/admin/tokens/(\d+)/revoke"', client.get("/admin/tokens").text)
    assert token_id is not None
    revoked = client.post(
        f"/admin/tokens/{token_id.group(1)}/revoke", data={"csrf_token": csrf.group(1)}
    )
    assert revoked.status_code == 303
    listing = client.get("/admin/tokens").text
    assert (
        "Nyckeln nattlig import för importer har återkallats och fungerar inte längre." in listing
    )
    assert api.get("/api/v1/audit/verify", headers=bearer).status_code == 401
