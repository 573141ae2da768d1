"""The store's public surface is exactly ``__all__``, and every public name is documented."""

from __future__ import annotations

import re
from pathlib import Path

import vardkoll.store as store

DOC = Path(__file__).resolve().parents[2] / "docs" / "reference" / "stores.md"


def test_all_names_exist_and_nothing_else_is_public() -> None:
    for name in store.__all__:
        assert hasattr(store, name), name
    public = {
        n
        for n in vars(store)
        if not n.startswith("_") and not isinstance(getattr(store, n), type(store))
    }
    assert public == set(store.__all__)


def test_every_public_name_is_in_the_reference() -> None:
    documented = set(re.findall(r"`([A-Za-z_]+)(?:\(|`)", DOC.read_text(encoding="utf-8")))
    missing = sorted(set(store.__all__) - documented)
    assert missing == []
