"""Closed-form waiting-list calculators (Fong et al.; NHSRwaitinglist).

These are the single-queue, first-come-first-served formulas of docs/explanation/queueing.md,
matched to the R package NHSRwaitinglist line by line so a region can check our numbers against
theirs.
**Time is in weeks throughout**: demand and capacity are patients per week, waits and targets
are weeks. A wait stored in days must be divided by 7 before it comes here (the upstream
``wl_stats`` mixes days and weeks; we do not).

Every function takes scalars or array-likes and broadcasts them like NumPy: scalars in give a
``float`` out, anything else gives an array of the broadcast shape. Bad input raises
:class:`~vardkoll.domain.InputError` naming the argument and the value.

The target may be stated either as a *factor* (the mean wait is the target divided by it; the
NHS rule of thumb is 4) or as "a share ``p`` within the target" (for an exponential wait,
``P(wait <= T) = p`` when ``T / mean = -ln(1 - p)``, so ``factor = -ln(1 - p)``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from vardkoll.domain import InputError

FloatOrArray = float | npt.NDArray[np.float64]

DEFAULT_FACTOR = 4.0


def _array(name: str, value: Any) -> npt.NDArray[np.float64]:
    """Convert one argument to a float array, refusing what is not a finite number."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(
            f"`{name}` must be a number or an array of numbers; got {value!r}.", field=name
        ) from None
    if not np.all(np.isfinite(arr)):
        raise InputError(f"`{name}` must be finite; got {value!r}.", field=name)
    return arr


def _check(name: str, arr: npt.NDArray[np.float64], ok: npt.NDArray[np.bool_], rule: str) -> None:
    if not np.all(ok):
        bad = arr[~ok] if arr.ndim else arr
        first = float(np.ravel(bad)[0])
        raise InputError(f"`{name}` must be {rule}; got {first:g}.", field=name, value=first)


def _result(value: npt.NDArray[np.float64], *inputs: Any) -> FloatOrArray:
    """A float when every input was a scalar, else the broadcast array."""
    if all(np.ndim(x) == 0 for x in inputs):
        return float(value)
    return np.asarray(value, dtype=np.float64)


def _factor(factor: Any, p: Any) -> npt.NDArray[np.float64]:
    """Resolve the target as a factor: given directly, from "p within T", or the default 4."""
    if factor is not None and p is not None:
        raise InputError(
            "Give the target either as `factor` or as `p` (share within the target), not both.",
            field="factor",
        )
    if p is not None:
        p_arr = _array("p", p)
        _check("p", p_arr, (p_arr > 0) & (p_arr < 1), "a share strictly between 0 and 1")
        return np.asarray(-np.log1p(-p_arr), dtype=np.float64)
    if factor is None:
        return np.asarray(DEFAULT_FACTOR)
    f_arr = _array("factor", factor)
    _check("factor", f_arr, f_arr > 0, "positive")
    return f_arr


def _demand(demand: Any) -> npt.NDArray[np.float64]:
    d = _array("demand", demand)
    _check("demand", d, d >= 0, "non-negative (patients per week)")
    return d


def _target_wait(target_wait: Any) -> npt.NDArray[np.float64]:
    t = _array("target_wait", target_wait)
    _check("target_wait", t, t > 0, "positive (weeks)")
    return t


def queue_load(demand: Any, capacity: Any) -> FloatOrArray:
    """Queue load: demand divided by capacity, both in patients per week.

    The number of arrivals for every patient leaving the list. At 1 or more the list grows
    without bound, whatever else is done.

    >>> round(queue_load(30, 27), 2)
    1.11
    >>> queue_load([30, 20], 40).tolist()
    [0.75, 0.5]
    """
    d = _demand(demand)
    c = _array("capacity", capacity)
    _check("capacity", c, c > 0, "positive (patients per week)")
    return _result(d / c, demand, capacity)


def target_mean_wait(target_wait: Any, factor: Any = None, *, p: Any = None) -> FloatOrArray:
    """Mean wait (weeks) a list must keep to meet a target wait (weeks): ``T / F``.

    With the default factor 4 about 98 % of an exponential wait falls within the target; with
    ``p`` the factor is ``-ln(1 - p)``, so ``p=0.92`` gives ``F = 2.5257``.

    >>> target_mean_wait(52)
    13.0
    >>> round(target_mean_wait(52, p=0.92), 2)
    20.59
    """
    t = _target_wait(target_wait)
    f = _factor(factor, p)
    return _result(t / f, target_wait, factor, p)


