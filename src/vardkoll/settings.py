"""Deployment configuration: one typed settings object, read from ``VARDKOLL_*`` variables.

Why one object: an administrator has one place to look, and a bad production deployment fails
at start-up instead of at the first request. Rules (guarantee limits, amounts) are *not* here:
they are dated data in the domain layer.
"""

from __future__ import annotations

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

    def resolved_database_url(self) -> str:
        """The operational store's URL, defaulting to SQLite inside ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'vardkoll.sqlite3').resolve()}"

    def resolved_analytics_path(self) -> Path:
        """The analytics DuckDB file, defaulting to ``data_dir/analytics.duckdb``."""
        return self.analytics_path or self.data_dir / "analytics.duckdb"


def get_settings() -> Settings:
    """Read settings from the environment now (not cached: tests and the CLI set variables)."""
    return Settings()
