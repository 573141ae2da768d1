"""The standard monthly series: the sweep kernel, stock and flow, and 36 months vs the reference."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.analytics.compare import assert_same
from tests.analytics.reference import Reference

from vardkoll.analytics import (
    CUTS,
    IndicatorTables,
    flows_between,
    series_for_cut,
    series_month_ends,
    standard_series,
)
from vardkoll.analytics._sweep import VIEW_GROUPS, SweepInput, sweep_month_ends
from vardkoll.domain import InputError

AS_OF = dt.date(2025, 7, 15)


@pytest.fixture(scope="module")
def unit_series(duckdb_sets: dict[str, IndicatorTables]) -> object:
    return series_for_cut(duckdb_sets["synthetic"], AS_OF, CUTS["unit"], months=36)


def test_36_month_ends_up_to_the_last_complete_month() -> None:
    ends = series_month_ends(AS_OF, 36)
    assert len(ends) == 36
    assert ends[0] == dt.date(2022, 7, 31)
    assert ends[-1] == dt.date(2025, 6, 30)
    assert series_month_ends(dt.date(2025, 6, 30), 1) == [dt.date(2025, 6, 30)]
    with pytest.raises(InputError, match="months"):
        series_month_ends(AS_OF, 0)


def test_sweep_over_36_months_matches_the_reference(
    unit_series: object, references: dict[str, Reference]
) -> None:
    """Every third month end (the reference is slow on purpose); the first and last included."""
    ref = references["synthetic"]
    by = CUTS["unit"]
    ends = unit_series.month_ends[::3] + unit_series.month_ends[-1:]  # type: ignore[attr-defined]
    waiting: pd.DataFrame = unit_series.waiting  # type: ignore[attr-defined]
    actual = waiting[waiting.on.isin(ends)].reset_index(drop=True)
    expected = pd.concat([ref.waiting(d, by) for d in ends], ignore_index=True)
    assert_same(actual, expected, "waiting", by)


def test_stock_and_flow_identity_holds_every_month(unit_series: object) -> None:
    flows: pd.DataFrame = unit_series.flows  # type: ignore[attr-defined]
    assert len(flows) > 1000
    moved = flows.transferred_in - flows.transferred_out
    assert (flows.queue_start + flows.inflow + moved - flows.outflow == flows.queue_end).all()
    assert (flows.outflow == flows.outflow_treated + flows.outflow_removed_other).all()
    # The synthetic region moves pathways between units: transfers are flows of their own,
    # and every one out of a unit is one into another.
    assert flows.transferred_in.sum() > 100
    assert flows.transferred_in.sum() == flows.transferred_out.sum()
    # One month's end is the next month's start, for every unit.
    by = list(CUTS["unit"])
    ordered = flows.sort_values([*by, "period_start"])
    following = ordered.groupby(by, dropna=False).queue_start.shift(-1)
    consecutive = ordered.groupby(by, dropna=False).period_start.shift(-1).notna()
    gaps = ordered.period_end.map(lambda d: d + dt.timedelta(days=1)) == ordered.groupby(
        by, dropna=False
    ).period_start.shift(-1)
    both = consecutive & gaps
    assert (ordered.queue_end[both] == following[both]).all()


def test_event_queue_equals_the_month_end_state(unit_series: object) -> None:
    """The running sum of events (flows) and the sweep's month-end count agree."""
    by = list(CUTS["unit"])
    waiting: pd.DataFrame = unit_series.waiting  # type: ignore[attr-defined]
    flows: pd.DataFrame = unit_series.flows  # type: ignore[attr-defined]
    national = waiting[waiting.view == "national"].groupby([*by, "on"], dropna=False)
    counted = national.waiting_count.sum().rename("counted").reset_index()
    merged = flows.merge(counted, left_on=[*by, "period_end"], right_on=[*by, "on"], how="left")
    assert (merged.counted.fillna(0).astype(int) == merged.queue_end.astype(int)).all()


@given(
    start=st.dates(dt.date(2021, 6, 1), dt.date(2025, 6, 1)),
    length=st.integers(0, 400),
)
def test_any_period_balances(
    duckdb_sets: dict[str, IndicatorTables], start: dt.date, length: int
) -> None:
    frame = flows_between(
        duckdb_sets["synthetic"], start, start + dt.timedelta(days=length), ["unit_id", "sex"]
    )
    moved = frame.transferred_in - frame.transferred_out
    assert (frame.queue_start + frame.inflow + moved - frame.outflow == frame.queue_end).all()
    assert (frame[["queue_start", "queue_end", "inflow", "outflow"]] >= 0).all().all()
    assert frame.transferred_in.sum() == frame.transferred_out.sum()


def test_every_standard_cut(duckdb_sets: dict[str, IndicatorTables]) -> None:
    series = standard_series(duckdb_sets["synthetic"], AS_OF, months=3)
    assert set(series) == set(CUTS)
    for name, one in series.items():
        assert one.by == CUTS[name]
        assert set(one.waiting.view) == {"national", "pause_adjusted"}
        assert set(one.completed.outcome) == {"treated", "removed_other"}


