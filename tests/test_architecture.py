"""The layers import only downward; the domain layer does no I/O."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "vardkoll"

# Rank of each top-level package; a module may import only equal or lower ranks
# (siblings of equal rank are allowed only where listed below).
RANK = {
    "domain": 0,
    "settings": 0,
    "ingest": 1,
    "store": 1,
    "analytics": 2,
    "planning": 2,
    "coordination": 2,
    "synth": 2,
    "services": 3,
    "web": 4,
    "api": 4,
    "cli": 4,
}
# Same-rank imports that are part of the design (interfaces share one layer).
ALLOWED_SIBLINGS = {
    ("web", "api"),
    ("api", "web"),
    ("cli", "web"),
    ("cli", "api"),
    ("ingest", "store"),
    ("synth", "planning"),
    ("analytics", "planning"),
}
FORBIDDEN_IN_DOMAIN = {
    "sqlite3",
    "duckdb",
    "sqlalchemy",
    "requests",
    "httpx",
    "socket",
    "subprocess",
    "fastapi",
    "pyarrow",
    "openpyxl",
}


def _modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def _layer(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0].removesuffix(".py")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_imports_go_downward(path: Path) -> None:
    layer = _layer(path)
    if layer not in RANK:
        return
    for name in _imports(path):
        parts = name.split(".")
        if parts[0] != "vardkoll" or len(parts) < 2 or parts[1] not in RANK:
            continue
        target = parts[1]
        if target == layer:
            continue
        ok = RANK[target] < RANK[layer] or (layer, target) in ALLOWED_SIBLINGS
        assert ok, f"{path.relative_to(SRC)} ({layer}) imports {name} ({target})"


@pytest.mark.parametrize("path", sorted((SRC / "domain").rglob("*.py")), ids=lambda p: p.name)
def test_domain_has_no_io(path: Path) -> None:
    for name in _imports(path):
        assert name.split(".")[0] not in FORBIDDEN_IN_DOMAIN, f"{path.name} imports {name}"
    source = path.read_text(encoding="utf-8")
    assert "open(" not in source.replace("reopen(", ""), f"{path.name} opens files"
