"""The service API of approval flows. Modules call ``request_start`` and receive the outcome through
their business type's ``on_outcome`` hook (see registry.py and docs/development/workflow.md).

Every transition is a conditional UPDATE on (status, version): of two approvers acting on the same
step at once exactly one succeeds; the other gets ``StaleRequest`` with a clear message. Every action
is recorded on the request's timeline and in the audit log; notifications go out after commit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiguan.audit import services as audit
from jiguan.audit.models import Action
from jiguan.core.context import acting_as
from jiguan.notifications.services import notify

from . import registry, routing
from .models import ActionKind, ApprovalAction, ApprovalRequest, Flow, FlowStep, RequestStatus

log = logging.getLogger(__name__)


class StaleRequest(Exception):
    """The request changed under the caller (someone else acted first)."""

    message = _("该申请已被他人处理或已变化，请刷新后查看最新状态。")


class Outcome:
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class Route:
    step: FlowStep
    unit: object  # OrgUnit


# Flows -----------------------------------------------------------------------------------------


def flow_for(business_type: str, unit) -> Flow | None:
    """The deepest active flow for ``business_type`` configured at or above ``unit``."""
    return (Flow.objects.filter(business_type=business_type, is_active=True,
                                unit__path__in=routing.path_prefixes(unit.path))
            .select_related("unit").order_by("-unit__depth").first())


def route_preview(flow: Flow, applicant_unit, values: dict, counterparty_unit=None) -> list[dict]:
    """Every step with whether it applies and who would approve (for the flow page's 试算)."""
    values = _with_units(values, applicant_unit, counterparty_unit)
    rows = []
    for step in flow.steps.select_related("approver_role", "fixed_unit").order_by("order"):
        applies = step.applies(values)
        unit = routing.approver_unit(step, applicant_unit, counterparty_unit) if applies else None
        rows.append({"step": step, "applies": applies, "unit": unit,
                     "approvers": list(routing.eligible_approvers(step, unit)) if unit else []})
    return rows


def _with_units(values: dict, applicant_unit, counterparty_unit) -> dict:
    base = routing.applying_unit(applicant_unit)
    data = dict(values)
    data["unit_parent_id"] = base.parent_id
    if counterparty_unit is not None:
        data["counterparty_parent_id"] = routing.applying_unit(counterparty_unit).parent_id
    return data


def _next_route(request: ApprovalRequest, after_order: int, actor) -> Route | None:
    """The next step that applies after ``after_order``; steps that do not apply are recorded as
    skipped. A step that applies but has nobody to approve it is an error the applicant must see."""
    steps = request.flow.steps.filter(order__gt=after_order).select_related("approver_role").order_by("order")
    for step in steps:
        if not step.applies(request.values):
            ApprovalAction.objects.create(request=request, step=step, step_name=step.name, kind=ActionKind.SKIP,
                                          comment=_("不满足条件 %(c)s，自动跳过") % {"c": step.condition_text()}
                                          if step.condition_field else _("双方同一上级，自动跳过"))
            continue
        unit = routing.approver_unit(step, request.applicant_unit, request.counterparty_unit)
        if unit is None or not routing.eligible_approvers(step, unit).exists():
            raise ValidationError(_("步骤“%(step)s”找不到审批人（角色：%(role)s，单位：%(unit)s），"
                                    "请联系系统管理员检查审批流程配置或角色授权。") % {
                "step": step.name, "role": step.approver_role.name, "unit": unit or _("未找到")})
        return Route(step, unit)
    return None


# Starting and submitting -----------------------------------------------------------------------


@transaction.atomic
def request_start(*, business_type: str, obj, applicant, title: str, values: dict | None = None,
                  counterparty_unit=None, submit: bool = True) -> ApprovalRequest:
    """Attach a request to ``obj`` and (by default) submit it. ``values`` are the figures flow
    conditions test (e.g. {"amount": "600000.00"}); they are frozen at submission."""
    btype = registry.get(business_type)
    if obj._meta.label_lower != btype.model.lower():
        raise ValueError(f"{business_type} expects {btype.model}, got {obj._meta.label}")
    if applicant.unit_id is None:
        raise ValidationError(_("申请人没有所属单位，不能提交申请。"))
    open_request = ApprovalRequest.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk),
        status__in=[RequestStatus.DRAFT, RequestStatus.PENDING, RequestStatus.RETURNED]).first()
    if open_request is not None:
        raise ValidationError(_("该事项已有进行中的申请（%(title)s），不能重复提交。") % {"title": open_request.title})
    request = ApprovalRequest(
        business_type=business_type, content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk),
        title=title[:200], applicant=applicant, applicant_unit=applicant.unit,
        counterparty_unit=counterparty_unit, values=audit.jsonable(values or {}),
    )
    request.full_clean(exclude=["flow"])
    request.save()
    audit.record_create(request)
    if submit:
        request_submit(request=request, actor=applicant)
    return request


