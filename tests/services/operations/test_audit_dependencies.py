"""The dependency audit's wrapper: vulnerable fails, unreachable warns, clean passes.

Fed fixed pip-audit JSON reports and exit codes (the shapes pip-audit 2.x writes with
``--format json``), so the decision logic is tested without the network.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "audit_dependencies.py"


@pytest.fixture(scope="module")
def wrapper() -> ModuleType:
    spec = importlib.util.spec_from_file_location("audit_dependencies", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["audit_dependencies"] = module
    spec.loader.exec_module(module)
    return module


def _report(*dependencies: Mapping[str, object]) -> str:
    return json.dumps({"dependencies": list(dependencies), "fixes": []})


CLEAN = {"name": "jinja2", "version": "3.1.6", "vulns": []}
VULNERABLE = {
    "name": "jinja2",
    "version": "2.4",
    "vulns": [
        {
            "id": "PYSEC-2019-217",
            "fix_versions": ["2.10.1"],
            "aliases": ["CVE-2019-10906"],
            "description": "sandbox escape",
        }
    ],
}
SKIPPED = {
    "name": "private-tool",
    "skip_reason": "Dependency not found on PyPI and could not be audited: private-tool (1.0)",
}


def test_a_known_vulnerability_fails_and_names_the_fix(wrapper: ModuleType) -> None:
    outcome = wrapper.classify(1, _report(CLEAN, VULNERABLE), "")
    assert outcome.status == "vulnerable"
    assert outcome.exit_code == 1
    text = "\n".join(outcome.lines)
    assert "jinja2 2.4: PYSEC-2019-217" in text
    assert "2.10.1" in text
    assert "uv lock --upgrade-package jinja2" in text


def test_an_unreachable_service_warns_but_passes(wrapper: ModuleType) -> None:
    stderr = (
        "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='pypi.org', port=443): "
        "Max retries exceeded with url: /pypi/alembic/1.20.1/json"
    )
    outcome = wrapper.classify(1, None, stderr)
    assert outcome.status == "unreachable"
    assert outcome.exit_code == 0
    assert outcome.lines[0].startswith("WARNING:")
    assert "NOT audited" in outcome.lines[0]


def test_a_service_that_answers_for_nothing_counts_as_unreachable(wrapper: ModuleType) -> None:
    outcome = wrapper.classify(0, _report(SKIPPED, {**SKIPPED, "name": "alembic"}), "")
    assert (outcome.status, outcome.exit_code) == ("unreachable", 0)


def test_clean_passes_and_lists_what_was_skipped(wrapper: ModuleType) -> None:
    outcome = wrapper.classify(0, _report(CLEAN, SKIPPED), "")
    assert (outcome.status, outcome.exit_code) == ("clean", 0)
    assert outcome.lines[0].startswith("OK: 1 locked packages audited")
    assert "private-tool" in outcome.lines[1]


def test_other_failures_are_errors_not_silently_green(wrapper: ModuleType) -> None:
    crash = wrapper.classify(2, None, "ValueError: invalid requirement: 'foo==='")
    assert (crash.status, crash.exit_code) == ("error", 2)
    garbled = wrapper.classify(0, "{not json", "")
    assert (garbled.status, garbled.exit_code) == ("error", 2)


def test_the_project_itself_is_left_out_of_the_export(wrapper: ModuleType) -> None:
    assert "--no-emit-project" in wrapper.EXPORT
    assert "--frozen" in wrapper.EXPORT
