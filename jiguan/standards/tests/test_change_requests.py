"""Changing a standard is a change request routed through the approval flow "数据标准变更审批"
(business type ``standards.change``); approval creates a new version (acceptance 5 of issue 3: a
calculation dated before the change uses the old value, after it the new). Nobody decides on the
standards pages: the approver acts on the approval request, the engine calls the outcome hook."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError

from jiguan.audit.models import Action, AuditEvent
from jiguan.core.context import acting_as
from jiguan.core.testing import make_user
from jiguan.org.models import Role
from jiguan.org.roles import BUILTIN_ROLES
from jiguan.standards import services
from jiguan.standards.models import RequestStatus, StandardChangeRequest, StandardEntry
from jiguan.standards.selectors import standard_value
from jiguan.workflow import services as workflow
from jiguan.workflow.models import ApprovalRequest, ApproverRelation, Flow
from jiguan.workflow.models import RequestStatus as ApprovalStatus

from .helpers import approval_events, approval_of, approve, decide, propose, state_events


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def workflow_menu(client):
    nav = client.get("/").context["nav_sections"]
    return [i["label"] for s in nav if s["key"] == "workflow" for i in s["items"]]


def test_changing_a_depreciation_life_goes_through_the_approval_flow(
        users, flow, approver, client_for, django_capture_on_commit_callbacks):
    requester = users["sysadmin"]
    assert "我的申请" not in workflow_menu(client_for(requester))  # an administrator, no requests yet
    response = client_for(requester).get("/standards/requests/new/", {"table": "depreciation_life",
                                                                      "key": "computer"})
    assert response.status_code == 200
    form = response.context["form"]
    assert (form.initial["name"], form.initial["value"], form.initial["unit"]) == ("计算机设备", Decimal("6"), "年")
    assert "2017-01-01" in form.fields["effective_from"].help_text
    response = client_for(requester).post("/standards/requests/new/", {
        "table": "depreciation_life", "key": "computer", "name": "计算机设备", "parent_key": "general_equipment",
        "value": "8", "unit": "年", "source": "财政部某号文（测试）", "confidence": "C",
        "effective_from": "2027-01-01", "reason": "新文件调整最低折旧年限", "submit_now": "on"})
    assert response.status_code == 302
    cr = StandardChangeRequest.objects.get()
    assert response["Location"] == f"/standards/requests/{cr.pk}/"
    assert (cr.status, cr.requested_by, cr.base_entry.version) == (RequestStatus.PENDING, requester, 1)

    # Submitting started an approval request, waiting in the standards approver's 我的待办.
    approval = approval_of(cr)
    assert (approval.business_type, approval.status, approval.applicant, approval.flow) == (
        "standards.change", ApprovalStatus.PENDING, requester, flow)
    assert approval.title == "数据标准变更：固定资产最低折旧年限 计算机设备 6→8 年（2027-01-01 起）"
    assert (approval.current_step.name, approval.approver_unit) == ("标准审核人审核", flow.unit)
    assert list(ApprovalRequest.objects.todo_for(approver)) == [approval]
    assert "我的申请" in workflow_menu(client_for(requester))  # where the requester follows it
    assert approver.notifications.filter(title__contains="计算机设备 6→8 年").exists()
    assert approval.title in client_for(approver).get("/workflow/todo/").content.decode()
    # Pending changes nothing.
    assert standard_value("depreciation_life", "computer", date(2027, 6, 1)).value == 6

    # The change request's page shows the comparison and the approval, but no decision buttons of
    # its own; the approval request's page decides and links back to the change request.
    html = client_for(approver).get(f"/standards/requests/{cr.pk}/").content.decode()
    assert 'data-field="plain_value"' in html and 'id="approval-status"' in html
    assert f'href="/workflow/requests/{approval.pk}/" id="go-approve"' in html
    assert "approve-request" not in html and "reject-request" not in html
    page = client_for(approver).get(f"/workflow/requests/{approval.pk}/").content.decode()
    assert 'id="approve"' in page and f'href="/standards/requests/{cr.pk}/" id="business-object"' in page

    with acting_as(approver, channel="web"), django_capture_on_commit_callbacks(execute=True):
        workflow.request_approve(request=approval, actor=approver, comment="同意")
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.APPROVED and approval.outcome_applied_at is not None
    assert approval.outcome_error == ""
    cr.refresh_from_db()
    assert (cr.status, cr.decided_by, cr.decision_comment) == (RequestStatus.APPROVED, approver, "同意")
    old = standard_value("depreciation_life", "computer", date(2026, 12, 31))
    new = standard_value("depreciation_life", "computer", date(2027, 1, 1))
    assert (old.value, old.version, old.effective_to) == (6, 1, date(2027, 1, 1))
    assert (new.value, new.version, new.effective_to, new.approved_by) == (8, 2, None, approver)
    assert (new.source, new.parent_key, new.sort_order) == ("财政部某号文（测试）", "general_equipment", old.sort_order)
    assert cr.resulting_entry == new
    # Old versions stay readable; the table page shows the value in force on the chosen date.
    client = client_for(users["staff"])
    before = client.get("/standards/tables/depreciation_life/", {"on": "2026-12-31", "q": "computer"})
    after = client.get("/standards/tables/depreciation_life/", {"on": "2027-01-01", "q": "computer"})
    assert [(r["object"].key, r["object"].value) for r in before.context["rows"]] == [("computer", 6)]
    assert [(r["object"].key, r["object"].value) for r in after.context["rows"]] == [("computer", 8)]
    html = client_for(requester).get(f"/standards/requests/{cr.pk}/").content.decode()
    assert "已通过" in html and "第 2 版" in html and 'id="withdraw-request"' not in html

    # Every step is audited: the submission, the approval (once), the closed and the new version.
    assert [e.after["status"] for e in state_events(cr)] == ["approved", "pending"]
    assert AuditEvent.objects.filter(action=Action.CREATE, object_type="standards.standardchangerequest",
                                     object_id=str(cr.pk), actor=requester).exists()
    assert [e.actor for e in approval_events(approval)] == [approver]
    closed = AuditEvent.objects.get(action=Action.UPDATE, object_type="standards.standardentry",
                                    object_id=str(old.pk))
    assert (closed.before, closed.after, closed.actor) == ({"effective_to": None}, {"effective_to": "2027-01-01"},
                                                           approver)
    created = AuditEvent.objects.get(action=Action.CREATE, object_type="standards.standardentry",
                                     object_id=str(new.pk))
    assert created.after["value"] == "8.000000" and created.actor == approver


def test_history_page_compares_two_versions_side_by_side(users, flow, approver, client_for):
    approve(propose(users["sysadmin"], key="vehicle", value="10"), approver)
    response = client_for(users["staff"]).get("/standards/tables/depreciation_life/keys/vehicle/")
    assert response.status_code == 200
    assert [v.version for v in response.context["versions"]] == [1, 2]
    assert (response.context["left"].version, response.context["right"].version) == (1, 2)
    changed = {row["name"]: (row["left"], row["right"]) for row in response.context["rows"] if row["changed"]}
    assert changed["plain_value"] == (Decimal("8"), Decimal("10"))
    assert changed["effective_from"] == (date(2017, 1, 1), date(2027, 1, 1))
    assert "name" not in changed
    html = response.content.decode()
    assert 'id="comparison"' in html and "有变化" in html
    # The same two versions the other way round.
    response = client_for(users["staff"]).get("/standards/tables/depreciation_life/keys/vehicle/", {"a": 2, "b": 1})
    assert (response.context["left"].version, response.context["right"].version) == (2, 1)
    assert client_for(users["staff"]).get("/standards/tables/depreciation_life/keys/nope/").status_code == 404


def test_effective_date_must_be_after_the_current_version(users, client_for):
    with pytest.raises(ValidationError) as error:
        propose(users["sysadmin"], effective_from=date(2017, 1, 1))
    assert "必须晚于现行版本（第 1 版）的生效日期 2017-01-01" in error.value.message_dict["effective_from"][0]
    response = client_for(users["sysadmin"]).post("/standards/requests/new/", {
        "table": "depreciation_life", "key": "computer", "name": "计算机设备", "value": "5", "source": "x",
        "confidence": "C", "effective_from": "2016-12-31", "reason": "r"})
    assert response.status_code == 200
    assert "必须晚于现行版本" in str(response.context["form"].errors["effective_from"])
    assert not StandardChangeRequest.objects.exists()


def test_an_outcome_overtaken_by_another_approved_version_is_recorded_not_half_applied(
        users, flow, approver, client_for):
    requester = users["sysadmin"]
    early = propose(requester, value="7", effective_from=date(2027, 1, 1))
    late = propose(requester, value="9", effective_from=date(2028, 1, 1))
    approve(late, approver)
    approve(early, approver)  # the approval succeeds; the hook finds version 2 starting later
    approval = approval_of(early)
    assert approval.status == ApprovalStatus.APPROVED and approval.outcome_applied_at is None
    assert "必须晚于现行版本（第 2 版）的生效日期 2028-01-01" in approval.outcome_error
    assert AuditEvent.objects.filter(object_type="workflow.approvalrequest", object_id=str(approval.pk),
                                     success=False, message__startswith="业务处理失败").count() == 1
    # Nothing of the change was written.
    assert (early.status, early.decided_by, early.resulting_entry) == (RequestStatus.PENDING, None, None)
    assert not state_events(early, "approved")
    assert StandardEntry.objects.filter(table__code="depreciation_life", key="computer").count() == 2
    assert standard_value("depreciation_life", "computer", date(2027, 6, 1)).value == 6
    # Both pages show the error; retrying cannot succeed, the requester withdraws and re-applies.
    assert 'id="approval-error"' in client_for(requester).get(early.get_absolute_url()).content.decode()
    assert workflow.outcome_retry(request=approval, actor=requester) is False
    client_for(requester).post(f"/standards/requests/{early.pk}/withdraw/")
    early.refresh_from_db()
    assert early.status == RequestStatus.WITHDRAWN
    assert StandardEntry.objects.filter(table__code="depreciation_life", key="computer").count() == 2


def test_a_new_key_starts_at_version_1(users, flow, approver):
    cr = propose(users["sysadmin"], key="drone", value="6", name="无人机", parent_key="general_equipment",
                 confidence="S", effective_from=date(2026, 1, 1))
    assert cr.base_entry is None and cr.unit == "年"
    assert approval_of(cr).title == "数据标准变更：固定资产最低折旧年限 新增 无人机 6 年（2026-01-01 起）"
    approve(cr, approver)
    entry = standard_value("depreciation_life", "drone", date(2026, 1, 1))
    assert (entry.version, entry.name, entry.value, entry.unit) == (1, "无人机", 6, "年")
    with pytest.raises(ValidationError) as error:
        propose(users["sysadmin"], key="another", value="6")  # a new key needs a name and a confidence
    assert {"name", "confidence"} <= set(error.value.message_dict)
    with pytest.raises(ValidationError) as error:
        propose(users["sysadmin"], key="a/b 台式", value="6", name="x", confidence="C")
    assert "键只能包含字母、数字" in error.value.message_dict["key"][0]


def test_draft_is_submitted_then_rejected_in_the_workflow(
        users, flow, approver, client_for, django_capture_on_commit_callbacks):
    requester = users["sysadmin"]
    draft = propose(requester, submit=False)
    assert draft.status == RequestStatus.DRAFT and approval_of(draft) is None
    page = client_for(requester).get(f"/standards/requests/{draft.pk}/").content.decode()
    assert 'id="submit-request"' in page and 'id="withdraw-request"' in page and "尚未提交审批" in page
    response = client_for(requester).post(f"/standards/requests/{draft.pk}/submit/", follow=True)
    assert "已提交审批。" in messages_of(response)
    draft.refresh_from_db()
    approval = approval_of(draft)
    assert draft.status == RequestStatus.PENDING and draft.submitted_at is not None
    assert approval.status == ApprovalStatus.PENDING

    # Rejecting needs a reason (the workflow's rule).
    url = f"/workflow/requests/{approval.pk}/reject/"
    response = client_for(approver).post(url, {"comment": "", "version": approval.version}, follow=True)
    assert "驳回必须填写理由。" in messages_of(response)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(approver).post(url, {"comment": "依据不足", "version": approval.version})
    draft.refresh_from_db()
    assert (draft.status, draft.decided_by, draft.decision_comment) == (RequestStatus.REJECTED, approver, "依据不足")
    assert draft.resulting_entry is None
    assert StandardEntry.objects.filter(table__code="depreciation_life", key="computer").count() == 1
    assert standard_value("depreciation_life", "computer", date(2027, 6, 1)).value == 6
    assert [e.after["status"] for e in state_events(draft)] == ["rejected", "pending"]
    assert requester.notifications.filter(title__startswith="审批结果").exists()


def test_withdrawal_from_the_change_request_or_from_the_approval_request(
        users, flow, approver, client_for, django_capture_on_commit_callbacks):
    requester = users["sysadmin"]
    draft = propose(requester, submit=False)
    services.change_request_withdraw(change_request=draft, user=requester)
    assert draft.status == RequestStatus.WITHDRAWN and approval_of(draft) is None

    # On the change request's page: the approval request is withdrawn with it, in one transaction.
    cr = propose(requester)
    with pytest.raises(PermissionDenied):
        services.change_request_withdraw(change_request=cr, user=approver)  # only the requester
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(requester).post(f"/standards/requests/{cr.pk}/withdraw/", follow=True)
    assert "申请已撤回。" in messages_of(response)
    cr.refresh_from_db()
    approval = approval_of(cr)
    assert cr.status == RequestStatus.WITHDRAWN
    assert approval.status == ApprovalStatus.WITHDRAWN and approval.outcome_applied_at is not None
    assert list(ApprovalRequest.objects.todo_for(approver)) == []
    assert [e.after["status"] for e in state_events(cr)] == ["withdrawn", "pending"]
    response = client_for(requester).post(f"/standards/requests/{cr.pk}/withdraw/", follow=True)
    assert any("已撤回" in m for m in messages_of(response))  # twice: refused, nothing changes

    # On the approval request's page: the engine's hook withdraws the change request.
    other = propose(requester, key="vehicle", value="10")
    approval = approval_of(other)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(requester).post(f"/workflow/requests/{approval.pk}/withdraw/", {"version": approval.version})
    other.refresh_from_db()
    assert other.status == RequestStatus.WITHDRAWN
    assert state_events(other, "withdrawn")[0].message == "申请人在审批流程中撤回"
    assert StandardEntry.objects.filter(table__code="depreciation_life").count() == \
        StandardEntry.objects.filter(table__code="depreciation_life", version=1).count()


def test_without_a_configured_flow_nothing_is_submitted(users, approver, client_for):
    requester = users["sysadmin"]
    message = "本单位尚未配置“数据标准变更”的审批流程，请联系系统管理员。"
    with pytest.raises(ValidationError, match=message):
        propose(requester)
    assert not StandardChangeRequest.objects.exists()  # created and submitted together, or not at all
    draft = propose(requester, submit=False)
    response = client_for(requester).post(f"/standards/requests/{draft.pk}/submit/", follow=True)
    assert message in messages_of(response)
    draft.refresh_from_db()
    assert (draft.status, draft.submitted_at) == (RequestStatus.DRAFT, None)
    assert not ApprovalRequest.objects.exists() and not state_events(draft)


# Who may approve ---------------------------------------------------------------------------------


def test_the_shipped_flow_is_decided_by_the_standards_approver_role(tree, users, approver):
    role = Role.objects.get(code="standards_approver")
    assert role.is_builtin and role.name == "标准审核人" and role.duty == "business"
    assert not Permission.objects.filter(codename="approve_standardchangerequest").exists()
    assert "standards.add_standardchangerequest" in BUILTIN_ROLES["system_admin"].permissions
    with acting_as(None, channel="command"):
        flow = services.default_flow_ensure(unit=tree.province)
    [step] = flow.steps.all()
    assert (flow.name, flow.business_type, flow.unit, flow.is_active) == ("数据标准变更审批", "standards.change",
                                                                         tree.province, True)
    assert (step.approver_role, step.relation, step.fixed_unit) == (role, ApproverRelation.FIXED_UNIT, tree.province)
    assert AuditEvent.objects.filter(action=Action.CREATE, object_type="workflow.flow", object_id=str(flow.pk)).exists()
    # Running it again keeps what an administrator configured.
    Flow.objects.filter(pk=flow.pk).update(name="本省数据标准变更审批", is_active=False)
    with acting_as(None, channel="command"):
        assert services.default_flow_ensure(unit=tree.province).pk == flow.pk
    assert Flow.objects.filter(business_type="standards.change").count() == 1


def test_a_system_administrator_cannot_also_be_standards_approver(tree):
    with pytest.raises(ValidationError):
        make_user("both", tree.prov_agency, [("system_admin", tree.province, True),
                                             ("standards_approver", tree.province, True)])


def test_only_the_steps_approver_may_decide(users, tree, flow, approver, client_for, api_client_for):
    cr = propose(users["sysadmin"])
    approval = approval_of(cr)
    # A unit leader of the province sees the request (workflow.view_approvalrequest) but is not the
    # step's approver: no buttons, refused by the service and the API.
    leader = make_user("prov_leader", tree.prov_agency, [("unit_leader", tree.province, True)])
    page = client_for(leader).get(f"/workflow/requests/{approval.pk}/")
    assert page.status_code == 200 and 'id="approve"' not in page.content.decode()
    assert not workflow.can_act(leader, approval)
    with pytest.raises(PermissionDenied, match="您不是当前步骤的审批人"):
        workflow.request_approve(request=approval, actor=leader)
    response = api_client_for(leader).post(f"/api/v1/workflow/requests/{approval.pk}/approve/", {},
                                           format="json")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "您不是当前步骤的审批人。"
    # Another system administrator does not even see it; staff cannot see change requests.
    other_admin = make_user("sysadmin2", tree.prov_agency, [("system_admin", tree.province, True)])
    assert client_for(other_admin).get(f"/workflow/requests/{approval.pk}/").status_code == 404
    assert api_client_for(other_admin).post(f"/api/v1/workflow/requests/{approval.pk}/approve/", {},
                                            format="json").status_code == 404
    assert client_for(users["staff"]).get(f"/standards/requests/{cr.pk}/").status_code == 403
    # The standards API has no decision of its own.
    assert api_client_for(approver).post(f"/api/v1/standards/change-requests/{cr.pk}/approve/",
                                         {}).status_code == 404
    assert client_for(approver).post(f"/standards/requests/{cr.pk}/approve/").status_code == 404
    cr.refresh_from_db()
    assert cr.status == RequestStatus.PENDING and approval_of(cr).status == ApprovalStatus.PENDING


@pytest.fixture
def officer(tree):
    """Proposes changes (a custom role) and holds 标准审核人: an eligible approver of the step, who
    still cannot approve his own request."""
    role = Role.objects.create(code="standards_officer", name="标准专员")
    role.permissions.set(Permission.objects.filter(content_type__app_label="standards"))
    return make_user("officer", tree.prov_agency, [("standards_officer", tree.province, True),
                                                   ("standards_approver", tree.province, True)])


def test_the_requester_cannot_approve_his_own_request(officer, flow, approver, client_for, api_client_for):
    cr = propose(officer)
    approval = approval_of(cr)
    assert not workflow.can_act(officer, approval)
    assert list(ApprovalRequest.objects.todo_for(officer)) == []
    page = client_for(officer).get(f"/workflow/requests/{approval.pk}/").content.decode()
    assert 'id="approve"' not in page and 'id="withdraw"' in page
    assert 'id="go-approve"' not in client_for(officer).get(cr.get_absolute_url()).content.decode()
    with pytest.raises(PermissionDenied, match="申请人不能审批自己的申请"):
        workflow.request_approve(request=approval, actor=officer)
    response = api_client_for(officer).post(f"/api/v1/workflow/requests/{approval.pk}/approve/", {},
                                            format="json")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "申请人不能审批自己的申请。"
    # The outcome hook refuses it too, should anything call it for him.
    with acting_as(officer), pytest.raises(PermissionDenied, match="不能审核本人提出的申请"):
        services.change_request_outcome(cr, "approved")
    cr.refresh_from_db()
    assert cr.status == RequestStatus.PENDING and not state_events(cr, "approved")
    # Someone else may.
    assert approve(cr, approver).status == RequestStatus.APPROVED


def test_request_lists_my_requests_and_those_waiting_for_me(users, flow, approvers, client_for):
    approver = approvers[0]
    mine = propose(users["sysadmin"])
    propose(users["sysadmin"], key="vehicle", value="9", submit=False)
    as_requester = client_for(users["sysadmin"]).get("/standards/requests/")
    assert as_requester.status_code == 200
    assert len(as_requester.context["rows"]) == 2  # 我的申请 by default
    assert "id=\"create-link\"" in as_requester.content.decode()
    as_approver = client_for(approver).get("/standards/requests/")
    assert [r["object"] for r in as_approver.context["rows"]] == [mine]  # 待我审核: in my to-do list
    assert "id=\"create-link\"" not in as_approver.content.decode()
    assert client_for(approver).get("/standards/requests/", {"box": "mine"}).context["rows"] == []
    assert len(client_for(approver).get("/standards/requests/", {"box": "all"}).context["rows"]) == 2
    approve(mine, approvers[1])
    assert client_for(approver).get("/standards/requests/").context["rows"] == []


def test_a_retried_outcome_changes_nothing(users, flow, approver):
    cr = approve(propose(users["sysadmin"]), approver)
    approval = approval_of(cr)
    assert workflow.apply_outcome(approval.pk, "approved", approver) is True
    with acting_as(approver):
        services.change_request_outcome(cr, "approved")
    assert StandardEntry.objects.filter(table__code="depreciation_life", key="computer").count() == 2
    assert len(state_events(cr, "approved")) == 1
    rejected = decide(propose(users["sysadmin"], key="vehicle", value="9"), approver, "reject", "依据不足")
    assert workflow.apply_outcome(approval_of(rejected).pk, "rejected", approver) is True
    assert len(state_events(rejected, "rejected")) == 1