@transaction.atomic
def request_submit(*, request: ApprovalRequest, actor, values: dict | None = None) -> ApprovalRequest:
    if actor.pk != request.applicant_id:
        raise PermissionDenied(_("只有申请人可以提交申请。"))
    if request.status not in (RequestStatus.DRAFT, RequestStatus.RETURNED):
        raise StaleRequest()
    flow = flow_for(request.business_type, request.applicant_unit)
    if flow is None:
        raise ValidationError(_("本单位尚未配置“%(type)s”的审批流程，请联系系统管理员。") % {
            "type": request.business_type_label})
    request.flow = flow
    if values is not None:
        request.values = audit.jsonable(values)
    request.values = _with_units(request.values, request.applicant_unit, request.counterparty_unit)
    ApprovalAction.objects.create(request=request, kind=ActionKind.SUBMIT, actor=actor)
    route = _next_route(request, 0, actor)
    return _transition(request, actor, from_status=request.status, route=route, action=Action.STATE,
                       message=_("提交审批"), final_outcome=Outcome.APPROVED if route is None else None,
                       extra={"flow": flow, "values": request.values, "submitted_at": timezone.now()})


# Decisions -------------------------------------------------------------------------------------


def can_act(user, request: ApprovalRequest) -> bool:
    """May ``user`` decide the request's current step? (UI buttons and the API use this.)"""
    if request.status != RequestStatus.PENDING or request.current_step_id is None or not user.is_authenticated:
        return False
    if user.pk == request.applicant_id:
        return False
    if request.assignee_id is not None:
        return request.assignee_id == user.pk
    return routing.is_eligible(user, request.current_step, request.approver_unit)


def was_approver(user, request: ApprovalRequest) -> bool:
    """Was ``user`` an approver of the step decided last? The loser of a race: once the winner's
    decision ends the request it is no longer routed to them (so not visible), yet their click must
    be answered with ``StaleRequest`` ("已被他人处理"), not "not found"."""
    if not user.is_authenticated or user.pk == request.applicant_id:
        return False
    action = (request.actions.filter(step__isnull=False, kind__in=[ActionKind.APPROVE, ActionKind.REJECT,
                                                                   ActionKind.RETURN, ActionKind.DELEGATE])
              .select_related("step").order_by("-id").first())
    if action is None:
        return False
    unit = routing.approver_unit(action.step, request.applicant_unit, request.counterparty_unit)
    return unit is not None and routing.is_eligible(user, action.step, unit)


