"""The cohort engine against queueing theory: M/M/1 and M/M/c waits, and Little's law.

A continuous-time M/M/c queue is run *exactly* in the engine's weekly steps by
uniformization: events come at rate Λ = λ + cμ, each an arrival (probability λ/Λ) or a
service-completion chance at server j (μ/Λ each; it completes when server j is busy). The
sequence of states after each event is the queue's embedded chain, the time between events is
exponential with mean 1/Λ independent of the state, so a wait of ``k`` steps is ``k / Λ`` in
expectation and the average over steps of the list size is the time-average (L_q).

The engine sees one step as one "week": arrivals come as given paths, and the servers are a
:class:`CapacityPolicy` that tracks busy servers and offers a slot whenever one is free. The
list is then the M/M/c *waiting line*, whose mean wait is Erlang C / (cμ - λ).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from vardkoll.planning import (
    ArrivalPaths,
    InitialList,
    WaitingListModel,
    erlang_c,
    simulate,
)

IntArray = npt.NDArray[np.int64]


class Servers:
    """``c`` exponential servers driven by a pre-drawn uniformized event sequence."""

    def __init__(self, events: IntArray, servers: int) -> None:
        self.events = events
        self.servers = servers
        self.busy = np.zeros(events.shape[0], np.int64)

    def slots(
        self, week: int, replications: slice, waiting: IntArray, rng: np.random.Generator
    ) -> IntArray:
        event = self.events[replications, week]
        busy = self.busy[replications]
        busy = busy - ((event >= 1) & (event <= busy))  # server j finishes if it was busy
        slots = np.minimum(self.servers - busy, waiting.sum(axis=2)[:, 0])
        self.busy[replications] = busy + slots
        return slots[:, None]


def run_mmc(servers: int, lam: float, mu: float, seed: int) -> tuple[float, float, float]:
    """Return (mean wait in line, mean line length, arrivals per unit time) after warm-up."""
    reps, steps, warm_up = 2000, 1200, 300
    rate = lam + servers * mu
    rng = np.random.default_rng(seed)
    probs = np.r_[lam, np.full(servers, mu)] / rate
    events = rng.choice(servers + 1, size=(reps, steps), p=probs)
    model = WaitingListModel(
        initial=InitialList.empty(),
        arrivals=ArrivalPaths((events == 0).astype(np.int64)[:, :, None, None]),
        capacity=Servers(events, servers),
        guarantee_weeks=59.5,  # "beyond" = 59 steps or more: nobody may get that far
    )
    result = simulate(
        model, replications=reps, seed=seed, block_size=reps, tracked_weeks=60, keep_paths=True
    )
    paths = result.paths
    assert paths is not None
    after = slice(warm_up, None)
    # Nobody reached the last, lumped age bin, so the waits below are exact, not lower bounds.
    assert paths.beyond_guarantee.max() == 0
    wait = paths.wait_weeks_treated[:, after].sum() / paths.treated[:, after].sum() / rate
    line = paths.queue_size[:, after].mean()
    arrival_rate = paths.arrivals[:, after].mean() * rate
    return float(wait), float(line), float(arrival_rate)


@pytest.mark.slow
def test_mm1_mean_wait_within_two_percent() -> None:
    lam, mu = 0.6, 1.0
    wait, line, _ = run_mmc(1, lam, mu, seed=1)
    theory = (lam / mu) / (mu - lam)  # W_q = ρ / (μ - λ)
    assert wait == pytest.approx(theory, rel=0.02)
    assert line == pytest.approx(lam * theory, rel=0.02)


@pytest.mark.slow
def test_mmc_mean_wait_matches_erlang_c_within_two_percent() -> None:
    servers, lam, mu = 3, 2.1, 1.0
    wait, line, _ = run_mmc(servers, lam, mu, seed=4)
    theory = erlang_c(servers, lam / mu) / (servers * mu - lam)
    assert wait == pytest.approx(theory, rel=0.02)
    assert line == pytest.approx(lam * theory, rel=0.02)


@pytest.mark.slow
def test_littles_law_on_the_simulated_line() -> None:
    """L = λW between the engine's own counts (lengths) and its own waits, not theory."""
    wait, line, arrival_rate = run_mmc(2, 1.2, 1.0, seed=7)
    assert line == pytest.approx(arrival_rate * wait, rel=0.01)
