"""The service API of approval flows. Modules call ``request_start`` and receive the outcome through
their business type's ``on_outcome`` hook (see registry.py and docs/development/workflow.md).

Every transition is a conditional UPDATE on (status, version): of two approvers acting on the same
step at once exactly one succeeds; the other gets ``StaleRequest`` with a clear message. Every action
is recorded on the request's timeline and in the audit log; notifications go out after commit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache as djcache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from jiguan.audit import services as audit
from jiguan.audit.models import Action
from jiguan.core.context import acting_as
from jiguan.notifications import services as notification_services
from jiguan.notifications.services import notify
from jiguan.org.models import User

from . import registry, routing
from .models import ActionKind, ApprovalAction, ApprovalRequest, Flow, FlowStep, OutcomeOutbox, RequestStatus

log = logging.getLogger(__name__)


class StaleRequest(Exception):
    """The request changed under the caller (someone else acted first)."""

    message = _("该申请已被他人处理或已变化，请刷新后查看最新状态。")


class Outcome:
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class RouteIncomplete(ValidationError):
    """A step that applies has nobody who may approve it: the request cannot finish. Raised at
    submission (nothing is submitted) and when an approval cannot route on (the request is marked
    stuck and its applicant and the unit's administrators are told)."""

    def __init__(self, message: str):
        super().__init__({"approval_route": [message]}, code="route_incomplete")
        self.reason = message


@dataclass(frozen=True)
class Route:
    step: FlowStep
    unit: object  # OrgUnit


@dataclass
class RouteRow:
    """One step of a previewed route: whether it applies, its approver unit and named approvers."""

    step: FlowStep
    applies: bool
    unit: object = None  # OrgUnit
    approvers: list = field(default_factory=list)
    skip_reason: str = ""
    problem: str = ""


@dataclass
class RoutePlan:
    """The whole route a request would take (or still has to take), step by step."""

    flow: Flow | None
    business_unit: object
    counterparty_unit: object = None
    rows: list[RouteRow] = field(default_factory=list)
    problem: str = ""  # the first reason the route cannot finish; "" when it can

    @property
    def ok(self) -> bool:
        return not self.problem


# Flows and routes ------------------------------------------------------------------------------


def flow_for(business_type: str, unit) -> Flow | None:
    """The deepest active flow for ``business_type`` configured at or above ``unit``."""
    return (Flow.objects.filter(business_type=business_type, is_active=True,
                                unit__path__in=routing.path_prefixes(unit.path))
            .select_related("unit").order_by("-unit__depth").first())


def no_flow_message(business_type: str) -> str:
    try:
        label = registry.get(business_type).label
    except LookupError:
        label = business_type
    return _("本单位尚未配置“%(type)s”的审批流程，请联系系统管理员。") % {"type": label}


def no_approver_message(step: FlowStep, unit) -> str:
    return _("步骤“%(step)s”找不到审批人（角色：%(role)s，单位：%(unit)s），"
             "请联系系统管理员检查审批流程配置或角色授权。") % {
        "step": step.name, "role": step.approver_role.name, "unit": unit or _("未找到")}


def _skip_reason(step: FlowStep) -> str:
    return (_("不满足条件 %(c)s，自动跳过") % {"c": step.condition_text()} if step.condition_field
            else _("双方同一上级，自动跳过"))


class RouteCache:
    """What the routes of many requests share, computed once (the stuck sweep keeps one per run): a
    flow's steps, the units a (flow, business unit, counterparty) routes to, and each (step, unit)'s
    eligible approvers. The applicant and the conditions are applied per request."""

    def __init__(self):
        self._steps: dict = {}
        self._units: dict = {}
        self._approvers: dict = {}
        self._parents: dict = {}

    def steps(self, flow: Flow) -> list[FlowStep]:
        if flow.pk not in self._steps:
            self._steps[flow.pk] = list(flow.steps.select_related("approver_role", "fixed_unit").order_by("order"))
        return self._steps[flow.pk]

    def unit(self, step: FlowStep, business_unit, counterparty_unit):
        key = (step.pk, business_unit.pk, getattr(counterparty_unit, "pk", None))
        if key not in self._units:
            self._units[key] = routing.approver_unit(step, business_unit, counterparty_unit)
        return self._units[key]

    def approvers(self, step: FlowStep, unit) -> list:
        key = (step.pk, unit.pk)
        if key not in self._approvers:
            self._approvers[key] = list(routing.eligible_approvers(step, unit))
        return self._approvers[key]

    def parent_id(self, unit) -> int | None:
        if unit.pk not in self._parents:
            self._parents[unit.pk] = routing.applying_unit(unit).parent_id
        return self._parents[unit.pk]


def route_plan(*, business_type: str, business_unit, values: dict | None = None, counterparty_unit=None,
               applicant=None, flow: Flow | None = None, after_order: int = 0,
               cache: RouteCache | None = None) -> RoutePlan:
    """Every step after ``after_order`` of the flow that a request of ``business_unit`` goes through:
    whether it applies (conditions on these values), where it is approved and by whom (never the
    applicant). The submit check, the preview before 提交审批 and the stuck sweep all use it; ``cache``
    shares the lookups between the requests of one sweep."""
    flow = flow or flow_for(business_type, business_unit)
    plan = RoutePlan(flow=flow, business_unit=business_unit, counterparty_unit=counterparty_unit)
    if flow is None:
        plan.problem = no_flow_message(business_type)
        return plan
    cache = cache or RouteCache()
    data = _with_units(values or {}, business_unit, counterparty_unit, cache)
    for step in cache.steps(flow):
        if step.order <= after_order:
            continue
        if not step.applies(data):
            plan.rows.append(RouteRow(step=step, applies=False, skip_reason=_skip_reason(step)))
            continue
        unit = cache.unit(step, business_unit, counterparty_unit)
        approvers = ([u for u in cache.approvers(step, unit) if applicant is None or u.pk != applicant.pk]
                     if unit else [])
        row = RouteRow(step=step, applies=True, unit=unit, approvers=approvers)
        if not approvers:
            row.problem = no_approver_message(step, unit)
            plan.problem = plan.problem or row.problem
        plan.rows.append(row)
    return plan


def units_of(business_type: str, obj, applicant) -> tuple:
    """(business unit, counterparty unit) of ``obj`` as its business type declares them; the
    applicant's unit when the type declares none."""
    btype = registry.get(business_type)
    return btype.unit_of(obj) or applicant.unit, btype.unit_of(obj, "counterparty")


def route_plan_for(*, business_type: str, obj, applicant, values: dict | None = None) -> RoutePlan:
    """The route of a request for ``obj`` (saved or not yet: the preview before 提交审批)."""
    unit, counterparty = units_of(business_type, obj, applicant)
    return route_plan(business_type=business_type, business_unit=unit, counterparty_unit=counterparty,
                      values=values, applicant=applicant)


def route_preview(flow: Flow, business_unit, values: dict, counterparty_unit=None) -> list[RouteRow]:
    """Every step with whether it applies and who would approve (for the flow page's 试算)."""
    return route_plan(business_type=flow.business_type, business_unit=business_unit, values=values,
                      counterparty_unit=counterparty_unit, flow=flow).rows


def _with_units(values: dict, business_unit, counterparty_unit, cache: RouteCache | None = None) -> dict:
    cache = cache or RouteCache()
    data = dict(values)
    data["unit_parent_id"] = cache.parent_id(business_unit)
    if counterparty_unit is not None:
        data["counterparty_parent_id"] = cache.parent_id(counterparty_unit)
    return data


def request_approvers(request: ApprovalRequest):
    """The eligible approvers of the request's current step (never its applicant): whom the 待办 goes
    to, whom its page lists and to whom it may be handed (转办). None while it waits for nobody."""
    if request.status != RequestStatus.PENDING or request.current_step_id is None or request.approver_unit_id is None:
        return User.objects.none()
    return routing.eligible_approvers(request.current_step, request.approver_unit, exclude=request.applicant)


def _next_route(request: ApprovalRequest, after_order: int) -> Route | None:
    """The next step that applies after ``after_order``; steps that do not apply are recorded as
    skipped. A step that applies but has nobody to approve it raises ``RouteIncomplete``."""
    steps = request.flow.steps.filter(order__gt=after_order).select_related("approver_role").order_by("order")
    for step in steps:
        if not step.applies(request.values):
            ApprovalAction.objects.create(request=request, step=step, step_name=step.name, kind=ActionKind.SKIP,
                                          comment=_skip_reason(step))
            continue
        unit = routing.approver_unit(step, request.business_unit, request.counterparty_unit)
        if unit is None or not routing.eligible_approvers(step, unit, exclude=request.applicant).exists():
            raise RouteIncomplete(no_approver_message(step, unit))
        return Route(step, unit)
    return None


# Starting and submitting -----------------------------------------------------------------------


@transaction.atomic
def request_start(*, business_type: str, obj, applicant, title: str, values: dict | None = None,
                  submit: bool = True) -> ApprovalRequest:
    """Attach a request to ``obj`` and (by default) submit it. ``values`` are the figures flow
    conditions test (e.g. {"amount": "600000.00"}); they are frozen at submission. The request
    belongs to the business unit the business type declares for ``obj`` (``BusinessType.business_unit``,
    else the applicant's unit), with its counterparty unit if it has one."""
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
    business_unit, counterparty_unit = units_of(business_type, obj, applicant)
    request = ApprovalRequest(
        business_type=business_type, content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk),
        title=title[:200], applicant=applicant, applicant_unit=applicant.unit, business_unit=business_unit,
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
    """Submit (or resubmit) the request. The whole route is checked first: a step that applies and
    has nobody to approve it refuses the submission (``RouteIncomplete``, naming the step, the role
    and the unit), so no request is accepted that cannot finish."""
    if actor.pk != request.applicant_id:
        raise PermissionDenied(_("只有申请人可以提交申请。"))
    if request.status not in (RequestStatus.DRAFT, RequestStatus.RETURNED):
        raise StaleRequest()
    flow = flow_for(request.business_type, request.business_unit)
    if flow is None:
        raise ValidationError(no_flow_message(request.business_type))
    request.flow = flow
    if values is not None:
        request.values = audit.jsonable(values)
    plan = route_plan(business_type=request.business_type, business_unit=request.business_unit,
                      counterparty_unit=request.counterparty_unit, values=request.values, applicant=request.applicant,
                      flow=flow)
    if plan.problem:
        raise RouteIncomplete(plan.problem)
    request.values = _with_units(request.values, request.business_unit, request.counterparty_unit)
    ApprovalAction.objects.create(request=request, kind=ActionKind.SUBMIT, actor=actor)
    route = _next_route(request, 0)
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
    unit = routing.approver_unit(action.step, request.business_unit, request.counterparty_unit)
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


def request_approve(*, request: ApprovalRequest, actor, comment: str = "",
                    expected_version: int | None = None) -> ApprovalRequest:
    """Approve the current step. When the next step that applies has nobody to approve it (its
    approvers lost their role since the submission), the approval is refused with the step, role and
    unit named, and the request is marked stuck: its applicant and the unit's administrators are told."""
    try:
        return _approve(request=request, actor=actor, comment=comment, expected_version=expected_version)
    except RouteIncomplete as exc:
        request_mark_stuck(request=ApprovalRequest.objects.get(pk=request.pk), reason=exc.reason)
        raise


@transaction.atomic
def _approve(*, request: ApprovalRequest, actor, comment: str, expected_version: int | None) -> ApprovalRequest:
    _require_actor(actor, request, expected_version)
    step = request.current_step
    ApprovalAction.objects.create(request=request, step=step, step_name=step.name, kind=ActionKind.APPROVE,
                                  actor=actor, comment=comment[:500])
    route = _next_route(request, step.order)  # records the skipped steps after the approval
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
    notification_services.settle(todo_topic(request))  # the others of the step need not act any more
    _notify_later([to_user], _("待办：%(title)s") % {"title": request.title},
                  _("%(actor)s 将审批转办给您。") % {"actor": actor.display_name}, request, topic=todo_topic(request))
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
        "stuck_reason": "",
        "stuck_at": None,
        **(extra or {}),
    }
    if status in (RequestStatus.APPROVED, RequestStatus.REJECTED, RequestStatus.WITHDRAWN):
        changes["decided_at"] = now
    before = {"status": request.status, "current_step": request.current_step_id, "version": request.version}
    updated = ApprovalRequest.objects.filter(pk=request.pk, status=from_status,
                                             version=request.version).update(**changes)
    if not updated:
        raise StaleRequest()
    request.refresh_from_db()
    audit.record(action, request, before=before,
                 after={"status": request.status, "current_step": request.current_step_id, "version": request.version},
                 message=message)
    # Whatever the step's approvers were asked is answered now: their 待办 messages are cleared.
    notification_services.settle(todo_topic(request))
    if route is not None:
        approvers = list(request_approvers(request))
        _notify_later(approvers, _("待办：%(title)s") % {"title": request.title},
                      _("请审批（%(step)s）。申请人：%(name)s") % {"step": route.step.name,
                                                              "name": request.applicant.display_name}, request,
                      topic=todo_topic(request))
        if before["status"] == RequestStatus.PENDING:  # an approval moved it on: the applicant is told
            _notify_later([request.applicant], _("审批进度：%(title)s") % {"title": request.title},
                          _("%(message)s（%(actor)s），转“%(step)s”（%(unit)s）审批。") % {
                              "message": message, "actor": getattr(actor, "display_name", "") or _("系统"),
                              "step": route.step.name, "unit": route.unit.name if route.unit else "—"}, request)
    elif status == RequestStatus.RETURNED:
        _notify_later([request.applicant], _("退回修改：%(title)s") % {"title": request.title}, message, request)
    if final_outcome is not None:
        if final_outcome != Outcome.WITHDRAWN:
            _notify_later([request.applicant], _("审批结果：%(title)s") % {"title": request.title},
                          request.get_status_display(), request)
        _apply_outcome_after_commit(request.pk, final_outcome, actor)
    return request


