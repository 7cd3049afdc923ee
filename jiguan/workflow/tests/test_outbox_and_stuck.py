"""Issue 16, approvals 2 and 3: a request that becomes stuck later says why and tells the people who
can help; a decided outcome is never lost (outbox, task, sweep, 重新执行 on the page and in the API)."""

from io import StringIO

from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from jiguan.org.models import RoleAssignment, User
from jiguan.workflow import registry, services
from jiguan.workflow.models import ApprovalRequest, OutcomeOutbox, RequestStatus
from jiguan.workflow.tests import conftest
from jiguan.workflow.tests.conftest import OUTCOMES


def sweep() -> str:
    out = StringIO()
    call_command("workflow_sweep", "--min-age", "0", stdout=out)
    return out.getvalue()


def decide_without_commit_hooks(req, people):
    """Approve both steps; the test transaction never commits, so no on_commit hook runs: this is the
    web process dying between the decision's commit and the outcome."""
    services.request_approve(request=req, actor=people["leader"])
    services.request_approve(request=ApprovalRequest.objects.get(pk=req.pk), actor=people["offices"])
    req.refresh_from_db()
    return req


# 3. Outcomes are never lost ---------------------------------------------------------------------


def test_a_decided_request_whose_hook_never_ran_is_applied_by_the_sweep(start_purchase, people, users,
                                                                       client_for):
    req = decide_without_commit_hooks(start_purchase(100), people)
    assert req.status == RequestStatus.APPROVED and req.outcome_applied_at is None and OUTCOMES == []
    row = OutcomeOutbox.objects.get(request=req)        # written in the deciding transaction
    assert (row.outcome, row.actor, row.applied_at) == ("approved", people["offices"], None)
    page = client_for(users["sysadmin"]).get(req.get_absolute_url()).content.decode()
    assert "审批已办结，业务处理尚未完成（系统将自动重试）。" in page and 'id="retry"' in page

    assert "outcomes applied: 1, failed: 0" in sweep()
    req.refresh_from_db()
    assert OUTCOMES == [(int(req.object_id), "approved")] and req.outcome_applied_at is not None
    assert "outcomes applied: 0" in sweep()               # exactly once
    assert OUTCOMES == [(int(req.object_id), "approved")]
    assert 'id="outcome-pending"' not in client_for(users["sysadmin"]).get(req.get_absolute_url()).content.decode()


