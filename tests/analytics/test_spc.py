"""XmR charts against worked examples, each rule on a series built to trip it (and only it)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from vardkoll.analytics import xmr, xmr_vega_lite
from vardkoll.domain import InputError


def rules(chart: object) -> set[str]:
    return {s.rule for s in chart.signals}  # type: ignore[attr-defined]


def test_worked_example_limits() -> None:
    # Values 10, 12, 11, 13, 12: mean 58/5 = 11.6; moving ranges 2, 1, 2, 1, mean 1.5;
    # limits 11.6 ± 2.66 × 1.5 = 11.6 ± 3.99.
    chart = xmr([10, 12, 11, 13, 12])
    assert chart.centre == pytest.approx([11.6] * 5)
    assert np.isnan(chart.moving_range[0])
    assert chart.moving_range[1:] == pytest.approx([2, 1, 2, 1])
    assert chart.upper == pytest.approx([15.59] * 5)
    assert chart.lower == pytest.approx([7.61] * 5)
    assert chart.sigma == pytest.approx([1.33] * 5)  # 3.99 / 3
    assert chart.signals == ()
    assert chart.point_status() == ["common"] * 5


def test_point_beyond_the_limits() -> None:
    # Twelve points alternating 10/12, then 20: mean 152/13; moving ranges eleven 2s and 8.
    values = [10, 12] * 6 + [20]
    chart = xmr(values, direction="up")
    mean, mr = 152 / 13, (11 * 2 + 8) / 12
    assert chart.centre[0] == pytest.approx(mean)
    assert chart.upper[0] == pytest.approx(mean + 2.66 * mr)  # 18.34
    assert [(s.rule, s.points, s.side, s.assessment) for s in chart.signals] == [
        ("beyond_limits", (12,), "high", "improvement")
    ]
    assert chart.point_status()[-1] == "improvement"


def test_run_of_seven_on_one_side() -> None:
    # Seven points above the centre 10, seven below; every moving range is 2 (σ ≈ 1.77), so
    # 13 and 7 stay inside 2σ and nothing trends.
    values = [11, 13, 11, 13, 11, 13, 11, 9, 7, 9, 7, 9, 7, 9]
    chart = xmr(values, direction="down")
    assert chart.centre[0] == pytest.approx(10.0)
    assert [(s.rule, s.points, s.side, s.assessment) for s in chart.signals] == [
        ("run", tuple(range(0, 7)), "high", "concern"),
        ("run", tuple(range(7, 14)), "low", "improvement"),
    ]


def test_six_points_are_not_a_run() -> None:
    values = [11, 11.5, 11, 11.5, 11, 11.5, 9, 8.5, 9, 8.5, 9, 8.5, 10]
    assert "run" not in rules(xmr(values))


def test_trend_of_six() -> None:
    values = [5, 7, 4, 6, 5, 1, 2, 3, 4, 5, 6, 5, 7, 4]
    chart = xmr(values)
    trends = [s for s in chart.signals if s.rule == "trend"]
    assert [(s.points, s.side, s.assessment) for s in trends] == [
        ((5, 6, 7, 8, 9, 10), "high", "neutral")
    ]
    assert "trend" not in rules(xmr([5, 7, 4, 6, 5, 1, 2, 3, 4, 5, 5, 7, 4, 6]))  # a tie breaks


def test_two_of_three_near_a_limit() -> None:
    # Points 6 and 8 at 14: beyond 2σ (13.88) but inside the upper limit (15.34).
    values = [10, 11] * 3 + [14, 10.5, 14] + [11, 10] * 3
    chart = xmr(values, direction="up")
    centre, sigma = chart.centre[0], chart.sigma[0]
    assert centre + 2 * sigma < 14 < chart.upper[0]
    assert [(s.rule, s.points, s.side, s.assessment) for s in chart.signals] == [
        ("two_of_three", (6, 8), "high", "improvement")
    ]
    one_near = [10, 11] * 3 + [14, 10.5, 10] + [11, 10] * 3
    assert "two_of_three" not in rules(xmr(one_near))


def test_recalculated_limits_at_a_change_point() -> None:
    before, after = [20, 22, 21, 23, 22, 21], [12, 13, 12, 14, 13, 12]
    chart = xmr(before + after, change_points=[6], direction="down")
    assert list(chart.phase) == [0] * 6 + [1] * 6
    assert chart.centre[0] == pytest.approx(np.mean(before))
    assert chart.centre[6] == pytest.approx(np.mean(after))
    # The moving range across the change (22 → 12) belongs to no phase.
    assert chart.mean_moving_range[6] == pytest.approx(np.mean(np.abs(np.diff(after))))
    assert chart.signals == ()  # each phase is stable on its own limits
    assert rules(xmr(before + after)) >= {"beyond_limits"}  # one phase: the drop is a signal


def test_bad_input() -> None:
    with pytest.raises(InputError, match="at least 2"):
        xmr([1])
    with pytest.raises(InputError, match="finite"):
        xmr([1, float("nan"), 3])
    with pytest.raises(InputError, match="Change points"):
        xmr([1, 2, 3, 4], change_points=[1])


def test_vega_lite_spec() -> None:
    chart = xmr([10, 11] * 6 + [20], direction="up")
    labels = [f"2025-{m:02d}" for m in range(1, 14)]
    spec = xmr_vega_lite(chart, labels, title="Andel inom 90 dagar", unit="andel")
    assert spec["$schema"].endswith("vega-lite/v5.json")
    values = spec["data"]["values"]
    assert [v["status"] for v in values][-1] == "improvement"
    assert values[0]["upper"] == pytest.approx(chart.upper[0])
    json.dumps(spec)  # plain data
    with pytest.raises(InputError, match="label"):
        xmr_vega_lite(chart, labels[:3], title="t", unit="u")
