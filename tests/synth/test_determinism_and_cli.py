"""Same seed, same bytes; the CLI writes the files; the public surface is ``__all__``."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

import vardkoll.synth
from vardkoll.cli.main import app
from vardkoll.domain import InputError
from vardkoll.synth import (
    FILE_NAMES,
    GenerationReport,
    generate_national,
    generate_region,
    region_directory,
)

pytestmark = pytest.mark.xdist_group("synth-region")


def _digests(folder: Path) -> dict[str, str]:
    return {n: hashlib.sha256((folder / n).read_bytes()).hexdigest() for n in FILE_NAMES}


def test_same_seed_gives_byte_identical_files(region: GenerationReport, tmp_path: Path) -> None:
    """A national run restricted to region 19 re-creates the session's region-scale files."""
    again = generate_national(tmp_path, seed=region.seed, regions=["19"])
    assert again.regions[0].directory == region_directory(tmp_path, "19")
    assert _digests(region_directory(tmp_path, "19")) == _digests(region.out_dir)


def test_another_seed_gives_other_files(tmp_path: Path) -> None:
    one = generate_region(tmp_path / "a", region_code="09", seed=1)
    two = generate_region(tmp_path / "b", region_code="09", seed=2)
    a, b = _digests(one.out_dir), _digests(two.out_dir)
    assert a["pathway_events.csv"] != b["pathway_events.csv"]
    assert a["units.csv"] != b["units.csv"]  # private providers are drawn too


def test_bad_arguments_raise_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="region code"):
        generate_region(tmp_path, region_code="99")
    with pytest.raises(InputError, match="ISO date"):
        generate_region(tmp_path, as_of="31/10/2026")
    with pytest.raises(InputError, match="seed"):
        generate_region(tmp_path, seed=-1)


def test_cli_generates_a_region(tmp_path: Path) -> None:
    out = tmp_path / "gotland"
    result = CliRunner().invoke(
        app,
        [
            "generate",
            "--region",
            "09",
            "--seed",
            "5",
            "--out",
            str(out),
            "--as-of",
            "2025-06-30",
        ],
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.glob("*.csv")) == sorted(FILE_NAMES)
    assert "pathway_events.csv" in result.output
    last = (out / "beds.csv").read_text("utf-8").rstrip("\n").rsplit("\n", 1)[1]
    assert ";2025-06-30;" in last


def test_cli_rejects_an_unknown_region_cleanly(tmp_path: Path) -> None:
    from vardkoll.cli.main import main

    with pytest.raises(SystemExit) as exit_info:
        main(["generate", "--region", "99", "--out", str(tmp_path / "x")])
    assert exit_info.value.code == 2


def test_public_surface_is_all() -> None:
    public = sorted(name for name in vars(vardkoll.synth) if not name.startswith("_"))
    assert sorted(vardkoll.synth.__all__) == public