def test_the_outcome_task_runs_after_commit(start_purchase, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        req = decide_without_commit_hooks(start_purchase(100), people)
    assert OUTCOMES == [(int(req.object_id), "approved")]
    assert OutcomeOutbox.objects.get(request=req).applied_at is not None


def test_the_sweep_is_scheduled_and_a_task(start_purchase, people):
    from jiguan.workflow import tasks

    assert settings.CELERY_BEAT_SCHEDULE["workflow-sweep"]["task"] == tasks.sweep.name
    req = decide_without_commit_hooks(start_purchase(100), people)
    result = tasks.sweep.delay(0).get()                 # eager here, as in the embedded default
    assert result["outcomes"] == {"applied": 1, "failed": 0}
    req.refresh_from_db()
    assert req.outcome_applied_at is not None


def failing_type(monkeypatch, fails: int):
    calls = {"n": 0}

    def flaky(obj, outcome):
        calls["n"] += 1
        if calls["n"] <= fails:
            raise RuntimeError("资产状态已变化")
        conftest.OUTCOMES.append((obj.pk, outcome))

    registry.unregister("test.purchase")
    registry.register(registry.BusinessType(code="test.purchase", label="测试采购申请", model="org.OrgUnit",
                                            on_outcome=flaky, fields={"amount": "金额（元）"}))
    return calls


def test_a_failing_handler_is_retried_with_back_off_and_its_error_is_shown(start_purchase, people, users,
                                                                           client_for, monkeypatch):
    calls = failing_type(monkeypatch, fails=2)
    req = decide_without_commit_hooks(start_purchase(100), people)
    assert "outcomes applied: 0, failed: 1" in sweep()
    req.refresh_from_db()
    row = OutcomeOutbox.objects.get(request=req)
    assert "资产状态已变化" in req.outcome_error and row.attempts == 1 and row.next_attempt_at > timezone.now()
    page = client_for(users["sysadmin"]).get(req.get_absolute_url()).content.decode()
    assert "业务处理失败" in page and "RuntimeError: 资产状态已变化" in page and 'id="retry"' in page
    # An approver who cannot configure flows sees the error but no button.
    assert 'id="retry"' not in client_for(people["offices"]).get(req.get_absolute_url()).content.decode()

    assert "outcomes applied: 0, failed: 0" in sweep()   # backing off: not yet
    OutcomeOutbox.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert "failed: 1" in sweep()
    OutcomeOutbox.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert "outcomes applied: 1" in sweep()
    req.refresh_from_db()
    assert calls["n"] == 3 and req.outcome_applied_at is not None and req.outcome_error == ""


def test_retry_on_the_page_and_in_the_api(start_purchase, people, users, client_for, api_client_for,
                                          monkeypatch):
    failing_type(monkeypatch, fails=2)
    req = decide_without_commit_hooks(start_purchase(100), people)
    sweep()
    url = f"/api/v1/workflow/requests/{req.pk}/retry/"
    response = api_client_for(people["offices"]).post(url, {}, format="json")
    assert response.status_code == 403
    response = api_client_for(users["sysadmin"]).post(url, {}, format="json")
    assert response.status_code == 200
    assert response.json()["outcome_applied_at"] is None and "资产状态已变化" in response.json()["outcome_error"]
    page = client_for(users["sysadmin"]).post(f"/workflow/requests/{req.pk}/retry/", {"version": req.version},
                                              follow=True).content.decode()
    assert "业务处理已完成。" in page
    req.refresh_from_db()
    assert req.outcome_applied_at is not None
    response = api_client_for(people["offices"]).post(url, {}, format="json")   # nothing left to retry
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["non_field_errors"] == ["该申请没有待重试的业务处理。"]


# 2. A request that becomes stuck later ----------------------------------------------------------


def test_an_approver_deactivated_later_marks_the_request_stuck_and_tells_applicant_and_admins(
        start_purchase, people, users, client_for):
    req = start_purchase(100)
    User.objects.filter(pk__in=[people["leader"].pk, people["leader2"].pk]).update(is_active=False)
    assert "requests marked stuck: 1" in sweep()
    req.refresh_from_db()
    reason = "步骤“单位负责人审批”找不到审批人（角色：单位负责人，单位：甲市教育局），请联系系统管理员检查审批流程配置或角色授权。"
    assert req.stuck_reason == reason and req.stuck_at is not None
    for user in (people["applicant"], users["sysadmin"]):
        assert user.notifications.filter(title__startswith="审批无法继续", body=reason).count() == 1
    assert not people["offices"].notifications.filter(title__startswith="审批无法继续").exists()
    page = client_for(people["applicant"]).get(req.get_absolute_url()).content.decode()
    assert "该申请无法继续审批" in page and reason in page
    assert "requests marked stuck: 0" in sweep()          # told once
    assert people["applicant"].notifications.filter(title__startswith="审批无法继续").count() == 1

    User.objects.filter(pk=people["leader"].pk).update(is_active=True)
    assert "cleared: 1" in sweep()
    req.refresh_from_db()
    assert req.stuck_reason == ""
    assert "该申请无法继续审批" not in client_for(people["applicant"]).get(req.get_absolute_url()).content.decode()


def test_an_approval_that_cannot_route_on_is_refused_and_marks_the_request_stuck(start_purchase, people, users,
                                                                                 client_for):
    req = start_purchase(600000)
    services.request_approve(request=req, actor=people["leader"])
    RoleAssignment.objects.filter(user=people["finance"]).delete()  # the finance approver moved away
    page = client_for(people["offices"]).post(f"/workflow/requests/{req.pk}/approve/",
                                              {"version": ApprovalRequest.objects.get(pk=req.pk).version},
                                              follow=True).content.decode()
    reason = "步骤“财政审核”找不到审批人（角色：财政审核人，单位：甲市财政局），请联系系统管理员检查审批流程配置或角色授权。"
    assert reason in page
    req.refresh_from_db()
    assert (req.current_step.name, req.stuck_reason) == ("市机关事务局审核", reason)
    assert users["sysadmin"].notifications.filter(title__startswith="审批无法继续").count() == 1
    assert people["applicant"].notifications.filter(title__startswith="审批无法继续").count() == 1
    response = client_for(people["applicant"]).get(f"/api/v1/workflow/requests/{req.pk}/")
    assert response.json()["stuck_reason"] == reason
