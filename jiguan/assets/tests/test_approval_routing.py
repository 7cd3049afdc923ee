"""Issue 16, approvals 1 and 2: a request routes by the unit whose business it is (the 调出单位 of a
transfer, the owner of a card), whoever files it; a route that cannot finish is refused at submit,
naming the step, the role and the unit; the whole route is shown before 提交审批."""

from datetime import date
from decimal import Decimal

import pytest

from jiguan.assets.models import Transfer
from jiguan.core.context import acting_as
from jiguan.core.testing import make_user
from jiguan.org import services as org_services
from jiguan.org.demo import credit_code
from jiguan.org.models import OrgKind, RoleAssignment, User
from jiguan.workflow.models import ApprovalRequest, ApproverRelation, Flow, FlowStep
from jiguan.workflow.selectors import latest_request

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def edu(tree):
    """甲市教育局 (an agency of city A) with its leader; a_assets (city A's asset manager, who sits in
    甲市机关事务管理局, a unit with no leader) files for it."""
    with acting_as(None):
        unit = org_services.orgunit_create(parent=tree.city_a, kind=OrgKind.AGENCY, name="甲市教育局",
                                           region_code="350100", credit_code=credit_code(OrgKind.AGENCY, "350100", 900))
    return unit


@pytest.fixture
def approvers(tree, edu):
    from jiguan.org.models import Role  # noqa: F401 - roles exist from the migrations

    return {
        "edu_leader": make_user("edu_leader", edu, [("unit_leader", edu, True)]),
        "county_leader": make_user("county_leader", tree.county_a_agency,
                                   [("unit_leader", tree.county_a_agency, True)]),
        "offices": make_user("a_offices", tree.city_a_agency, [("offices_approver", tree.city_a_agency, False)]),
    }


@pytest.fixture
def transfer_flow(tree):
    from jiguan.org.models import Role

    leader = Role.objects.get(code="unit_leader")
    with acting_as(None):
        flow = Flow.objects.create(business_type="assets.transfer", name="资产调拨审批", unit=tree.province)
        FlowStep.objects.create(flow=flow, order=1, name="调出单位负责人审批", approver_role=leader,
                                relation=ApproverRelation.SAME_UNIT)
        FlowStep.objects.create(flow=flow, order=2, name="调入单位负责人确认", approver_role=leader,
                                relation=ApproverRelation.COUNTERPARTY_UNIT)
        FlowStep.objects.create(flow=flow, order=3, name="机关事务管理局审批（跨主管部门）",
                                approver_role=Role.objects.get(code="offices_approver"),
                                relation=ApproverRelation.NEAREST_NAMED, unit_keyword="机关事务",
                                skip_if_same_parent=True)
    return flow


@pytest.fixture
def edu_cards(edu, register, users):
    return register(edu, count=2, status="idle")


def transfer_form(edu, tree, cards):
    return {"from_unit": edu.pk, "to_unit": tree.county_a_agency.pk, "reason": "闲置资产调剂",
            "assets": [c.pk for c in cards]}


# 1. Route by the business unit --------------------------------------------------------------------


def test_a_city_asset_manager_files_a_bureaus_transfer_and_it_starts_at_the_bureaus_leader(
        tree, users, edu, edu_cards, approvers, transfer_flow, client_for):
    manager = users["a_assets"]
    assert manager.unit.name == "甲市资产管理科"   # sits in the city offices administration
    response = client_for(manager).post("/assets/transfers/new/", transfer_form(edu, tree, edu_cards))
    assert response.status_code == 302, response.content.decode()
    transfer = Transfer.objects.get()
    request = latest_request(transfer)
    assert (request.business_unit, request.applicant_unit) == (edu, tree.city_a_dept)
    assert (request.current_step.name, request.approver_unit) == ("调出单位负责人审批", edu)
    assert list(ApprovalRequest.objects.todo_for(approvers["edu_leader"])) == [request]
    page = client_for(approvers["edu_leader"]).get(request.get_absolute_url()).content.decode()
    assert 'id="business-unit">甲市教育局<' in page and 'id="applicant-unit">甲市资产管理科<' in page


def test_the_same_through_the_api(tree, users, edu, edu_cards, approvers, transfer_flow, api_client_for):
    manager = users["a_assets"]
    response = api_client_for(manager).post("/api/v1/assets/transfers/", {
        "assets": [c.pk for c in edu_cards], "to_unit": tree.county_a_agency.pk, "reason": "闲置资产调剂"},
        format="json")
    assert response.status_code == 201, response.json()
    approval = response.json()["approval"]
    assert approval["current_step_name"] == "调出单位负责人审批"
    detail = api_client_for(approvers["edu_leader"]).get(f"/api/v1/workflow/requests/{approval['id']}/").json()
    assert (detail["business_unit"], detail["applicant_unit"], detail["approver_unit"]) == (
        edu.pk, tree.city_a_dept.pk, edu.pk)
    # ... and it walks on from the bureau: the county's leader, then the city offices administration.
    for who in ("edu_leader", "county_leader", "offices"):
        response = api_client_for(approvers[who]).post(f"/api/v1/workflow/requests/{approval['id']}/approve/",
                                                       {}, format="json")
        assert response.status_code == 200, response.json()
    assert response.json()["status"] == "approved"


