"""Issue 07, audit review: names instead of codes, a required assessment, confirmations."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import re

from sqlalchemy import text
from sqlalchemy.orm import Session
from web_support import PATHWAYS, World

from vardkoll.services.access import audit
from vardkoll.services.access.audit import Actor, AuditEntry


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def _sampled(world: World) -> str:
    """One record of the clinic manager reading a patient of unit SE19-A, drawn as a sample."""
    world.user("chef", "clinic_manager", region="19", units=["SE19-A"])
    world.user("admin", "admin")
    with Session(world.engine) as db, db.begin():
        chef_id = db.execute(text("SELECT id FROM users WHERE username='chef'")).scalar_one()
        audit.write(
            db,
            Actor(chef_id, "chef", "clinic_manager", "r", "10.0.0.9"),
            AuditEntry(
                "read",
                "/patients",
                "waiting_list:SE19-A",
                purpose="waiting-list follow-up",
                patient_pseudonym="a" * 32,
                units=("SE19-A",),
            ),
            now=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1),
        )
        return audit.draw_sample(
            db,
            kind="random",
            size=5,
            since=dt.datetime.now(dt.UTC) - dt.timedelta(days=1),
            until=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1),
            rng=random.Random(1),
        )


def test_the_review_shows_names_not_codes(world: World) -> None:
    sample = _sampled(world)
    page = world.client("admin").get(f"/admin/audit/samples/{sample}").text
    assert "Verksamhetschef" in page  # the role's Swedish name
    assert "Väntelistor – Ortopedmottagningen Västerås" in page  # process and unit by name
    assert "Uppföljning av väntelista" in page  # the purpose by name
    assert "Öppnade patientens uppgifter" in page  # the action in words
    for code in ("clinic_manager", "waiting_list:", "SE19-A", "waiting-list follow-up"):
        assert code not in page, code
    english = world.client("admin").get(f"/admin/audit/samples/{sample}?lang=en").text
    assert "Clinic manager" in english
    assert "Waiting lists – Ortopedmottagningen Västerås" in english


def test_the_assessment_starts_unchosen_and_must_be_chosen(world: World) -> None:
    sample = _sampled(world)
    admin = world.client("admin")
    page = admin.get(f"/admin/audit/samples/{sample}").text
    select = re.search(
        r'<select id="outcome-(\d+)" name="outcome" required>(.*?)</select>', page, re.S
    )
    assert select is not None
    options = re.findall(r'<option value="([^"]*)"( selected)?>', select.group(2))
    assert options[0] == ("", " selected")  # an empty placeholder, chosen
    assert all(not chosen for _, chosen in options[1:])  # "Befogad" is not preselected
    review_id = select.group(1)
    refused = admin.post(
        f"/admin/audit/reviews/{review_id}", data={"note": "", "csrf_token": _csrf(page)}
    )
    assert refused.status_code == 422
    assert (
        "Välj en bedömning (befogad, följ upp eller inte befogad) innan du sparar." in refused.text
    )
    with Session(world.engine) as db:
        assert all(r.outcome is None for r, _ in audit.sample_rows(db, sample))


def test_admin_actions_are_confirmed_once(world: World) -> None:
    world.user("chef", "clinic_manager", region="19", units=["SE19-A"])
    world.user("admin", "admin")
    world.client("chef").get(f"/patients/{PATHWAYS[0].pseudonym}")  # something to sample
    admin = world.client("admin")
    csrf = _csrf(admin.get("/admin/audit").text)
    drawn = admin.post(
        "/admin/audit/samples", data={"kind": "random", "size": "5", "csrf_token": csrf}
    )
    assert drawn.status_code == 303
    page = admin.get(drawn.headers["location"]).text
    assert "Ett stickprov med 1 poster har dragits. Granska var och en nedan." in page
    assert "Ett stickprov med" not in admin.get(drawn.headers["location"]).text  # shown once
    review_id = re.search(r'action="/admin/audit/reviews/(\d+)"', page)
    assert review_id is not None
    saved = admin.post(
        f"/admin/audit/reviews/{review_id.group(1)}",
        data={"outcome": "ok", "csrf_token": csrf},
    )
    assert saved.status_code == 303
    assert re.search(
        r"Din bedömning av post \d+ har sparats\.", admin.get(saved.headers["location"]).text
    )
    assert "Slumpmässigt" in admin.get("/admin/audit").text  # the sample's kind by name


def test_the_csv_extract_names_roles_purposes_and_units(world: World) -> None:
    _sampled(world)
    admin = world.client("admin")
    response = admin.post(
        "/admin/audit/extract",
        data={
            "patient": "a" * 32,
            "file_format": "csv",
            "csrf_token": _csrf(admin.get("/admin/audit").text),
        },
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [
        "Tid",
        "Användare",
        "Roll",
        "Enhet eller process",
        "Åtgärd",
        "Ändamål",
        "Resurs",
    ]
    assert rows[1][2:6] == [
        "Verksamhetschef",
        "Väntelistor – Ortopedmottagningen Västerås",
        "Öppnade patientens uppgifter",
        "Uppföljning av väntelista",
    ]
    english = admin.post(
        "/admin/audit/extract",
        data={
            "patient": "a" * 32,
            "file_format": "csv",
            "document_language": "en",
            "csrf_token": _csrf(admin.get("/admin/audit").text),
        },
    )
    en_rows = list(csv.reader(io.StringIO(english.content.decode("utf-8-sig")), delimiter=";"))
    assert en_rows[0][2] == "Role"
    assert en_rows[1][2] == "Clinic manager"