def _require_actor(user, request: ApprovalRequest, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != request.version:
        raise StaleRequest()
    if request.status != RequestStatus.PENDING:
        raise StaleRequest()
    if user.pk == request.applicant_id:
        raise PermissionDenied(_("申请人不能审批自己的申请。"))
    if not can_act(user, request):
        raise PermissionDenied(_("您不是当前步骤的审批人。"))


@transaction.atomic
def request_approve(*, request: ApprovalRequest, actor, comment: str = "",
                    expected_version: int | None = None) -> ApprovalRequest:
    _require_actor(actor, request, expected_version)
    step = request.current_step
    ApprovalAction.objects.create(request=request, step=step, step_name=step.name, kind=ActionKind.APPROVE,
                                  actor=actor, comment=comment[:500])
    route = _next_route(request, step.order, actor)  # records the skipped steps after the approval
    return _transition(request, actor, from_status=RequestStatus.PENDING, route=route, action=Action.STATE,
                       message=_("同意：%(step)s") % {"step": step.name},
                       final_outcome=Outcome.APPROVED if route is None else None)


@transaction.atomic
def request_reject(*, request: ApprovalRequest, actor, comment: str,
                   expected_version: int | None = None) -> ApprovalRequest:
    if not comment.strip():
        raise ValidationError({"comment": _("驳回必须填写理由。")})
    _require_actor(actor, request, expected_version)
    step = request.current_step
    ApprovalAction.objects.create(request=request, step=step, step_name=step.name, kind=ActionKind.REJECT,
                                  actor=actor, comment=comment[:500])
    return _transition(request, actor, from_status=RequestStatus.PENDING, route=None, action=Action.STATE,
                       message=_("驳回：%(step)s") % {"step": step.name}, final_outcome=Outcome.REJECTED,
                       status=RequestStatus.REJECTED)


@transaction.atomic
def request_return(*, request: ApprovalRequest, actor, comment: str,
                   expected_version: int | None = None) -> ApprovalRequest:
    """Send back to the applicant for changes; resubmission starts the flow again."""
    if not comment.strip():
        raise ValidationError({"comment": _("退回修改必须说明需要修改的内容。")})
    _require_actor(actor, request, expected_version)
    step = request.current_step
    ApprovalAction.objects.create(request=request, step=step, step_name=step.name, kind=ActionKind.RETURN,
                                  actor=actor, comment=comment[:500])
    return _transition(request, actor, from_status=RequestStatus.PENDING, route=None, action=Action.STATE,
                       message=_("退回修改：%(step)s") % {"step": step.name}, status=RequestStatus.RETURNED)


@transaction.atomic
def request_withdraw(*, request: ApprovalRequest, actor, comment: str = "") -> ApprovalRequest:
    if actor.pk != request.applicant_id:
        raise PermissionDenied(_("只有申请人可以撤回申请。"))
    if not request.is_open:
        raise StaleRequest()
    ApprovalAction.objects.create(request=request, kind=ActionKind.WITHDRAW, actor=actor, comment=comment[:500])
    return _transition(request, actor, from_status=request.status, route=None, action=Action.STATE,
                       message=_("撤回申请"), final_outcome=Outcome.WITHDRAWN, status=RequestStatus.WITHDRAWN)


@transaction.atomic
def request_delegate(*, request: ApprovalRequest, actor, to_user, comment: str = "",
                     expected_version: int | None = None) -> ApprovalRequest:
    """Hand the current step to another eligible approver (转办)."""
    _require_actor(actor, request, expected_version)
    step = request.current_step
    if to_user.pk == actor.pk:
        raise ValidationError({"to_user": _("不能转办给自己。")})
    if to_user.pk == request.applicant_id or not routing.is_eligible(to_user, step, request.approver_unit):
        raise ValidationError({"to_user": _("%(name)s 不是本步骤的合格审批人。") % {"name": to_user.display_name}})
    ApprovalAction.objects.create(request=request, step=step, step_name=step.name, kind=ActionKind.DELEGATE,
                                  actor=actor, delegate_to=to_user, comment=comment[:500])
    updated = ApprovalRequest.objects.filter(pk=request.pk, status=RequestStatus.PENDING,
                                             version=request.version).update(
        assignee=to_user, version=request.version + 1, updated_at=timezone.now())
    if not updated:
        raise StaleRequest()
    request.refresh_from_db()
    audit.record(Action.STATE, request, after={"assignee": to_user.pk},
                 message=_("转办给 %(name)s") % {"name": to_user.display_name})
    _notify_later([to_user], _("待办：%(title)s") % {"title": request.title},
                  _("%(actor)s 将审批转办给您。") % {"actor": actor.display_name}, request)
    return request


# The one place a request changes state -----------------------------------------------------------


def _transition(request: ApprovalRequest, actor, *, from_status: str, route: Route | None, action, message: str,
                final_outcome: str | None = None, status: str | None = None,
                extra: dict | None = None) -> ApprovalRequest:
    now = timezone.now()
    if status is None:
        status = RequestStatus.PENDING if route is not None else RequestStatus.APPROVED
    changes = {
        "status": status,
        "current_step": route.step if route else None,
        "approver_unit": route.unit if route else None,
        "assignee": None,
        "version": request.version + 1,
        "updated_at": now,
        **(extra or {}),
    }
    if status in (RequestStatus.APPROVED, RequestStatus.REJECTED, RequestStatus.WITHDRAWN):
        changes["decided_at"] = now
    before = {"status": request.status, "step": request.current_step_id, "version": request.version}
    updated = ApprovalRequest.objects.filter(pk=request.pk, status=from_status,
                                             version=request.version).update(**changes)
    if not updated:
        raise StaleRequest()
    request.refresh_from_db()
    audit.record(action, request, before=before,
                 after={"status": request.status, "step": request.current_step_id, "version": request.version},
                 message=message)
    if route is not None:
        approvers = list(routing.eligible_approvers(route.step, route.unit))
        _notify_later(approvers, _("待办：%(title)s") % {"title": request.title},
                      _("请审批（%(step)s）。申请人：%(name)s") % {"step": route.step.name,
                                                              "name": request.applicant.display_name}, request)
    elif status == RequestStatus.RETURNED:
        _notify_later([request.applicant], _("退回修改：%(title)s") % {"title": request.title}, message, request)
    if final_outcome is not None:
        if final_outcome != Outcome.WITHDRAWN:
            _notify_later([request.applicant], _("审批结果：%(title)s") % {"title": request.title},
                          request.get_status_display(), request)
        _apply_outcome_after_commit(request.pk, final_outcome, actor)
    return request


def _notify_later(users, title: str, body: str, request: ApprovalRequest) -> None:
    recipients = [u for u in users if u is not None]
    if recipients:
        notify(recipients=recipients, title=title, body=body, url=request.get_absolute_url())


def _apply_outcome_after_commit(request_id: int, outcome: str, actor) -> None:
    transaction.on_commit(lambda: apply_outcome(request_id, outcome, actor))


def apply_outcome(request_id: int, outcome: str, actor) -> bool:
    """Tell the business object the outcome, in its own transaction, as the deciding user. A failure
    is stored on the request (shown on its page, retried with ``outcome_retry``) and audited."""
    request = ApprovalRequest.objects.select_related("content_type").get(pk=request_id)
    handler = registry.get(request.business_type).outcome_handler()
    with acting_as(actor, channel="job"):
        try:
            with transaction.atomic():
                handler(request.business_object(), outcome)
                ApprovalRequest.objects.filter(pk=request_id).update(outcome_applied_at=timezone.now(),
                                                                     outcome_error="")
            return True
        except Exception as exc:  # noqa: BLE001 - the business side may fail for any reason
            log.exception("approval outcome %s of request %s failed", outcome, request_id)
            ApprovalRequest.objects.filter(pk=request_id).update(outcome_error=f"{exc.__class__.__name__}: {exc}")
            audit.record(Action.STATE, request, success=False, message=_("业务处理失败：%(e)s") % {"e": exc})
            return False


def outcome_retry(*, request: ApprovalRequest, actor) -> bool:
    if request.outcome_applied_at or not request.decided_at or request.status == RequestStatus.PENDING:
        raise ValidationError(_("该申请没有待重试的业务处理。"))
    outcome = {RequestStatus.APPROVED: Outcome.APPROVED, RequestStatus.REJECTED: Outcome.REJECTED,
               RequestStatus.WITHDRAWN: Outcome.WITHDRAWN}[request.status]
    return apply_outcome(request.pk, outcome, actor)
