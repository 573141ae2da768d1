"""The indicator API hides the same cells as the bundle, and no hidden flow comes back from
the stock-flow identity ``queue_end − queue_start = inflow + in − outflow − out``."""

from __future__ import annotations

import pandas as pd

from vardkoll.services.followup.cuts import mask_small_counts
from vardkoll.services.reports.bundle import mask_table

FLOWS = pd.DataFrame(
    {
        "unit_id": ["A", "B"],
        "queue_start": [40, 60],
        "inflow": [3, 30],
        "outflow_treated": [20, 25],
        "outflow_removed_other": [6, 5],
        "outflow": [26, 30],
        "transferred_in": [0, 0],
        "transferred_out": [0, 0],
        "net_change": [-23, 0],
        "queue_end": [17, 60],
    }
)


def test_a_small_inflow_cannot_be_worked_back_from_the_queue() -> None:
    shown = mask_small_counts(FLOWS, "flows", 5, ["unit_id"])
    row = shown.iloc[0]
    assert row["inflow"] is None
    assert row["masked"]
    # Published: both queues. Were outflow (and the transfers) published too, inflow would
    # be queue_end − queue_start + outflow: at least one of them must be hidden as well.
    assert row["outflow"] is None or row["net_change"] is None
    assert row["outflow"] is None  # every movement of the month goes with it
    assert shown.iloc[1]["inflow"] == 30  # nothing small there: shown


def test_the_api_hides_what_the_bundle_hides() -> None:
    shown = mask_small_counts(FLOWS, "flows", 5, ["unit_id"])
    bundle = mask_table(FLOWS, "flows", ["unit_id"], 5, markers=False)
    for column in FLOWS.columns:
        assert [v is None for v in shown[column]] == bundle[column].isna().tolist()
