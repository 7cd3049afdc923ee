"""Approval reminders (催办) and the pending approvals of the daily summary (每日汇总):
jiguan.workflow.reminders, run by the beat entries approval-reminders and daily-summary."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jiguan.core.context import acting_as
from jiguan.notifications import digest
from jiguan.notifications.models import Notification
from jiguan.org.models import Role
from jiguan.workflow import reminders, services
from jiguan.workflow.models import ApprovalAction, ApproverRelation, Flow, FlowStep

pytestmark = pytest.mark.django_db

HOURS = 24


def waited(request, hours: float) -> None:
    """The request reached its current step ``hours`` ago."""
    ApprovalAction.objects.filter(request=request).update(at=timezone.now() - dt.timedelta(hours=hours))


def inbox(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user).order_by("id"))


def reminders_of(user) -> list[Notification]:
    return [n for n in inbox(user) if n.title.startswith("催办")]


@pytest.fixture(autouse=True)
def threshold(settings):
    settings.JIGUAN_REMINDER_AFTER_HOURS = HOURS


def test_a_request_waiting_past_the_threshold_reminds_its_approvers_once_per_interval(start_purchase, people):
    request = start_purchase(1000)
    waited(request, HOURS + 1)
    now = timezone.now()

    assert reminders.reminders_send(now=now) == {"requests": 1, "notifications": 2}
    for approver in (people["leader"], people["leader2"]):
        [reminder] = reminders_of(approver)
        assert reminder.title == f"催办：{request.title}"
        assert "已在您这里等待 25 小时" in reminder.body
        assert reminder.url == reverse("workflow:request_detail", args=[request.pk])
    for bystander in ("applicant", "offices", "finance", "outsider"):
        assert reminders_of(people[bystander]) == []

    # Within the interval: nothing more, however often the task runs.
    assert reminders.reminders_send(now=now + dt.timedelta(hours=1)) == {"requests": 0, "notifications": 0}
    assert reminders.reminders_send(now=now + dt.timedelta(hours=HOURS - 1)) == {"requests": 0, "notifications": 0}
    assert len(reminders_of(people["leader"])) == 1
    # An interval later, still waiting: reminded again.
    assert reminders.reminders_send(now=now + dt.timedelta(hours=HOURS))["requests"] == 1
    assert len(reminders_of(people["leader"])) == 2


def test_no_reminder_before_the_threshold_nor_for_a_decided_request(start_purchase, people):
    young = start_purchase(1000, title="新申请")
    waited(young, HOURS - 1)
    rejected = start_purchase(2000, title="已驳回")
    approved_on = start_purchase(3000, title="已到下一步")
    waited(rejected, HOURS * 3)
    waited(approved_on, HOURS * 3)
    with acting_as(people["leader"]):
        services.request_reject(request=rejected, actor=people["leader"], comment="不同意")
        services.request_approve(request=approved_on, actor=people["leader"], comment="同意")

    assert reminders.reminders_send() == {"requests": 0, "notifications": 0}
    # The approved one waits at its next step (the offices administration) since just now.
    approved_on.refresh_from_db()
    assert approved_on.current_step.order == 2
    assert reminders.reminders_send(now=timezone.now() + dt.timedelta(hours=HOURS + 1)) == {
        "requests": 2, "notifications": 3}   # 新申请 to both leaders, 已到下一步 to the offices approver
    assert [n.title for n in reminders_of(people["offices"])] == [f"催办：{approved_on.title}"]
    assert all("已驳回" not in n.title + n.body for n in Notification.objects.filter(title__startswith="催办"))


def test_a_delegated_request_reminds_the_delegate_only(start_purchase, people):
    request = start_purchase(1000)
    with acting_as(people["leader"]):
        services.request_delegate(request=request, actor=people["leader"], to_user=people["leader2"],
                                  comment="请代为审批")
    waited(request, HOURS + 2)
    assert reminders.reminders_send() == {"requests": 1, "notifications": 1}
    assert len(reminders_of(people["leader2"])) == 1 and reminders_of(people["leader"]) == []


def test_several_requests_make_one_reminder_per_approver_and_cost_the_same_queries(start_purchase, people):
    first = start_purchase(1000, title="第一件")
    waited(first, HOURS + 5)
    with CaptureQueriesContext(connection) as one:
        reminders.reminders_send()
    Notification.objects.all().delete()

    more = [start_purchase(1000 + n, title=f"第{n}件") for n in (2, 3, 4)]
    for n, request in enumerate(more):
        waited(request, HOURS + 4 - n)
    with CaptureQueriesContext(connection) as many:
        assert reminders.reminders_send() == {"requests": 3, "notifications": 2}
    assert len(many) == len(one)
    [reminder] = reminders_of(people["leader"])
    assert reminder.title == "催办：3 项审批等待您处理"
    assert "最久的已等待 28 小时" in reminder.body and "第2件" in reminder.body and "第4件" in reminder.body
    assert reminder.url == reverse("workflow:todo")


def test_the_command_reminds_as_the_task_does(start_purchase, people, capsys):
    request = start_purchase(1000)
    waited(request, HOURS + 1)
    call_command("approval_reminders")
    assert "requests reminded: 1, notifications: 2" in capsys.readouterr().out
    call_command("approval_reminders")
    assert "requests reminded: 0" in capsys.readouterr().out
    assert len(reminders_of(people["leader"])) == 1


def test_the_daily_summary_counts_each_users_pending_approvals_in_their_own_units(
        start_purchase, people, tree, purchase_type):
    # A flow of city B too: 乙市's leader ("outsider") approves the requests of 乙市机关事务管理局.
    with acting_as(None):
        flow = Flow.objects.create(business_type="test.purchase", name="采购审批（乙市）", unit=tree.city_b)
        FlowStep.objects.create(flow=flow, order=1, name="单位负责人审批",
                                approver_role=Role.objects.get(code="unit_leader"),
                                relation=ApproverRelation.SAME_UNIT)
    oldest = start_purchase(1000, title="最早")
    waited(oldest, 50)
    start_purchase(2000, title="其次")
    from jiguan.core.testing import make_user

    b_staff = make_user("b_staff", tree.city_b_agency, [("staff", tree.city_b_agency, False)])
    services.request_start(business_type="test.purchase", obj=tree.city_b_agency, applicant=b_staff,
                           title="乙市申请", values={"amount": "10"})

    pending = reminders.pending_section(timezone.localdate())
    assert set(pending) == {people["leader"].pk, people["leader2"].pk, people["outsider"].pk}
    [line] = pending[people["leader"].pk]
    assert line.text.startswith("待办审批 2 项，最早的是“最早（1000 元）”")
    assert line.url == reverse("workflow:todo")
    [line] = pending[people["outsider"].pk]
    assert line.text.startswith("待办审批 1 项，最早的是“乙市申请”")

    day = timezone.localdate() - dt.timedelta(days=1)
    result = digest.daily_summary(day=day)
    assert result["sent"] >= 3 and result["skipped"] == 0
    [summary] = [n for n in inbox(people["leader"]) if n.title.startswith("每日汇总")]
    assert summary.title == f"每日汇总（{day.year}年{day.month}月{day.day}日）"
    assert "待办审批 2 项" in summary.body and summary.url == reverse("workflow:todo")
    assert [n for n in inbox(people["applicant"]) if n.title.startswith("每日汇总")] == []
    # Run again (beat and cron both, a retry): nobody gets a second one.
    again = digest.daily_summary(day=day)
    assert again == {"sent": 0, "skipped": result["sent"]}
    assert Notification.objects.filter(title=summary.title, recipient=people["leader"]).count() == 1


def test_the_summary_and_reminders_show_on_the_message_page(start_purchase, people, client_for):
    request = start_purchase(1000)
    waited(request, HOURS + 1)
    reminders.reminders_send()
    digest.daily_summary()
    page = client_for(people["leader"]).get(reverse("notifications:list"))
    assert page.status_code == 200
    text = page.content.decode()
    assert f"催办：{request.title}" in text and "每日汇总" in text and "待办审批 1 项" in text


def test_the_approvers_reminded_are_those_whose_todo_list_holds_the_request(start_purchase, people):
    """reminders.approvers() finds every request's deciders at once; 我的待办 asks per user: they agree."""
    from jiguan.workflow.models import ApprovalRequest

    at_leader = start_purchase(1000, title="单位负责人处")
    moved_on = start_purchase(2000, title="机关事务局处")
    delegated = start_purchase(3000, title="已转办")
    with acting_as(people["leader"]):
        services.request_approve(request=moved_on, actor=people["leader"], comment="同意")
        services.request_delegate(request=delegated, actor=people["leader"], to_user=people["leader2"],
                                  comment="请代为审批")
    rows = reminders._rows(reminders._pending())
    found = reminders.approvers(rows)
    for person in people.values():
        person.clear_permission_cache()
        todo = set(ApprovalRequest.objects.todo_for(person).values_list("pk", flat=True))
        assert todo == {pk for pk, users in found.items() if person.pk in users}, person.username
    assert found[at_leader.pk] == {people["leader"].pk, people["leader2"].pk}
    assert found[moved_on.pk] == {people["offices"].pk}
    assert found[delegated.pk] == {people["leader2"].pk}
