"""The web platform's reference pages cover what the code defines."""

from __future__ import annotations

from pathlib import Path

from vardkoll.services.access.roles import ROLES
from vardkoll.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
WEB_SETTINGS = (
    "debug",
    "cookie_secure",
    "session_idle_minutes",
    "login_max_failures",
    "login_lockout_minutes",
    "audit_retention_years",
    "default_language",
    "oidc_issuer",
    "oidc_client_id",
    "oidc_client_secret",
    "oidc_username_claim",
    "secret_key",
    "database_url",
)


def test_every_role_is_documented() -> None:
    page = (ROOT / "docs" / "reference" / "roles.md").read_text(encoding="utf-8")
    for name, spec in ROLES.items():
        assert f"`{name}`" in page, name
        assert spec.label_sv in page, name


def test_every_web_setting_is_documented_in_the_deploy_guide() -> None:
    page = (ROOT / "docs" / "how-to" / "deploy.md").read_text(encoding="utf-8")
    for name in WEB_SETTINGS:
        assert name in Settings.model_fields
        assert f"VARDKOLL_{name.upper()}" in page, name


def test_every_operation_is_documented(world) -> None:  # type: ignore[no-untyped-def]
    page = (ROOT / "docs" / "reference" / "api.md").read_text(encoding="utf-8")
    spec = world.client().get("/api/v1/openapi.json").json()
    for item in spec["paths"].values():
        for op in item.values():
            assert f"`{op['operationId']}`" in page, op["operationId"]
