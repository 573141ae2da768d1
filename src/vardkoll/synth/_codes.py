"""Index maps of the domain's code lists, so columns can hold small integers.

A pathway's entry type, specialty and removal reason are stored as indices into the domain's
own tuples (``vardkoll.domain.ENTRY_TYPES`` …) and turned back into text by the writer.
"""

from __future__ import annotations

from vardkoll.domain import ENTRY_TYPES, REMOVAL_REASONS, SPECIALTIES

__all__ = ["ENTRY", "REASON", "SPECIALTY_CODES", "SPECIALTY_INDEX"]

SPECIALTY_CODES: tuple[str, ...] = tuple(SPECIALTIES)
SPECIALTY_INDEX = {code: i for i, code in enumerate(SPECIALTY_CODES)}
ENTRY = {name: i for i, name in enumerate(ENTRY_TYPES)}
REASON = {name: i for i, name in enumerate(REMOVAL_REASONS)}
