from datetime import date

from jiguan.standards.models import RequestStatus, StandardChangeRequest
from jiguan.standards.selectors import standard_value
from jiguan.workflow.models import ApprovalRequest

from .helpers import approve, propose


def test_tables_and_entries_are_readable_by_every_role_with_the_view_permission(users, api_client_for):
    api = api_client_for(users["staff"])
    response = api.get("/api/v1/standards/tables/")
    assert response.status_code == 200
    codes = [t["code"] for t in response.json()["results"]]
    assert "depreciation_life" in codes and "office_area" in codes
    table = api.get("/api/v1/standards/tables/office_area/").json()
    assert (table["name"], table["value_unit"]) == ("办公室人均使用面积标准", "m²")

    response = api.get("/api/v1/standards/entries/", {"table": "office_area", "key": "county.zhengke",
                                                       "on": "2026-01-01"})
    assert response.status_code == 200
    [entry] = response.json()["results"]
    assert (entry["table"], entry["name"], entry["value"], entry["unit"]) == ("office_area", "正科级", "18.000000",
                                                                              "m²")
    assert (entry["confidence"], entry["source"]) == ("S", "《党政机关办公用房建设标准》（2014）")
    assert (entry["effective_from"], entry["effective_to"], entry["version"]) == ("2014-01-01", None, 1)
    # Before the standard: nothing in force.
    response = api.get("/api/v1/standards/entries/", {"table": "office_area", "key": "county.zhengke",
                                                       "on": "2013-12-31"})
    assert response.json()["count"] == 0
    assert api.get("/api/v1/standards/entries/", {"table": "office_area", "on": "nope"}).status_code == 400
    for name in ("auditor", "secadmin"):
        assert api_client_for(users[name]).get("/api/v1/standards/entries/").status_code == 403, name
    assert api.get("/api/v1/standards/change-requests/").status_code == 403  # staff: no view permission
    assert api.post("/api/v1/standards/entries/", {}).status_code == 405  # read-only


def test_entries_without_a_date_return_every_version(users, flow, approver, api_client_for):
    approve(propose(users["sysadmin"], key="vehicle", value="10"), approver)
    api = api_client_for(users["a_assets"])
    response = api.get("/api/v1/standards/entries/", {"table": "depreciation_life", "key": "vehicle"})
    assert [(e["version"], e["value"], e["effective_to"]) for e in response.json()["results"]] == [
        (1, "8.000000", "2027-01-01"), (2, "10.000000", None)]
    assert response.json()["results"][1]["approved_by_name"] == "std_approver"
    for on, value in (("2026-12-31", "8.000000"), ("2027-01-01", "10.000000")):
        response = api.get("/api/v1/standards/entries/", {"table": "depreciation_life", "key": "vehicle", "on": on})
        assert [e["value"] for e in response.json()["results"]] == [value]


def test_change_request_created_in_the_standards_api_and_approved_in_the_workflow_api(
        users, flow, approver, api_client_for, django_capture_on_commit_callbacks):
    requester = api_client_for(users["sysadmin"])
    response = requester.post("/api/v1/standards/change-requests/", {
        "table": "energy_factor", "key": "electricity", "value": "0.1230", "effective_from": "2027-01-01",
        "reason": "按新版 GB/T 2589 调整", "submit": True})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["name"], body["unit"], body["confidence"]) == ("pending", "电力（当量值）",
                                                                               "kgce/kWh", "C")
    pk, approval_id = body["id"], body["approval_request"]
    assert body["approval_status"] == "pending"
    assert api_client_for(users["staff"]).post("/api/v1/standards/change-requests/", {
        "table": "energy_factor", "key": "electricity", "value": "1", "effective_from": "2027-01-01",
        "reason": "x"}).status_code == 403
    # Validation errors come back per field.
    response = requester.post("/api/v1/standards/change-requests/", {
        "table": "energy_factor", "key": "electricity", "value": "1", "effective_from": "2010-01-01", "reason": "x"})
    assert response.status_code == 400
    assert "必须晚于现行版本" in response.json()["error"]["fields"]["effective_from"][0]

    api = api_client_for(approver)
    assert api.get("/api/v1/standards/change-requests/", {"status": "pending"}).json()["count"] == 1
    assert api.get("/api/v1/standards/change-requests/", {"box": "pending"}).json()["count"] == 1
    assert api.get("/api/v1/standards/change-requests/", {"box": "mine"}).json()["count"] == 0
    assert requester.get("/api/v1/standards/change-requests/", {"box": "mine", "table": "energy_factor"}
                         ).json()["results"][0]["approval_request"] == approval_id
    todo = api.get("/api/v1/workflow/requests/", {"todo": "true"}).json()["results"]
    assert [(r["id"], r["business_type"], r["object_id"]) for r in todo] == [(approval_id, "standards.change",
                                                                               str(pk))]
    response = api.post(f"/api/v1/workflow/requests/{approval_id}/reject/", {}, format="json")
    assert response.status_code == 400  # a reason is required
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/workflow/requests/{approval_id}/approve/",
                            {"version": todo[0]["version"], "comment": "同意"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "approved" and response.json()["outcome_error"] == ""
    body = api.get(f"/api/v1/standards/change-requests/{pk}/").json()
    assert (body["status"], body["decided_by"], body["decision_comment"], body["approval_status"]) == (
        "approved", approver.pk, "同意", "approved")
    assert str(standard_value("energy_factor", "electricity", date(2027, 1, 1)).value) == "0.123000"
    assert str(standard_value("energy_factor", "electricity", date(2026, 12, 31)).value) == "0.122900"


def test_submit_and_withdraw_through_the_api(users, flow, approver, api_client_for):
    cr = propose(users["sysadmin"], submit=False)
    api = api_client_for(users["sysadmin"])
    response = api.post(f"/api/v1/standards/change-requests/{cr.pk}/submit/")
    assert response.status_code == 200 and response.json()["status"] == "pending"
    approval_id = response.json()["approval_request"]
    assert ApprovalRequest.objects.get(pk=approval_id).status == "pending"
    response = api.post(f"/api/v1/standards/change-requests/{cr.pk}/withdraw/")
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    assert response.json()["approval_status"] == "withdrawn"
    assert api.post(f"/api/v1/standards/change-requests/{cr.pk}/withdraw/").status_code == 409
    assert StandardChangeRequest.objects.get(pk=cr.pk).status == RequestStatus.WITHDRAWN


def test_submit_without_a_flow_is_refused_with_a_clear_message(users, approver, api_client_for):
    cr = propose(users["sysadmin"], submit=False)
    response = api_client_for(users["sysadmin"]).post(f"/api/v1/standards/change-requests/{cr.pk}/submit/")
    assert response.status_code == 400
    assert "尚未配置“数据标准变更”的审批流程" in response.json()["error"]["fields"]["non_field_errors"][0]
    assert StandardChangeRequest.objects.get(pk=cr.pk).status == RequestStatus.DRAFT
