"""Indicator definitions as data: one row per indicator, feeding API, UI, exports and docs.

Why data: the web page's help text, the API's field descriptions, the column headers of an
export and ``docs/reference/indicators.md`` must all say the same thing. A test fails when an
indicator here has no heading in the reference page (the datasette ``SETTINGS`` pattern).

Every result table carries a ``view`` column: ``national`` counts calendar days without
subtracting paused days and reports pathways with a recorded PVV/MOV apart (``wait_group``
``pvv_mov``), as the national statistics do; ``pause_adjusted`` subtracts paused days and
reports every pathway together (``wait_group`` ``all``). See docs/explanation/indicators.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from vardkoll.domain import InputError

__all__ = [
    "CUTS",
    "DIMENSIONS",
    "INDICATORS",
    "OUTCOMES",
    "VIEWS",
    "WAIT_GROUPS",
    "Indicator",
    "get_indicator",
]

Table = Literal["waiting", "completed", "flows", "primary_care", "capacity"]

VIEWS: tuple[str, ...] = ("national", "pause_adjusted")
"""``national``: calendar days, PVV/MOV apart. ``pause_adjusted``: paused days subtracted."""

WAIT_GROUPS: tuple[str, ...] = ("standard", "pvv_mov", "all")
"""``standard`` and ``pvv_mov`` split the national view; ``all`` is the pause-adjusted view."""

OUTCOMES: tuple[str, ...] = ("treated", "removed_other")
"""Completed pathways: treated (*genomförd*) and removed for any other reason, always apart."""

DIMENSIONS: Mapping[str, str] = MappingProxyType(
    {
        "region_code": "County code of the responsible region.",
        "provider_id": "Provider (vårdgivare) of the responsible unit.",
        "unit_id": "Responsible unit (pathway_units): on the date for the still waiting, on "
        "the removal day for the completed and the outflow, on the clock start for the inflow.",
        "specialty": "Specialty code (import format §7).",
        "entry_type": "primary_contact, primary_assessment, first_visit, examination, treatment.",
        "priority": "Medical priority 1 (most urgent) … 4, the latest recorded.",
        "age_band": "Age at clock start: 0-17, 18-44, 45-64, 65-79, 80+ or unknown.",
        "sex": "M, F or NULL (unknown).",
    }
)
"""The dimensions a cut may group by, with what they mean."""

CUTS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "unit": ("region_code", "provider_id", "unit_id", "specialty", "entry_type"),
        "region_priority": ("region_code", "entry_type", "priority"),
        "region_age_band": ("region_code", "entry_type", "age_band"),
        "region_sex": ("region_code", "entry_type", "sex"),
    }
)
"""The standard series' cuts: region × provider × unit × specialty × entry type, and at region
level by priority, age band and sex (each kept apart by entry type, whose limits differ)."""


@dataclass(frozen=True, slots=True)
class Indicator:
    """One indicator: what it is called, how it is computed, in what unit, and where it lives.

    ``table`` names the result table that carries the indicator as a column of the same
    ``name``; ``views`` lists the views the table reports it in. ``help`` is the English
    explanation (API, docs, English pages); ``help_sv`` says the same for a Swedish reader in
    the words of the Swedish catalogues, without field codes or references to internal files.
    """

    name: str
    name_sv: str
    name_en: str
    table: Table
    formula: str
    unit: str
    help: str
    help_sv: str
    views: tuple[str, ...] = VIEWS


INDICATORS: tuple[Indicator, ...] = (
    # --- Still waiting at a date (väntande) -----------------------------------------------
    Indicator(
        "waiting_count",
        "Väntande, antal",
        "Still waiting, count",
        "waiting",
        "count of pathways with clock_start ≤ d < removed_on (or not removed)",
        "pathways",
        "Patients on the list at the end of day d (month end in the monthly series).",
        "Patienter som står på väntelistan vid slutet av dag d (i månadsserien: vid "
        "månadsskiftet).",
    ),
    Indicator(
        "waiting_within_limit_share",
        "Väntande inom vårdgarantin, andel",
        "Still waiting within the guarantee, share",
        "waiting",
        "count(days_waited ≤ limit) / count(limit is set and guarantee not void), over waiting "
        "pathways",
        "share 0–1",
        "Share of waiting patients whose wait so far is inside the care-guarantee limit of the "
        "rule-set version in force on their clock start; empty when no limit applies.",
        "Andel av de väntande vars väntetid hittills ligger inom vårdgarantins tidsgräns, enligt "
        "den version av regelverket som gällde när väntetiden startade; tom när ingen tidsgräns "
        "gäller.",
    ),
    Indicator(
        "waiting_beyond_limit_count",
        "Väntande utöver vårdgarantin, antal",
        "Still waiting beyond the guarantee, count",
        "waiting",
        "count(days_waited > limit), over waiting pathways with a limit and a guarantee not void",
        "pathways",
        "Waiting patients whose guarantee is already breached on day d.",
        "Väntande vars väntetid redan har gått utöver vårdgarantin dag d.",
    ),
    Indicator(
        "waiting_guarantee_void_count",
        "Väntande med förverkad vårdgaranti, antal",
        "Still waiting with a void guarantee, count",
        "waiting",
        "count(guarantee_void_since ≤ d), over waiting pathways",
        "pathways",
        "Waiting patients who declined the other provider offered after a breach, so the "
        "guarantee no longer applies (DOMAIN.md §1.4), counted from the day of the refusal; "
        "before it they are ordinary waiters. They are counted in waiting_count and "
        "the percentiles, but left out of the share within and the count beyond the limit.",
        "Väntande som efter en överskriden vårdgaranti har tackat nej till erbjuden vård hos en "
        "annan vårdgivare, så att vårdgarantin inte längre gäller (förverkad vårdgaranti). De "
        "räknas från dagen då de tackade nej; dessförinnan är de vanliga väntande. De ingår i "
        "antalet väntande och i percentilerna, men inte i andelen inom eller antalet utöver "
        "vårdgarantin.",
    ),
    Indicator(
        "waiting_median_days",
        "Väntetid hittills, median",
        "Days waited so far, median",
        "waiting",
        "quantile 0.5 of days_waited, linear interpolation (NumPy default, type 7)",
        "days",
        "Half of the waiting patients have waited at most this long on day d.",
        "Hälften av de väntande har väntat högst så här många dagar dag d.",
    ),
    Indicator(
        "waiting_p90_days",
        "Väntetid hittills, 90:e percentil",
        "Days waited so far, 90th percentile",
        "waiting",
        "quantile 0.9 of days_waited, linear interpolation (type 7)",
        "days",
        "Nine in ten waiting patients have waited at most this long on day d.",
        "Nio av tio väntande har väntat högst så här många dagar dag d.",
    ),
    # --- Completed in a period (genomförda och avslutade) -----------------------------------
    Indicator(
        "completed_count",
        "Avslutade, antal",
        "Completed, count",
        "completed",
        "count of pathways with period_start ≤ removed_on ≤ period_end, per outcome",
        "pathways",
        "Pathways that left the list in the period. The outcome column keeps treated "
        "(genomförda) and removed for other reasons apart: a list that shrinks by removals is "
        "not a list that was treated.",
        "Vårdförlopp som lämnade väntelistan under perioden. Utfallet håller genomförda och "
        "avslutade av annat skäl isär: en lista som krymper genom avslut av annat skäl är inte en"
        " lista där patienterna har fått vård.",
    ),
    Indicator(
        "completed_within_limit_share",
        "Avslutade inom vårdgarantin, andel",
        "Completed within the guarantee, share",
        "completed",
        "count(days_waited at removal ≤ limit) / count(limit is set and guarantee not void), "
        "per outcome",
        "share 0–1",
        "Share of the period's completed pathways whose whole wait was inside the limit.",
        "Andel av periodens avslutade vårdförlopp där hela väntetiden låg inom vårdgarantin.",
    ),
    Indicator(
        "completed_beyond_limit_count",
        "Avslutade utöver vårdgarantin, antal",
        "Completed beyond the guarantee, count",
        "completed",
        "count(days_waited at removal > limit and guarantee not void), per outcome",
        "pathways",
        "Completed pathways whose wait breached the guarantee.",
        "Avslutade vårdförlopp där väntetiden gick utöver vårdgarantin.",
    ),
    Indicator(
        "completed_guarantee_void_count",
        "Avslutade med förverkad vårdgaranti, antal",
        "Completed with a void guarantee, count",
        "completed",
        "count(guarantee_void_since ≤ removal day), per outcome",
        "pathways",
        "Completed pathways whose guarantee was void (a declined redress offer): counted in "
        "completed_count and the percentiles, left out of the share within and the count "
        "beyond the limit.",
        "Avslutade vårdförlopp med förverkad vårdgaranti (patienten tackade nej till erbjuden "
        "vård hos en annan vårdgivare). De ingår i antalet avslutade och i percentilerna, men "
        "inte i andelen inom eller antalet utöver vårdgarantin.",
    ),
    Indicator(
        "completed_median_days",
        "Väntetid för avslutade, median",
        "Wait of completed, median",
        "completed",
        "quantile 0.5 of days_waited at removal, type 7, per outcome",
        "days",
        "Median wait of the pathways completed in the period.",
        "Medianen av väntetiden för de vårdförlopp som avslutades under perioden.",
    ),
    Indicator(
        "completed_p90_days",
        "Väntetid för avslutade, 90:e percentil",
        "Wait of completed, 90th percentile",
        "completed",
        "quantile 0.9 of days_waited at removal, type 7, per outcome",
        "days",
        "Nine in ten pathways completed in the period waited at most this long.",
        "Nio av tio vårdförlopp som avslutades under perioden väntade högst så här många dagar.",
    ),
    # --- Inflow, outflow, net change (stock and flow) ---------------------------------------
    Indicator(
        "queue_start",
        "Kö vid periodens början",
        "Queue at period start",
        "flows",
        "waiting_count at period_start − 1 day",
        "pathways",
        "The list as it stood the evening before the period began.",
        "Väntelistan som den såg ut kvällen före periodens första dag.",
        ("all",),
    ),
    Indicator(
        "inflow",
        "Inflöde",
        "Inflow",
        "flows",
        "count of clock starts with period_start ≤ clock_start ≤ period_end",
        "pathways",
        "New pathways added to the list in the period.",
        "Nya vårdförlopp som tillkom på väntelistan under perioden (startade väntetider).",
        ("all",),
    ),
    Indicator(
        "outflow_treated",
        "Utflöde, genomförda",
        "Outflow, treated",
        "flows",
        "count of removals with reason treated in the period",
        "pathways",
        "Pathways that left the list because the patient was treated.",
        "Vårdförlopp som lämnade väntelistan därför att patienten fick vården (genomförda).",
        ("all",),
    ),
    Indicator(
        "outflow_removed_other",
        "Utflöde, avslutade av annat skäl",
        "Outflow, removed for other reasons",
        "flows",
        "count of removals with any reason other than treated in the period",
        "pathways",
        "Pathways that left the list without treatment here (no longer needed, treated "
        "elsewhere, declined, deceased, registered in error, other).",
        "Vårdförlopp som lämnade väntelistan utan att vården gavs här (behövs inte längre, vårdad"
        " på annat håll, patienten tackade nej, avliden, felregistrerad, annan orsak).",
        ("all",),
    ),
    Indicator(
        "outflow",
        "Utflöde",
        "Outflow",
        "flows",
        "outflow_treated + outflow_removed_other",
        "pathways",
        "Every pathway that left the list in the period.",
        "Alla vårdförlopp som lämnade väntelistan under perioden: genomförda och avslutade av "
        "annat skäl tillsammans.",
        ("all",),
    ),
    Indicator(
        "transferred_in",
        "Överförda in",
        "Transferred in",
        "flows",
        "count of waiting pathways whose responsible unit became this one in the period "
        "(pathway_units)",
        "pathways",
        "Pathways moved here from another unit while waiting. Only when the cut has unit or "
        "provider; otherwise 0. A transfer is not a new referral and not an outflow.",
        "Vårdförlopp som under väntan flyttades hit från en annan enhet. Räknas bara när "
        "indelningen har enhet eller vårdgivare, annars 0. En överföring är varken en ny remiss "
        "eller ett utflöde.",
        ("all",),
    ),
    Indicator(
        "transferred_out",
        "Överförda ut",
        "Transferred out",
        "flows",
        "count of waiting pathways whose responsible unit stopped being this one in the "
        "period (pathway_units)",
        "pathways",
        "Pathways moved from here to another unit while waiting: still on some list, so not "
        "in the outflow.",
        "Vårdförlopp som under väntan flyttades härifrån till en annan enhet. De står fortfarande"
        " på en väntelista och ingår därför inte i utflödet.",
        ("all",),
    ),
    Indicator(
        "net_change",
        "Nettoförändring",
        "Net change",
        "flows",
        "inflow + transferred_in − outflow − transferred_out (= queue_end − queue_start)",
        "pathways",
        "How much the list grew (positive) or shrank in the period; the stock-flow identity "
        "queue_start + inflow + transferred_in − outflow − transferred_out = queue_end always "
        "holds.",
        "Hur mycket väntelistan växte (positivt tal) eller krympte under perioden. Sambandet kö "
        "vid periodens början + inflöde + överförda in − utflöde − överförda ut = kö vid "
        "periodens slut gäller alltid.",
        ("all",),
    ),
    Indicator(
        "queue_end",
        "Kö vid periodens slut",
        "Queue at period end",
        "flows",
        "waiting_count at period_end",
        "pathways",
        "The list as it stood at the end of the period's last day.",
        "Väntelistan som den såg ut vid slutet av periodens sista dag.",
        ("all",),
    ),
    # --- Primary care ---------------------------------------------------------------------
    Indicator(
        "primary_assessment_within_limit_share",
        "Medicinsk bedömning inom 3 dagar, andel",
        "Medical assessment within 3 days, share",
        "primary_care",
        "treated primary_assessment pathways removed in the period with days_waited ≤ limit "
        "(3 days since 2019) / all treated primary_assessment pathways removed in the period",
        "share 0–1",
        "The 3-day assessment in primary care by licensed staff (DOMAIN.md §1.1).",
        "Andel av periodens genomförda medicinska bedömningar i primärvården, av legitimerad "
        "personal, som gjordes inom 3 dagar.",
        ("national",),
    ),
    Indicator(
        "primary_contact_same_day_share",
        "Kontakt samma dag, andel",
        "Contact the same day, share",
        "primary_care",
        "treated primary_contact pathways removed in the period with days_waited = 0 / all "
        "treated primary_contact pathways removed in the period",
        "share 0–1",
        "Contact with primary care on the day the patient sought it; empty where the region "
        "sends no primary_contact pathways.",
        "Andel av periodens genomförda kontakter med primärvården som skedde samma dag som "
        "patienten sökte; tom där regionen inte skickar några vårdförlopp för kontakt med "
        "primärvården.",
        ("national",),
    ),
    # --- Capacity: current wait, spare capacity, load and pressure -------------------------
    Indicator(
        "demand_per_week",
        "Efterfrågan per vecka",
        "Demand per week",
        "capacity",
        "clock starts in the 8 weeks ending d / 8",
        "pathways per week",
        "Recent inflow, the D of DOMAIN.md §6.",
        "Inflödet den senaste tiden: startade väntetider under de 8 veckor som slutar dag d, "
        "delat med 8.",
        ("national",),
    ),
    Indicator(
        "capacity_per_week",
        "Kapacitet per vecka",
        "Capacity per week",
        "capacity",
        "treated removals in the 8 weeks ending d / 8",
        "pathways per week",
        "Recent throughput, the C of DOMAIN.md §6 (what was performed, not what was planned).",
        "Produktionen den senaste tiden: genomförda under de 8 veckor som slutar dag d, delat med"
        " 8 (det som faktiskt utfördes, inte det som planerades).",
        ("national",),
    ),
    Indicator(
        "load",
        "Belastning",
        "Load",
        "capacity",
        "demand_per_week / capacity_per_week",
        "ratio (dimensionless)",
        "At 1 or more the queue grows (DOMAIN.md §6).",
        "Efterfrågan per vecka delad med kapacitet per vecka. Vid 1 eller mer växer kön.",
        ("national",),
    ),
    Indicator(
        "pressure",
        "Väntelistetryck",
        "Waiting-list pressure",
        "capacity",
        "2 × mean days_waited of the waiting / limit in days",
        "ratio (days / days)",
        "Above 1 the target will likely be missed (DOMAIN.md §6, Fong et al.). Empty when the "
        "limit is 0 or absent.",
        "Två gånger de väntandes genomsnittliga väntetid hittills, delat med vårdgarantins gräns "
        "i dagar. Över 1 nås målet sannolikt inte (Fong m.fl.). Tomt när gränsen är 0 eller "
        "saknas.",
        ("national",),
    ),
    Indicator(
        "estimated_wait_days",
        "Aktuellt väntetidsläge",
        "Estimated current wait",
        "capacity",
        "7 × waiting_count / capacity_per_week (queue ahead ÷ recent weekly throughput)",
        "days",
        "How long a patient referred on day d can expect to wait if the unit keeps treating at "
        "its pace of the last 8 weeks in first-come order. Empty (no data) when nothing was "
        "treated in those weeks.",
        "Hur länge en patient som remitteras dag d kan räkna med att vänta om enheten fortsätter "
        "att behandla i samma takt som de senaste 8 veckorna och i turordning. Tomt (inga "
        "uppgifter) när ingen behandlades under de veckorna.",
        ("national",),
    ),
    Indicator(
        "spare_capacity",
        "Ledig kapacitet",
        "Spare capacity",
        "capacity",
        "estimated_wait_days ≤ 0.5 × limit in days",
        "yes/no",
        "The unit can take patients from others and still keep its own guarantee with margin. "
        "Empty without a limit or an estimate.",
        "Enheten kan ta emot patienter från andra och ändå hålla sin egen vårdgaranti med "
        "marginal: det aktuella väntetidsläget är högst halva vårdgarantins gräns. Tomt utan "
        "tidsgräns eller utan uppskattning.",
        ("national",),
    ),
)

_BY_NAME = {indicator.name: indicator for indicator in INDICATORS}


def get_indicator(name: str) -> Indicator:
    """The definition of the indicator ``name``.

    >>> get_indicator("waiting_count").name_sv
    'Väntande, antal'
    """
    try:
        return _BY_NAME[name]
    except KeyError:
        raise InputError(
            f"Unknown indicator {name!r}; use one of {', '.join(_BY_NAME)}.", field="indicator"
        ) from None
