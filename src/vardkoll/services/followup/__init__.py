"""Follow-up for a user: the overview, indicators, fair comparison, waiting list and patient page,
narrowed by scope and disclosure.

The interfaces import from this face; the modules beside it are its implementation. The face
loads a module only when one of its names is first used, so ``vardkoll --help`` and a page
that needs one name do not pay for the whole subpackage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vardkoll.services._faces import load_name

if TYPE_CHECKING:
    from vardkoll.services.followup.cuts import indicator_table
    from vardkoll.services.followup.disclosure import (
        ShownOverview,
        disclosure_threshold,
        shown_overview,
    )
    from vardkoll.services.followup.indicators import names
    from vardkoll.services.followup.overview import (
        pick_region,
        region_choices,
        region_overview,
        store_facts,
    )
    from vardkoll.services.followup.patients import (
        WAITING_SORTS,
        PathwayRow,
        PurposeRequired,
        WaitingListQuery,
        patient_record,
        waiting_list,
    )

_HOME: dict[str, str] = {
    "PathwayRow": "patients",
    "PurposeRequired": "patients",
    "ShownOverview": "disclosure",
    "WAITING_SORTS": "patients",
    "WaitingListQuery": "patients",
    "disclosure_threshold": "disclosure",
    "indicator_table": "cuts",
    "names": "indicators",
    "patient_record": "patients",
    "pick_region": "overview",
    "region_choices": "overview",
    "region_overview": "overview",
    "shown_overview": "disclosure",
    "store_facts": "overview",
    "waiting_list": "patients",
}


def __getattr__(name: str) -> Any:
    return load_name(__name__, _HOME, name, globals())


__all__ = [
    "WAITING_SORTS",
    "PathwayRow",
    "PurposeRequired",
    "ShownOverview",
    "WaitingListQuery",
    "disclosure_threshold",
    "indicator_table",
    "names",
    "patient_record",
    "pick_region",
    "region_choices",
    "region_overview",
    "shown_overview",
    "store_facts",
    "waiting_list",
]
