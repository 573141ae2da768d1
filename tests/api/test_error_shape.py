"""The API's one error envelope (RFC 9457 problem details with ``code``), pinned."""

from __future__ import annotations

from web_support import World

PROBLEM_KEYS = {"type", "title", "status", "detail", "code", "instance", "request_id", "errors"}


def _problem(response, status: int, code: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert set(body) == PROBLEM_KEYS
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == f"https://vardkoll.se/problems/{code}"
    return body  # type: ignore[no-any-return]


def test_401_without_credentials(world: World) -> None:
    response = world.client().get("/api/v1/me")
    body = _problem(response, 401, "sign_in_required")
    assert body["title"] == "Sign-in required"
    assert response.headers["www-authenticate"] == "Bearer"


def test_401_with_an_unknown_token(world: World) -> None:
    response = world.client().get("/api/v1/me", headers={"Authorization": "Bearer vk_nope"})
    _problem(response, 401, "sign_in_required")


def test_403_for_a_right_the_role_lacks(world: World) -> None:
    world.user("nils", "national_analyst")
    response = world.client("nils").get("/api/v1/waiting-list")
    body = _problem(response, 403, "permission_denied")
    assert body["instance"] == "/api/v1/waiting-list"
    assert body["errors"] == []


def test_404_for_an_unknown_route_and_another_regions_patient(world: World) -> None:
    from web_support import PATHWAYS

    world.user("anna", "regional_coordinator", region="19")
    client = world.client("anna")
    _problem(client.get("/api/v1/nothing-here"), 404, "not_found")
    other = next(p for p in PATHWAYS if p.region == "01")
    body = _problem(client.get(f"/api/v1/patients/{other.pseudonym}"), 404, "not_found")
    missing = _problem(client.get("/api/v1/patients/" + "f" * 32), 404, "not_found")
    assert body["detail"] == missing["detail"]  # indistinguishable from a missing patient


def test_422_lists_every_invalid_field(world: World) -> None:
    world.user("anna", "regional_coordinator", region="19")
    response = world.client("anna").get("/api/v1/waiting-list?limit=0&offset=-1&sort=nope")
    body = _problem(response, 422, "invalid_input")
    fields = {e["field"] for e in body["errors"]}  # type: ignore[attr-defined]
    assert fields == {"limit", "offset", "sort"}
    assert all(set(e) == {"field", "code", "message"} for e in body["errors"])  # type: ignore[attr-defined]


def test_422_for_an_impossible_date(world: World) -> None:
    world.user("anna", "regional_coordinator", region="19")
    body = _problem(
        world.client("anna").get("/api/v1/overview?as_of=2025-02-30"), 422, "invalid_input"
    )
    assert body["errors"] == [
        {
            "field": "as_of",
            "code": "invalid_input",
            "message": "as_of must be an ISO date (YYYY-MM-DD); got '2025-02-30'.",
        }
    ]


def test_422_for_a_date_no_waiting_list_has(world: World) -> None:
    """Valid ISO, but month arithmetic on year 1 or 9999 would overflow: refused, not a 500."""
    world.user("anna", "regional_coordinator", region="19")
    for day in ("0001-01-01", "9999-12-31", "20250101"):
        for path in ("/api/v1/overview", "/api/v1/overview/trend"):
            body = _problem(world.client("anna").get(f"{path}?as_of={day}"), 422, "invalid_input")
            assert body["errors"][0]["field"] == "as_of"  # type: ignore[index]


def test_503_when_the_analytics_store_is_missing(world: World) -> None:
    world.settings.resolved_analytics_path().unlink()
    world.user("anna", "regional_coordinator", region="19")
    body = _problem(world.client("anna").get("/api/v1/overview"), 503, "store_error")
    assert "vardkoll analytics build" in str(body["detail"])
