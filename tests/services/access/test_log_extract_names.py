"""The patient log extract names roles, actions, purposes and units (issue 07)."""

from __future__ import annotations

from vardkoll.services.access.log_extract import column_titles, readable_rows

ROW = {
    "time": "2025-03-03T10:00:00+01:00",
    "user": "chef",
    "role": "clinic_manager",
    "acting_for": "waiting_list:SE2321000198-E0001,SE2321000198-E0002",
    "action": "list",
    "purpose": "waiting-list follow-up",
    "resource": "/waiting-lists",
}
NAMES = {"SE2321000198-E0001": "Ortopedmottagningen Västerås"}


def test_codes_become_swedish_names() -> None:
    (row,) = readable_rows([ROW], "sv", NAMES)
    assert column_titles("sv")[2:6] == ["Roll", "Enhet eller process", "Åtgärd", "Ändamål"]
    assert row[2:6] == [
        "Verksamhetschef",
        "Väntelistor – Ortopedmottagningen Västerås, SE2321000198-E0002",  # id: no name known
        "Visade väntelista",
        "Uppföljning av väntelista",
    ]


def test_english_on_request_and_own_words_kept() -> None:
    mine = {**ROW, "purpose": "Kontroll efter klagomål", "acting_for": "waiting_list:kommun 1980"}
    (row,) = readable_rows([mine], "en", NAMES)
    assert row[2:6] == [
        "Clinic manager",
        "Waiting lists – Västerås kommun",
        "Viewed a waiting list",
        "Kontroll efter klagomål",
    ]
