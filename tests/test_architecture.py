"""The layers import only downward; the domain layer does no I/O; private modules stay private.

Why enforced by a test: the layer rules (docs/explanation/architecture.md) only hold while
nothing can quietly break them, and a private ``_module`` is private so its package may change
it without looking outside.
"""

from __future__ import annotations

import ast
import importlib
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
    "synth": 2,
    "services": 3,
    "http": 4,
    "web": 4,
    "api": 4,
    "cli": 4,
}
# Same-rank imports that are part of the design: the pages and the API share the request
# context, the error envelope and the languages of ``http``; ``vardkoll demo`` serves the app.
ALLOWED_SIBLINGS = {
    ("web", "http"),
    ("api", "http"),
    ("cli", "http"),
}
# The application factory is the one module that assembles both interfaces.
ASSEMBLERS = {"http/app.py": {"web", "api"}}
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


def _imported_modules(path: Path) -> list[str]:
    """Every module ``path`` imports, including ``from package import module``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names += [
                f"{node.module}.{a.name}" for a in node.names if _is_module(node.module, a.name)
            ]
    return names


def _is_module(package: str, name: str) -> bool:
    parts = package.split(".")
    if parts[0] != "vardkoll":
        return False
    folder = SRC.joinpath(*parts[1:])
    return (folder / f"{name}.py").exists() or (folder / name / "__init__.py").exists()


def _dotted(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(("vardkoll", *parts)).removesuffix(".__init__")


def _private_owner(name: str) -> str | None:
    """The package a private module belongs to (``vardkoll.store`` for ``vardkoll.store._x``)."""
    parts = name.split(".")
    if parts[0] != "vardkoll":
        return None
    for i, part in enumerate(parts[1:], start=1):
        if part.startswith("_") and not part.startswith("__"):
            return ".".join(parts[:i])
    return None


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
        rel = path.relative_to(SRC).as_posix()
        ok = (
            RANK[target] < RANK[layer]
            or (layer, target) in ALLOWED_SIBLINGS
            or target in ASSEMBLERS.get(rel, set())
        )
        assert ok, f"{rel} ({layer}) imports {name} ({target})"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_private_modules_stay_private(path: Path) -> None:
    """A ``_module`` is imported only inside its own package; others use the package's face."""
    importer = _dotted(path)
    for name in _imported_modules(path):
        owner = _private_owner(name)
        if owner is None:
            continue
        inside = importer == owner or importer.startswith(owner + ".")
        assert inside, f"{importer} imports {name}, private to {owner}"


@pytest.mark.parametrize(("layer", "other"), [("web", "api"), ("api", "web")])
def test_web_and_api_do_not_import_each_other(layer: str, other: str) -> None:
    """Pages and API share only ``vardkoll.http``; either can change without the other."""
    for path in sorted((SRC / layer).rglob("*.py")):
        for name in _imports(path):
            top = ".".join(name.split(".")[:2])
            assert top != f"vardkoll.{other}", f"{path.relative_to(SRC)} imports {name}"


INTERFACES = ("web", "api", "cli", "http")


@pytest.mark.parametrize(
    "path",
    [p for p in _modules() if _layer(p) in INTERFACES],
    ids=lambda p: str(p.relative_to(SRC)),
)
def test_interfaces_use_the_services_faces(path: Path) -> None:
    """An interface names ``vardkoll.services.access``, never ``vardkoll.services.access.auth``:
    each services subpackage's ``__init__`` is its face, so its modules can be split or merged
    without touching the pages, the API or the CLI."""
    for name in _imports(path):
        parts = name.split(".")
        if parts[:2] == ["vardkoll", "services"]:
            assert len(parts) <= 3, f"{path.relative_to(SRC)} imports {name}: use its face"


def test_every_services_face_exports_what_it_imports() -> None:
    for init in sorted((SRC / "services").glob("*/__init__.py")):
        module = importlib.import_module(_dotted(init))
        exported = set(getattr(module, "__all__", ()))
        assert exported, f"{_dotted(init)} has no __all__"
        # A name equal to a module's would be replaced by that module once anyone imports it.
        modules = {p.stem for p in init.parent.glob("*.py")}
        assert exported.isdisjoint(modules), f"{_dotted(init)} exports module names"
        missing = sorted(n for n in exported if not hasattr(module, n))
        assert missing == [], f"{_dotted(init)} exports names it does not define: {missing}"


def test_every_package_has_a_rank() -> None:
    """A new top-level package must be placed in the layers before it can be imported."""
    packages = {p.name for p in SRC.iterdir() if (p / "__init__.py").exists()}
    modules = {p.stem for p in SRC.glob("*.py") if p.stem not in {"__init__", "__main__"}}
    unranked = (packages | modules) ^ set(RANK)
    assert not unranked, f"add to RANK (or drop from it): {sorted(unranked)}"


def test_allowed_siblings_are_used() -> None:
    """A whitelisted same-rank pair that no code uses is a hole waiting to be used."""
    used = {
        (_layer(path), name.split(".")[1])
        for path in _modules()
        for name in _imports(path)
        if name.startswith("vardkoll.") and len(name.split(".")) > 1
    }
    assert used >= ALLOWED_SIBLINGS, ALLOWED_SIBLINGS - used


@pytest.mark.parametrize("path", sorted((SRC / "domain").rglob("*.py")), ids=lambda p: p.name)
def test_domain_has_no_io(path: Path) -> None:
    for name in _imports(path):
        assert name.split(".")[0] not in FORBIDDEN_IN_DOMAIN, f"{path.name} imports {name}"
    source = path.read_text(encoding="utf-8")
    assert "open(" not in source.replace("reopen(", ""), f"{path.name} opens files"
