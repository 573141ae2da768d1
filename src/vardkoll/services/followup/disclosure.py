"""Which audience a user's aggregates are for: the service side of disclosure control.

The masking itself is decided once per cell in :mod:`vardkoll.analytics` (``shown_overview``,
``suppress``, ``mask_linear``), so the overview's cards, table, chart and exports, the monthly
report, the bundle and the API all show the same holes. What the engine cannot know is who is
asking: a national analyst's view leaves the region (DOMAIN.md §12), so counts under
``Settings.small_cell_threshold`` are masked for them; users inside the region see every number.
"""

from __future__ import annotations

from vardkoll.analytics import Overview, ShownOverview, shown_overview
from vardkoll.services.access.scope import Scope
from vardkoll.settings import Settings

__all__ = ["ShownOverview", "disclosure_threshold", "shown_for", "shown_overview"]


def disclosure_threshold(settings: Settings, scope: Scope) -> int:
    """The small-cell threshold for this user: 0 inside the region, the setting beyond it."""
    return settings.small_cell_threshold if scope.reach("aggregates") == "all" else 0


def shown_for(settings: Settings, scope: Scope, data: Overview) -> ShownOverview:
    """The overview as this user may see it."""
    return shown_overview(data, disclosure_threshold(settings, scope))
