"""The forecasting page's examples run, and the trust rule it states is the one in the code."""

from __future__ import annotations

import doctest
from pathlib import Path

from vardkoll.planning import _forecast_backtest as rule

PAGE = Path(__file__).resolve().parents[2] / "docs" / "explanation" / "forecasting.md"


def test_page_examples_run() -> None:
    result = doctest.testfile(
        str(PAGE),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        verbose=False,
    )
    assert result.attempted > 0
    assert result.failed == 0, f"{result.failed} example(s) failed in {PAGE.name}"


def _pct(share: float) -> str:
    return f"{round(share * 100)} %"


def test_page_states_the_thresholds_in_the_code() -> None:
    text = " ".join(PAGE.read_text(encoding="utf-8").split())
    for phrase in (
        f"95 % coverage below {_pct(rule.LOW_MIN_COVERAGE_95)}",
        f"WAPE above {_pct(rule.LOW_MAX_WAPE)}",
        f"fewer than {rule.MIN_BACKTEST_POINTS} backtest weeks",
        f"95 % coverage at least {_pct(rule.HIGH_MIN_COVERAGE_95)}",
        f"80 % coverage at least {_pct(rule.HIGH_MIN_COVERAGE_80)}",
        f"WAPE at most {_pct(rule.HIGH_MAX_WAPE)}",
        f"MASE undefined or ≥ {rule.HIGH_MAX_MASE:g}",
    ):
        assert phrase in text, phrase
