"""Deployment configuration: one typed settings object, read from ``VARDKOLL_*`` variables.

Why one object: an administrator has one place to look, and a bad production deployment fails
at start-up instead of at the first request. Rules (guarantee limits, amounts) are *not* here:
they are dated data in the domain layer.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRET = "change-me-development-only"


class Settings(BaseSettings):
    """Settings for one installation (a region, or the national follow-up)."""

    model_config = SettingsConfigDict(env_prefix="VARDKOLL_", extra="ignore")

    environment: Literal["development", "demo", "production"] = Field(
        "development", description="Production refuses placeholder secrets and SQLite."
    )
    data_dir: Path = Field(
        Path(".vardkoll"), description="Where the embedded stores and demo files live."
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the operational store; default SQLite in data_dir.",
    )
    analytics_path: Path | None = Field(
        None, description="DuckDB file of the analytics store; default in data_dir."
    )
    secret_key: str = Field(
        PLACEHOLDER_SECRET,
        description="Signs sessions and keys the patient pseudonym (HMAC). Keep it stable.",
    )
    small_cell_threshold: int = Field(
        5, ge=1, description="Aggregates leaving the region mask cells below this count."
    )
    timezone: str = Field("Europe/Stockholm", description="Local time zone of dates.")
    # --- Web platform (issue 04) ---
    debug: bool = Field(False, description="Show tracebacks in the browser. Never in production.")
    cookie_secure: bool | None = Field(
        None,
        description="Send cookies only over HTTPS. Default: on in production, off otherwise "
        "(the demo runs on http://127.0.0.1).",
    )
    session_idle_minutes: int = Field(
        60, ge=5, le=24 * 60, description="A web session ends after this long without a request."
    )
    login_max_failures: int = Field(
        5, ge=1, description="Failed sign-ins per account and address before a pause."
    )
    login_lockout_minutes: int = Field(
        15, ge=1, description="How long sign-in pauses after too many failures."
    )
    audit_retention_years: int = Field(
        5, ge=5, description="Years the audit log is kept (patient data law: at least 5)."
    )
    default_language: Literal["sv", "en"] = Field(
        "sv", description="Language of the UI for users who have not chosen one."
    )
    oidc_issuer: str | None = Field(
        None, description="OpenID Connect issuer URL; set it to offer sign-in via the region's IdP."
    )
    oidc_client_id: str | None = Field(None, description="OpenID Connect client id.")
    oidc_client_secret: str | None = Field(None, description="OpenID Connect client secret.")
    oidc_username_claim: str = Field(
        "preferred_username",
        description="ID-token claim matched against the local account's username.",
    )

    def resolved_database_url(self) -> str:
        """The operational store's URL, defaulting to SQLite inside ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'vardkoll.sqlite3').resolve()}"

    def resolved_analytics_path(self) -> Path:
        """The analytics DuckDB file, defaulting to ``data_dir/analytics.duckdb``."""
        return self.analytics_path or self.data_dir / "analytics.duckdb"

    def pseudonym_key(self) -> bytes:
        """The per-installation HMAC key of patient pseudonyms.

        Why a file outside production: a demo or development installation still needs a key
        of its own (pseudonyms must not be computable from a key published in the source), and
        it must stay the same across restarts or the analytics store would no longer join. In
        production the configured secret is used; ``deployment_problems`` refuses a placeholder.
        """
        if self.secret_key != PLACEHOLDER_SECRET or self.environment == "production":
            return self.secret_key.encode("utf-8")
        key_file = self.data_dir / "installation.key"
        if not key_file.is_file():
            # Write aside, then hard-link into place: atomic, and the first writer wins when
            # two processes start at once, so both end up with the same key.
            self.data_dir.mkdir(parents=True, exist_ok=True)
            tmp = key_file.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(secrets.token_hex(32), encoding="ascii")
            tmp.chmod(0o600)
            with contextlib.suppress(FileExistsError):
                os.link(tmp, key_file)
            tmp.unlink()
        return key_file.read_text(encoding="ascii").strip().encode("ascii")

    def resolved_cookie_secure(self) -> bool:
        """Whether cookies carry ``Secure``: explicit setting, else on only in production."""
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.environment == "production"

    def deployment_problems(self) -> list[str]:
        """What makes this configuration unfit for production, one fix per line (empty: fine).

        Why here: the web app refuses to start on these and ``vardkoll doctor --deploy`` lists
        them, so both read the same list.
        """
        problems: list[str] = []
        if self.secret_key == PLACEHOLDER_SECRET or len(self.secret_key) < 32:
            problems.append(
                "VARDKOLL_SECRET_KEY is the placeholder or shorter than 32 characters; "
                "set a long random value (e.g. `python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'`) and keep it stable."
            )
        if self.resolved_database_url().startswith("sqlite"):
            problems.append(
                "VARDKOLL_DATABASE_URL points at SQLite; production needs PostgreSQL "
                "(postgresql+psycopg://user@host/db)."
            )
        if self.debug:
            problems.append("VARDKOLL_DEBUG is on; set VARDKOLL_DEBUG=false.")
        if not self.resolved_cookie_secure():
            problems.append(
                "VARDKOLL_COOKIE_SECURE is off; serve over HTTPS and set "
                "VARDKOLL_COOKIE_SECURE=true."
            )
        if self.oidc_issuer and not (self.oidc_client_id and self.oidc_client_secret):
            problems.append(
                "VARDKOLL_OIDC_ISSUER is set without VARDKOLL_OIDC_CLIENT_ID and "
                "VARDKOLL_OIDC_CLIENT_SECRET; set both or unset the issuer."
            )
        return problems


def get_settings() -> Settings:
    """Read settings from the environment now (not cached: tests and the CLI set variables)."""
    return Settings()