def todo_topic(request: ApprovalRequest) -> str:
    """The topic of a request's 待办 messages (notifications.services.settle clears them)."""
    return f"workflow.todo:{request.pk}"


def _notify_later(users, title: str, body: str, request: ApprovalRequest, topic: str = "") -> None:
    recipients = [u for u in users if u is not None]
    if recipients:
        notify(recipients=recipients, title=title, body=body, url=request.get_absolute_url(), topic=topic)


def _apply_outcome_after_commit(request_id: int, outcome: str, actor) -> None:
    """The outcome is written to the outbox in the deciding transaction (so a crash after commit
    loses nothing); after commit a task applies it (eager in the embedded default). If the task
    cannot be queued, the sweep applies it."""
    row = OutcomeOutbox.objects.create(request_id=request_id, outcome=outcome, actor=actor)
    transaction.on_commit(lambda: _enqueue(row.pk))


def _enqueue(outbox_id: int) -> None:
    from . import tasks

    try:
        tasks.outcome_apply.delay(outbox_id)
    except Exception:  # noqa: BLE001 - broker down: the periodic sweep applies the row
        log.exception("could not queue the outcome of outbox row %s; the sweep will apply it", outbox_id)


# Outcomes: the outbox ----------------------------------------------------------------------------


RETRY_DELAYS = [60, 300, 1800, 7200, 21600, 86400]  # seconds before the 1st, 2nd, ... retry


