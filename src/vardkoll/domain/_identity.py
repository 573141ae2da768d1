"""Patient identities: personnummer, samordningsnummer and the national reserve identity.

A region's files carry identities in many layouts (``640823-3234``, ``196408233234`` …). This
module turns each into one canonical 12-character value so the same person is recognised in
every file, and refuses anything it cannot vouch for, without ever echoing the full number:
an identity must not end up in a log by accident.

Sources (docs/reference/domain.md):

- personnummer: Skatteverket, *Rättslig vägledning* 330245 — YYMMDD, a three-digit birth
  number (last digit odd for men, even for women), a Luhn check digit over YYMMDDNNN; the
  separator turns from ``-`` to ``+`` in the year the person turns 100.
- samordningsnummer: Skatteverket 330251 — as a personnummer with the birth day + 60.
- national reserve identity (NRID): Inera, *Nationellt Reservidformat* — ``XXYYMMDDNNGC``
  where XX is the birth century + 3 (+6, +9 … for later series; ``00`` for an unknown birth
  date), NN two letters without I, O, Q, V and W, G the sex digit and C a check digit.

The public NRID page does not say how C is computed (that lives in the specification PDF,
which we could not consult). We compute it ISIN-style: each letter becomes its two-digit
value (A = 10 … Z = 35) and the Luhn check digit is taken over the resulting digits of the
eleven characters ``XXYYMMDDNNG``. Replace :func:`nrid_check_digit` once the specification's
rule is confirmed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

from vardkoll.domain._errors import DomainRuleError, InputError

__all__ = [
    "IDENTITY_TYPES",
    "Identity",
    "IdentityHistory",
    "IdentityLink",
    "IdentityType",
    "luhn_check_digit",
    "mask_identity",
    "nrid_check_digit",
    "parse_identity",
    "pseudonymise",
]

IdentityType = Literal["personnummer", "samordningsnummer", "reservnummer"]
IDENTITY_TYPES: tuple[IdentityType, ...] = ("personnummer", "samordningsnummer", "reservnummer")

_STOCKHOLM = ZoneInfo("Europe/Stockholm")
_DIGITS = frozenset("0123456789")
# NRID letters: A-Z without I, O, Q, V, W (21 letters).
_NRID_LETTERS = frozenset("ABCDEFGHJKLMNPRSTUXYZ")
_COORDINATION_OFFSET = 60


@dataclass(frozen=True, slots=True)
class Identity:
    """A validated patient identity in canonical form.

    ``repr`` and ``str`` mask the birth number and check digit so that an identity can be
    logged or shown in a traceback without disclosing who it is.

    >>> pin = parse_identity("640823-3234", today=dt.date(2025, 1, 1))
    >>> pin
    Identity(type='personnummer', canonical='19640823-****')
    >>> pin.canonical, pin.birth_date, pin.sex
    ('196408233234', datetime.date(1964, 8, 23), 'M')
    """

    type: IdentityType
    canonical: str
    birth_date: dt.date | None
    sex: Literal["M", "F"] | None

    def __repr__(self) -> str:
        return f"Identity(type={self.type!r}, canonical={self.masked!r})"

    def __str__(self) -> str:
        return self.masked

    @property
    def masked(self) -> str:
        """The canonical value with the last four characters hidden: ``19640823-****``."""
        return f"{self.canonical[:8]}-****"


def mask_identity(text: str) -> str:
    """Hide the last four letters or digits of ``text`` (and anything beyond 13 characters).

    Used in every error message about an identity, so a typo never leaks the whole number.

    >>> mask_identity("640823-3234")
    '640823-****'
    >>> mask_identity("12")
    '**'
    """
    text = text.strip()[:13]
    chars = list(text)
    hidden = 0
    for i in range(len(chars) - 1, -1, -1):
        if hidden == 4:
            break
        if chars[i].isalnum():
            chars[i] = "*"
            hidden += 1
    return "".join(chars)


def luhn_check_digit(digits: str) -> int:
    """The Luhn (mod 10) check digit to append to ``digits``.

    The rightmost digit is doubled, then every second one leftwards; digits of each product
    are summed; the check digit brings the total to a multiple of ten.

    >>> luhn_check_digit("640823323")  # the sum is 36
    4
    >>> luhn_check_digit("701063239")
    1
    """
    if not digits or not all(c in _DIGITS for c in digits):
        raise InputError(
            "luhn_check_digit needs a non-empty string of ASCII digits 0-9; "
            f"got {len(digits)} characters that are not all 0-9."
        )
    total = 0
    for i, char in enumerate(reversed(digits)):
        value = int(char) * (2 if i % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10


def nrid_check_digit(body: str) -> int:
    """The check digit of a national reserve identity, given its first eleven characters.

    Letters become their two-digit value (A = 10 … Z = 35), then :func:`luhn_check_digit`
    runs over the digits. This mapping is our documented choice (see the module docstring).

    >>> nrid_check_digit("22640823AB3")  # Luhn over 22640823 10 11 3
    1
    """
    expanded = "".join(c if c in _DIGITS else str(ord(c) - ord("A") + 10) for c in body.upper())
    return luhn_check_digit(expanded)


def _today() -> dt.date:
    return dt.datetime.now(_STOCKHOLM).date()


def _fail(text: str, problem: str) -> InputError:
    return InputError(
        f"Identity {mask_identity(text)!r} is not a valid personnummer, samordningsnummer or "
        f"reserve identity: {problem}.",
        field="patient_id",
    )


def _real_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _birth_day(day: int) -> tuple[int, IdentityType]:
    if day > _COORDINATION_OFFSET:
        return day - _COORDINATION_OFFSET, "samordningsnummer"
    return day, "personnummer"


def _century_for(
    yy: int, month: int, day: int, plus: bool, today: dt.date, text: str
) -> tuple[int, dt.date]:
    """Pick the birth year of a 10-digit form.

    With ``+`` the person is at least 100 this year: the latest year ending in ``yy`` that is
    at least 100 years before today's year. Otherwise the latest birth *date* that is not
    after today (so ``261201-…`` read on 2026-06-01 means 1926, not a future 2026 date).
    """
    if plus:
        year = today.year - 100 - ((today.year - 100 - yy) % 100)
        born = _real_date(year, month, day)
        if born is None:
            raise _fail(text, f"{year:04d}-{month:02d}-{day:02d} is not a real date")
        return year, born
    year = today.year - ((today.year - yy) % 100)
    born = _real_date(year, month, day)
    if born is not None and born > today:
        year -= 100
        born = _real_date(year, month, day)
    if born is None:
        raise _fail(text, f"month {month:02d} day {day:02d} is not a real date")
    return year, born


def _parse_number(text: str, body: str, sep: str, today: dt.date) -> Identity:
    """Parse the digit-only forms (10 or 12 digits, ``sep`` one of '', '-', '+')."""
    if len(body) == 12:
        if sep == "+":
            raise _fail(
                text,
                "the '+' separator belongs only to the 10-digit form (YYMMDD+NNNC); "
                "a 12-digit number already names its century, so write it with '-' or no separator",
            )
        year, short = int(body[:4]), body[2:]
    else:
        year, short = -1, body
    month, raw_day = int(short[2:4]), int(short[4:6])
    day, kind = _birth_day(raw_day)
    if raw_day == _COORDINATION_OFFSET or raw_day == 0:
        raise _fail(
            text, f"day {raw_day:02d} is not a birth day (01-31, or 61-91 for a samordningsnummer)"
        )
    born: dt.date | None
    if year < 0:
        year, born = _century_for(int(short[:2]), month, day, sep == "+", today, text)
    else:
        born = _real_date(year, month, day)
    if born is None:
        raise _fail(text, f"{year:04d}-{month:02d}-{day:02d} is not a real date")
    if born > today:
        raise _fail(
            text, f"the birth date {born.isoformat()} lies after today ({today.isoformat()})"
        )
    if luhn_check_digit(short[:9]) != int(short[9]):
        raise _fail(text, "the check digit (last digit) does not match the Luhn sum of YYMMDDNNN")
    sex: Literal["M", "F"] = "M" if int(short[8]) % 2 else "F"
    return Identity(type=kind, canonical=f"{year:04d}{short[2:]}", birth_date=born, sex=sex)


def _parse_nrid(text: str, body: str, today: dt.date) -> Identity:
    """Parse ``XXYYMMDDNNGC`` (letters already upper-cased)."""
    if not all(c in _DIGITS for c in body[:8] + body[10:]):
        raise _fail(text, "a reserve identity has digits in positions 1-8, 11 and 12")
    if not all(c in _NRID_LETTERS for c in body[8:10]):
        raise _fail(
            text, "positions 9-10 of a reserve identity must be letters A-Z except I, O, Q, V, W"
        )
    xx, yy, month, day = int(body[:2]), int(body[2:4]), int(body[4:6]), int(body[6:8])
    born: dt.date | None
    if xx == 0:
        # Unknown birth date: YYMMDD is a serial number with MM 20-99 and DD 40-59.
        if not (20 <= month <= 99 and 40 <= day <= 59):
            raise _fail(
                text, "with an unknown birth date (00) the serial needs MM 20-99 and DD 40-59"
            )
        born = None
    else:
        series_base = {1: 19, 2: 20}.get(xx % 3)
        if series_base is None or not (22 <= xx <= series_base + 78):
            raise _fail(
                text,
                f"the century field {xx:02d} is not a reserve series "
                "(00, or 22, 25 … 97 for the 1900s, 23, 26 … 98 for the 2000s)",
            )
        born = _real_date(series_base * 100 + yy, month, day)
        if born is None:
            raise _fail(text, f"month {month:02d} day {day:02d} is not a real date")
        if born > today:
            raise _fail(
                text, f"the birth date {born.isoformat()} lies after today ({today.isoformat()})"
            )
    if nrid_check_digit(body[:11]) != int(body[11]):
        raise _fail(text, "the check digit (last character) does not match")
    sex: Literal["M", "F"] = "M" if int(body[10]) % 2 else "F"
    return Identity(type="reservnummer", canonical=body, birth_date=born, sex=sex)


def parse_identity(text: str, *, today: dt.date | None = None) -> Identity:
    """Validate a patient identity in any accepted layout and return its canonical form.

    Accepted: ``YYYYMMDD-NNNC``, ``YYYYMMDDNNNC``, ``YYMMDD-NNNC``, ``YYMMDD+NNNC``,
    ``YYMMDDNNNC`` (personnummer, or samordningsnummer with day + 60) and the national reserve
    identity ``XXYYMMDDNNGC`` (also ``XXYYMMDD-NNGC``, letters in any case). Surrounding blanks
    are ignored; anything else raises :class:`InputError` with the number masked.

    Parameters
    ----------
    text:
        The identity as written in the source file.
    today:
        The date the number is read on (default: today in Europe/Stockholm). It decides the
        century of a 10-digit form and rejects birth dates in the future.

    Notes
    -----
    A 12-digit number written with ``+`` is rejected: ``+`` only makes sense where the
    century is missing, and a mismatch between the two would be silent data damage.

    Examples
    --------
    >>> on = dt.date(2025, 6, 1)
    >>> parse_identity("196408233234", today=on).canonical
    '196408233234'
    >>> parse_identity("701063-2391", today=on)
    Identity(type='samordningsnummer', canonical='19701063-****')
    >>> parse_identity("701063-2391", today=on).birth_date
    datetime.date(1970, 10, 3)
    >>> parse_identity("201015+1237", today=on).canonical  # 100+ years old
    '192010151237'
    >>> parse_identity("640823-3235", today=on)
    Traceback (most recent call last):
    ...
    vardkoll.domain._errors.InputError: Identity '640823-****' is not a valid ...
    """
    if not isinstance(text, str):
        raise InputError(
            f"An identity must be text; got {type(text).__name__}.", field="patient_id"
        )
    on = today if today is not None else _today()
    stripped = text.strip(" \t\r\n")
    if not stripped:
        raise InputError(
            "The identity is empty; give a personnummer, samordningsnummer or reserve identity.",
            field="patient_id",
        )
    if not stripped.isascii():
        raise _fail(text, "it contains characters other than ASCII digits, letters, '-' and '+'")
    sep = ""
    body = stripped
    if len(stripped) in (11, 13) and stripped[-5] in "-+":
        sep, body = stripped[-5], stripped[:-5] + stripped[-4:]
    upper = body.upper()
    if len(body) in (10, 12) and all(c in _DIGITS for c in body):
        return _parse_number(text, body, sep, on)
    if len(upper) == 12 and sep != "+" and any(c.isalpha() for c in upper[8:10]):
        return _parse_nrid(text, upper, on)
    raise _fail(
        text,
        f"expected 10 or 12 digits (with an optional '-' or '+' before the last four), "
        f"or a 12-character reserve identity; got {len(stripped)} characters",
    )


def pseudonymise(canonical: str, key: bytes) -> str:
    """The pseudonym of a canonical identity: 32 hex characters of HMAC-SHA256(key, canonical).

    This pseudonym is the only form of an identity that leaves the operational store; without
    the key it cannot be turned back into the number, yet the same person keeps the same
    pseudonym across imports.

    >>> pseudonymise("196408233234", b"k") == pseudonymise("196408233234", b"k")
    True
    >>> len(pseudonymise("196408233234", b"k"))
    32
    """
    if not key:
        raise InputError("pseudonymise needs a non-empty secret key; set the pseudonymisation key.")
    return hmac.new(key, canonical.encode("ascii"), hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class IdentityLink:
    """One *sammankoppling*: ``from_identity`` was found to be the same person as ``to_identity``.

    Both are canonical values. Typical links: a reservnummer → the personnummer assigned
    later; a samordningsnummer → the personnummer given at folkbokföring.
    """

    from_identity: str
    to_identity: str
    linked_on: dt.date
    reason: str

    def __post_init__(self) -> None:
        if self.from_identity == self.to_identity:
            raise InputError(
                f"IdentityLink links {mask_identity(self.from_identity)!r} to itself; "
                "a link needs two different identities."
            )

    def __repr__(self) -> str:
        return (
            f"IdentityLink(from_identity={mask_identity(self.from_identity)!r}, "
            f"to_identity={mask_identity(self.to_identity)!r}, linked_on={self.linked_on!r}, "
            f"reason={self.reason!r})"
        )


class IdentityHistory:
    """The links between identities, and the current identity each one resolves to.

    Links are never edited, only added; an identity links onward at most once (the latest
    link wins only if it is dated later). Resolving follows the chain to its end and refuses
    cycles with :class:`DomainRuleError`.

    >>> h = IdentityHistory([
    ...     IdentityLink("22640823AB31", "196408233234", dt.date(2025, 2, 1), "assigned"),
    ... ])
    >>> h.current("22640823AB31")
    '196408233234'
    >>> h.current("196408233234")
    '196408233234'
    """

    def __init__(self, links: Iterable[IdentityLink] = ()) -> None:
        self._links: list[IdentityLink] = []
        self._next: dict[str, IdentityLink] = {}
        for link in links:
            self.add(link)

    @property
    def links(self) -> tuple[IdentityLink, ...]:
        return tuple(self._links)

    def add(self, link: IdentityLink) -> None:
        """Record a link; refuses one that would close a cycle."""
        earlier = self._next.get(link.from_identity)
        if earlier is not None and earlier.linked_on > link.linked_on:
            raise DomainRuleError(
                f"Identity {mask_identity(link.from_identity)!r} was already linked on "
                f"{earlier.linked_on.isoformat()}, after this link of "
                f"{link.linked_on.isoformat()}; add links in date order."
            )
        previous = earlier
        self._next[link.from_identity] = link
        try:
            self.current(link.from_identity)
        except DomainRuleError:
            if previous is None:
                del self._next[link.from_identity]
            else:
                self._next[link.from_identity] = previous
            raise
        self._links.append(link)

    def chain(self, identity: str) -> tuple[str, ...]:
        """Every identity from ``identity`` to the current one, in link order."""
        seen = [identity]
        current = identity
        while current in self._next:
            current = self._next[current].to_identity
            if current in seen:
                raise DomainRuleError(
                    f"The identity links from {mask_identity(identity)!r} form a cycle; "
                    "remove the link that points back.",
                )
            seen.append(current)
        return tuple(seen)

    def current(self, identity: str) -> str:
        """The identity ``identity`` is known by now (itself when never linked)."""
        return self.chain(identity)[-1]