def test_value_change_and_disposal_route_by_the_cards_owner(tree, users, edu, edu_cards, approvers, asset_flows):
    from jiguan.assets import services

    manager = users["a_assets"]
    with acting_as(manager):
        change = services.value_change_create(asset=edu_cards[0], delta=Decimal("100.00"), on=date.today(),
                                              reason="加装内存", actor=manager)
        disposal = services.disposal_create(unit=edu, asset_ids=[edu_cards[1].pk], method="scrap",
                                            reason_code="obsolete", reason="无法维修", actor=manager)
    for document in (change, disposal):
        request = latest_request(document)
        assert (request.business_unit, request.approver_unit, request.current_step.name) == (
            edu, edu, "单位负责人审批")


# 2. Refused at submit, previewed before it ---------------------------------------------------------


def test_a_route_that_cannot_finish_is_refused_at_submit_on_the_page_and_in_the_api(
        tree, users, edu, edu_cards, approvers, transfer_flow, client_for, api_client_for):
    RoleAssignment.objects.filter(user=approvers["county_leader"]).delete()
    message = ("步骤“调入单位负责人确认”找不到审批人（角色：单位负责人，单位：甲县财政局），"
               "请联系系统管理员检查审批流程配置或角色授权。")
    manager = users["a_assets"]
    response = client_for(manager).post("/assets/transfers/new/", transfer_form(edu, tree, edu_cards))
    assert response.status_code == 200
    assert message in response.content.decode() and 'id="form-errors"' in response.content.decode()
    response = api_client_for(manager).post("/api/v1/assets/transfers/", {
        "assets": [c.pk for c in edu_cards], "to_unit": tree.county_a_agency.pk, "reason": "x"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"approval_route": [message]}
    assert not Transfer.objects.exists() and not ApprovalRequest.objects.exists()


def test_the_applicant_alone_is_no_approver(tree, users, edu, edu_cards, transfer_flow, client_for):
    """The only holder of the bureau's leader role files the request: nobody else may approve it."""
    lonely = make_user("lonely", edu, [("unit_leader", edu, True), ("asset_manager", edu, True)])
    make_user("county_leader", tree.county_a_agency, [("unit_leader", tree.county_a_agency, True)])
    response = client_for(lonely).post("/assets/transfers/new/", transfer_form(edu, tree, edu_cards))
    assert "步骤“调出单位负责人审批”找不到审批人（角色：单位负责人，单位：甲市教育局）" in response.content.decode()


def test_the_whole_route_is_previewed_before_submitting(tree, users, edu, edu_cards, approvers, transfer_flow,
                                                        client_for):
    client = client_for(users["a_assets"])
    page = client.get("/assets/transfers/new/").content.decode()
    assert 'id="route-panel"' in page and "/workflow/route-preview/?business_type=assets.transfer" in page
    preview = client.get("/workflow/route-preview/", {"business_type": "assets.transfer",
                                                      **transfer_form(edu, tree, edu_cards)}, **HTMX)
    body = preview.content.decode()
    assert preview.status_code == 200 and 'id="route-problem"' not in body
    for text in ("调出单位负责人审批", "甲市教育局", "edu_leader", "调入单位负责人确认", "甲县财政局", "county_leader",
                 "机关事务管理局审批（跨主管部门）", "甲市机关事务管理局", "a_offices"):
        assert text in body, text
    User.objects.filter(pk=approvers["offices"].pk).update(is_active=False)
    body = client.get("/workflow/route-preview/", {"business_type": "assets.transfer",
                                                   **transfer_form(edu, tree, edu_cards)}, **HTMX).content.decode()
    assert "步骤“机关事务管理局审批（跨主管部门）”找不到审批人（角色：机关事务审批人，单位：甲市机关事务管理局）" in body
    assert "a_offices" not in body


def test_every_document_form_shows_the_route(tree, users, edu, edu_cards, approvers, asset_flows, client_for):
    client = client_for(users["a_assets"])
    card = edu_cards[0]
    for url, business_type, data in [
        ("/assets/disposals/new/", "assets.disposal", {"unit": edu.pk, "assets": [card.pk]}),
        (f"/assets/{card.pk}/value/", "assets.value_change", {"asset": card.pk, "delta": "100"}),
        ("/assets/configurations/new/", "assets.purchase", {"unit": edu.pk, "quantity": "2", "unit_price": "4000"}),
    ]:
        page = client.get(url).content.decode()
        assert f"/workflow/route-preview/?business_type={business_type}" in page, url
        body = client.get("/workflow/route-preview/", {"business_type": business_type, **data},
                          **HTMX).content.decode()
        assert "单位负责人审批" in body and "甲市教育局" in body and "edu_leader" in body, business_type
    # A unit outside the user's scope shows nothing.
    body = client_for(users["b_assets"]).get("/workflow/route-preview/", {
        "business_type": "assets.disposal", "unit": edu.pk}, **HTMX).content.decode()
    assert "edu_leader" not in body and "选择单位后显示审批路径。" in body


def test_the_route_preview_in_the_api(tree, users, edu, approvers, transfer_flow, api_client_for):
    client = api_client_for(users["a_assets"])
    body = {"business_type": "assets.transfer", "business_unit": edu.pk, "counterparty_unit": tree.county_a_agency.pk,
            "amount": "12000"}
    response = client.post("/api/v1/workflow/requests/route-preview/", body, format="json")
    assert response.status_code == 200, response.json()
    plan = response.json()
    assert plan["ok"] is True and plan["flow_name"] == "资产调拨审批"
    assert [(s["name"], s["applies"], s["unit_name"], [a["name"] for a in s["approvers"]])
            for s in plan["steps"]] == [
        ("调出单位负责人审批", True, "甲市教育局", ["edu_leader"]),
        ("调入单位负责人确认", True, "甲县财政局", ["county_leader"]),
        ("机关事务管理局审批（跨主管部门）", True, "甲市机关事务管理局", ["a_offices"])]
    RoleAssignment.objects.filter(user=approvers["edu_leader"]).delete()
    plan = client.post("/api/v1/workflow/requests/route-preview/", body, format="json").json()
    assert plan["ok"] is False and plan["problem"].startswith("步骤“调出单位负责人审批”找不到审批人（角色：单位负责人，单位：甲市教育局）")
    response = api_client_for(users["b_assets"]).post("/api/v1/workflow/requests/route-preview/", body, format="json")
    assert response.status_code == 403


def test_the_api_route_preview_needs_the_right_to_file_and_names_no_usernames(tree, users, edu, approvers,
                                                                             transfer_flow, api_client_for):
    """A staff member (普通工作人员, who may view their own unit) learns nobody's approvers through the
    API: previewing needs the right to file the business type over the business unit, as the page's
    draft builders do; the answer names approvers by display name, never by username."""
    url = "/api/v1/workflow/requests/route-preview/"
    User.objects.filter(pk=approvers["county_leader"].pk).update(full_name="李县长")
    staff = api_client_for(users["staff"])
    for business_unit in (tree.city_a_dept, edu):
        response = staff.post(url, {"business_type": "assets.transfer", "business_unit": business_unit.pk,
                                    "counterparty_unit": tree.county_a_agency.pk}, format="json")
        assert response.status_code == 403, business_unit
        assert response.json()["error"]["message"] == "所选单位不在您的数据范围内。"
        assert "county_leader" not in response.content.decode() and "李县长" not in response.content.decode()

    manager = api_client_for(users["a_assets"])
    body = {"business_type": "assets.transfer", "business_unit": edu.pk, "counterparty_unit": tree.county_a_agency.pk}
    response = manager.post(url, body, format="json")
    assert response.status_code == 200
    steps = response.json()["steps"]
    assert steps[1]["approvers"] == [{"id": approvers["county_leader"].pk, "name": "李县长"}]
    assert "username" not in response.content.decode() and "county_leader" not in response.content.decode()

    # The units are those submitting would use: a counterparty only for a business with two units,
    # never a department (内设机构).
    response = manager.post(url, {"business_type": "assets.disposal", "business_unit": edu.pk,
                                  "counterparty_unit": tree.county_a_agency.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["counterparty_unit"] == ["该业务类型不涉及对方单位。"]
    response = manager.post(url, {**body, "counterparty_unit": tree.city_a_dept.pk}, format="json")
    assert response.status_code == 400 and "counterparty_unit" in response.json()["error"]["fields"]
    response = manager.post(url, {"business_type": "assets.transfer"}, format="json")
    assert response.json()["error"]["fields"]["business_unit"] == ["请选择业务单位。"]
    # A type that declares no business unit belongs to the applicant's unit.
    response = manager.post(url, {"business_type": "standards.change", "business_unit": edu.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["business_unit"] == ["该业务类型的申请属于申请人所在单位。"]
