"""Review of issue 16's approvals: the applicant is never an approver of their own request (待办, the
request page, 转办); marking a request stuck never overwrites one that moved on; the stuck sweep
checks every pending request across runs with queries that do not grow with the requests."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiguan.audit.models import AuditEvent
from jiguan.core.context import acting_as
from jiguan.core.testing import make_user
from jiguan.org import services as org_services
from jiguan.org.models import OrgKind, User
from jiguan.workflow import services
from jiguan.workflow.models import ApprovalRequest, RequestStatus

from .test_outbox_and_stuck import sweep

TODO = "待办："
NOBODY = "步骤“单位负责人审批”找不到审批人（角色：单位负责人，单位：甲市教育局），请联系系统管理员检查审批流程配置或角色授权。"


def approvers_line(page: str) -> str:
    match = re.search(r"当前可审批人：([^<]*)</div>", page)
    return match.group(1) if match else ""


# 12. The applicant is no approver of their own request ------------------------------------------


def test_a_leader_filing_is_neither_told_nor_listed_as_approver_of_their_own_request(
        three_step_flow, people, city_units, client_for):
    leader, leader2 = people["leader"], people["leader2"]
    req = services.request_start(business_type="test.purchase", obj=city_units["edu"], applicant=leader,
                                 title="采购复印机", values={"amount": "3000"})
    assert req.status == RequestStatus.PENDING and req.approver_unit == city_units["edu"]
    assert not leader.notifications.filter(title__startswith=TODO).exists()
    assert leader2.notifications.filter(title=f"{TODO}采购复印机").count() == 1
    for viewer in (leader, leader2):
        page = client_for(viewer).get(req.get_absolute_url()).content.decode()
        assert approvers_line(page) == leader2.display_name, viewer
    # Nobody hands the step to the applicant on the page: refused as no choice of the step.
    response = client_for(leader2).post(f"/workflow/requests/{req.pk}/delegate/",
                                        {"version": req.version, "delegate_to": leader.pk}, follow=True)
    assert "提交的数据有误" in response.content.decode()
    req.refresh_from_db()
    assert req.assignee_id is None


# 8. Marking stuck only what is still where the reason was found ---------------------------------


def test_the_sweep_never_marks_a_request_that_moved_on_while_it_was_checked(start_purchase, people, users,
                                                                            monkeypatch):
    req = start_purchase(100)
    original = services.stuck_reason

    def reason_then_approved(request, *args):
        reason = original(request, *args)
        assert reason == ""
        # Meanwhile the leader approves; then the sweep finds (for the version it read) a reason.
        services.request_approve(request=ApprovalRequest.objects.get(pk=request.pk), actor=people["leader"])
        return NOBODY

    monkeypatch.setattr(services, "stuck_reason", reason_then_approved)
    audited = AuditEvent.objects.count()
    assert "requests marked stuck: 0" in sweep()
    req.refresh_from_db()
    assert (req.current_step.name, req.stuck_reason, req.stuck_at) == ("市机关事务局审核", "", None)
    assert not AuditEvent.objects.filter(pk__gt=0, message__startswith="无法继续审批").exists()
    assert AuditEvent.objects.count() == audited + 1  # the approval only
    for user in (people["applicant"], users["sysadmin"]):
        assert not user.notifications.filter(title__startswith="审批无法继续").exists()


# 14. The stuck sweep covers every pending request -----------------------------------------------


def pending_requests(people, city_units, count, prefix="clerk"):
    """``count`` pending requests, each for a unit of its own (one open request per object), filed by
    staff of the bureau's office: all routed to the bureau's leaders."""
    made = []
    with acting_as(None):
        objects = [org_services.orgunit_create(parent=city_units["edu"], kind=OrgKind.DEPARTMENT,
                                               name=f"{prefix}科{n}") for n in range(count)]
    for n, obj in enumerate(objects):
        applicant = make_user(f"{prefix}{n}", city_units["office"], [("staff", city_units["office"], False)])
        made.append(services.request_start(business_type="test.purchase", obj=obj, applicant=applicant,
                                           title=f"采购{n}", values={"amount": str(100 + n)}))
    return made


def test_the_sweep_goes_on_where_it_stopped_until_every_pending_request_is_checked(
        three_step_flow, people, city_units):
    made = pending_requests(people, city_units, 5)
    User.objects.filter(pk__in=[people["leader"].pk, people["leader2"].pk]).update(is_active=False)
    runs = [services.stuck_sweep(limit=2) for _ in range(3)]
    assert set(ApprovalRequest.objects.filter(pk__in=[r.pk for r in made]).values_list("stuck_reason", flat=True)) \
        == {NOBODY}
    assert sum(r["stuck"] for r in runs) == 5
    assert [r["checked"] for r in runs] == [2, 2, 2]  # the third run: the newest, then the oldest again
    # Unbounded, a run checks each pending request once, starting where the last one stopped.
    User.objects.filter(pk=people["leader"].pk).update(is_active=True)
    result = services.stuck_sweep(limit=100, batch=2)
    assert (result["checked"], result["cleared"]) == (5, 5)
    assert not ApprovalRequest.objects.exclude(stuck_reason="").exists()


def test_the_sweeps_queries_do_not_grow_with_the_pending_requests(three_step_flow, people, city_units):
    def queries_of_a_sweep():
        with CaptureQueriesContext(connection) as captured:
            result = services.stuck_sweep()
        assert result["stuck"] == result["cleared"] == 0
        return len(captured.captured_queries)

    pending_requests(people, city_units, 3, prefix="early")
    few = queries_of_a_sweep()
    pending_requests(people, city_units, 15, prefix="late")
    many = queries_of_a_sweep()
    assert many == few, (few, many)
    assert few <= 12, few
    assert services.stuck_sweep()["checked"] == 18
