"""The public surface of ``vardkoll.analytics`` is exactly its ``__all__`` (as in httpx)."""

from __future__ import annotations

import vardkoll.analytics


def test_all_imports_are_exported() -> None:
    public = sorted(
        name
        for name, value in vars(vardkoll.analytics).items()
        if not name.startswith("_") and not isinstance(value, type(vardkoll.analytics))
    )
    assert sorted(vardkoll.analytics.__all__) == public
    assert len(set(vardkoll.analytics.__all__)) == len(vardkoll.analytics.__all__)
