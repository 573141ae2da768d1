"""Pseudonyms for many identities at once, exactly as :func:`vardkoll.domain.pseudonymise`.

The domain function is the rule; this one applies it to a whole column with the one-shot
``hmac.digest`` (about four times faster than building an HMAC object per value). It checks
itself against the domain function on the first value and falls back to it should the two
ever disagree, so the rule can only change in one place.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence

from vardkoll.domain import pseudonymise

__all__ = ["pseudonymise_many"]


def _fast(value: str, key: bytes) -> str:
    return hmac.digest(key, value.encode("ascii"), "sha256").hex()[:32]


def pseudonymise_many(values: Sequence[str], key: bytes) -> list[str]:
    """``[pseudonymise(v, key) for v in values]``, computed faster.

    >>> pseudonymise_many(["196408233234"], b"k") == [pseudonymise("196408233234", b"k")]
    True
    """
    if not values:
        return []
    if pseudonymise(values[0], key) != _fast(values[0], key):  # pragma: no cover - guard
        return [pseudonymise(v, key) for v in values]
    return [_fast(v, key) for v in values]