@st.composite
def _pathways(draw: st.DrawFn) -> tuple[SweepInput, list[list[tuple[int, int]]]]:
    n = draw(st.integers(1, 40))
    s = np.array(draw(st.lists(st.integers(0, 60), min_size=n, max_size=n)), dtype=np.int64)
    length = np.array(draw(st.lists(st.integers(0, 80), min_size=n, max_size=n)), dtype=np.int64)
    open_ = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    r = np.where(open_, 10**6, s + length)
    gid = np.array(draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)), dtype=np.int64)
    limit = np.array(draw(st.lists(st.sampled_from([-1, 0, 5, 30]), min_size=n, max_size=n)))
    pieces: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    rows, starts, ends, fp = [], [], [], np.full(n, 10**6, dtype=np.int64)
    for i in range(n):
        cursor = int(s[i])
        for _ in range(draw(st.integers(0, 2))):
            a = cursor + draw(st.integers(0, 20))
            b = a + draw(st.integers(1, 15))
            pieces[i].append((a, b))
            rows.append(i)
            starts.append(a)
            ends.append(b)
            fp[i] = min(fp[i], a)
            cursor = b
    data = SweepInput(
        gid=gid,
        s=s,
        r=r,
        fp=fp,
        limit=limit.astype(np.int64),
        piece_row=np.array(rows, dtype=np.int64),
        piece_start=np.array(starts, dtype=np.int64),
        piece_end=np.array(ends, dtype=np.int64),
        groups=3,
    )
    return data, pieces


@given(_pathways())
def test_sweep_kernel_equals_brute_force(
    case: tuple[SweepInput, list[list[tuple[int, int]]]],
) -> None:
    data, pieces = case
    ends = np.array([10, 31, 45, 59, 90, 120], dtype=np.int64)
    result = sweep_month_ends(data, ends)
    got = {
        (int(k), int(v), int(g)): (int(c), int(lim), int(w), float(md), float(p9))
        for k, v, g, c, lim, w, md, p9 in zip(
            result.month,
            result.view_group,
            result.gid,
            result.count,
            result.limited,
            result.within,
            result.median,
            result.p90,
            strict=True,
        )
    }
    expected = {}
    for k, m in enumerate(ends.tolist()):
        for v, (_, group) in enumerate(VIEW_GROUPS):
            for g in range(3):
                days, limits = [], []
                for i in range(data.s.size):
                    if not (data.gid[i] == g and data.s[i] <= m < data.r[i]):
                        continue
                    apart = data.fp[i] <= m
                    if (group == "standard" and apart) or (group == "pvv_mov" and not apart):
                        continue
                    paused = sum(max(0, min(b, m) - max(a, int(data.s[i]))) for a, b in pieces[i])
                    days.append(m - int(data.s[i]) - (paused if group == "all" else 0))
                    limits.append(int(data.limit[i]))
                if days:
                    judged = [(d, lim) for d, lim in zip(days, limits, strict=True) if lim >= 0]
                    expected[(k, v, g)] = (
                        len(days),
                        len(judged),
                        sum(d <= lim for d, lim in judged),
                        float(np.quantile(days, 0.5)),
                        float(np.quantile(days, 0.9)),
                    )
    assert got.keys() == expected.keys()
    for key, values in expected.items():
        assert got[key][:3] == values[:3], key
        assert got[key][3:] == pytest.approx(values[3:], rel=1e-12, abs=1e-12), key


def test_duckdb_hash_groups_equal_the_exact_join(duckdb_sets: dict[str, IndicatorTables]) -> None:
    """The DuckDB fast path (hashed group ids) and the portable join give the same series."""
    tables = duckdb_sets["synthetic"]
    joined = IndicatorTables(tables.pathways, tables.pauses, backend="duckdb-exact-join")
    by = CUTS["region_sex"]
    fast = series_for_cut(tables, AS_OF, by, months=4)
    exact = series_for_cut(joined, AS_OF, by, months=4)
    for name in ("waiting", "completed", "flows"):
        pd.testing.assert_frame_equal(getattr(fast, name), getattr(exact, name))


def test_units_with_transfers_match_the_reference_in_every_table(
    unit_series: object, references: dict[str, Reference]
) -> None:
    """Per unit, with the synthetic region's transfers: completed and flows (transfers
    included) of six months, against the reference, which follows each pathway day by day."""
    ref = references["synthetic"]
    by = CUTS["unit"]
    ends = unit_series.month_ends[-6:]  # type: ignore[attr-defined]
    months = [(d.replace(day=1), d) for d in ends]
    for table, compute in (("completed", ref.completed), ("flows", ref.flows)):
        frame: pd.DataFrame = getattr(unit_series, table)
        actual = frame[frame.period_end.isin(ends)].reset_index(drop=True)
        expected = pd.concat([compute(a, b, by) for a, b in months], ignore_index=True)
        assert_same(actual, expected, table, by)
    flows: pd.DataFrame = unit_series.flows  # type: ignore[attr-defined]
    assert flows[flows.period_end.isin(ends)].transferred_in.sum() > 10


@pytest.mark.parametrize(
    "by", [CUTS["unit"], ("region_code", "provider_id", "entry_type")], ids=["unit", "provider"]
)
def test_sweep_and_portable_agree_with_transfers(
    duckdb_sets: dict[str, IndicatorTables], by: tuple[str, ...]
) -> None:
    """Both methods, every table, 36 months; by provider a move between two units of one
    provider is no transfer, and the queue still equals the month-end count."""
    tables = duckdb_sets["synthetic"]
    sweep = series_for_cut(tables, AS_OF, by, months=36, method="sweep")
    portable = series_for_cut(tables, AS_OF, by, months=36, method="portable")
    for table in ("waiting", "completed", "flows"):
        assert_same(getattr(sweep, table), getattr(portable, table), table, by)
    national = sweep.waiting[sweep.waiting.view == "national"]
    counted = national.groupby([*by, "on"], dropna=False, observed=True).waiting_count.sum()
    flows = sweep.flows.set_index([*by, "period_end"]).queue_end
    flows.index = flows.index.set_names([*by, "on"])
    joined = flows.to_frame().join(counted.rename("counted"), how="left").fillna(0)
    assert (joined.queue_end.astype(int) == joined.counted.astype(int)).all()
    assert sweep.flows.transferred_in.sum() > 0
