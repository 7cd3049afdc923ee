"""The reports in the API (/api/v1/assets/reports/…): the same figures as the pages, the sum of the
cards, only for units in the caller's report scope."""

from datetime import date
from decimal import Decimal

import pytest

from jiguan.assets import services
from jiguan.assets.models import Asset, period_of
from jiguan.core.context import acting_as

from .conftest import decide

pytestmark = pytest.mark.django_db


@pytest.fixture
def cards(tree, register, users):
    return [
        register(tree.city_a_agency, actor=users["a_assets"]),                                  # 6,000.00 2024-01
        register(tree.city_a_agency, actor=users["a_assets"], name="办公桌", class_code="A05010000",
                 original_value=Decimal("2400.50"), acquired_on=date(2025, 3, 2)),
        register(tree.county_a_agency, actor=users["a_assets"], original_value=Decimal("4999.99")),
        register(tree.city_b_agency, actor=users["b_assets"], original_value=Decimal("7000.00")),  # another city
    ]


def test_the_summary_is_the_sum_of_the_cards_in_the_unit(cards, tree, users, api_client_for):
    on = date(2026, 6, 30)
    response = api_client_for(users["a_assets"]).get("/api/v1/assets/reports/summary/",
                                                     {"unit": tree.city_a.pk, "on": on.isoformat()})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["unit"]["name"], body["on"], body["level"]) == ("甲市", "2026-06-30", 3)
    total = body["rows"][-1]
    mine = Asset.objects.filter(owner_unit__path__startswith=tree.city_a.path)
    assert total["kind"] == "total" and total["count"] == 3
    assert Decimal(total["original_value"]) == sum(c.original_value for c in mine) == Decimal("13400.49")
    accumulated = sum(c.accumulated_at(period_of(on)) for c in mine)
    assert Decimal(total["accumulated"]) == accumulated
    assert Decimal(total["net_value"]) == Decimal("13400.49") - accumulated
    units = {r["unit_name"] for r in body["rows"] if r["kind"] == "row"}
    assert units == {"甲市机关事务管理局", "甲县"}            # the children of 甲市, each with its subtree
    assert {r["class_code"] for r in body["rows"] if r["kind"] == "row"} == {"A02", "A05"}


def test_status_and_disposal_statistics(cards, tree, users, leaders, asset_flows, api_client_for,
                                        django_capture_on_commit_callbacks):
    with acting_as(users["a_assets"]):
        disposal = services.disposal_create(unit=tree.city_a_agency, asset_ids=[cards[0].pk], method="scrap",
                                            reason_code="obsolete", reason="无法维修", actor=users["a_assets"])
    decide(disposal, leaders["leader"], django_capture_on_commit_callbacks)
    api = api_client_for(users["a_assets"])
    status = api.get("/api/v1/assets/reports/status/", {"unit": tree.city_a.pk}).json()
    counts = {r["status"]: r["count"] for r in status["rows"] if r["kind"] == "row"}
    assert counts["disposed"] == 1 and counts["in_use"] == 2 and status["rows"][-1]["count"] == 3
    stats = api.get("/api/v1/assets/reports/disposals/", {"unit": tree.city_a.pk}).json()
    first = stats["rows"][0]
    assert (first["method"], first["method_name"], first["disposals"], first["count"], first["original_value"]) == (
        "scrap", "报废", 1, 1, "6000.00")


def test_units_outside_the_scope_and_callers_without_the_right(cards, tree, users, api_client_for):
    response = api_client_for(users["b_assets"]).get("/api/v1/assets/reports/summary/", {"unit": tree.city_a.pk})
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "单位不存在，或不在您的数据范围内。"
    response = api_client_for(users["staff"]).get("/api/v1/assets/reports/status/")
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"
    response = api_client_for(users["a_assets"]).get("/api/v1/assets/reports/summary/", {"on": "2026-13-40"})
    assert response.status_code == 400 and "on" in response.json()["error"]["fields"]
    default = api_client_for(users["b_assets"]).get("/api/v1/assets/reports/summary/").json()
    assert default["unit"]["name"] == "乙市" and default["rows"][-1]["original_value"] == "7000.00"
