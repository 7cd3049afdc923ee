"""The assets REST API (/api/v1/assets/…): cards, lifecycle actions, documents, depreciation."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jiguan.assets.models import (
    Asset,
    AssetStatus,
    ConfigurationRequest,
    DepreciationEntry,
    ValueChange,
    period_label,
    period_of,
)
from jiguan.audit.models import Action, AuditEvent
from jiguan.core.testing import make_user
from jiguan.standards.selectors import standard_value

from .conftest import decide

pytestmark = pytest.mark.django_db

DESKTOP = {"name": "台式计算机", "class_code": "A02010105", "original_value": "6000.00",
           "acquisition_method": "purchase", "acquired_on": "2024-01-15", "funding_source": "fiscal"}


def month_start(period: int) -> str:
    return f"{period_label(period)}-01"


@pytest.fixture
def a_api(users, api_client_for):
    return api_client_for(users["a_assets"])


@pytest.fixture
def b_api(users, api_client_for):
    return api_client_for(users["b_assets"])


def register_via_api(api, unit, **fields):
    response = api.post("/api/v1/assets/", {**DESKTOP, "owner_unit": unit.pk, **fields}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def card_id(api, unit, **fields):
    return register_via_api(api, unit, **fields)["results"][0]["id"]


def errors(response) -> dict:
    body = response.json()["error"]
    assert body["code"] == "validation_error", body
    return body["fields"]


# ---------------------------------------------------------------------------------------------
# Cards: CRUD and scope
# ---------------------------------------------------------------------------------------------

def test_register_read_list_and_change_a_card(tree, users, a_api):
    body = register_via_api(a_api, tree.city_a_agency, spec_model="ThinkCentre M90", location="302 室")
    assert body["count"] == 1
    card = body["results"][0]
    assert card["code"] == f"350100{timezone.localdate().year}000001"         # region, year registered, serial
    assert card["class_name"]
    assert (card["owner_unit_name"], card["using_unit_name"], card["status"]) == ("甲市机关事务管理局",
                                                                                  "甲市机关事务管理局", "in_use")
    assert (card["life_months"], card["dep_category"], card["dep_monthly"]) == (72, "computer", "83.33")
    created = AuditEvent.objects.filter(action=Action.CREATE, object_type="assets.asset", object_id=str(card["id"]))
    assert [e.actor for e in created] == [users["a_assets"]]

    detail = a_api.get(f"/api/v1/assets/{card['id']}/")
    assert detail.status_code == 200 and detail.json()["code"] == card["code"]
    found = a_api.get("/api/v1/assets/", {"q": "tsjsj"}).json()          # pinyin initials of 台式计算机
    assert [c["id"] for c in found["results"]] == [card["id"]]
    assert a_api.get("/api/v1/assets/", {"q": "bgz"}).json()["count"] == 0

    keeper = make_user("keeper", tree.city_a_agency, full_name="王管理")
    response = a_api.patch(f"/api/v1/assets/{card['id']}/", {"location": "305 室", "keeper": keeper.pk},
                           format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["location"], response.json()["keeper_name"]) == ("305 室", "王管理")
    assert response.json()["version"] == card["version"] + 1
    assert AuditEvent.objects.filter(action=Action.UPDATE, object_type="assets.asset",
                                     object_id=str(card["id"]), actor=users["a_assets"]).count() == 1


def test_batch_registration_gives_distinct_codes(tree, a_api):
    body = register_via_api(a_api, tree.city_a_agency, count=3)
    codes = [c["code"] for c in body["results"]]
    assert body["count"] == 3 and len(set(codes)) == 3
    assert Asset.objects.filter(code__in=codes).count() == 3
    assert a_api.get("/api/v1/assets/").json()["count"] == 3


def test_registration_errors_come_back_per_field(tree, a_api, users, api_client_for):
    response = a_api.post("/api/v1/assets/", {**DESKTOP, "owner_unit": tree.city_a_agency.pk, "life_months": 60},
                          format="json")
    assert response.status_code == 400
    assert "不得低于" in errors(response)["life_months"][0]
    response = a_api.post("/api/v1/assets/", {**DESKTOP, "owner_unit": tree.city_a_agency.pk,
                                              "class_code": "Z99"}, format="json")
    assert "不在 GB/T 14885-2022 分类表中" in errors(response)["class_code"][0]
    # A unit outside the caller's scope, and a user without the permission.
    response = a_api.post("/api/v1/assets/", {**DESKTOP, "owner_unit": tree.city_b_agency.pk}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "所选单位不在您的数据范围内。"
    staff = api_client_for(users["staff"])
    assert staff.get("/api/v1/assets/").status_code == 403
    assert staff.post("/api/v1/assets/", {**DESKTOP, "owner_unit": tree.city_a_agency.pk},
                      format="json").status_code == 403
    assert Asset.objects.count() == 0


def test_a_change_may_not_touch_the_value_or_the_owner(tree, a_api):
    card = register_via_api(a_api, tree.city_a_agency)["results"][0]
    response = a_api.patch(f"/api/v1/assets/{card['id']}/", {"original_value": "1.00", "location": "1 楼"},
                           format="json")
    assert response.status_code == 400
    fields = errors(response)
    assert list(fields) == ["original_value"]
    assert "价值调整" in fields["original_value"][0]
    response = a_api.patch(f"/api/v1/assets/{card['id']}/", {"owner_unit": tree.city_b_agency.pk}, format="json")
    assert "调拨" in errors(response)["owner_unit"][0]
    response = a_api.patch(f"/api/v1/assets/{card['id']}/", {"status": "disposed"}, format="json")
    assert "请通过调拨或处置办理" in errors(response)["status"][0]
    after = a_api.get(f"/api/v1/assets/{card['id']}/").json()
    assert (after["original_value"], after["location"], after["status"], after["version"]) == (
        "6000.00", "", "in_use", card["version"])
    # Read-only fields sent back with a change are ignored, as everywhere in the API.
    response = a_api.patch(f"/api/v1/assets/{card['id']}/", {"code": "X-1", "location": "1 楼"}, format="json")
    assert response.status_code == 200
    assert (response.json()["code"], response.json()["location"]) == (card["code"], "1 楼")


def test_another_city_cannot_see_change_or_act_on_a_card(tree, a_api, b_api):
    pk = card_id(a_api, tree.city_a_agency)
    assert b_api.get("/api/v1/assets/").json()["count"] == 0
    for response in (b_api.get(f"/api/v1/assets/{pk}/"),
                     b_api.patch(f"/api/v1/assets/{pk}/", {"location": "x"}, format="json"),
                     b_api.post(f"/api/v1/assets/{pk}/issue/", {"location": "x"}, format="json"),
                     b_api.get(f"/api/v1/assets/{pk}/history/")):
        assert response.status_code == 404
        assert response.json()["error"] == {"code": "not_found", "message": "记录不存在，或不在您的数据范围内。"}


def test_detail_shows_the_depreciation_of_the_current_month(tree, a_api):
    # Acquired 34 months before this one: 35 months charged (当月增加当月计提), acceptance item 1.
    now = period_of(timezone.localdate())
    card = register_via_api(a_api, tree.city_a_agency, acquired_on=month_start(now - 34))["results"][0]
    assert card["depreciation"] == {"period": period_label(now), "accumulated": "2916.55", "net_value": "3083.45",
                                    "monthly": "83.33", "months_charged": 35}
    listed = a_api.get("/api/v1/assets/").json()["results"][0]
    assert listed["depreciation"] == card["depreciation"]
    old = card_id(a_api, tree.city_a_agency, acquired_on=month_start(now - 80))       # past its 72 months
    assert a_api.get(f"/api/v1/assets/{old}/").json()["depreciation"] == {
        "period": period_label(now), "accumulated": "6000.00", "net_value": "0.00", "monthly": "0.00",
        "months_charged": 72}


def test_list_queries_do_not_grow_with_the_rows(tree, a_api):
    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert a_api.get(url).status_code == 200
        return len(queries)

    holder = make_user("holder", tree.city_a_agency)
    card_id(a_api, tree.city_a_agency, user=holder.pk, department=tree.city_a_dept.pk)
    small = count("/api/v1/assets/")
    for _ in range(2):
        register_via_api(a_api, tree.city_a_agency, count=4, user=holder.pk, department=tree.city_a_dept.pk)
    assert count("/api/v1/assets/") == small <= 12


# ---------------------------------------------------------------------------------------------
# Lifecycle actions and the timeline
# ---------------------------------------------------------------------------------------------

def test_issue_return_repair_value_adjust_and_the_history(tree, users, leaders, asset_flows, a_api, api_client_for,
                                                          django_capture_on_commit_callbacks):
    pk = card_id(a_api, tree.city_a_agency)
    holder = make_user("holder", tree.city_a_dept, full_name="李使用")
    response = a_api.post(f"/api/v1/assets/{pk}/issue/", {"user": holder.pk, "department": tree.city_a_dept.pk,
                                                          "location": "资产管理科 201 室"}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["user_name"], response.json()["department_name"], response.json()["status"]) == (
        "李使用", "甲市资产管理科", "in_use")
    outsider = make_user("outsider", tree.city_b_agency)
    response = a_api.post(f"/api/v1/assets/{pk}/issue/", {"user": outsider.pk}, format="json")
    assert "使用人须是产权单位" in errors(response)["user"][0]

    response = a_api.post(f"/api/v1/assets/{pk}/return/", {"location": "库房"}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["user"], response.json()["location"]) == ("idle", None, "库房")
    response = a_api.post(f"/api/v1/assets/{pk}/return/", {}, format="json")
    assert errors(response) == {"non_field_errors": ["只有在用的资产可以交回。"]}

    response = a_api.post(f"/api/v1/assets/{pk}/repairs/", {"repaired_on": "2026-03-02", "cost": "350.00",
                                                            "vendor": "联想服务站", "result": "更换电源"}, format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["asset"], response.json()["cost"]) == (pk, "350.00")
    repairs = a_api.get(f"/api/v1/assets/{pk}/repairs/").json()
    assert [r["result"] for r in repairs["results"]] == ["更换电源"]

    next_month = period_of(timezone.localdate()) + 1
    response = a_api.post(f"/api/v1/assets/{pk}/value-adjust/", {"delta": "1200.00", "on": month_start(next_month),
                                                                 "reason": "加装内存"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["value_before"], body["value_after"], body["approval"]["status"]) == (
        "pending", "6000.00", "7200.00", "pending")
    assert a_api.get(f"/api/v1/assets/{pk}/").json()["original_value"] == "6000.00"   # not before approval
    response = a_api.post(f"/api/v1/assets/{pk}/value-adjust/", {"delta": "50.00", "on": month_start(next_month),
                                                                 "reason": "再次"}, format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "conflict"
    assert f"已在进行中的价值调整 {body['number']} 中" in response.json()["error"]["fields"]["delta"][0]
    decide(ValueChange.objects.get(pk=body["id"]), leaders["leader"], django_capture_on_commit_callbacks)
    assert a_api.get(f"/api/v1/assets/{pk}/").json()["original_value"] == "7200.00"
    change = a_api.get(f"/api/v1/assets/value-changes/{body['id']}/").json()
    assert (change["status"], change["applied_on"], change["approval"]["status"]) == (
        "completed", month_start(next_month), "approved")
    assert api_client_for(users["b_assets"]).get(f"/api/v1/assets/value-changes/{body['id']}/").status_code == 404
    response = a_api.post(f"/api/v1/assets/{pk}/value-adjust/", {"delta": "0", "on": "2026-12-01", "reason": "x"},
                          format="json")
    assert errors(response) == {"delta": ["调整金额不能为 0。"]}

    history = a_api.get(f"/api/v1/assets/{pk}/history/").json()
    assert history["count"] == 6
    assert [e["kind"] for e in history["results"]] == ["register", "issue", "return", "repair", "value_requested",
                                                       "value"]
    assert [e["actor_name"] for e in history["results"]] == ["a_assets"] * 5 + ["a_leader"]   # the approver applied it
    assert history["results"][1]["summary"] == "领用：甲市资产管理科 / 李使用"
    only = a_api.get(f"/api/v1/assets/{pk}/history/", {"kind": "repair"}).json()
    assert [e["kind"] for e in only["results"]] == ["repair"]
    assert a_api.get(f"/api/v1/assets/{pk}/history/", {"kind": "nope"}).status_code == 400

    # Reading is not acting: a unit leader sees the card but may not issue it.
    leader = make_user("leader", tree.city_a_agency, [("unit_leader", tree.city_a_agency, True)])
    api = api_client_for(leader)
    assert api.get(f"/api/v1/assets/{pk}/history/").status_code == 200
    assert api.post(f"/api/v1/assets/{pk}/issue/", {"user": holder.pk}, format="json").status_code == 403


# ---------------------------------------------------------------------------------------------
# Transfer (acceptance item 4 through the API)
# ---------------------------------------------------------------------------------------------

def test_transfer_changes_the_owner_only_after_approval_in_the_workflow_api(
        tree, users, leaders, asset_flows, a_api, b_api, api_client_for, django_capture_on_commit_callbacks):
    pk = card_id(a_api, tree.city_a_agency)
    assert b_api.get(f"/api/v1/assets/{pk}/").status_code == 404
    # City B can neither see the card nor put it into a transfer.
    response = b_api.post("/api/v1/assets/transfers/", {"assets": [pk], "to_unit": tree.city_b_agency.pk,
                                                        "reason": "调剂使用"}, format="json")
    assert response.status_code == 400
    assert "不在您的数据范围内" in errors(response)["assets"][0]

    response = a_api.post("/api/v1/assets/transfers/", {"assets": [pk], "to_unit": tree.city_b_agency.pk,
                                                        "reason": "乙市新设机构，调剂使用"}, format="json")
    assert response.status_code == 201, response.json()
    transfer = response.json()
    assert (transfer["status"], transfer["from_unit_name"], transfer["to_unit_name"], transfer["asset_count"]) == (
        "pending", "甲市机关事务管理局", "乙市机关事务管理局", 1)
    assert [i["asset"] for i in transfer["items"]] == [pk]
    approval = transfer["approval"]
    assert (approval["status"], approval["current_step_name"]) == ("pending", "单位负责人审批")
    again = a_api.post("/api/v1/assets/transfers/", {"assets": [pk], "to_unit": tree.county_a_agency.pk,
                                                     "reason": "重复"}, format="json")
    assert again.status_code == 409 and again.json()["error"]["conflicts"][0]["document"] == transfer["number"]

    # Before approval: the owner is unchanged; the receiving unit sees the transfer, not the card.
    assert a_api.get(f"/api/v1/assets/{pk}/").json()["owner_unit"] == tree.city_a_agency.pk
    assert b_api.get(f"/api/v1/assets/{pk}/").status_code == 404
    listed = b_api.get("/api/v1/assets/transfers/").json()
    assert [t["id"] for t in listed["results"]] == [transfer["id"]]
    assert listed["results"][0]["approval"]["id"] == approval["id"]
    assert b_api.get(f"/api/v1/assets/transfers/{transfer['id']}/").status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client_for(leaders["leader"]).post(f"/api/v1/workflow/requests/{approval['id']}/approve/",
                                                          {"comment": "同意调拨"}, format="json")
    assert response.status_code == 200, response.json()

    after = b_api.get(f"/api/v1/assets/{pk}/")
    assert after.status_code == 200
    assert (after.json()["owner_unit"], after.json()["using_unit"]) == (tree.city_b_agency.pk, tree.city_b_agency.pk)
    assert a_api.get(f"/api/v1/assets/{pk}/").status_code == 404
    done = b_api.get(f"/api/v1/assets/transfers/{transfer['id']}/").json()
    assert (done["status"], done["completed_on"], done["approval"]["status"]) == (
        "completed", timezone.localdate().isoformat(), "approved")
    history = b_api.get(f"/api/v1/assets/{pk}/history/").json()["results"]
    assert [e["kind"] for e in history] == ["register", "transfer_requested", "transfer"]
    assert history[2]["actor_name"] == "a_leader" and history[2]["document"] == transfer["number"]


def test_transfer_needs_the_permission_and_one_owning_unit(tree, users, a_api, asset_flows, api_client_for):
    first = card_id(a_api, tree.city_a_agency)
    other = card_id(a_api, tree.county_a_agency)
    response = a_api.post("/api/v1/assets/transfers/", {"assets": [first, other], "to_unit": tree.city_b_agency.pk,
                                                        "reason": "合并调拨"}, format="json")
    assert "同一产权单位" in errors(response)["assets"][0]
    response = a_api.post("/api/v1/assets/transfers/", {"assets": [], "to_unit": tree.city_b_agency.pk,
                                                        "reason": "x"}, format="json")
    assert "assets" in errors(response)
    leader = make_user("leader", tree.city_a_agency, [("unit_leader", tree.city_a_agency, True)])
    response = api_client_for(leader).post("/api/v1/assets/transfers/", {
        "assets": [first], "to_unit": tree.city_b_agency.pk, "reason": "x"}, format="json")
    assert response.status_code == 403


# ---------------------------------------------------------------------------------------------
# Disposal
# ---------------------------------------------------------------------------------------------

def test_a_card_cannot_be_put_into_two_disposals(tree, users, leaders, asset_flows, a_api,
                                                 django_capture_on_commit_callbacks, api_client_for):
    pk = card_id(a_api, tree.city_a_agency)
    body = {"assets": [pk], "method": "scrap", "reason_code": "obsolete", "reason": "主板损坏，无维修价值"}
    first = a_api.post("/api/v1/assets/disposals/", body, format="json")
    assert first.status_code == 201, first.json()
    assert (first.json()["status"], first.json()["unit"], first.json()["approval"]["status"]) == (
        "pending", tree.city_a_agency.pk, "pending")
    assert a_api.get(f"/api/v1/assets/{pk}/").json()["status"] == AssetStatus.PENDING_DISPOSAL

    second = a_api.post("/api/v1/assets/disposals/", body, format="json")
    assert second.status_code == 409                                   # the card is held by the first
    code, number = first.json()["items"][0]["code"], first.json()["number"]
    assert second.json()["error"]["code"] == "conflict"
    assert second.json()["error"]["fields"]["assets"] == [f"资产 {code} 已在进行中的资产处置 {number} 中，请待其办结后再办理。"]
    assert second.json()["error"]["conflicts"] == [{"object": code, "object_id": pk, "document": number,
                                                    "document_type": "资产处置"}]
    assert a_api.get("/api/v1/assets/disposals/").json()["count"] == 1

    response = a_api.post("/api/v1/assets/disposals/", {**body, "reason_code": ""}, format="json")
    assert "第二十一条" in errors(response)["reason_code"][0]

    with django_capture_on_commit_callbacks(execute=True):
        api_client_for(leaders["leader"]).post(
            f"/api/v1/workflow/requests/{first.json()['approval']['id']}/approve/", {}, format="json")
    assert a_api.get(f"/api/v1/assets/{pk}/").json()["status"] == AssetStatus.DISPOSED
    response = a_api.post(f"/api/v1/assets/disposals/{first.json()['id']}/result/",
                          {"reply_no": "甲财资〔2026〕12 号", "income": "120.00"}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["reply_no"], response.json()["income"]) == (
        "completed", "甲财资〔2026〕12 号", "120.00")
    assert a_api.post("/api/v1/assets/disposals/", body, format="json").status_code == 400   # never twice


# ---------------------------------------------------------------------------------------------
# Configuration request (acceptance item 6 through the API)
# ---------------------------------------------------------------------------------------------

def test_configuration_check_flags_the_price_cap_and_offers_idle_computers(tree, users, a_api, b_api,
                                                                          asset_flows):
    idle = card_id(a_api, tree.county_a_agency, status="idle")
    card_id(b_api, tree.city_b_agency, status="idle")                                  # out of A's scope
    card_id(a_api, tree.city_a_agency, name="办公桌", class_code="A05010000", original_value="2000.00",
            acquisition_method="purchase", status="idle")                            # another class
    response = a_api.post("/api/v1/assets/configurations/check/", {"class_code": "A02010105",
                                                                    "unit_price": "6500.00"}, format="json")
    assert response.status_code == 200, response.json()
    result = response.json()
    assert result["over_standard"] is True
    [note] = result["notes"]
    entry = standard_value("office_equipment_config", "desktop", timezone.localdate())
    assert (note["item"], note["cap"], note["over"], note["standard"]) == ("台式计算机", "5000", True,
                                                                          "通用办公设备家具配置标准")
    assert note["source"] == entry.source and entry.source
    assert "超过“台式计算机”配置标准上限 5000 元" in note["message"] and entry.source in note["message"]
    assert [c["id"] for c in result["idle"]] == [idle]
    assert ConfigurationRequest.objects.count() == 0                                  # a check creates nothing

    within = a_api.post("/api/v1/assets/configurations/check/", {"class_code": "A02010105", "unit_price": "4800"},
                        format="json").json()
    assert within["over_standard"] is False and within["notes"][0]["over"] is False
    response = a_api.post("/api/v1/assets/configurations/check/", {"class_code": "nope", "unit_price": "1"},
                          format="json")
    assert "class_code" in errors(response)

    request = {"unit": tree.city_a_agency.pk, "item_name": "台式计算机", "class_code": "A02010105", "quantity": 2,
               "unit_price": "6500.00", "reason": "新进人员办公"}
    response = a_api.post("/api/v1/assets/configurations/", request, format="json")
    assert "优先调剂" in errors(response)["idle_reason"][0]
    response = a_api.post("/api/v1/assets/configurations/", {**request, "idle_reason": "闲置设备配置过低"},
                          format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert (created["over_standard"], created["total_amount"], created["idle_offered"], created["status"]) == (
        True, "13000.00", 1, "pending")
    assert created["check_notes"][0]["source"] == entry.source
    assert created["approval"]["status"] == "pending"
    assert b_api.get(f"/api/v1/assets/configurations/{created['id']}/").status_code == 404


# ---------------------------------------------------------------------------------------------
# Depreciation runs and the ledger
# ---------------------------------------------------------------------------------------------

def test_a_depreciation_run_through_the_api_writes_the_ledger(tree, users, a_api, b_api):
    last = period_of(timezone.localdate()) - 1
    pk = card_id(a_api, tree.city_a_agency, acquired_on=month_start(last))
    card_id(b_api, tree.city_b_agency, acquired_on=month_start(last))
    response = a_api.post("/api/v1/assets/depreciation/runs/", {"unit": tree.city_a.pk, "period": period_label(last)},
                          format="json")
    assert response.status_code == 201, response.json()
    run = response.json()
    assert (run["status"], run["period"], run["percent"], run["total"], run["entry_count"], run["amount"]) == (
        "done", period_label(last), 100, 1, 1, "83.33")
    assert a_api.get(f"/api/v1/assets/depreciation/runs/{run['id']}/").json()["started_by_name"] == "a_assets"
    # Idempotent: the same month again rewrites the same ledger.
    again = a_api.post("/api/v1/assets/depreciation/runs/", {"unit": tree.city_a.pk, "period": period_label(last)},
                       format="json")
    assert again.status_code == 201 and again.json()["id"] == run["id"]
    assert DepreciationEntry.objects.count() == 1

    ledger = a_api.get("/api/v1/assets/depreciation/ledger/", {"period": period_label(last),
                                                               "owner": tree.city_a.pk}).json()
    assert [(e["asset"], e["period"], e["amount"], e["accumulated"]) for e in ledger["results"]] == [
        (pk, period_label(last), "83.33", "83.33")]
    assert a_api.get("/api/v1/assets/depreciation/ledger/", {"period": period_label(last - 1)}).json()["count"] == 0
    assert b_api.get("/api/v1/assets/depreciation/ledger/").json()["count"] == 0
    assert "period" in errors(a_api.get("/api/v1/assets/depreciation/ledger/", {"period": "2026-13"}))

    future = a_api.post("/api/v1/assets/depreciation/runs/", {"unit": tree.city_a.pk,
                                                              "period": period_label(last + 2)}, format="json")
    assert "不能计提未来月份" in errors(future)["period"][0]
    assert "YYYY-MM" in errors(a_api.post("/api/v1/assets/depreciation/runs/", {
        "unit": tree.city_a.pk, "period": "2026/11"}, format="json"))["period"][0]
    response = b_api.post("/api/v1/assets/depreciation/runs/", {"unit": tree.city_a.pk, "period": period_label(last)},
                          format="json")
    assert response.status_code == 403
    assert b_api.get(f"/api/v1/assets/depreciation/runs/{run['id']}/").status_code == 404


def test_document_lists_take_a_fixed_number_of_queries(tree, users, leaders, asset_flows, a_api):
    def count(url):
        with CaptureQueriesContext(connection) as queries:
            response = a_api.get(url)
        assert response.status_code == 200
        return len(queries), response.json()["count"]

    def transfer(n):
        ids = [c["id"] for c in register_via_api(a_api, tree.city_a_agency, count=n)["results"]]
        assert a_api.post("/api/v1/assets/transfers/", {"assets": ids, "to_unit": tree.city_b_agency.pk,
                                                        "reason": "调剂"}, format="json").status_code == 201

    transfer(1)
    small = count("/api/v1/assets/transfers/")
    for n in (2, 3, 1):
        transfer(n)
    large = count("/api/v1/assets/transfers/")
    assert small[1] == 1 and large[1] == 4
    assert large[0] == small[0] <= 10
