"""Erlang B and C for beds, theatres and other loss or delay systems.

Offered load ``A`` is in erlangs: arrivals per unit of time × mean holding time in the same
unit (for beds: admissions per day × mean length of stay in days). Erlang B is the share of
arrivals turned away when all ``n`` servers are busy (a loss system); Erlang C is the share
that has to wait (a delay system with an unlimited queue).

Both use the recursion ``B(0) = 1, B(k) = A·B(k-1) / (k + A·B(k-1))``, which never forms
``A^n`` or ``n!`` and so stays accurate for thousands of servers where the textbook ratio
overflows. Erlang C follows from B: ``C = n·B / (n - A·(1 - B))`` for ``A < n``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from vardkoll.domain import InputError
from vardkoll.planning._calculators import FloatOrArray, _array, _check, _result


def _servers(servers: Any) -> npt.NDArray[np.int64]:
    s = _array("servers", servers)
    _check("servers", s, (s > 0) & (s == np.floor(s)), "a positive whole number")
    return s.astype(np.int64)


def _load(offered_load: Any) -> npt.NDArray[np.float64]:
    a = _array("offered_load", offered_load)
    _check("offered_load", a, a >= 0, "non-negative (erlangs)")
    return a


def _erlang_b(n: npt.NDArray[np.int64], a: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    n, a = np.broadcast_arrays(n, a)
    b = np.ones(n.shape, dtype=np.float64)
    top = int(n.max()) if n.size else 0
    for k in range(1, top + 1):
        step = a * b / (k + a * b)
        b = np.where(k <= n, step, b)
    return b


def erlang_b(servers: Any, offered_load: Any) -> FloatOrArray:
    """Blocking probability with ``servers`` servers and ``offered_load`` erlangs (Erlang B).

    >>> round(erlang_b(10, 5.0), 5)
    0.01838
    >>> round(erlang_b(2000, 1900.0), 6)
    0.000679
    """
    n = _servers(servers)
    a = _load(offered_load)
    return _result(_erlang_b(n, a), servers, offered_load)


def erlang_c(servers: Any, offered_load: Any) -> FloatOrArray:
    """Probability that an arrival must wait (Erlang C); 1.0 when ``offered_load >= servers``.

    With ``servers = 1`` it is the utilisation: an M/M/1 arrival waits when the server is busy.

    >>> erlang_c(1, 0.7)
    0.7
    >>> round(erlang_c(2, 1.0), 4)
    0.3333
    """
    n = _servers(servers)
    a = _load(offered_load)
    b = _erlang_b(n, a)
    n_f, a_b = np.broadcast_arrays(n.astype(np.float64), a)
    stable = a_b < n_f
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(stable, n_f * b / (n_f - a_b * (1.0 - b)), 1.0)
    return _result(c, servers, offered_load)


def servers_for_blocking(offered_load: float, max_blocking: float) -> int:
    """Fewest servers whose Erlang B blocking is at most ``max_blocking``.

    ``offered_load`` in erlangs; ``max_blocking`` a share strictly between 0 and 1.

    >>> servers_for_blocking(5.0, 0.02)
    10
    """
    a = float(_load(offered_load))
    if np.ndim(offered_load) != 0 or np.ndim(max_blocking) != 0:
        raise InputError("`servers_for_blocking` takes one load and one target at a time.")
    eps = float(_array("max_blocking", max_blocking))
    if not 0.0 < eps < 1.0:
        raise InputError(
            f"`max_blocking` must be a share strictly between 0 and 1; got {eps:g}.",
            field="max_blocking",
        )
    b = 1.0
    n = 0
    while True:
        n += 1
        b = a * b / (n + a * b)
        if b <= eps:
            return n
