"""Acceptance 1–3 of approval flows: routing by amount, one winner per step, only eligible approvers."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jiguan.audit.models import AuditEvent
from jiguan.core.testing import run_at_once
from jiguan.workflow import services
from jiguan.workflow.models import ActionKind, ApprovalRequest, RequestStatus
from jiguan.workflow.tests.conftest import OUTCOMES


def steps_taken(request):
    return [(a.kind, a.step_name) for a in request.actions.order_by("id")]


def test_request_below_threshold_skips_finance(start_purchase, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        req = start_purchase(300000)
        assert (req.status, req.current_step.name, req.approver_unit.name) == ("pending", "单位负责人审批", "甲市教育局")
        services.request_approve(request=req, actor=people["leader"], comment="同意采购")
        req.refresh_from_db()
        assert (req.current_step.name, req.approver_unit.name) == ("市机关事务局审核", "甲市机关事务管理局")
        services.request_approve(request=req, actor=people["offices"])
    req.refresh_from_db()
    assert req.status == RequestStatus.APPROVED and req.decided_at is not None
    assert steps_taken(req) == [("submit", ""), ("approve", "单位负责人审批"), ("approve", "市机关事务局审核"),
                                ("skip", "财政审核")]
    assert req.actions.get(kind="skip").comment == "不满足条件 金额（元） ≥ 500000，自动跳过"
    assert OUTCOMES == [(req.object_id and int(req.object_id), "approved")]
    assert req.outcome_applied_at is not None


def test_request_at_threshold_goes_to_finance(start_purchase, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        req = start_purchase(600000)
        services.request_approve(request=req, actor=people["leader"])
        services.request_approve(request=ApprovalRequest.objects.get(pk=req.pk), actor=people["offices"])
        req.refresh_from_db()
        assert (req.status, req.current_step.name, req.approver_unit.name) == ("pending", "财政审核", "甲市财政局")
        assert OUTCOMES == []
        services.request_approve(request=req, actor=people["finance"], comment="预算已安排")
    req.refresh_from_db()
    assert req.status == RequestStatus.APPROVED
    assert [k for k, _ in steps_taken(req)] == ["submit", "approve", "approve", "approve"]
    assert OUTCOMES == [(int(req.object_id), "approved")]


def test_approvers_are_notified_and_see_it_in_their_todo(start_purchase, people, client_for):
    req = start_purchase(600000)
    leader = people["leader"]
    assert list(ApprovalRequest.objects.todo_for(leader)) == [req]
    assert list(ApprovalRequest.objects.todo_for(people["offices"])) == []
    assert leader.notifications.filter(title__contains="采购台式计算机").count() == 1
    page = client_for(leader).get("/workflow/todo/")
    assert page.status_code == 200
    assert "采购台式计算机" in page.content.decode()
    assert 'data-badge="/workflow/todo/">1<' in page.content.decode()


def test_outsider_cannot_approve_ui_hidden_api_403(start_purchase, people, client_for, api_client_for):
    req = start_purchase(300000)
    outsider = people["outsider"]
    assert not services.can_act(outsider, req)
    with pytest.raises(PermissionDenied):
        services.request_approve(request=req, actor=outsider)
    # The outsider cannot even see the request (it is not in scope and not routed to them).
    assert client_for(outsider).get(req.get_absolute_url()).status_code == 404
    response = api_client_for(outsider).post(f"/api/v1/workflow/requests/{req.pk}/approve/", {}, format="json")
    assert response.status_code == 404
    # The offices approver sees it (visible to the city's data scope? no: routed later) — before their
    # step they are not an approver: the page shows no buttons and the API refuses with 403.
    staff_view = client_for(people["applicant"]).get(req.get_absolute_url()).content.decode()
    assert 'id="approve"' not in staff_view and 'id="withdraw"' in staff_view
    leader_view = client_for(people["leader"]).get(req.get_absolute_url()).content.decode()
    assert 'id="approve"' in leader_view
    response = api_client_for(people["applicant"]).post(f"/api/v1/workflow/requests/{req.pk}/approve/", {},
                                                        format="json")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "申请人不能审批自己的申请。"
    req.refresh_from_db()
    assert req.current_step.order == 1


def test_stale_approval_gets_a_clear_refusal(start_purchase, people, api_client_for):
    req = start_purchase(300000)
    version = req.version
    services.request_approve(request=req, actor=people["leader"], expected_version=version)
    response = api_client_for(people["leader2"]).post(f"/api/v1/workflow/requests/{req.pk}/approve/",
                                                      {"version": version}, format="json")
    # leader2 is no longer an approver of the current step, and the version moved on: 409 or 403.
    assert response.status_code in (403, 409)
    assert ApprovalRequest.objects.get(pk=req.pk).actions.filter(kind=ActionKind.APPROVE).count() == 1


def test_two_leaders_approving_same_step_sequentially_with_same_version(start_purchase, people):
    req = start_purchase(300000)
    first = ApprovalRequest.objects.get(pk=req.pk)
    second = ApprovalRequest.objects.get(pk=req.pk)  # loaded before the first decision
    services.request_approve(request=first, actor=people["leader"])
    with pytest.raises(services.StaleRequest):
        services.request_approve(request=second, actor=people["leader2"])
    assert req.actions.filter(kind=ActionKind.APPROVE).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres_only  # real concurrent transactions
def test_two_approvers_at_once_exactly_one_succeeds(start_purchase, people):
    req = start_purchase(300000)
    before = AuditEvent.objects.filter(message__startswith="同意").count()
    # Both approvers' screens were loaded before either decided.
    screens = {name: ApprovalRequest.objects.get(pk=req.pk) for name in ("leader", "leader2")}

    def approve(name):
        def call():
            services.request_approve(request=screens[name], actor=people[name], comment=name)
            return "ok"
        return call

    outcomes = run_at_once(approve("leader"), approve("leader2"))
    assert outcomes.count("ok") == 1, outcomes
    (loser,) = [o for o in outcomes if o != "ok"]
    assert type(loser) is services.StaleRequest, repr(loser)
    assert str(loser.message) == "该申请已被他人处理或已变化，请刷新后查看最新状态。"
    assert AuditEvent.objects.filter(message__startswith="同意").count() == before + 1
    assert req.actions.filter(kind=ActionKind.APPROVE).count() == 1


def test_reject_needs_a_reason_and_ends_the_request(start_purchase, people, django_capture_on_commit_callbacks):
    req = start_purchase(300000)
    with pytest.raises(ValidationError):
        services.request_reject(request=req, actor=people["leader"], comment="  ")
    with django_capture_on_commit_callbacks(execute=True):
        services.request_reject(request=req, actor=people["leader"], comment="预算不足")
    req.refresh_from_db()
    assert req.status == RequestStatus.REJECTED
    assert OUTCOMES == [(int(req.object_id), "rejected")]
    assert people["applicant"].notifications.filter(title__startswith="审批结果").exists()


def test_return_and_resubmit_starts_again(start_purchase, people):
    req = start_purchase(300000)
    services.request_return(request=req, actor=people["leader"], comment="请补充报价单")
    req.refresh_from_db()
    assert req.status == RequestStatus.RETURNED and req.current_step is None
    services.request_submit(request=req, actor=people["applicant"])
    req.refresh_from_db()
    assert (req.status, req.current_step.order) == ("pending", 1)


def test_withdraw_only_by_applicant(start_purchase, people):
    req = start_purchase(300000)
    with pytest.raises(PermissionDenied):
        services.request_withdraw(request=req, actor=people["leader"])
    services.request_withdraw(request=req, actor=people["applicant"])
    req.refresh_from_db()
    assert req.status == RequestStatus.WITHDRAWN
    assert list(ApprovalRequest.objects.todo_for(people["leader"])) == []


def test_delegate_only_to_an_eligible_approver(start_purchase, people):
    req = start_purchase(300000)
    with pytest.raises(ValidationError):
        services.request_delegate(request=req, actor=people["leader"], to_user=people["finance"])
    services.request_delegate(request=req, actor=people["leader"], to_user=people["leader2"], comment="出差")
    req.refresh_from_db()
    assert req.assignee == people["leader2"]
    assert list(ApprovalRequest.objects.todo_for(people["leader"])) == []
    assert list(ApprovalRequest.objects.todo_for(people["leader2"])) == [req]
    assert not services.can_act(people["leader"], req)
    services.request_approve(request=req, actor=people["leader2"])
    req.refresh_from_db()
    assert req.current_step.order == 2 and req.assignee is None


def test_no_flow_configured_is_a_clear_error(purchase_type, people, city_units):
    with pytest.raises(ValidationError, match="尚未配置"):
        services.request_start(business_type="test.purchase", obj=city_units["edu"],
                               applicant=people["applicant"], title="x", values={"amount": "1"})
    assert not ApprovalRequest.objects.exists()


def test_step_without_any_approver_refuses_submission(start_purchase, people):
    from jiguan.org.models import RoleAssignment

    RoleAssignment.objects.filter(role__code="unit_leader", unit__name="甲市教育局").delete()
    with pytest.raises(ValidationError, match="找不到审批人"):
        start_purchase(300000)


def test_a_second_open_request_on_the_same_object_is_refused(purchase_type, three_step_flow, people, city_units):
    args = {"business_type": "test.purchase", "obj": city_units["edu"], "applicant": people["applicant"],
            "values": {"amount": "1"}}
    services.request_start(title="第一次", **args)
    with pytest.raises(ValidationError, match="进行中的申请"):
        services.request_start(title="第二次", **args)


def test_failed_outcome_is_recorded_and_can_be_retried(start_purchase, people, django_capture_on_commit_callbacks,
                                                       monkeypatch):
    from jiguan.workflow.tests import conftest

    calls = {"n": 0}

    def flaky(obj, outcome):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("资产状态已变化")
        conftest.OUTCOMES.append((obj.pk, outcome))

    monkeypatch.setattr(conftest, "record_outcome", flaky)
    from jiguan.workflow import registry

    registry.unregister("test.purchase")
    registry.register(registry.BusinessType(code="test.purchase", label="测试采购申请", model="org.OrgUnit",
                                            on_outcome=flaky, fields={"amount": "金额（元）"}))
    with django_capture_on_commit_callbacks(execute=True):
        req = start_purchase(100)
        services.request_approve(request=req, actor=people["leader"])
        services.request_approve(request=ApprovalRequest.objects.get(pk=req.pk), actor=people["offices"])
    req.refresh_from_db()
    assert req.status == RequestStatus.APPROVED and "资产状态已变化" in req.outcome_error
    assert req.outcome_applied_at is None
    assert services.outcome_retry(request=req, actor=people["offices"]) is True
    req.refresh_from_db()
    assert req.outcome_applied_at is not None and req.outcome_error == ""


def test_a_viewer_who_is_not_the_steps_approver_sees_no_buttons_and_gets_403(start_purchase, tree, client_for,
                                                                               api_client_for):
    from jiguan.core.testing import make_user

    # Holds workflow.view_approvalrequest over the whole of city A, but through the finance role:
    # the request is in their data scope, the current step (unit head) is not theirs.
    viewer = make_user("city_viewer", tree.city_a_agency, [("finance_approver", tree.city_a, True)])
    req = start_purchase(300000)
    page = client_for(viewer).get(req.get_absolute_url())
    assert page.status_code == 200
    body = page.content.decode()
    assert "单位负责人审批" in body and 'id="approve"' not in body and 'id="decision-form"' not in body
    response = api_client_for(viewer).post(f"/api/v1/workflow/requests/{req.pk}/approve/", {}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "您不是当前步骤的审批人。"
    req.refresh_from_db()
    assert (req.status, req.current_step.order) == ("pending", 1)
