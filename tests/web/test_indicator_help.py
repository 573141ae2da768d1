"""The SPC page explains its indicator in the reader's language (``help_sv`` / ``help``)."""

from __future__ import annotations

from pathlib import Path

from followup_support import make_followup_world

from vardkoll.analytics import get_indicator

URL = "/followup/spc?region=19&entry_type=first_visit&indicator=waiting_count"


def test_spc_page_shows_the_help_in_the_page_language(tmp_path: Path) -> None:
    world = make_followup_world(tmp_path)
    world.user("samordnare", "regional_coordinator", region="19")
    client = world.client("samordnare")
    definition = get_indicator("waiting_count")
    swedish = client.get(URL).text
    assert definition.help_sv in swedish
    assert definition.help not in swedish
    english = client.get(URL + "&lang=en").text
    assert definition.help in english
    assert definition.help_sv not in english
