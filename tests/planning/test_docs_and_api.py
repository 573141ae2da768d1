"""The planning pages' examples run, and the public surface is exactly ``__all__``."""

from __future__ import annotations

import ast
import doctest
from pathlib import Path

import pytest

import vardkoll.planning

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = [DOCS / "reference" / "planning.md", DOCS / "explanation" / "queueing.md"]
PACKAGE = Path(vardkoll.planning.__file__).parent


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_page_examples_run(page: Path) -> None:
    result = doctest.testfile(
        str(page),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        verbose=False,
    )
    assert result.attempted > 0
    assert result.failed == 0, f"{result.failed} example(s) failed in {page.name}"


def test_all_is_exactly_the_public_names() -> None:
    public = sorted(name for name in vars(vardkoll.planning) if not name.startswith("_"))
    assert sorted(vardkoll.planning.__all__) == public
    assert len(set(vardkoll.planning.__all__)) == len(vardkoll.planning.__all__)


def test_the_calculator_signatures_are_the_agreed_ones() -> None:
    import inspect

    expected = {
        "queue_load": "(demand, capacity)",
        "target_mean_wait": "(target_wait, factor=None, *, p=None)",
        "target_queue_size": "(demand, target_wait, factor=None, *, p=None)",
        "target_capacity": (
            "(demand, target_wait, factor=None, cv_demand=1.0, cv_capacity=1.0, *, p=None)"
        ),
        "relief_capacity": (
            "(demand, queue_size, target_queue_size, time_to_target=26.0, num_referrals=0, "
            "cv_demand=0.0)"
        ),
        "waiting_list_pressure": "(mean_wait, target_wait)",
        "erlang_b": "(servers, offered_load)",
        "erlang_c": "(servers, offered_load)",
        "servers_for_blocking": "(offered_load, max_blocking)",
    }
    for name, signature in expected.items():
        sig = inspect.signature(getattr(vardkoll.planning, name))
        plain = sig.replace(
            parameters=[p.replace(annotation=p.empty) for p in sig.parameters.values()],
            return_annotation=sig.empty,
        )
        assert str(plain) == signature, name


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


ENGINE_MODULES = [
    "__init__",
    "_calculators",
    "_erlang",
    "_model",
    "_patient_level",
    "_result",
    "_sampling",
    "_simulation",
]


def test_runtime_path_needs_neither_simpy_nor_scipy() -> None:
    """SimPy and SciPy are dev dependencies: the engine modules import neither, and nothing
    imports the SimPy reference model at run time."""
    for stem in ENGINE_MODULES:
        imports = _imports(PACKAGE / f"{stem}.py")
        assert "simpy" not in imports, stem
        assert "vardkoll.planning._simpy_reference" not in imports, stem
        assert not any(i == "scipy" or i.startswith("scipy.") for i in imports), stem
    for path in PACKAGE.glob("*.py"):
        if path.stem != "_simpy_reference":
            assert "simpy" not in _imports(path), path.name
