"""How a services subpackage's face loads its names: on first use, from the module that holds it.

Why lazily: the faces are what the interfaces import, and the CLI's ``--help`` or a page that
needs one role table must not import DuckDB, pandas and ReportLab to get it.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, MutableMapping
from typing import Any


def load_name(
    package: str, homes: Mapping[str, str], name: str, into: MutableMapping[str, Any]
) -> Any:
    """``package.name``, imported from ``package.<homes[name]>`` and kept in ``into``."""
    home = homes.get(name)
    if home is None:
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{package}.{home}"), name)
    into[name] = value
    return value
