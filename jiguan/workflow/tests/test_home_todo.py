"""Approvals people decide on the spot (issue 19): 我的待办 on the home page, approvable there; the
approval page shows what is decided (a document's fields and lines) and 同意并处理下一条; 待办
messages clear when the step is decided; the applicant hears of each step."""

from decimal import Decimal

import pytest
from django.urls import reverse

from jiguan.notifications.models import Notification
from jiguan.workflow.models import RequestStatus

pytestmark = pytest.mark.django_db

HOME = "/"


def unread(user, prefix):
    return list(Notification.objects.filter(recipient=user, read_at__isnull=True, title__startswith=prefix)
                .values_list("title", flat=True))


def test_the_leader_approves_from_the_home_page_and_stays_there(start_purchase, people, client_for):
    big = start_purchase(Decimal("600000"), title="采购服务器")
    small = start_purchase(Decimal("3000"))
    leader = client_for(people["leader"])
    assert unread(people["leader"], "待办") and unread(people["leader2"], "待办")

    html = leader.get(HOME).content.decode()
    assert 'id="panel-workflowtodo"' in html and 'data-count="2"' in html
    assert big.title in html and small.title in html
    assert "600,000.00 元" in html and "3,000.00 元" in html          # money with thousands separators
    assert f"{people['applicant'].display_name}（甲市教育局办公室）" in html   # who asks, from which unit

    response = leader.post(reverse("workflow:request_action", args=[big.pk, "approve"]),
                           {"version": big.version, "next": HOME})
    assert response.status_code == 302 and response["Location"] == HOME
    big.refresh_from_db()
    assert big.status == RequestStatus.PENDING and big.current_step.name == "市机关事务局审核"
    page = leader.get(HOME).content.decode()
    assert f"已同意：{big.title}。" in page                           # the message on the home page
    assert 'data-count="1"' in page and big.title not in page.split('id="home-todo"')[1].split("</section>")[0]

    # The step's 待办 messages are cleared for both leaders; the next approver has one; the
    # applicant is told where the request went.
    assert [t for t in unread(people["leader"], "待办") if big.title in t] == []
    assert [t for t in unread(people["leader2"], "待办") if big.title in t] == []
    assert unread(people["offices"], "待办") == [f"待办：{big.title}"]
    progress = Notification.objects.get(recipient=people["applicant"], title=f"审批进度：{big.title}")
    assert "同意：单位负责人审批" in progress.body and "市机关事务局审核" in progress.body


def test_a_next_that_leaves_the_site_is_ignored(start_purchase, people, client_for):
    request = start_purchase(Decimal("3000"))
    response = client_for(people["leader"]).post(reverse("workflow:request_action", args=[request.pk, "approve"]),
                                                 {"version": request.version, "next": "//evil.example/"})
    assert response["Location"] == request.get_absolute_url()


def test_the_home_panel_says_when_nothing_waits(people, client_for, three_step_flow):
    html = client_for(people["leader"]).get(HOME).content.decode()
    assert 'id="panel-workflowtodo"' in html and "没有等待您审批的申请。" in html


def test_administrators_get_no_todo_panel(users, client_for):
    html = client_for(users["sysadmin"]).get(HOME).content.decode()
    assert 'id="panel-workflowtodo"' not in html


def test_approve_and_go_on_to_the_next_request(start_purchase, people, client_for):
    first, second = start_purchase(Decimal("1000"), title="第一项"), start_purchase(Decimal("2000"), title="第二项")
    leader = client_for(people["leader"])
    page = leader.get(first.get_absolute_url()).content.decode()
    assert 'id="approve-next"' in page and "同意并处理下一条" in page
    response = leader.post(reverse("workflow:request_action", args=[first.pk, "approve_next"]),
                           {"version": first.version})
    assert response["Location"] == second.get_absolute_url()
    page = leader.get(second.get_absolute_url()).content.decode()
    assert "下面是下一条待办" in page and 'id="approve-next"' not in page   # the last one: no next
    response = leader.post(reverse("workflow:request_action", args=[second.pk, "approve_next"]),
                           {"version": second.version})
    assert response["Location"] == reverse("workflow:todo")
    assert "待办已全部处理完" in leader.get(reverse("workflow:todo")).content.decode()


def test_a_handed_on_request_clears_the_others_todo(start_purchase, people, client_for):
    from jiguan.core.context import acting_as
    from jiguan.workflow import services

    request = start_purchase(Decimal("3000"))
    with acting_as(people["leader"]):
        services.request_delegate(request=request, actor=people["leader"], to_user=people["leader2"])
    assert unread(people["leader"], "待办") == []
    assert unread(people["leader2"], "待办") == [f"待办：{request.title}"]


def test_staff_whose_roles_approve_nothing_get_no_empty_panel(people, client_for, three_step_flow):
    html = client_for(people["applicant"]).get(HOME).content.decode()   # 普通工作人员: approves no step
    assert 'id="panel-workflowtodo"' not in html
