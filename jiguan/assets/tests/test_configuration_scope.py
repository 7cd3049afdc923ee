"""A configuration request (配置申请) through each viewer's data scope (issue 16, item 22): the idle
cards offered to the applicant are stored as ids and shown to a viewer only as far as the viewer
may see them (the others are counted, never named); the API's check answers 404 for a unit outside
the caller's scope, as for any other object out of scope."""

from __future__ import annotations

import importlib
from decimal import Decimal

import pytest
from django.apps import apps as django_apps

from jiguan.assets import services
from jiguan.assets.models import ConfigurationRequest
from jiguan.core.context import acting_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def province_request(tree, register, users, asset_flows):
    """The province's asset manager files a request for 甲市机关事务管理局 while idle computers sit
    in 甲市 and in 乙市 (both in the province's scope)."""
    own = register(tree.city_a_agency, status="idle")
    other_city = register(tree.city_b_agency, status="idle")
    manager = users["prov_assets"]
    with acting_as(manager):
        request = services.configuration_create(
            unit=tree.city_a_agency, item_name="台式计算机", class_code="A02010105", quantity=1,
            unit_price=Decimal("4800"), reason="新进人员", idle_reason="闲置机型无法运行业务系统", actor=manager)
    return request, own, other_city


def test_the_page_names_only_the_idle_cards_in_the_viewers_scope(province_request, users, client_for):
    request, own, other_city = province_request
    assert request.idle_offered == 2
    assert other_city.code not in str(request.check_notes)                # no codes stored as text

    html = client_for(users["a_assets"]).get(request.get_absolute_url()).content.decode()
    assert own.code in html and other_city.code not in html
    assert "申请时申请人数据范围内有 2 项同类闲置资产" in html and "其中 1 项不在您的数据范围内" in html

    html = client_for(users["prov_assets"]).get(request.get_absolute_url()).content.decode()
    assert own.code in html and other_city.code in html and 'id="idle-hidden"' not in html


def test_the_api_lists_only_the_idle_cards_in_the_callers_scope(province_request, users, api_client_for):
    request, own, other_city = province_request
    url = f"/api/v1/assets/configurations/{request.pk}/"
    body = api_client_for(users["a_assets"]).get(url).json()
    assert [c["code"] for c in body["idle_assets"]] == [own.code] and body["idle_hidden"] == 1
    assert other_city.code not in str(body)
    listed = api_client_for(users["a_assets"]).get("/api/v1/assets/configurations/").json()["results"]
    assert [(r["id"], [c["code"] for c in r["idle_assets"]], r["idle_hidden"]) for r in listed] == [
        (request.pk, [own.code], 1)]
    body = api_client_for(users["prov_assets"]).get(url).json()
    assert {c["code"] for c in body["idle_assets"]} == {own.code, other_city.code} and body["idle_hidden"] == 0


def test_the_migration_turns_stored_codes_into_ids(province_request):
    """Requests filed before: the note held the codes; the migration keeps the count and the cards
    still found by their code."""
    request, own, other_city = province_request
    notes = [n if "idle_count" not in n else {"idle": [own.code, other_city.code, "3501009999000001"],
                                              "message": n["message"]} for n in request.check_notes]
    ConfigurationRequest.objects.filter(pk=request.pk).update(check_notes=notes)
    request.idle_assets.clear()
    migration = importlib.import_module("jiguan.assets.migrations.0013_configuration_idle_assets")
    migration.codes_to_ids(django_apps, None)
    request.refresh_from_db()
    assert set(request.idle_assets.values_list("pk", flat=True)) == {own.pk, other_city.pk}
    (note,) = [n for n in request.check_notes if "idle_count" in n]
    assert note == {"idle_count": 3, "message": "不调剂的理由：闲置机型无法运行业务系统"}


def test_the_check_answers_404_for_a_unit_outside_the_callers_scope(tree, users, api_client_for):
    check = {"class_code": "A02010105", "unit_price": "4800"}
    a_api = api_client_for(users["a_assets"])
    response = a_api.post("/api/v1/assets/configurations/check/", {**check, "unit": tree.city_b_agency.pk},
                          format="json")
    assert response.status_code == 404
    assert response.json()["error"] == {"code": "not_found", "message": "记录不存在，或不在您的数据范围内。"}
    response = a_api.post("/api/v1/assets/configurations/check/", {**check, "unit": tree.city_a_agency.pk},
                          format="json")
    assert response.status_code == 200 and response.json()["notes"][0]["over"] is False


def test_the_page_and_every_api_answer_show_a_viewer_the_same_idle_cards(tree, register, users, asset_flows,
                                                                         client_for, api_client_for):
    """Review finding 13: one builder (services.idle_prefetch) for the page, the API's list and detail
    and the answer to a create, which nothing prefetched."""
    own = register(tree.city_a_agency, status="idle")
    other_city = register(tree.city_b_agency, status="idle")
    body = {"unit": tree.city_a_agency.pk, "item_name": "台式计算机", "class_code": "A02010105", "quantity": 1,
            "unit_price": "4800", "reason": "新进人员", "idle_reason": "闲置机型无法运行业务系统"}
    created = api_client_for(users["prov_assets"]).post("/api/v1/assets/configurations/", body, format="json")
    assert created.status_code == 201, created.json()
    created = created.json()
    assert ({c["code"] for c in created["idle_assets"]}, created["idle_hidden"]) == ({own.code, other_city.code}, 0)

    api = api_client_for(users["a_assets"])
    detail = api.get(f"/api/v1/assets/configurations/{created['id']}/").json()
    listed = api.get("/api/v1/assets/configurations/").json()["results"]
    html = client_for(users["a_assets"]).get(ConfigurationRequest.objects.get().get_absolute_url()).content.decode()
    for answer in (detail, *listed):
        assert ([c["code"] for c in answer["idle_assets"]], answer["idle_hidden"]) == ([own.code], 1)
    assert own.code in html and other_city.code not in html and "其中 1 项不在您的数据范围内" in html
