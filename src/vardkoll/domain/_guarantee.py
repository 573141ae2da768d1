"""The care guarantee (*vårdgaranti*): dated rule sets and how days are counted.

Limits change by law and by region, so they are **data**: each rule set is a table of dated
versions (``valid_from`` … ``valid_to``, with a source), and the version in force on the
pathway's clock-start date judges it. A pathway that started on 2018-12-30 is judged by the
older 0-7-90-90 guarantee even if it is evaluated in 2019.

Counting (docs/explanation/care-guarantee.md, SKR): calendar days, the contact day is day 0, so a
contact on 5 March and a visit on 8 March is day 3. Paused days (patient-chosen wait, PVV, or
medically caused wait, MOV — docs/explanation/care-guarantee.md) are not counted. A case is breached
once the days waited exceed the limit: ``days_waited > limit_days``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from vardkoll.domain._errors import InputError

__all__ = [
    "ENTRY_TYPES",
    "PAUSE_REASONS",
    "RULE_SETS",
    "RULE_SET_NAMES",
    "EntryType",
    "GuaranteeStatus",
    "Pause",
    "RuleSetVersion",
    "days_waited",
    "evaluate_guarantee",
    "rule_set_in_force",
    "rule_set_versions",
]

EntryType = Literal[
    "primary_contact", "primary_assessment", "first_visit", "examination", "treatment"
]
ENTRY_TYPES: tuple[str, ...] = (
    "primary_contact",
    "primary_assessment",
    "first_visit",
    "examination",
    "treatment",
)
PAUSE_REASONS: tuple[str, ...] = ("PVV", "MOV")

Pause = tuple[dt.date, dt.date | None, str]
"""A pause ``(start, end, reason)``: it covers ``start … end − 1``; ``end=None`` is still open."""


@dataclass(frozen=True, slots=True)
class RuleSetVersion:
    """One dated version of a rule set: the limit in days per entry type.

    ``valid_to`` is the last day the version is in force (inclusive), ``None`` while current.
    A limit of ``None`` means the rule set sets no limit for that entry type. ``scenario``
    marks proposals that are not law (docs/explanation/care-guarantee.md); they exist for what-if
    analysis only.
    """

    name: str
    valid_from: dt.date
    valid_to: dt.date | None
    source_url: str
    limits: Mapping[str, int | None]
    scenario: bool = False
    note: str = ""

    def __post_init__(self) -> None:
        missing = set(ENTRY_TYPES) - set(self.limits)
        extra = set(self.limits) - set(ENTRY_TYPES)
        if missing or extra:
            raise InputError(
                f"RuleSetVersion {self.name!r} must give a limit (or None) for exactly the entry "
                f"types {', '.join(ENTRY_TYPES)}; missing {sorted(missing)}, "
                f"unknown {sorted(extra)}."
            )
        for entry_type, limit in self.limits.items():
            if limit is not None and limit < 0:
                raise InputError(
                    f"RuleSetVersion {self.name!r}: limit for {entry_type!r} must be ≥ 0 or None; "
                    f"got {limit}."
                )
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise InputError(
                f"RuleSetVersion {self.name!r}: valid_to {self.valid_to} is before valid_from "
                f"{self.valid_from}."
            )
        object.__setattr__(self, "limits", MappingProxyType(dict(self.limits)))

    def in_force(self, day: dt.date) -> bool:
        """True when this version applies to a clock that started on ``day``."""
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


def _limits(
    primary_contact: int | None,
    primary_assessment: int | None,
    first_visit: int | None,
    examination: int | None,
    treatment: int | None,
) -> dict[str, int | None]:
    return {
        "primary_contact": primary_contact,
        "primary_assessment": primary_assessment,
        "first_visit": first_visit,
        "examination": examination,
        "treatment": treatment,
    }


_KRONOBERG = "http://www.regionkronoberg.se/vardgivare/nyheter-vard/forstarkt-vardgaranti-fran-1-januari-2019/"
_SKR = (
    "https://skr.se/vantetiderivarden/omvantetider/omvardgaranti/"
    "fragorochsvarspecialiseradvard.77971.html"
)
_SLSO = "https://www.slso.regionstockholm.se/en/Safeandsecurecare/healthcare-at-the-right-time/"

_VERSIONS: tuple[RuleSetVersion, ...] = (
    RuleSetVersion(
        name="se-national",
        valid_from=dt.date(2010, 7, 1),
        valid_to=dt.date(2018, 12, 31),
        source_url=_KRONOBERG,
        limits=_limits(0, 7, 90, None, 90),
        note="0-7-90-90, the statutory guarantee of 2010 before it was strengthened in 2019.",
    ),
    RuleSetVersion(
        name="se-national",
        valid_from=dt.date(2019, 1, 1),
        valid_to=None,
        source_url=_KRONOBERG,
        limits=_limits(0, 3, 90, None, 90),
        note=f"0-3-90-90: assessment in primary care by licensed staff within 3 days. See {_SKR}",
    ),
    RuleSetVersion(
        name="se-stockholm",
        valid_from=dt.date(2019, 1, 1),
        valid_to=None,
        source_url=_SLSO,
        limits=_limits(0, 3, 30, None, 90),
        note=(
            "Region Stockholm: first specialist visit within 30 days, otherwise national. "
            "The start date of the 30-day rule is not sourced; it is dated with the national "
            "2019 version."
        ),
    ),
    RuleSetVersion(
        name="nhs-rtt",
        valid_from=dt.date(2008, 12, 31),
        valid_to=None,
        source_url="https://github.com/nhs-r-community/NHSRwaitinglist",
        limits=_limits(None, None, 126, 126, 126),
        note=(
            "England's referral-to-treatment standard: 18 weeks (126 days); the national target "
            "is 92 % of waiting patients within it. Start date to verify against the statute."
        ),
    ),
    RuleSetVersion(
        name="dk",
        valid_from=dt.date(2016, 10, 1),
        valid_to=None,
        source_url="https://sum.dk/arbejdsomraader-sundhed/patientrettigheder/maksimale-ventetider",
        limits=_limits(None, None, 30, None, 30),
        note=(
            "Denmark: after 30 days the patient may choose a private hospital. Start date to "
            "verify against the statute."
        ),
    ),
    RuleSetVersion(
        name="se-sou-2022-22",
        valid_from=dt.date(2010, 7, 1),
        valid_to=None,
        source_url="https://lagen.nu/sou/2022:22",
        limits=_limits(0, 7, 60, None, 90),
        scenario=True,
        note="Proposal SOU 2022:22, not enacted: assessment 7 days, first specialised visit 60.",
    ),
    RuleSetVersion(
        name="se-dir-2024-50-youth",
        valid_from=dt.date(2010, 7, 1),
        valid_to=None,
        source_url=(
            "https://lakartidningen.se/aktuellt/nyheter/2024/06/anna-nergardh-utreder-vardgarantin/"
        ),
        limits=_limits(0, 3, 30, None, 30),
        scenario=True,
        note=(
            "Inquiry Dir. 2024:50, not enacted: 30 + 30 days for young people with mental "
            "ill-health; apply only to that group."
        ),
    ),
)

RULE_SETS: Mapping[str, tuple[RuleSetVersion, ...]] = MappingProxyType(
    {
        name: tuple(sorted((v for v in _VERSIONS if v.name == name), key=lambda v: v.valid_from))
        for name in dict.fromkeys(v.name for v in _VERSIONS)
    }
)
RULE_SET_NAMES: tuple[str, ...] = tuple(RULE_SETS)


def rule_set_versions(name: str) -> tuple[RuleSetVersion, ...]:
    """Every dated version of the rule set ``name``, oldest first.

    >>> [(v.valid_from.isoformat(), v.limits["primary_assessment"])
    ...  for v in rule_set_versions("se-national")]
    [('2010-07-01', 7), ('2019-01-01', 3)]
    """
    try:
        return RULE_SETS[name]
    except KeyError:
        raise InputError(
            f"Unknown rule set {name!r}; use one of {', '.join(RULE_SET_NAMES)}.",
            field="rule_set",
        ) from None


def rule_set_in_force(name: str, clock_start: dt.date) -> RuleSetVersion:
    """The version of ``name`` that judges a pathway whose clock started on ``clock_start``."""
    versions = rule_set_versions(name)
    for version in versions:
        if version.in_force(clock_start):
            return version
    raise InputError(
        f"Rule set {name!r} has no version in force on clock start {clock_start.isoformat()}; "
        f"its first version starts {versions[0].valid_from.isoformat()}.",
        field="clock_start",
    )


def _check_pauses(pauses: Iterable[Pause]) -> list[Pause]:
    checked: list[Pause] = []
    for start, end, reason in pauses:
        if reason not in PAUSE_REASONS:
            raise InputError(
                f"Pause reason must be one of {', '.join(PAUSE_REASONS)}; got {reason!r}.",
                field="pause_reason",
            )
        if end is not None and end < start:
            raise InputError(
                f"Pause ends {end.isoformat()} before it starts {start.isoformat()}; "
                "swap or correct the dates.",
                field="pause_end",
            )
        checked.append((start, end, reason))
    return checked


def days_waited(clock_start: dt.date, on: dt.date, pauses: Iterable[Pause] = ()) -> int:
    """Calendar days from ``clock_start`` (day 0) to ``on``, minus paused days.

    Only paused days inside ``clock_start … on − 1`` count, overlapping pauses count once, and
    the result is never negative.

    >>> days_waited(dt.date(2025, 3, 5), dt.date(2025, 3, 8))  # contact day is day 0: day 3
    3
    >>> days_waited(dt.date(2025, 3, 1), dt.date(2025, 3, 31),
    ...             [(dt.date(2025, 3, 1), dt.date(2025, 3, 11), "PVV")])
    20
    """
    if on < clock_start:
        raise InputError(
            f"The evaluation date {on.isoformat()} is before the clock start "
            f"{clock_start.isoformat()}; evaluate on or after the clock start.",
            field="on",
        )
    # Clip each pause to [clock_start, on) as half-open day intervals, then merge.
    intervals = sorted(
        (max(start, clock_start), min(end if end is not None else on, on))
        for start, end, _ in _check_pauses(pauses)
    )
    paused = 0
    cursor = clock_start
    for lo, hi in intervals:
        lo = max(lo, cursor)
        if hi > lo:
            paused += (hi - lo).days
            cursor = hi
    return max(0, (on - clock_start).days - paused)


@dataclass(frozen=True, slots=True)
class GuaranteeStatus:
    """Where one pathway stands against its limit on one date.

    ``days_to_breach`` is 0 on the last permitted day and negative once breached. Without a
    limit (e.g. ``examination`` under the Swedish rules) ``limit_days`` and ``days_to_breach``
    are ``None`` and ``breached`` is ``False``.
    """

    days_waited: int
    limit_days: int | None
    breached: bool
    days_to_breach: int | None
    rule_set: str
    rule_version_valid_from: dt.date
    entry_type: str = field(default="")
    scenario: bool = field(default=False)


def evaluate_guarantee(
    rule_set: str,
    entry_type: str,
    clock_start: dt.date,
    on: dt.date,
    pauses: Iterable[Pause] = (),
) -> GuaranteeStatus:
    """Judge one wait against the rule-set version in force on ``clock_start``.

    Parameters
    ----------
    rule_set:
        One of :data:`RULE_SET_NAMES`.
    entry_type:
        ``primary_contact``, ``primary_assessment``, ``first_visit``, ``examination`` or
        ``treatment``.
    clock_start:
        The contact, referral decision or decision to treat (day 0).
    on:
        The date to judge on: today for a waiting patient, the visit date for a finished one.
    pauses:
        ``(start, end, reason)`` with reason ``PVV`` or ``MOV``; see :func:`days_waited`.

    Examples
    --------
    >>> s = evaluate_guarantee("se-national", "first_visit", dt.date(2025, 1, 1),
    ...                        dt.date(2025, 4, 1))
    >>> s.days_waited, s.limit_days, s.breached, s.days_to_breach
    (90, 90, False, 0)
    >>> evaluate_guarantee("se-stockholm", "first_visit", dt.date(2025, 1, 1),
    ...                    dt.date(2025, 2, 1)).breached  # day 31 > 30
    True
    >>> evaluate_guarantee("se-national", "primary_assessment", dt.date(2018, 12, 30),
    ...                    dt.date(2019, 1, 5)).limit_days  # the 2010 version: 7 days
    7
    """
    if entry_type not in ENTRY_TYPES:
        raise InputError(
            f"Unknown entry type {entry_type!r}; use one of {', '.join(ENTRY_TYPES)}.",
            field="entry_type",
        )
    version = rule_set_in_force(rule_set, clock_start)
    waited = days_waited(clock_start, on, pauses)
    limit = version.limits[entry_type]
    return GuaranteeStatus(
        days_waited=waited,
        limit_days=limit,
        breached=limit is not None and waited > limit,
        days_to_breach=None if limit is None else limit - waited,
        rule_set=rule_set,
        rule_version_valid_from=version.valid_from,
        entry_type=entry_type,
        scenario=version.scenario,
    )