def retry_delay(attempts: int) -> int:
    return RETRY_DELAYS[min(max(attempts, 1), len(RETRY_DELAYS)) - 1]


def outbox_apply(outbox_id: int, *, actor=None) -> bool:
    """Tell the business object the outcome, in one transaction with marking the row applied, as the
    deciding user (or ``actor``, who retries it). Exactly once: the row is locked and checked first.
    A failure is stored on the row and the request (``outcome_error``, shown on its page), audited, and
    retried later (the task's retries, the sweep's back-off, or 重新执行). Returns whether it is applied."""
    row = OutcomeOutbox.objects.select_related("request__content_type", "actor").get(pk=outbox_id)
    if row.applied_at is not None:
        return True
    request = row.request
    handler = registry.get(request.business_type).outcome_handler()
    with acting_as(actor or row.actor, channel="job"):
        try:
            with transaction.atomic():
                locked = OutcomeOutbox.objects.select_for_update().filter(pk=outbox_id, applied_at__isnull=True).first()
                if locked is None:
                    return True  # applied meanwhile by the task, the sweep or a retry
                handler(request.business_object(), row.outcome)
                now = timezone.now()
                OutcomeOutbox.objects.filter(pk=outbox_id).update(applied_at=now, attempts=F("attempts") + 1,
                                                                  last_error="", next_attempt_at=None)
                ApprovalRequest.objects.filter(pk=request.pk).update(outcome_applied_at=now, outcome_error="",
                                                                      updated_at=now)
            return True
        except Exception as exc:  # noqa: BLE001 - the business side may fail for any reason
            log.exception("approval outcome %s of request %s failed", row.outcome, request.pk)
            error = f"{exc.__class__.__name__}: {exc}"
            OutcomeOutbox.objects.filter(pk=outbox_id).update(
                attempts=F("attempts") + 1, last_error=error,
                next_attempt_at=timezone.now() + timedelta(seconds=retry_delay(row.attempts + 1)))
            ApprovalRequest.objects.filter(pk=request.pk).update(outcome_error=error, updated_at=timezone.now())
            audit.record(Action.STATE, request, success=False, message=_("业务处理失败：%(e)s") % {"e": exc})
            return False


