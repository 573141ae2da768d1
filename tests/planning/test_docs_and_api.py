"""The planning pages' examples run, and the public surface is exactly ``__all__``."""

from __future__ import annotations

import ast
import dataclasses
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
    "_goal_seek",
    "_handoff",
    "_model",
    "_patient_level",
    "_production_plan",
    "_result",
    "_sampling",
    "_scenarios",
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


def test_the_planner_signatures_are_the_agreed_ones() -> None:
    """The services and the web UI code against these; extend with defaults, never break."""
    import inspect

    expected = {
        "arrivals_from_forecast": "(forecast, *, priority_shares=None, horizon_weeks=None)",
        "compare_scenarios": (
            "(base, scenarios, *, replications=500, seed=0, queue=None, target_share=0.9)"
        ),
        "capacity_for_goal": (
            "(model, *, target_share=0.9, by_week, hold_weeks=26, replications=200, seed=0, "
            "queue=0)"
        ),
    }
    for name, signature in expected.items():
        sig = inspect.signature(getattr(vardkoll.planning, name))
        plain = sig.replace(
            parameters=[p.replace(annotation=p.empty) for p in sig.parameters.values()],
            return_annotation=sig.empty,
        )
        assert str(plain) == signature, name
    fields = {
        "Scenario": [
            "name",
            "capacity_factor",
            "extra_slots",
            "closed_weeks",
            "redirected_per_week",
            "demand_factor",
            "description",
        ],
        "CapacityGoal": [
            "target_share",
            "by_week",
            "sustainable_per_week",
            "relief_per_week",
            "relief_weeks",
            "formula_method",
            "simulated_share_p50",
            "simulated_share_p10",
            "confirmed",
            "plan",
        ],
        "PlanWeek": ["week_start", "iso_week", "planned", "working_days", "note"],
    }
    for cls, names in fields.items():
        got = [f.name for f in dataclasses.fields(getattr(vardkoll.planning, cls))]
        assert got[: len(names)] == names, cls
