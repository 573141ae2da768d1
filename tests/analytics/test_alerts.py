"""Alerts over the monthly series: hand-made series whose answers are worked out here, and the
frame-level function against a plain per-group recomputation on the synthetic region."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from vardkoll.analytics import (
    BETTER_DIRECTION,
    INDICATORS,
    alerts_from_series,
    queue_growing,
    series_for_cut,
    share_falling,
    xmr,
)
from vardkoll.domain import InputError


def test_a_steady_share_raises_nothing() -> None:
    assert share_falling([0.8, 0.82, 0.79, 0.81, 0.8, 0.8, 0.81, 0.79]) == ()


def test_a_drop_of_five_points_over_three_months() -> None:
    # 0.80 three months before the last point, 0.74 now: a drop of 6 points.
    assert "drop" in share_falling([0.8, 0.81, 0.8, 0.8, 0.79, 0.77, 0.74])
    # 4 points is below the default threshold, but not below a stricter one.
    assert "drop" not in share_falling([0.8, 0.8, 0.8, 0.8, 0.79, 0.78, 0.76])
    assert "drop" in share_falling([0.8, 0.8, 0.8, 0.8, 0.79, 0.78, 0.76], min_drop=0.04)


def test_a_run_below_the_centre_is_a_concern_only_while_recent() -> None:
    high, low = [0.9, 0.91] * 5, [0.85, 0.86, 0.85, 0.86, 0.85, 0.86, 0.85]
    reasons = share_falling(high + low)
    assert "spc_concern:run" in reasons
    # The same run followed by a recovery ends before the window: no alert from it.
    recovered = share_falling(high + low + [0.9, 0.91, 0.9, 0.91])
    assert "spc_concern:run" not in recovered


def test_an_improvement_is_never_an_alert() -> None:
    rising = [0.5, 0.5, 0.51, 0.5, 0.5, 0.6, 0.7, 0.8, 0.9]
    assert share_falling(rising) == ()
    chart = xmr(rising, direction="up")
    assert any(s.assessment == "improvement" for s in chart.signals)


def test_queue_growth_needs_most_months_up_and_enough_growth() -> None:
    assert queue_growing([30, 32, 35], [25, 26, 36], queue_start=100)  # net 10 ≥ 5 % of 100
    assert not queue_growing([30, 32, 35], [25, 26, 36], queue_start=300)  # 10 < 15
    assert not queue_growing([30, 40, 30], [35, 20, 35], queue_start=10)  # one month up only
    assert not queue_growing([2, 2, 2], [1, 1, 1], queue_start=0)  # net 3 < 5 pathways
    assert queue_growing([2, 2, 2], [1, 1, 1], queue_start=0, min_net=3)
    with pytest.raises(InputError):
        queue_growing([1], [0], queue_start=0, window=0)


@given(
    st.lists(st.integers(0, 60), min_size=3, max_size=12),
    st.lists(st.integers(0, 60), min_size=3, max_size=12),
    st.integers(0, 500),
)
def test_queue_growth_against_its_definition(inflow: list[int], outflow: list[int], q: int) -> None:
    n = min(len(inflow), len(outflow))
    a, b = inflow[:n][-3:], outflow[:n][-3:]
    net = sum(a) - sum(b)
    months_up = sum(x > y for x, y in zip(a, b, strict=True))
    expected = months_up >= 2 and net >= 5 and net >= 0.05 * q
    assert queue_growing(inflow[:n], outflow[:n], queue_start=q) == expected


def test_every_indicator_of_the_series_has_a_direction() -> None:
    series = {i.name for i in INDICATORS if i.table in ("waiting", "completed", "flows")}
    assert series == set(BETTER_DIRECTION)


def test_alerts_from_series_match_a_per_group_recomputation(duckdb_sets) -> None:  # type: ignore[no-untyped-def]
    by = ["unit_id", "entry_type"]
    data = series_for_cut(duckdb_sets["synthetic"], dt.date(2025, 6, 30), by, months=24)
    alerts = alerts_from_series(data.waiting, data.flows, by, data.month_ends, min_waiting=5)
    ends = list(data.month_ends)
    w = data.waiting[data.waiting["view"] == "pause_adjusted"]
    expected_share = set()
    for (unit, entry), part in w.groupby(by, observed=True):
        share = part.set_index("on")["waiting_within_limit_share"].reindex(ends)
        count = part.set_index("on")["waiting_count"].reindex(ends).fillna(0)
        if count.iloc[-1] < 5 or pd.isna(share.iloc[-1]):
            continue
        values = share.to_numpy(dtype=float, na_value=np.nan)
        gap = np.flatnonzero(~np.isfinite(values))
        values = values[gap[-1] + 1 :] if gap.size else values
        if share_falling(values):
            expected_share.add((unit, entry))
    got_share = {
        (a.key["unit_id"], a.key["entry_type"]) for a in alerts if a.kind == "share_falling"
    }
    assert got_share == expected_share
    expected_queue = set()
    for (unit, entry), part in data.flows.groupby(by, observed=True):
        last3 = part.set_index("period_end").reindex(ends[-3:])
        # Transfers in load the unit like referrals; transfers out relieve it.
        inflow = (last3["inflow"].fillna(0) + last3["transferred_in"].fillna(0)).astype(int)
        outflow = (last3["outflow"].fillna(0) + last3["transferred_out"].fillna(0)).astype(int)
        start = last3["queue_start"].iloc[0]
        start = 0 if pd.isna(start) else int(start)
        if queue_growing(inflow.tolist(), outflow.tolist(), queue_start=start):
            expected_queue.add((unit, entry))
            alert = next(
                a
                for a in alerts
                if a.kind == "queue_growing"
                and (a.key["unit_id"], a.key["entry_type"]) == (unit, entry)
            )
            assert alert.figures["queue_end"] == last3["queue_end"].iloc[-1]
    got_queue = {
        (a.key["unit_id"], a.key["entry_type"]) for a in alerts if a.kind == "queue_growing"
    }
    assert got_queue == expected_queue
    assert expected_share  # the synthetic region has both kinds
    assert expected_queue
    assert alerts == sorted(alerts, key=lambda a: (a.kind != "share_falling", -a.severity))


def test_a_share_that_rose_over_the_window_is_never_falling() -> None:
    # A long run below the centre reaches into the window (a concern touching it), then the
    # share recovers: 48.6 % three months ago, 60.1 % now. The heading says "falling": no alert.
    shares = [0.62, 0.61, 0.62, 0.6, 0.61, 0.62, 0.61, 0.62]
    shares += [0.5, 0.49, 0.5, 0.48, 0.49, 0.5, 0.49, 0.486, 0.49, 0.58, 0.601]
    chart = xmr(shares, direction="up")
    recent = set(range(len(shares) - 3, len(shares)))
    assert any(s.assessment == "concern" and recent & set(s.points) for s in chart.signals)
    assert share_falling(shares) == ()


@given(st.lists(st.floats(0.0, 1.0), min_size=2, max_size=24))
def test_every_falling_share_is_below_its_shown_reference(shares: list[float]) -> None:
    if share_falling(shares):
        reference = shares[-4] if len(shares) > 3 else shares[0]
        assert shares[-1] < reference


def test_share_alerts_show_a_fall_on_the_synthetic_region(duckdb_sets) -> None:  # type: ignore[no-untyped-def]
    by = ["unit_id", "entry_type"]
    data = series_for_cut(duckdb_sets["synthetic"], dt.date(2025, 6, 30), by, months=24)
    alerts = alerts_from_series(data.waiting, data.flows, by, data.month_ends, min_waiting=5)
    for alert in alerts:
        if alert.kind == "share_falling" and np.isfinite(alert.figures["share_before"]):
            assert alert.figures["share"] < alert.figures["share_before"]
            assert alert.figures["change"] < 0
