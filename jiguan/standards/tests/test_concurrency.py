"""Two standards approvers deciding the same change request at once: exactly one succeeds (the
workflow's conditional UPDATE), the other gets StaleRequest (409 in the API), and there is one
approval in the audit trail and one new version."""

import threading
import time
from datetime import date

import pytest
from django.db import connection, transaction
from rest_framework.test import APIClient

from jiguan.core.context import acting_as
from jiguan.core.testing import build_tree, make_user
from jiguan.standards import services
from jiguan.standards.models import RequestStatus, StandardEntry, StandardTable
from jiguan.workflow import services as workflow
from jiguan.workflow.models import ActionKind, ApprovalRequest

from .helpers import approval_events, approval_of, approve, propose, state_events

CONFLICT = workflow.StaleRequest.message  # 该申请已被他人处理或已变化，请刷新后查看最新状态。


def test_the_second_approval_of_a_stale_copy_is_refused(users, flow, approvers, django_capture_on_commit_callbacks):
    cr = propose(users["sysadmin"])
    first = ApprovalRequest.objects.get(pk=approval_of(cr).pk)
    second = ApprovalRequest.objects.get(pk=first.pk)  # loaded before the first approval: still pending
    with acting_as(approvers[0], channel="web"), django_capture_on_commit_callbacks(execute=True):
        workflow.request_approve(request=first, actor=approvers[0])
    with acting_as(approvers[1], channel="web"), pytest.raises(workflow.StaleRequest) as error:
        workflow.request_approve(request=second, actor=approvers[1])
    assert error.value.message == CONFLICT
    cr.refresh_from_db()
    assert (cr.status, cr.decided_by) == (RequestStatus.APPROVED, approvers[0])
    assert len(state_events(cr, "approved")) == 1
    assert [e.actor for e in approval_events(first)] == [approvers[0]]
    assert StandardEntry.objects.filter(table__code="depreciation_life", key="computer").count() == 2


