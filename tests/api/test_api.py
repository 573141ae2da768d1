"""The REST API: stable operation ids, pagination, tokens, the same numbers as the pages."""

from __future__ import annotations

from web_support import AS_OF, PATHWAYS, World

OPERATION_IDS = {
    ("get", "/api/v1/me"): "get_me",
    ("get", "/api/v1/overview"): "get_overview",
    ("get", "/api/v1/overview/trend"): "get_overview_trend",
    ("get", "/api/v1/alerts"): "list_alerts",
    ("get", "/api/v1/waiting-list"): "list_waiting_pathways",
    ("get", "/api/v1/patients/{pseudonym}"): "get_patient",
    ("get", "/api/v1/audit/verify"): "verify_audit_log",
    ("post", "/api/v1/imports"): "create_import",
    ("get", "/api/v1/imports/{import_id}"): "get_import",
    ("get", "/api/v1/indicators"): "list_indicators",
    ("get", "/api/v1/indicators/waiting"): "get_waiting_indicators",
    ("get", "/api/v1/indicators/completed"): "get_completed_indicators",
    ("get", "/api/v1/indicators/flows"): "get_flow_indicators",
    ("get", "/api/v1/indicators/series"): "get_indicator_series",
}


def test_operation_ids_are_stable(world: World) -> None:
    spec = world.client().get("/api/v1/openapi.json").json()
    found = {
        (method, path): op["operationId"]
        for path, item in spec["paths"].items()
        for method, op in item.items()
    }
    assert found == OPERATION_IDS
    problem = spec["components"]["schemas"]["Problem"]
    assert {"code", "errors", "status"} <= set(problem["properties"])


def test_token_authenticates_a_system_account(world: World) -> None:
    world.user("importer", "system_import", region="19")
    token = world.token("importer")
    me = world.client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["username"] == "importer"
    assert me["role"] == "system_import"
    assert me["rights"] == {"aggregates": "none", "waiting_list": "none", "discharge": "none"}


def test_pagination_covers_every_row_once(world: World) -> None:
    world.user("anna", "regional_coordinator", region="19")
    client = world.client("anna")
    first = client.get("/api/v1/waiting-list?limit=2").json()
    expected = [
        p
        for p in PATHWAYS
        if p.region == "19"
        and p.clock_start <= AS_OF
        and (p.removed_on is None or p.removed_on > AS_OF)
    ]
    assert first["count"] == len(expected)
    assert len(first["data"]) == 2
    keys = []
    for offset in range(0, first["count"], 2):
        page = client.get(f"/api/v1/waiting-list?limit=2&offset={offset}").json()
        keys += [r["pathway_key"] for r in page["data"]]
    assert sorted(keys) == sorted(p.key for p in expected)


def test_waiting_list_is_ordered_by_days_to_breach(world: World) -> None:
    world.user("anna", "regional_coordinator", region="19")
    data = world.client("anna").get("/api/v1/waiting-list").json()["data"]
    left = [r["days_to_breach"] for r in data if r["days_to_breach"] is not None]
    assert left == sorted(left)
    s3 = next(r for r in data if r["pathway_key"] == "S:3")
    assert s3["days_waited"] == 80
    assert s3["limit_days"] == 90  # 150 days minus a 70-day pause


def test_trend_has_one_point_per_month_and_entry_type(world: World) -> None:
    world.user("anna", "regional_coordinator", region="19")
    trend = world.client("anna").get("/api/v1/overview/trend").json()
    pairs = [(p["month_end"], p["entry_type"]) for p in trend["data"]]
    assert len(pairs) == len(set(pairs)) == trend["count"]
    assert max(p[0] for p in pairs) == AS_OF.isoformat()


def test_region_outside_scope_is_refused(world: World) -> None:
    world.user("anna", "regional_coordinator", region="19")
    assert world.client("anna").get("/api/v1/overview?region=01").status_code == 403


def test_audit_verify_for_administrators(world: World) -> None:
    world.user("admin", "admin")
    world.user("anna", "regional_coordinator", region="19")
    world.client("anna").get("/api/v1/waiting-list")
    report = world.client("admin").get("/api/v1/audit/verify").json()
    assert report["ok"] is True
    assert report["checked"] == 1
    assert world.client("anna").get("/api/v1/audit/verify").status_code == 403
