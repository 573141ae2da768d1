"""Swedish by default, English on request; every message of the UI has a Swedish translation."""

from __future__ import annotations

from web_support import World

from vardkoll.http.i18n import fmt_datetime, translations
from vardkoll.web.catalogs import extract


def test_every_message_has_a_swedish_translation() -> None:
    sv = translations("sv")
    missing = []
    for message in extract():
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            singular = message.id[0]
            if sv.ngettext(singular, message.id[1], 1) == singular:
                missing.append(singular)
        elif sv.gettext(message.id) == message.id and message.id not in {
            "Excel",
            "Filter",
            "Region",
            "Status",
            "Patient",
            "Pseudonym",
            "Patient (pseudonym)",  # the same word in Swedish
        }:
            missing.append(message.id)
    assert missing == [], "run `python -m vardkoll.web.catalogs` and translate: " + repr(missing)


def test_catalogues_are_in_step_with_the_code() -> None:
    """A message in the code but not in the .po files means the catalogues need an update."""
    catalog = translations("sv")._catalog  # type: ignore[attr-defined]
    sv_ids = {m if isinstance(m, str) else m[0] for m in catalog}
    extracted = {m.id if isinstance(m.id, str) else m.id[0] for m in extract() if m.id}
    assert (
        extracted
        - sv_ids
        - {"Excel", "Filter", "Region", "Status", "Patient", "Pseudonym", "Patient (pseudonym)"}
        == set()
    )


def test_swedish_is_the_default_and_english_follows_the_user(world: World) -> None:
    world.user("anna", "regional_coordinator", region="19")
    client = world.client("anna")
    assert 'lang="sv"' in client.get("/overview").text
    english = client.get("/overview?lang=en").text
    assert 'lang="en"' in english
    assert "Overview" in english
    # The choice is stored for the user: a new session opens in English.
    assert 'lang="en"' in world.client("anna").get("/overview").text
    assert 'lang="sv"' in client.get("/overview?lang=sv").text


def test_anonymous_language_choice_on_the_sign_in_page(world: World) -> None:
    client = world.client()
    page = client.get("/login?lang=en")
    assert 'lang="en"' in page.text
    assert "Sign in" in page.text
    assert 'lang="en"' in client.get("/login").text  # remembered in a cookie


def test_dates_are_iso_in_stockholm_time() -> None:
    import datetime as dt

    summer = dt.datetime(2025, 7, 1, 10, 30, tzinfo=dt.UTC)
    winter = dt.datetime(2025, 1, 1, 10, 30, tzinfo=dt.UTC)
    assert fmt_datetime(summer) == "2025-07-01 12:30"
    assert fmt_datetime(winter) == "2025-01-01 11:30"


def test_error_pages_are_translated(world: World) -> None:
    world.user("anna", "regional_coordinator", region="19")
    client = world.client("anna")
    sv = client.get("/patients/" + "0" * 32)
    assert sv.status_code == 404
    assert "Hittades inte" in sv.text
    en = client.get("/patients/" + "0" * 32 + "?lang=en")
    assert "Not found" in en.text
