"""Identities: every layout, the century rules, masking, reserve identities, links.

Worked examples come from DOMAIN.md §11 (Skatteverket); the Luhn reference below checks the
whole number the other way round (sum including the check digit is a multiple of ten).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vardkoll.domain import (
    DomainRuleError,
    Identity,
    IdentityHistory,
    IdentityLink,
    InputError,
    luhn_check_digit,
    mask_identity,
    nrid_check_digit,
    parse_identity,
    pseudonymise,
)

TODAY = dt.date(2025, 6, 1)


def luhn_valid(number: str) -> bool:
    """Independent reference: a full number passes when its Luhn sum is 0 mod 10."""
    total = 0
    for i, char in enumerate(reversed(number)):
        d = int(char) * (2 if i % 2 else 1)
        total += d // 10 + d % 10
    return total % 10 == 0


def nrid_valid(number: str) -> bool:
    digits = "".join(c if c.isdigit() else str(ord(c) - 55) for c in number[:11])
    return luhn_valid(digits + number[11])


# --- check digits -------------------------------------------------------------------------


def test_worked_example_from_skatteverket() -> None:
    # DOMAIN.md §11: 640823-323 gives sum 36, so the check digit is 4.
    assert luhn_check_digit("640823323") == 4
    assert luhn_valid("6408233234")


def test_coordination_number_example_has_valid_check_digit() -> None:
    assert luhn_check_digit("701063239") == 1


@pytest.mark.parametrize("bad", ["", "12a", "٦٤٠", "１２３"])
def test_luhn_refuses_non_ascii_digits(bad: str) -> None:
    with pytest.raises(InputError):
        luhn_check_digit(bad)


@given(st.text(alphabet="0123456789", min_size=1, max_size=20))
def test_luhn_check_digit_agrees_with_reference(payload: str) -> None:
    check = luhn_check_digit(payload)
    assert luhn_valid(payload + str(check))
    assert all(not luhn_valid(payload + str(d)) for d in range(10) if d != check)


# --- layouts and canonical form ------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "19640823-3234",
        "196408233234",
        "640823-3234",
        "6408233234",
        "  640823-3234\t",
        "\n196408233234 ",
    ],
)
def test_every_layout_gives_the_same_canonical_personnummer(text: str) -> None:
    pin = parse_identity(text, today=TODAY)
    assert pin.type == "personnummer"
    assert pin.canonical == "196408233234"
    assert pin.birth_date == dt.date(1964, 8, 23)
    assert pin.sex == "M"  # birth number 323: last digit 3 is odd


def test_even_birth_number_is_female() -> None:
    check = luhn_check_digit("640823322")
    assert parse_identity(f"640823-322{check}", today=TODAY).sex == "F"


def test_samordningsnummer_keeps_day_plus_sixty() -> None:
    # DOMAIN.md §11: 701063-2391 is a coordination number for someone born 3 October 1970.
    snr = parse_identity("701063-2391", today=TODAY)
    assert snr.type == "samordningsnummer"
    assert snr.canonical == "197010632391"
    assert snr.birth_date == dt.date(1970, 10, 3)
    assert snr.sex == "M"
    assert parse_identity("197010632391", today=TODAY) == snr


def _pin(yymmdd: str, birth_number: str = "123") -> str:
    return f"{yymmdd}{birth_number}{luhn_check_digit(yymmdd + birth_number)}"


def test_plus_means_at_least_a_hundred_years_old() -> None:
    number = _pin("201015")
    assert parse_identity(f"{number[:6]}+{number[6:]}", today=TODAY).birth_date == dt.date(
        1920, 10, 15
    )
    assert parse_identity(f"{number[:6]}-{number[6:]}", today=TODAY).birth_date == dt.date(
        2020, 10, 15
    )
    assert parse_identity(number, today=TODAY).birth_date == dt.date(2020, 10, 15)


def test_plus_in_the_year_of_the_hundredth_birthday() -> None:
    # Born 1925-12-01: turns 100 in 2025, so from 2025-01-01 the separator is '+'.
    number = _pin("251201")
    plus = f"{number[:6]}+{number[6:]}"
    assert parse_identity(plus, today=dt.date(2025, 1, 1)).birth_date == dt.date(1925, 12, 1)
    assert parse_identity(plus, today=dt.date(2124, 12, 31)).birth_date == dt.date(1925, 12, 1)
    assert parse_identity(plus, today=dt.date(2125, 1, 1)).birth_date == dt.date(2025, 12, 1)


def test_dash_form_never_gives_a_future_birth_date() -> None:
    # Read on 2025-06-01, 251201 cannot be 2025-12-01 (future): it is the 99-year-old's 1925.
    number = _pin("251201")
    assert parse_identity(number, today=TODAY).birth_date == dt.date(1925, 12, 1)
    # ... while 250501 is this year's baby.
    assert parse_identity(_pin("250501"), today=TODAY).birth_date == dt.date(2025, 5, 1)


def test_twelve_digits_with_plus_is_rejected() -> None:
    with pytest.raises(InputError, match=r"'\+' separator belongs only to the 10-digit form"):
        parse_identity("19200101+1234", today=TODAY)


def test_default_today_is_used_when_not_given() -> None:
    assert parse_identity("196408233234").canonical == "196408233234"


# --- rejections ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("640823-3235", "check digit"),
        ("196408233235", "check digit"),
        ("640230-3234", "not a real date"),  # 30 February
        ("19000229" + _pin("000229")[6:], "not a real date"),  # 1900 was no leap year
        ("641323-3234", "not a real date"),
        ("640800-3234", "not a birth day"),
        ("640860-3234", "not a birth day"),
        ("640892-3234", "not a real date"),  # day 92 - 60 = 32
        ("20300101" + _pin("300101")[6:], "after today"),
        ("", "empty"),
        ("   ", "empty"),
        ("640823-32345", "got 12 characters"),
        ("640823 3234", "got 11 characters"),
        ("640823-323", "got 10 characters"),
        ("6408233234x", "got 11 characters"),
        ("64O8233234", "expected 10 or 12 digits"),
        ("٦٤٠٨٢٣-٣٢٣٤", "ASCII"),  # Arabic-Indic digits
        ("６４０８２３－３２３４", "ASCII"),  # full-width digits
        ("640823—3234", "ASCII"),  # em dash
        ("640823/3234", "expected 10 or 12 digits"),
    ],
)
def test_invalid_identities_are_rejected_with_reason(text: str, reason: str) -> None:
    with pytest.raises(InputError, match=reason) as caught:
        parse_identity(text, today=TODAY)
    digits = "".join(c for c in text if c.isascii() and c.isdigit())
    if len(digits) >= 10:
        assert digits[-4:] not in str(caught.value), "the message must not echo the number"


def test_error_message_masks_the_number() -> None:
    with pytest.raises(InputError) as caught:
        parse_identity("19640823-3235", today=TODAY)
    assert "3235" not in str(caught.value)
    assert "19640823-****" in str(caught.value)
    assert caught.value.context["field"] == "patient_id"


def test_non_text_is_rejected() -> None:
    with pytest.raises(InputError, match="must be text"):
        parse_identity(196408233234, today=TODAY)  # type: ignore[arg-type]


# --- masking ------------------------------------------------------------------------------


def test_repr_and_str_never_show_the_full_number() -> None:
    pin = parse_identity("196408233234", today=TODAY)
    assert repr(pin) == "Identity(type='personnummer', canonical='19640823-****')"
    assert str(pin) == "19640823-****"
    assert "3234" not in repr(pin)
    assert "3234" not in str(pin)
    assert "3234" not in f"{pin}"
    assert "3234" not in repr([pin])


@pytest.mark.parametrize(
    ("text", "masked"),
    [("640823-3234", "640823-****"), ("196408233234", "19640823****"), ("ab", "**"), ("", "")],
)
def test_mask_identity(text: str, masked: str) -> None:
    assert mask_identity(text) == masked


# --- national reserve identity ------------------------------------------------------------


def _nrid(body: str) -> str:
    return body + str(nrid_check_digit(body))


def test_reserve_identity_of_the_1900s() -> None:
    rid = parse_identity("22640823AB31", today=TODAY)
    assert rid.type == "reservnummer"
    assert rid.canonical == "22640823AB31"
    assert rid.birth_date == dt.date(1964, 8, 23)
    assert rid.sex == "M"
    assert nrid_valid(rid.canonical)


def test_reserve_identity_layouts_and_case() -> None:
    assert parse_identity("22640823-ab31", today=TODAY).canonical == "22640823AB31"
    assert parse_identity(" 22640823ab31 ", today=TODAY).canonical == "22640823AB31"


def test_reserve_identity_of_the_2000s_and_later_series() -> None:
    rid = parse_identity(_nrid("23150101AB2"), today=TODAY)
    assert rid.birth_date == dt.date(2015, 1, 1)
    assert rid.sex == "F"
    # Second series of the 1900s: century + 6 = 25.
    assert parse_identity(_nrid("25640823CD1"), today=TODAY).birth_date == dt.date(1964, 8, 23)


def test_reserve_identity_with_unknown_birth_date() -> None:
    rid = parse_identity(_nrid("00992045KL1"), today=TODAY)
    assert rid.birth_date is None
    assert rid.type == "reservnummer"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("21640823AB3", "not a reserve series"),  # 18-21 are never used
        ("18640823AB3", "not a reserve series"),
        ("24640823AB3", "not a reserve series"),  # neither 19+3k nor 20+3k
        ("99640823AB3", "not a reserve series"),  # beyond +78
        ("22640823IB3", "except I, O, Q, V, W"),
        ("22640823AO3", "except I, O, Q, V, W"),
        ("22640823QV3", "except I, O, Q, V, W"),
        ("22640823WA3", "except I, O, Q, V, W"),
        ("22641323AB3", "not a real date"),
        ("23300101AB3", "after today"),
        ("00991045KL1", "unknown birth date"),  # MM must be 20-99
        ("00992060KL1", "unknown birth date"),  # DD must be 40-59
        ("2264082AAB3", "digits in positions"),
    ],
)
def test_invalid_reserve_identities(body: str, reason: str) -> None:
    with pytest.raises(InputError, match=reason):
        parse_identity(_nrid(body), today=TODAY)


def test_reserve_identity_with_wrong_check_digit() -> None:
    with pytest.raises(InputError, match="check digit"):
        parse_identity("22640823AB32", today=TODAY)


def test_nrid_check_digit_maps_letters_isin_style() -> None:
    # Hand computation: 22640823 A=10 B=11 3 -> digits 226408231011 3, Luhn check digit 1.
    assert luhn_check_digit("2264082310113") == 1
    assert nrid_check_digit("22640823AB3") == 1


# --- pseudonyms ---------------------------------------------------------------------------


def test_pseudonym_matches_rfc_4231_hmac_vector() -> None:
    # RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
    assert pseudonymise("what do ya want for nothing?", b"Jefe") == (
        "5bdcc146bf60754e6a042426089575c7"
    )


def test_pseudonym_shape_and_key_dependence() -> None:
    a = pseudonymise("196408233234", b"key-one")
    assert len(a) == 32
    assert a == a.lower()
    assert int(a, 16) >= 0
    assert a == pseudonymise("196408233234", b"key-one")
    assert a != pseudonymise("196408233234", b"key-two")
    assert a != pseudonymise("197010632391", b"key-one")
    expected = hmac.new(b"key-one", b"196408233234", hashlib.sha256).hexdigest()[:32]
    assert a == expected


def test_pseudonym_needs_a_key() -> None:
    with pytest.raises(InputError, match="key"):
        pseudonymise("196408233234", b"")


# --- links --------------------------------------------------------------------------------

RESERVE, PERSONAL, COORDINATION = "22640823AB31", "196408233234", "197010632391"


def test_reserve_and_coordination_numbers_resolve_to_personnummer() -> None:
    history = IdentityHistory(
        [
            IdentityLink(RESERVE, COORDINATION, dt.date(2024, 1, 10), "coordination number"),
            IdentityLink(COORDINATION, PERSONAL, dt.date(2025, 2, 1), "folkbokförd"),
        ]
    )
    assert history.current(RESERVE) == PERSONAL
    assert history.current(COORDINATION) == PERSONAL
    assert history.current(PERSONAL) == PERSONAL
    assert history.chain(RESERVE) == (RESERVE, COORDINATION, PERSONAL)
    assert len(history.links) == 2


def test_cycles_are_refused_and_leave_history_unchanged() -> None:
    history = IdentityHistory([IdentityLink(RESERVE, PERSONAL, dt.date(2025, 2, 1), "assigned")])
    with pytest.raises(DomainRuleError, match="cycle"):
        history.add(IdentityLink(PERSONAL, RESERVE, dt.date(2025, 3, 1), "mistake"))
    assert history.current(PERSONAL) == PERSONAL
    assert history.current(RESERVE) == PERSONAL
    assert len(history.links) == 1


def test_links_must_come_in_date_order() -> None:
    history = IdentityHistory([IdentityLink(RESERVE, PERSONAL, dt.date(2025, 2, 1), "a")])
    with pytest.raises(DomainRuleError, match="date order"):
        history.add(IdentityLink(RESERVE, COORDINATION, dt.date(2025, 1, 1), "b"))
    history.add(IdentityLink(RESERVE, COORDINATION, dt.date(2025, 3, 1), "relinked"))
    assert history.current(RESERVE) == COORDINATION


def test_self_link_and_link_repr() -> None:
    with pytest.raises(InputError, match="to itself"):
        IdentityLink(PERSONAL, PERSONAL, dt.date(2025, 1, 1), "x")
    text = repr(IdentityLink(RESERVE, PERSONAL, dt.date(2025, 1, 1), "x"))
    assert PERSONAL not in text
    assert RESERVE not in text


# --- properties ---------------------------------------------------------------------------


@st.composite
def valid_numbers(draw: st.DrawFn) -> tuple[dt.date, dt.date, int, bool]:
    today = draw(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2090, 12, 31)))
    born = draw(st.dates(min_value=today.replace(year=today.year - 199, day=1), max_value=today))
    return today, born, draw(st.integers(0, 999)), draw(st.booleans())


def _render(born: dt.date, birth_number: int, coordination: bool) -> tuple[str, str]:
    day = born.day + (60 if coordination else 0)
    short = f"{born:%y%m}{day:02d}{birth_number:03d}"
    full = short + str(luhn_check_digit(short))
    return f"{born.year // 100:02d}{full}", full


@given(valid_numbers())
def test_parse_render_round_trips_in_every_layout(case: tuple[dt.date, dt.date, int, bool]) -> None:
    today, born, birth_number, coordination = case
    canonical, ten = _render(born, birth_number, coordination)
    sep = "+" if today.year - born.year >= 100 else "-"
    layouts = [canonical, f"{canonical[:8]}-{canonical[8:]}", f"{ten[:6]}{sep}{ten[6:]}"]
    if sep == "-":
        layouts.append(ten)
    for text in layouts:
        parsed = parse_identity(text, today=today)
        assert parsed.canonical == canonical
        assert parsed.birth_date == born
        assert parsed.type == ("samordningsnummer" if coordination else "personnummer")
        assert parsed.sex == ("M" if birth_number % 2 else "F")


@given(valid_numbers(), st.integers(0, 9), st.integers(1, 9))
def test_any_single_digit_corruption_is_rejected(
    case: tuple[dt.date, dt.date, int, bool], position: int, shift: int
) -> None:
    today, born, birth_number, coordination = case
    canonical, _ = _render(born, birth_number, coordination)
    i = 2 + position  # corrupt one of YYMMDDNNNC (the century digits carry no check)
    corrupted = canonical[:i] + str((int(canonical[i]) + shift) % 10) + canonical[i + 1 :]
    with pytest.raises(InputError):
        parse_identity(corrupted, today=today)


@given(
    st.sampled_from(["22", "25", "23", "26", "97", "98"]),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2025, 6, 1)),
    st.text(alphabet="ABCDEFGHJKLMNPRSTUXYZ", min_size=2, max_size=2),
    st.integers(0, 9),
)
def test_generated_reserve_identities_round_trip(
    xx: str, born: dt.date, letters: str, sex_digit: int
) -> None:
    century = 19 if int(xx) % 3 == 1 else 20
    if born.year // 100 != century:
        born = born.replace(year=century * 100 + born.year % 100)
    if born > TODAY:
        return
    number = _nrid(f"{xx}{born:%y%m%d}{letters}{sex_digit}")
    assert nrid_valid(number)
    parsed = parse_identity(number.lower(), today=TODAY)
    assert (parsed.canonical, parsed.birth_date) == (number, born)
    assert parsed == Identity("reservnummer", number, born, "M" if sex_digit % 2 else "F")