def apply_outcome(request_id: int, outcome: str, actor) -> bool:
    """Apply the pending outcome of a request now (its outbox row; written if missing)."""
    row, _created = OutcomeOutbox.objects.get_or_create(request_id=request_id,
                                                        defaults={"outcome": outcome, "actor": actor})
    return outbox_apply(row.pk, actor=actor)


def pending_outcome(request: ApprovalRequest) -> OutcomeOutbox | None:
    """The outbox row of a decided request whose outcome is not applied yet (None otherwise)."""
    if request.outcome_applied_at or not request.decided_at or request.is_open:
        return None
    return OutcomeOutbox.objects.filter(request=request, applied_at__isnull=True).first()


def require_retry(user, request: ApprovalRequest) -> None:
    """Who may retry an outcome (重新执行): configurers of flows (workflow.change_flow) over the
    request's business unit; for an approvable document whose type declares an ``outcome_retry``
    policy (``jiguan.workflow.documents``), that policy. PermissionDenied otherwise."""
    from .documents.registry import type_of

    try:
        policy = type_of(request.content_type.model_class()).policy("outcome_retry")
    except (LookupError, TypeError):
        policy = None
    if policy is not None:
        policy(user, request)
    elif not user.has_perm("workflow.change_flow", request):
        raise PermissionDenied(_("您没有执行此操作的权限。"))