def test_the_second_approver_gets_409_in_the_api_and_a_message_on_the_page(
        users, flow, approvers, client_for, api_client_for, django_capture_on_commit_callbacks):
    cr = propose(users["sysadmin"])
    approval = approval_of(cr)
    version = approval.version  # what both approvers' screens show
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client_for(approvers[0]).post(f"/api/v1/workflow/requests/{approval.pk}/approve/",
                                                     {"version": version, "comment": "同意"}, format="json")
    assert response.status_code == 200, response.json()
    response = api_client_for(approvers[1]).post(f"/api/v1/workflow/requests/{approval.pk}/approve/",
                                                 {"version": version}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["message"] == CONFLICT
    response = client_for(approvers[1]).post(f"/workflow/requests/{approval.pk}/reject/",
                                             {"version": version, "comment": "晚了"}, follow=True)
    assert CONFLICT in [str(m) for m in response.context["messages"]]
    # Someone who was never the step's approver still learns nothing.
    assert api_client_for(users["a_assets"]).post(f"/api/v1/workflow/requests/{approval.pk}/approve/", {},
                                                  format="json").status_code == 404
    cr.refresh_from_db()
    assert (cr.status, cr.decided_by, cr.decision_comment) == (RequestStatus.APPROVED, approvers[0], "同意")
    assert len(state_events(cr, "approved")) == 1 and not state_events(cr, "rejected")
    assert approval.actions.filter(kind__in=[ActionKind.APPROVE, ActionKind.REJECT]).count() == 1


def race_setup():
    """Transactional tests: the shipped data may have been flushed by an earlier one, so build our own
    tree, table (version 1 of key "k"), flow and a pending request for version 2."""
    tree = build_tree()
    requester = make_user("sysadmin", tree.prov_agency, [("system_admin", tree.province, True)])
    approvers = [make_user(f"std_approver{i}", tree.prov_agency, [("standards_approver", tree.province, True)])
                 for i in (1, 2)]
    with acting_as(requester):
        services.table_create(code="race_test", name="并发测试", value_label="年限", value_unit="年",
                              default_source="测试文件")
    with acting_as(None, channel="command"):
        services.default_flow_ensure(unit=tree.province)
    approve(propose(requester, table="race_test", key="k", value="6", name="测试", confidence="C",
                    effective_from=date(2026, 1, 1)), approvers[0])
    cr = propose(requester, table="race_test", key="k", value="5", effective_from=date(2027, 1, 1))
    return cr, approvers


def assert_one_approval(cr, outcomes):
    assert sorted(outcomes.values(), key=lambda v: v != "ok") == ["ok", CONFLICT], outcomes
    winner = next(name for name, result in outcomes.items() if result == "ok")
    cr.refresh_from_db()
    assert (cr.status, cr.decided_by.username) == (RequestStatus.APPROVED, winner)
    assert len(state_events(cr, "approved")) == 1
    assert len(approval_events(approval_of(cr))) == 1
    versions = StandardEntry.objects.filter(table=StandardTable.objects.get(code="race_test"), key="k")
    assert sorted(versions.values_list("version", "effective_to")) == [(1, date(2027, 1, 1)), (2, None)]


def approve_committed(pk, approver):
    """One approver's decision as a web request makes it: its own transaction, then the outcome."""
    with acting_as(approver, channel="web"):
        workflow.request_approve(request=ApprovalRequest.objects.get(pk=pk), actor=approver)


@pytest.mark.postgres_only  # SQLite serialises writers; the conditional update is tested above
@pytest.mark.django_db(transaction=True)
def test_two_approvers_at_the_same_moment_on_postgresql():
    cr, approvers = race_setup()
    pk = approval_of(cr).pk
    barrier = threading.Barrier(2)
    outcomes = {}

    def run(approver):
        try:
            request = ApprovalRequest.objects.get(pk=pk)
            barrier.wait(timeout=10)
            with acting_as(approver, channel="web"):
                workflow.request_approve(request=request, actor=approver)
            outcomes[approver.username] = "ok"
        except workflow.StaleRequest as exc:
            outcomes[approver.username] = exc.message
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(a,)) for a in approvers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert_one_approval(cr, outcomes)


@pytest.mark.postgres_only  # SQLite serialises writers; the conditional update is tested above
@pytest.mark.django_db(transaction=True)
def test_the_second_approver_waits_for_the_first_and_then_gets_409_on_postgresql():
    """Deterministic interleaving: the first approval holds its transaction open; the second one,
    through the API, has already read the request as pending, and its conditional UPDATE waits on
    the row lock, then finds the version moved on: 409."""
    cr, approvers = race_setup()
    pk = approval_of(cr).pk
    first_done, release = threading.Event(), threading.Event()
    outcomes = {}

    def first():
        try:
            with transaction.atomic():
                approve_committed(pk, approvers[0])
                first_done.set()
                release.wait(timeout=10)
            outcomes[approvers[0].username] = "ok"
        finally:
            connection.close()

    def second():
        try:
            first_done.wait(timeout=10)
            api = APIClient()
            api.force_authenticate(approvers[1])
            response = api.post(f"/api/v1/workflow/requests/{pk}/approve/", {}, format="json")
            outcomes[approvers[1].username] = ("ok" if response.status_code == 200 else
                                               (response.status_code, response.json()["error"]["message"]))
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    waited = False
    for _ in range(100):
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                           "AND datname = current_database()")
            if cursor.fetchone()[0]:
                waited = True
                break
        time.sleep(0.05)
    release.set()
    for t in threads:
        t.join(timeout=30)
    assert waited, "the second approval should have waited on the first one's row lock"
    assert outcomes == {approvers[0].username: "ok", approvers[1].username: (409, CONFLICT)}
    assert_one_approval(cr, {approvers[0].username: "ok", approvers[1].username: CONFLICT})
