"""The pseudonym key is per installation, stable, and never the published placeholder."""

from __future__ import annotations

from pathlib import Path

from vardkoll.settings import PLACEHOLDER_SECRET, Settings


def test_demo_installation_gets_its_own_stable_key(tmp_path: Path) -> None:
    first = Settings(data_dir=tmp_path / "a", environment="demo").pseudonym_key()
    again = Settings(data_dir=tmp_path / "a", environment="demo").pseudonym_key()
    other = Settings(data_dir=tmp_path / "b", environment="demo").pseudonym_key()
    assert first == again
    assert first != other
    assert first != PLACEHOLDER_SECRET.encode()
    assert len(first) == 64
    assert (tmp_path / "a" / "installation.key").stat().st_mode & 0o077 == 0


def test_configured_secret_is_the_key(tmp_path: Path) -> None:
    secret = "x" * 48
    settings = Settings(data_dir=tmp_path, secret_key=secret)
    assert settings.pseudonym_key() == secret.encode()
    assert not (tmp_path / "installation.key").exists()