def target_queue_size(
    demand: Any, target_wait: Any, factor: Any = None, *, p: Any = None
) -> FloatOrArray:
    """Queue size that meets the target: demand (per week) × target mean wait (weeks).

    This is Little's law, ``L = λ W``; it holds only when capacity exceeds demand.

    >>> target_queue_size(30, 52)
    390.0
    """
    d = _demand(demand)
    mean_wait = _target_wait(target_wait) / _factor(factor, p)
    return _result(d * mean_wait, demand, target_wait, factor, p)


def target_capacity(
    demand: Any,
    target_wait: Any,
    factor: Any = None,
    cv_demand: Any = 1.0,
    cv_capacity: Any = 1.0,
    *,
    p: Any = None,
) -> FloatOrArray:
    """Capacity (patients per week) that keeps the mean wait at the target (Kingman's form).

    ``C = D + ((cv_d² + cv_c²) / 2) × F / T`` with demand ``D`` per week and target ``T`` in
    weeks; ``cv_*`` are the coefficients of variation of the time between arrivals and between
    removals (1 for Poisson flows). Upstream's documentation omits the ``/ 2``; its code and
    tests have it, and so do we.

    >>> round(target_capacity(30, 52, 3, 1.1, 1.2), 6)
    30.076442
    """
    d = _demand(demand)
    t = _target_wait(target_wait)
    f = _factor(factor, p)
    cvd = _array("cv_demand", cv_demand)
    cvc = _array("cv_capacity", cv_capacity)
    _check("cv_demand", cvd, cvd >= 0, "non-negative")
    _check("cv_capacity", cvc, cvc >= 0, "non-negative")
    value = d + ((cvd**2 + cvc**2) / 2.0) * (f / t)
    return _result(value, demand, target_wait, factor, cv_demand, cv_capacity, p)


def relief_capacity(
    demand: Any,
    queue_size: Any,
    target_queue_size: Any,
    time_to_target: Any = 26.0,
    num_referrals: Any = 0,
    cv_demand: Any = 0.0,
) -> FloatOrArray:
    """Capacity (patients per week) that brings the queue down to its target in time.

    ``C = D' + (Q - Q_target) / time_to_target`` with ``time_to_target`` in weeks. It is needed
    when ``Q > 2 × Q_target``, but is always computed. When demand is an estimate from
    ``num_referrals`` referrals, upstream adds two standard errors:
    ``D' = D / (1 - 2·D·cv_demand/√num_referrals)``, applied only when ``num_referrals > 0`` and
    that term is below 1 (otherwise ``D' = D``).

    >>> round(relief_capacity(30, 1200, 390, 26), 2)
    61.15
    """
    d = _demand(demand)
    q = _array("queue_size", queue_size)
    _check("queue_size", q, q >= 0, "non-negative")
    qt = _array("target_queue_size", target_queue_size)
    _check("target_queue_size", qt, qt >= 0, "non-negative")
    ttt = _array("time_to_target", time_to_target)
    _check("time_to_target", ttt, ttt > 0, "positive (weeks)")
    n = _array("num_referrals", num_referrals)
    _check("num_referrals", n, n >= 0, "non-negative")
    cv = _array("cv_demand", cv_demand)
    _check("cv_demand", cv, cv >= 0, "non-negative")
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(n > 0, 2.0 * d * cv / np.sqrt(np.where(n > 0, n, 1.0)), np.inf)
        inflated = np.where(term < 1.0, d / (1.0 - np.where(term < 1.0, term, 0.0)), d)
    value = inflated + (q - qt) / ttt
    return _result(
        value, demand, queue_size, target_queue_size, time_to_target, num_referrals, cv_demand
    )


def waiting_list_pressure(mean_wait: Any, target_wait: Any) -> FloatOrArray:
    """Pressure ``2 × W / T`` with mean wait ``W`` and target ``T`` both in weeks.

    Above 1 the list will most likely miss its target.

    >>> round(waiting_list_pressure(63, 52), 2)
    2.42
    """
    w = _array("mean_wait", mean_wait)
    _check("mean_wait", w, w >= 0, "non-negative (weeks)")
    t = _target_wait(target_wait)
    return _result(2.0 * w / t, mean_wait, target_wait)


def factor_for_share(p: float) -> float:
    """The factor ``-ln(1 - p)`` for "a share ``p`` within the target" (exponential waits).

    >>> round(factor_for_share(0.92), 4)
    2.5257
    """
    if not 0.0 < p < 1.0:
        raise InputError(f"`p` must be a share strictly between 0 and 1; got {p:g}.", field="p")
    return -math.log1p(-p)
