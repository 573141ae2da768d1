"""Dates typed by people and programs: strictly ISO 8601, and within the years care data spans.

Why a range: a date such as ``0001-01-01`` or ``9999-12-31`` is valid ISO but no waiting list
has one; accepting it only moves the failure deeper (month arithmetic overflows, a query scans
nothing). The Swedish care guarantee dates from 2005 and history rarely predates 1900, so
anything outside 1900–2199 is refused at the door with a message naming the field.

>>> parse_day("2026-11-25", field="as_of")
datetime.date(2026, 11, 25)
>>> parse_day("0001-01-01", field="as_of")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
vardkoll.domain._errors.InputError: as_of must lie between 1900-01-01 and 2199-12-31; ...
"""

from __future__ import annotations

import datetime as dt

from vardkoll.domain._errors import InputError

EARLIEST_DAY = dt.date(1900, 1, 1)
LATEST_DAY = dt.date(2199, 12, 31)


def parse_day(text: str, *, field: str) -> dt.date:
    """``text`` as a date (``YYYY-MM-DD`` only), or :class:`InputError` naming ``field``."""
    try:
        day = dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        raise InputError(
            f"{field} must be an ISO date (YYYY-MM-DD); got {text!r}.", field=field
        ) from None
    if len(text) != 10 or not (EARLIEST_DAY <= day <= LATEST_DAY):
        if len(text) != 10:
            message = f"{field} must be an ISO date (YYYY-MM-DD); got {text!r}."
        else:
            message = (
                f"{field} must lie between {EARLIEST_DAY.isoformat()} and "
                f"{LATEST_DAY.isoformat()}; got {text!r}."
            )
        raise InputError(message, field=field)
    return day