def can_retry(user, request: ApprovalRequest) -> bool:
    """Whether ``user`` may retry the request's pending outcome now (``require_retry``): the page's
    重新执行 button and the API's retry ask it."""
    if not user.is_authenticated or pending_outcome(request) is None:
        return False
    try:
        require_retry(user, request)
    except PermissionDenied:
        return False
    return True


def outcome_retry(*, request: ApprovalRequest, actor) -> bool:
    if request.outcome_applied_at or not request.decided_at or request.status == RequestStatus.PENDING:
        raise ValidationError(_("该申请没有待重试的业务处理。"))
    outcome = {RequestStatus.APPROVED: Outcome.APPROVED, RequestStatus.REJECTED: Outcome.REJECTED,
               RequestStatus.WITHDRAWN: Outcome.WITHDRAWN}[request.status]
    return apply_outcome(request.pk, outcome, actor)


def outcome_sweep(*, min_age: int = 60, limit: int = 500) -> dict:
    """Apply decided-but-unapplied outcomes: outbox rows older than ``min_age`` seconds (their task
    may still be on its way) whose back-off has passed, and any decided request without a row."""
    now = timezone.now()
    final = [RequestStatus.APPROVED, RequestStatus.REJECTED, RequestStatus.WITHDRAWN]
    for request in ApprovalRequest.objects.filter(status__in=final, decided_at__isnull=False,
                                                  outcome_applied_at__isnull=True, outbox__isnull=True)[:limit]:
        last = request.actions.order_by("-id").first()
        OutcomeOutbox.objects.get_or_create(request=request, defaults={
            "outcome": {RequestStatus.APPROVED: Outcome.APPROVED, RequestStatus.REJECTED: Outcome.REJECTED}
            .get(request.status, Outcome.WITHDRAWN), "actor": last.actor if last else None})
    due = (OutcomeOutbox.objects.filter(applied_at__isnull=True, created_at__lte=now - timedelta(seconds=min_age))
           .exclude(next_attempt_at__gt=now).order_by("id").values_list("pk", flat=True)[:limit])
    result = {"applied": 0, "failed": 0}
    for pk in list(due):
        result["applied" if outbox_apply(pk) else "failed"] += 1
    return result


# Stuck requests ----------------------------------------------------------------------------------


