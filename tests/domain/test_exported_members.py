"""The public surface of ``vardkoll.domain`` is exactly its ``__all__`` (as in httpx)."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import vardkoll.domain

DOMAIN = Path(vardkoll.domain.__file__).parent
DATA_MODULES = {"_geodata"}  # literals only, used inside the package


def test_all_imports_are_exported() -> None:
    public = sorted(name for name in vars(vardkoll.domain) if not name.startswith("_"))
    assert sorted(vardkoll.domain.__all__) == public
    assert len(set(vardkoll.domain.__all__)) == len(vardkoll.domain.__all__)


def _defined_public_names(path: Path) -> set[str]:
    """Top-level classes, functions and assignments of a module that do not start with '_'."""
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ClassDef | ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return {n for n in names if not n.startswith("_")}


def test_every_public_definition_is_exported() -> None:
    exported = set(vardkoll.domain.__all__)
    for path in sorted(DOMAIN.glob("_*.py")):
        if path.stem in DATA_MODULES or path.stem == "__init__":
            continue
        defined = _defined_public_names(path)
        module = importlib.import_module(f"vardkoll.domain.{path.stem}")
        declared = set(getattr(module, "__all__", defined))
        assert declared == defined, f"{path.name}: __all__ differs from its public definitions"
        assert defined <= exported, f"{path.name}: not re-exported: {sorted(defined - exported)}"


def test_exported_objects_come_from_the_domain_package() -> None:
    for name in vardkoll.domain.__all__:
        obj = getattr(vardkoll.domain, name)
        module = getattr(obj, "__module__", None)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert module is not None
            assert module.startswith("vardkoll.domain."), f"{name} comes from {module}"
