"""Acceptance 1: a three-step flow configured through the UI (and the API) routes two requests
differently by amount."""

from jiguan.org.models import Role
from jiguan.workflow import services
from jiguan.workflow.models import ApprovalRequest, Flow, RequestStatus


def configure_in_ui(client, tree):
    response = client.post("/workflow/flows/new/", {
        "business_type": "test.purchase", "name": "采购审批（甲市）", "unit": tree.city_a.pk, "is_active": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    flow = Flow.objects.get(name="采购审批（甲市）")
    roles = {r.code: r.pk for r in Role.objects.all()}
    steps = [
        {"order": 1, "name": "单位负责人审批", "approver_role": roles["unit_leader"], "relation": "same_unit"},
        {"order": 2, "name": "市机关事务局审核", "approver_role": roles["offices_approver"],
         "relation": "nearest_named", "unit_keyword": "机关事务"},
        {"order": 3, "name": "财政审核", "approver_role": roles["finance_approver"], "relation": "nearest_named",
         "unit_keyword": "财政", "condition_field": "amount", "condition_operator": "gte",
         "condition_value": "500000"},
    ]
    for step in steps:
        response = client.post(f"/workflow/flows/{flow.pk}/steps/new/", step)
        assert response.status_code == 302, response.content.decode()[:3000]
    return flow


def walk(req, people, *approvers):
    for name in approvers:
        services.request_approve(request=ApprovalRequest.objects.get(pk=req.pk), actor=people[name])
    return ApprovalRequest.objects.get(pk=req.pk)


def test_flow_configured_in_ui_routes_by_amount(purchase_type, tree, people, users, city_units, client_for):
    client = client_for(users["sysadmin"])
    flow = configure_in_ui(client, tree)
    page = client.get(flow.get_absolute_url()).content.decode()
    assert "财政审核" in page and "≥ 500000" in page
    # 试算 on the flow page shows the finance step struck through for a small amount.
    preview = client.get(flow.get_absolute_url(), {"unit": city_units["edu"].pk, "amount": "300000"}).content.decode()
    assert "跳过" in preview and "甲市机关事务管理局" in preview

    def start(obj, amount):
        return services.request_start(business_type="test.purchase", obj=obj, applicant=people["applicant"],
                                      title=f"采购 {amount}", values={"amount": amount})

    small = walk(start(city_units["edu"], "300000"), people, "leader", "offices")
    large = walk(start(city_units["office"], "600000"), people, "leader", "offices")
    assert small.status == RequestStatus.APPROVED
    assert (large.status, large.current_step.name) == (RequestStatus.PENDING, "财政审核")
    large = walk(large, people, "finance")
    assert large.status == RequestStatus.APPROVED


def test_step_form_refuses_incomplete_condition(purchase_type, tree, users, client_for):
    client = client_for(users["sysadmin"])
    client.post("/workflow/flows/new/", {"business_type": "test.purchase", "name": "流程", "unit": tree.city_a.pk,
                                         "is_active": "on"})
    flow = Flow.objects.get(name="流程")
    response = client.post(f"/workflow/flows/{flow.pk}/steps/new/", {
        "order": 1, "name": "财政审核", "approver_role": Role.objects.get(code="finance_approver").pk,
        "relation": "nearest_named", "unit_keyword": "", "condition_field": "amount"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "请填写单位名称关键字" in body and "设置条件时须同时选择比较方式并填写条件值" in body
    assert not flow.steps.exists()


def test_flow_configured_through_api_routes_by_amount(purchase_type, tree, people, users, city_units,
                                                      api_client_for):
    api = api_client_for(users["sysadmin"])
    response = api.post("/api/v1/workflow/flows/", {"business_type": "test.purchase", "name": "采购审批（API）",
                                                   "unit": tree.city_a.pk, "is_active": True}, format="json")
    assert response.status_code == 201, response.json()
    flow_id = response.json()["id"]
    roles = {r.code: r.pk for r in Role.objects.all()}
    for step in [
        {"order": 1, "name": "单位负责人审批", "approver_role": roles["unit_leader"], "relation": "same_unit"},
        {"order": 2, "name": "市机关事务局审核", "approver_role": roles["offices_approver"],
         "relation": "nearest_named", "unit_keyword": "机关事务"},
        {"order": 3, "name": "财政审核", "approver_role": roles["finance_approver"], "relation": "nearest_named",
         "unit_keyword": "财政", "condition_field": "amount", "condition_operator": "gte",
         "condition_value": "500000.00"},
    ]:
        response = api.post("/api/v1/workflow/steps/", {"flow": flow_id, **step}, format="json")
        assert response.status_code == 201, response.json()
    assert [s["name"] for s in api.get(f"/api/v1/workflow/flows/{flow_id}/").json()["steps"]] == [
        "单位负责人审批", "市机关事务局审核", "财政审核"]

    def start(obj, amount):
        return services.request_start(business_type="test.purchase", obj=obj, applicant=people["applicant"],
                                      title=f"采购 {amount}", values={"amount": amount})

    small, large = start(city_units["edu"], "300000"), start(city_units["office"], "600000")
    for req in (small, large):
        for name in ("leader", "offices"):
            body = api_client_for(people[name]).get("/api/v1/workflow/requests/", {"todo": "true"}).json()
            assert req.pk in [r["id"] for r in body["results"]]
            version = ApprovalRequest.objects.get(pk=req.pk).version
            response = api_client_for(people[name]).post(f"/api/v1/workflow/requests/{req.pk}/approve/",
                                                         {"version": version, "comment": "同意"}, format="json")
            assert response.status_code == 200, response.json()
    assert api_client_for(people["applicant"]).get(f"/api/v1/workflow/requests/{small.pk}/").json()["status"] \
        == "approved"
    body = api_client_for(people["finance"]).get("/api/v1/workflow/requests/", {"todo": "true"}).json()
    assert [r["id"] for r in body["results"]] == [large.pk]
    stale = api_client_for(people["finance"]).post(f"/api/v1/workflow/requests/{large.pk}/approve/",
                                                   {"version": 0}, format="json")
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "conflict"


def test_only_configurers_can_create_flows(purchase_type, tree, users, client_for, api_client_for):
    assert client_for(users["a_assets"]).get("/workflow/flows/new/").status_code == 403
    response = api_client_for(users["auditor"]).post("/api/v1/workflow/flows/", {
        "business_type": "test.purchase", "name": "x", "unit": tree.city_a.pk}, format="json")
    assert response.status_code == 403


def test_a_second_active_flow_for_the_same_unit_is_refused_in_chinese(three_step_flow, tree, users, client_for,
                                                                      api_client_for):
    response = client_for(users["sysadmin"]).post("/workflow/flows/new/", {
        "business_type": "test.purchase", "name": "重复流程", "unit": tree.city_a.pk, "is_active": "on"})
    assert response.status_code == 200
    assert "该单位已有启用的同类审批流程" in response.content.decode()
    response = api_client_for(users["sysadmin"]).post("/api/v1/workflow/flows/", {
        "business_type": "test.purchase", "name": "重复流程", "unit": tree.city_a.pk, "is_active": True},
        format="json")
    assert response.status_code == 400
    assert "该单位已有启用的同类审批流程" in str(response.json()["error"]["fields"])
    assert Flow.objects.filter(name="重复流程").count() == 0


def test_a_step_that_requests_went_through_cannot_be_deleted(start_purchase, three_step_flow, users, client_for):
    start_purchase(300000)
    step = three_step_flow.steps.get(order=1)
    client = client_for(users["sysadmin"])
    response = client.post(f"/workflow/flows/{three_step_flow.pk}/steps/{step.pk}/", {"delete": "1"}, follow=True)
    assert response.status_code == 200
    assert "该步骤已有申请经过，不能删除" in response.content.decode()
    assert three_step_flow.steps.filter(pk=step.pk).exists()