def stuck_reason(request: ApprovalRequest, cache: RouteCache | None = None) -> str:
    """Why a pending request cannot move on now ("" when it can): nobody may decide its current step
    (approvers lost their role or were deactivated, the delegate was deactivated), or a later step
    that applies has nobody."""
    if request.status != RequestStatus.PENDING or request.current_step_id is None:
        return ""
    cache = cache or RouteCache()
    step = request.current_step
    if request.assignee_id is not None:
        if not request.assignee.is_active:
            return _("步骤“%(step)s”已转办给 %(name)s，但该账号已停用。") % {
                "step": step.name, "name": request.assignee.display_name}
    elif request.approver_unit is None or not any(
            u.pk != request.applicant_id for u in cache.approvers(step, request.approver_unit)):
        return no_approver_message(step, request.approver_unit)
    plan = route_plan(business_type=request.business_type, business_unit=request.business_unit,
                      counterparty_unit=request.counterparty_unit, values=request.values,
                      applicant=request.applicant, flow=request.flow, after_order=step.order, cache=cache)
    return plan.problem


def request_mark_stuck(*, request: ApprovalRequest, reason: str) -> bool:
    """Record why the request cannot move on (or that it can again, ``reason=""``), only while it is
    still pending at the version the reason was found for: a request that moved on meanwhile (an
    approver acted) is left alone, with no audit record and no notification. When it becomes stuck,
    or stuck for another reason, the applicant and the business unit's system administrators are
    notified. Returns whether anything changed."""
    if request.stuck_reason == reason[:500]:
        return False  # unchanged (most requests of a sweep): not even a savepoint
    return _mark_stuck(request, reason)


@transaction.atomic
def _mark_stuck(request: ApprovalRequest, reason: str) -> bool:
    before = {"stuck_reason": request.stuck_reason}
    updated = ApprovalRequest.objects.filter(pk=request.pk, status=RequestStatus.PENDING,
                                             version=request.version).update(
        stuck_reason=reason[:500], stuck_at=timezone.now() if reason else None, updated_at=timezone.now())
    if not updated:
        return False
    request.refresh_from_db()
    audit.record(Action.STATE, request, before=before, after={"stuck_reason": request.stuck_reason},
                 message=_("无法继续审批：%(r)s") % {"r": reason} if reason else _("已恢复，可继续审批"))
    if reason:
        recipients = [request.applicant, *routing.administrators(request.business_unit)]
        _notify_later(recipients, _("审批无法继续：%(title)s") % {"title": request.title}, reason, request)
    return True


STUCK_SWEEP_CURSOR = "jiguan:workflow:stuck-sweep-cursor"  # the last request id checked (cache)


def stuck_sweep(*, limit: int = 5000, batch: int = 500) -> dict:
    """Check the pending requests, in id order from where the previous run stopped: mark the ones
    that cannot move on (and notify), clear the ones that can again. A run checks at most ``limit``
    (in batches of ``batch``); the next run goes on from there, and after the newest starts again at
    the oldest, so every pending request is checked. The routes' lookups are shared within a run
    (``RouteCache``): the queries grow with the flows and units involved, not with the requests."""
    result = {"stuck": 0, "cleared": 0, "checked": 0}
    cache = RouteCache()
    start = djcache.get(STUCK_SWEEP_CURSOR) or 0
    base = (ApprovalRequest.objects.filter(status=RequestStatus.PENDING)
            .select_related("current_step__approver_role", "approver_unit", "assignee", "applicant",
                            "business_unit", "counterparty_unit", "flow").order_by("id"))
    # The newer requests after the cursor, then the older ones up to it.
    for low, high in ([(start, None), (0, start)] if start else [(0, None)]):
        cursor = low
        while result["checked"] < limit:
            rows = base.filter(id__gt=cursor) if high is None else base.filter(id__gt=cursor, id__lte=high)
            chunk = list(rows[:min(batch, limit - result["checked"])])
            if not chunk:
                break
            for request in chunk:
                reason = stuck_reason(request, cache)
                if request_mark_stuck(request=request, reason=reason):
                    result["stuck" if reason else "cleared"] += 1
            result["checked"] += len(chunk)
            cursor = chunk[-1].pk
        if result["checked"] >= limit:
            break
    else:
        cursor = 0  # every pending request was checked: the next run starts at the oldest
    djcache.set(STUCK_SWEEP_CURSOR, cursor, timeout=None)
    return result


def workflow_sweep(*, min_age: int = 60) -> dict:
    """The periodic sweep (Celery beat, or ``manage.py workflow_sweep``): outcomes, then stuck requests."""
    return {"outcomes": outcome_sweep(min_age=min_age), "requests": stuck_sweep()}
