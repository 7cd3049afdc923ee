"""Write operations of the standards app: each atomic, validated, audited.

A standard value changes only through a change request (变更申请), decided by the approval-flow
engine (business type ``standards.change``, see docs/development/workflow.md):

    draft --submit--> pending --(approval request approved)--> approved   (a new version is created)
      |                  |------(approval request rejected)--> rejected
      +----withdraw------+--withdraw (also in the flow)------> withdrawn

``change_request_submit`` starts the approval request in the same transaction; nobody approves
here: the approvers decide on the approval request (我的待办, /workflow/requests/<id>/, the
workflow API) and the engine calls ``change_request_outcome`` after the decision has committed.
Every state change of the change request is one conditional UPDATE (``WHERE status IN (...)``), so
an outcome applied twice, or a withdrawal racing an outcome, cannot both succeed.

A spreadsheet import (``jiguan.standards.imports``) proposes many keys of one table at once: it
creates ONE change request of kind ``import`` whose rows are ``StandardChangeItem``s
(``change_import_create``), submitted to the same flow. Its approval writes every row as a new
version set-based (one UPDATE closes the versions it replaces, ``bulk_create`` adds the new ones),
all or nothing.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from jiguan.audit import services as audit
from jiguan.audit.models import Action
from jiguan.core import context
from jiguan.core.services import generic_create, generic_update
from jiguan.core.validators import FlatJSONObject
from jiguan.workflow import selectors as workflow_selectors
from jiguan.workflow import services as workflow
from jiguan.workflow.models import ActionKind, ApproverRelation, Flow, FlowStep

from .apps import BUSINESS_TYPE
from .models import (
    RequestKind,
    RequestStatus,
    StandardChangeItem,
    StandardChangeRequest,
    StandardEntry,
    StandardTable,
)
from .selectors import latest_version

REQUEST_PERMISSION = "standards.add_standardchangerequest"
APPROVER_ROLE = "standards_approver"  # the step role of the shipped flow (标准审核人)

KEY_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")  # modules and URLs use keys as identifiers
PROPOSAL_FIELDS = ["name", "parent_key", "value", "unit", "value2", "unit2", "attrs", "source", "confidence",
                   "note"]


# Tables ----------------------------------------------------------------------------------------


RESERVED_CODES = {"new"}  # URL words under /standards/tables/


def table_create(**fields) -> StandardTable:
    if fields.get("code") in RESERVED_CODES:
        raise ValidationError({"code": _("该编码为系统保留，请换一个。")})
    return generic_create(StandardTable(**fields))


def table_update(*, table: StandardTable, **fields) -> StandardTable:
    fields.pop("code", None)  # modules read tables by code: it never changes
    return generic_update(table, fields)


# Change requests -------------------------------------------------------------------------------


def _validate_attrs(attrs) -> dict:
    if attrs in (None, ""):
        return {}
    try:
        FlatJSONObject()(attrs)  # the rule of the API's and the form's field
    except ValidationError as exc:
        raise ValidationError({"attrs": exc.messages}) from exc
    return attrs


def _check_start(table: StandardTable, key: str, effective_from: date, field: str = "effective_from") -> None:
    current = latest_version(table, key)
    if current is not None and effective_from <= current.effective_from:
        raise ValidationError({field: _("生效日期必须晚于现行版本（第 %(version)d 版）的生效日期 %(date)s。") % {
            "version": current.version, "date": current.effective_from.isoformat()}})


@transaction.atomic
def change_request_create(*, requested_by, table: StandardTable, key: str, effective_from: date, reason: str,
                          submit: bool = False, **proposal) -> StandardChangeRequest:
    """A draft (or, with ``submit=True``, a pending) proposal for a new version of ``key`` or for a
    new key. Fields the proposal leaves out are taken from the current version."""
    if not requested_by.has_perm(REQUEST_PERMISSION):
        raise PermissionDenied(_("您没有提出数据标准变更申请的权限。"))
    unknown = set(proposal) - set(PROPOSAL_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    key = (key or "").strip()
    if not key:
        raise ValidationError({"key": _("请填写键（代码）。")})
    if not KEY_PATTERN.fullmatch(key):
        raise ValidationError({"key": _("键只能包含字母、数字、点、下划线和连字符，例如 A02010105、county.zhengke。")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写变更理由。")})
    current = latest_version(table, key)
    data = {name: getattr(current, name) for name in PROPOSAL_FIELDS} if current else {}
    data.update(proposal)
    data["attrs"] = _validate_attrs(data.get("attrs"))
    for name in ("name", "parent_key", "unit", "unit2", "source", "note"):
        data[name] = (data.get(name) or "").strip()
    if not data.get("unit") and not current and data.get("value") is not None:
        data["unit"] = table.value_unit
    if not data.get("unit2") and not current and data.get("value2") is not None:
        data["unit2"] = table.value2_unit
    if not data.get("source"):
        data["source"] = table.default_source
    errors = {}
    if not data["name"]:
        errors["name"] = [_("新增的键必须填写名称。")]
    if not data.get("source"):
        errors["source"] = [_("请填写依据文件。")]
    if not data.get("confidence"):
        errors["confidence"] = [_("请选择可信度。")]
    if errors:
        raise ValidationError(errors)
    _check_start(table, key, effective_from)
    request = StandardChangeRequest(
        table=table, key=key, base_entry=current, effective_from=effective_from, reason=reason.strip(),
        requested_by=requested_by, requester_unit=getattr(requested_by, "unit", None), **data)
    request.full_clean(exclude=["requested_by", "requester_unit", "base_entry", "resulting_entry"])
    request.save()
    audit.record_create(request)
    if submit:
        request = change_request_submit(change_request=request, user=requested_by)
    return request


# Imported batches ----------------------------------------------------------------------------------

IMPORT_CHUNK_SIZE = 2000  # rows per bulk_create
STALE_KEYS_SHOWN = 10


def _chunks(items: Iterable, size: int):
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _stale_message(keys: list[str], template: str) -> str:
    shown = "、".join(keys[:STALE_KEYS_SHOWN]) + ("……" if len(keys) > STALE_KEYS_SHOWN else "")
    return template % {"n": len(keys), "keys": shown}


def stale_items(change_request: StandardChangeRequest):
    """Items of a batch that no longer apply as proposed: the key has a newer version than the one
    the row was compared with, or a new key exists meanwhile, or the current version starts on or
    after the request's date. One query (its rows)."""
    keys = StandardEntry.objects.filter(table_id=change_request.table_id).values("key")
    return change_request.items.filter(
        Q(base_entry__effective_to__isnull=False) | Q(base_entry__effective_from__gte=change_request.effective_from)
        | Q(base_entry__isnull=True, key__in=keys))


def _check_items_current(change_request: StandardChangeRequest, template: str) -> None:
    stale = list(stale_items(change_request).order_by("row_number").values_list("key", flat=True))
    if stale:
        raise ValidationError(_stale_message(stale, template))


def import_summary(filename: str, new: int, changed: int) -> str:
    """The ``name`` of a batch, shown in lists: "导入 gbt14885.xlsx：新增 48 条，修改 2 条"."""
    return (_("导入 %(file)s：新增 %(new)d 条，修改 %(changed)d 条") % {
        "file": filename or _("文件"), "new": new, "changed": changed})[:200]


@transaction.atomic
def change_import_create(*, requested_by, table: StandardTable, effective_from: date, reason: str,
                         items: Iterable[StandardChangeItem], unchanged: int = 0, filename: str = "",
                         sha256: str = "", chunk_size: int = IMPORT_CHUNK_SIZE) -> StandardChangeRequest:
    """ONE change request (kind ``import``) for the proposed rows of an imported file, submitted to
    the approval flow at once. ``items`` are unsaved ``StandardChangeItem``s (no change request yet)
    as the importer validated and completed them: every proposal field filled in, ``base_entry``
    the key's version in force (None for a new key), ``effective_from`` after it. ``unchanged`` is
    the number of rows identical to the version in force (not proposed). Written set-based:
    ``bulk_create`` in chunks. One ``import`` audit record (file, SHA-256, counts), then the
    submission's records. Without a configured flow the engine's ValidationError propagates and
    nothing is saved."""
    if not requested_by.has_perm(REQUEST_PERMISSION):
        raise PermissionDenied(_("您没有提出数据标准变更申请的权限。"))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写变更理由。")})
    filename = (filename or "")[:255]
    request = StandardChangeRequest(
        kind=RequestKind.IMPORT, table=table, key="", name=import_summary(filename, 0, 0),
        effective_from=effective_from, reason=reason.strip(), requested_by=requested_by,
        requester_unit=getattr(requested_by, "unit", None), import_file=filename, import_sha256=sha256,
        unchanged_count=unchanged)
    request.full_clean(exclude=["requested_by", "requester_unit", "base_entry", "resulting_entry"])
    request.save()
    new = changed = 0
    for chunk in _chunks(items, chunk_size):
        for item in chunk:
            item.change_request = request
            new, changed = (new + 1, changed) if item.base_entry_id is None else (new, changed + 1)
        StandardChangeItem.objects.bulk_create(chunk, batch_size=chunk_size)
    if new + changed == 0:
        raise ValidationError(_("文件中没有需要变更的条目，未生成变更申请。"))
    request.name = import_summary(filename, new, changed)
    request.new_count, request.changed_count = new, changed
    StandardChangeRequest.objects.filter(pk=request.pk).update(name=request.name, new_count=new,
                                                               changed_count=changed)
    audit.record(Action.IMPORT, request, message=_("导入%(table)s：新增 %(new)d 条，修改 %(changed)d 条，"
                                                   "%(same)d 行与现行版本相同，文件：%(file)s") % {
        "table": table.name, "new": new, "changed": changed, "same": unchanged, "file": filename},
        after={"file": filename, "sha256": sha256, "rows": new + changed + unchanged, "new": new,
               "changed": changed, "unchanged": unchanged, "effective_from": effective_from})
    return change_request_submit(change_request=request, user=requested_by)


class StateConflict(ValidationError):
    """The request is no longer in the state the action needs (someone else acted first)."""


def _transition(change_request: StandardChangeRequest, *, from_states, to_state: str, **changes) -> None:
    """The one conditional UPDATE behind every state change. Raises a ValidationError naming the
    current state when the request is no longer in one of ``from_states``."""
    updated = StandardChangeRequest.objects.filter(pk=change_request.pk, status__in=list(from_states)).update(
        status=to_state, updated_at=timezone.now(), **changes)
    if updated == 1:
        return
    fresh = StandardChangeRequest.objects.select_related("decided_by").get(pk=change_request.pk)
    if fresh.status in (RequestStatus.APPROVED, RequestStatus.REJECTED) and fresh.decided_by is not None:
        raise StateConflict(_("该申请已被 %(user)s 处理（%(status)s）。请刷新页面查看最新状态。") % {
            "user": fresh.decided_by.display_name, "status": fresh.get_status_display()})
    raise StateConflict(_("该申请当前状态为“%(status)s”，不能执行此操作。请刷新页面查看最新状态。") % {
        "status": fresh.get_status_display()})


def _state_record(change_request: StandardChangeRequest, before_status: str, message: str, **after) -> None:
    change_request.refresh_from_db()
    audit.record(Action.STATE, change_request, before={"status": before_status},
                 after={"status": change_request.status, "decided_by": change_request.decided_by_id,
                        "decision_comment": change_request.decision_comment,
                        "resulting_entry": change_request.resulting_entry_id, **after},
                 message=message)


def _require_requester(change_request: StandardChangeRequest, user) -> None:
    if change_request.requested_by_id != user.pk:
        raise PermissionDenied(_("只有申请人本人可以执行此操作。"))


def approval_title(change_request: StandardChangeRequest) -> str:
    """The approval request's title, readable in a to-do list:
    "数据标准变更：固定资产最低折旧年限 计算机设备 6→8 年（2027-01-01 起）"."""
    cr, base = change_request, change_request.base_entry
    if cr.is_import:
        return _("数据标准变更：%(table)s 批量导入 %(n)d 条（新增 %(new)d 条，修改 %(changed)d 条）（%(date)s 起）") % {
            "table": cr.table.name, "n": cr.item_count, "new": cr.new_count, "changed": cr.changed_count,
            "date": cr.effective_from.isoformat()}
    new = cr.plain_value
    if new is None:
        what = cr.name
    elif base is None:
        what = _("新增 %(name)s %(value)s %(unit)s") % {"name": cr.name, "value": new, "unit": cr.unit}
    elif base.plain_value is not None and base.plain_value != new:
        what = f"{cr.name} {base.plain_value}→{new} {cr.unit}"
    else:
        what = f"{cr.name} {new} {cr.unit}"
    return _("数据标准变更：%(table)s %(what)s（%(date)s 起）") % {
        "table": cr.table.name, "what": what.strip(), "date": cr.effective_from.isoformat()}


@transaction.atomic
def change_request_submit(*, change_request: StandardChangeRequest, user) -> StandardChangeRequest:
    """Send a draft for approval: draft → pending, and start its approval request (business type
    ``standards.change``, applicant ``user``) in the same transaction. Without a configured flow
    the engine's ValidationError ("本单位尚未配置…审批流程…") propagates and nothing is submitted."""
    _require_requester(change_request, user)
    if change_request.is_import:
        _check_items_current(change_request, _(
            "以下 %(n)d 个键在校验文件之后已有新的版本或已被新增：%(keys)s。请重新上传文件。"))
    else:
        _check_start(change_request.table, change_request.key, change_request.effective_from)
    _transition(change_request, from_states=[RequestStatus.DRAFT], to_state=RequestStatus.PENDING,
                submitted_at=timezone.now())
    _state_record(change_request, RequestStatus.DRAFT, _("提交审批"))
    workflow.request_start(business_type=BUSINESS_TYPE, obj=change_request, applicant=user,
                           title=approval_title(change_request))
    return change_request


@transaction.atomic
def change_request_withdraw(*, change_request: StandardChangeRequest, user) -> StandardChangeRequest:
    """Withdraw a draft, or a pending request together with its open approval request. A pending
    request whose approval has ended but whose outcome could not be applied (``outcome_error``, e.g.
    another version was approved meanwhile) may be withdrawn too, so the requester can re-apply."""
    _require_requester(change_request, user)
    before = change_request.status
    approval = workflow_selectors.latest_request(change_request)
    if approval is not None and approval.is_open:
        try:
            workflow.request_withdraw(request=approval, actor=user)
        except workflow.StaleRequest as exc:
            raise StateConflict(exc.message) from None
    elif approval is not None and approval.outcome_applied_at is None and not approval.outcome_error:
        # Decided a moment ago, the outcome hook has not run yet: it decides the change request.
        raise StateConflict(_("审批已办结（%(status)s），结果正在处理，不能撤回。请刷新页面查看最新状态。") % {
            "status": approval.get_status_display()})
    _transition(change_request, from_states=[RequestStatus.DRAFT, RequestStatus.PENDING],
                to_state=RequestStatus.WITHDRAWN)
    _state_record(change_request, before, _("申请人撤回"))
    return change_request


def _apply_approval(change_request: StandardChangeRequest, user, comment: str) -> StandardChangeRequest:
    """Close the current version where the new one starts and create the new version (version + 1,
    approved by ``user``, the approval's decider). All or nothing: the caller's transaction."""
    now = timezone.now()
    # First the conditional UPDATE: a second application of the same outcome blocks here until the
    # first commits, then finds the request no longer pending.
    _transition(change_request, from_states=[RequestStatus.PENDING], to_state=RequestStatus.APPROVED,
                decided_by=user, decided_at=now, decision_comment=(comment or "").strip())
    cr = StandardChangeRequest.objects.select_related("table").get(pk=change_request.pk)
    current = (StandardEntry.objects.select_for_update().filter(table=cr.table, key=cr.key)
               .order_by("-effective_from").first())
    if current is not None and cr.effective_from <= current.effective_from:
        # Another change to the key was approved after this one was submitted.
        raise ValidationError(_(
            "生效日期 %(new)s 必须晚于现行版本（第 %(version)d 版）的生效日期 %(date)s；"
            "新版本未生成。请申请人撤回本申请后按最新版本重新申请。") % {
            "new": cr.effective_from.isoformat(), "version": current.version,
            "date": current.effective_from.isoformat()})
    if current is not None and (current.effective_to is None or current.effective_to > cr.effective_from):
        before = audit.snapshot(current)
        current.effective_to = cr.effective_from
        current.save(update_fields=["effective_to"])
        audit.record_update(current, before, message=_("由变更申请 #%(id)d 关闭") % {"id": cr.pk})
    entry = StandardEntry(
        table=cr.table, key=cr.key, effective_from=cr.effective_from, effective_to=None,
        version=(current.version + 1) if current else 1, approved_by=user, approved_at=now,
        sort_order=current.sort_order if current else 0,
        **{name: getattr(cr, name) for name in PROPOSAL_FIELDS})
    entry.full_clean(exclude=["approved_by"])
    entry.save()
    audit.record_create(entry, message=_("由变更申请 #%(id)d 生成") % {"id": cr.pk})
    StandardChangeRequest.objects.filter(pk=cr.pk).update(resulting_entry=entry)
    _state_record(change_request, RequestStatus.PENDING,
                  _("批准：%(table)s %(key)s 第 %(version)d 版自 %(date)s 起生效") % {
                      "table": cr.table.name, "key": cr.key, "version": entry.version,
                      "date": cr.effective_from.isoformat()})
    return change_request


def _apply_import_approval(change_request: StandardChangeRequest, user, comment: str) -> StandardChangeRequest:
    """Approve an imported batch: every item becomes a new version starting at the request's
    ``effective_from`` (version + 1 of the key's current version, or version 1 of a new key), and
    the versions they replace are closed there. Set-based: a constant number of queries whatever
    the number of rows (plus the INSERT batches SQLite needs). All or nothing: if any key has
    changed since the file was imported, nothing is written (the caller's transaction)."""
    now = timezone.now()
    _transition(change_request, from_states=[RequestStatus.PENDING], to_state=RequestStatus.APPROVED,
                decided_by=user, decided_at=now, decision_comment=(comment or "").strip())
    cr = StandardChangeRequest.objects.select_related("table").get(pk=change_request.pk)
    # Lock the open (= latest) version of every key of the table, in id order (two batches of one
    # table never deadlock; no join to the table for the model's default ordering): the versions
    # this batch closes stay as checked until the commit. A new key that another request adds
    # meanwhile makes the insert below fail on the unique version number.
    current = {key: (pk, version, start) for key, pk, version, start in
               StandardEntry.objects.select_for_update().filter(table=cr.table, effective_to__isnull=True)
               .order_by("pk").values_list("key", "pk", "version", "effective_from")}
    items = list(cr.items.order_by("row_number"))
    stale = [item.key for item in items
             if current.get(item.key, (None,))[0] != item.base_entry_id
             or (item.key in current and current[item.key][2] >= cr.effective_from)]
    if stale:
        raise ValidationError(_stale_message(stale, _(
            "以下 %(n)d 个键在提出申请后已有新的版本或已被新增：%(keys)s；新版本未生成。"
            "请申请人撤回本申请后按最新版本重新导入。")))
    closed = StandardEntry.objects.filter(
        pk__in=cr.items.filter(base_entry__isnull=False).values("base_entry_id")).update(
        effective_to=cr.effective_from)
    entries = []
    for item in items:
        entry = StandardEntry(
            table=cr.table, key=item.key, effective_from=cr.effective_from, effective_to=None,
            version=current[item.key][1] + 1 if item.base_entry_id else 1, approved_by=user, approved_at=now,
            sort_order=item.sort_order, **{name: getattr(item, name) for name in PROPOSAL_FIELDS})
        # The model's field rules without a query (the items were validated on import, the
        # uniqueness of the versions is the database's job).
        entry.full_clean(exclude=["table", "approved_by"], validate_unique=False, validate_constraints=False)
        entries.append(entry)
    try:
        for chunk in _chunks(entries, IMPORT_CHUNK_SIZE):
            StandardEntry.objects.bulk_create(chunk, batch_size=IMPORT_CHUNK_SIZE)
    except IntegrityError:
        raise ValidationError(_("保存新版本时数据库拒绝了数据（可能有其他申请同时修改了相同的键）；新版本未生成。"
                                "请申请人撤回本申请后按最新版本重新导入。")) from None
    cr.items.update(resulting_entry=Subquery(StandardEntry.objects.filter(
        table_id=cr.table_id, key=OuterRef("key"), effective_from=cr.effective_from).values("pk")[:1]))
    _state_record(change_request, RequestStatus.PENDING,
                  _("批准：%(table)s 批量导入 %(n)d 条（新增 %(new)d 条，修改 %(changed)d 条）自 %(date)s 起生效") % {
                      "table": cr.table.name, "n": len(entries), "new": len(entries) - closed, "changed": closed,
                      "date": cr.effective_from.isoformat()},
                  entries_created=len(entries), entries_closed=closed)
    return change_request


def _apply_rejection(change_request: StandardChangeRequest, user, comment: str) -> StandardChangeRequest:
    _transition(change_request, from_states=[RequestStatus.PENDING], to_state=RequestStatus.REJECTED,
                decided_by=user, decided_at=timezone.now(), decision_comment=comment)
    _state_record(change_request, RequestStatus.PENDING, _("驳回：%(reason)s") % {"reason": comment})
    return change_request


def allowed_actions(change_request: StandardChangeRequest, user) -> set[str]:
    """What the requester may do on the change request's page (submit a draft, withdraw). Decisions
    are made on the approval request's page, never here."""
    actions = set()
    if change_request.requested_by_id == user.pk and user.has_perm(REQUEST_PERMISSION):
        if change_request.status == RequestStatus.DRAFT:
            actions.add("submit")
        if change_request.is_open:
            actions.add("withdraw")
    return actions


# The approval-flow engine ------------------------------------------------------------------------


def _decision(change_request: StandardChangeRequest, kind: str):
    """(decider, comment) of the approval or rejection that ended the change request's approval
    request: the decider is the approver who acted, also when an administrator retries a failed
    outcome later ("重新执行"). Without a recorded decision, the acting user of the context."""
    approval = workflow_selectors.latest_request(change_request)
    action = (approval.actions.filter(kind=kind).select_related("actor").order_by("-id").first()
              if approval is not None else None)
    if action is not None and action.actor is not None:
        return action.actor, action.comment
    return context.current().user, ""


@transaction.atomic
def change_request_outcome(change_request: StandardChangeRequest, outcome: str) -> None:
    """The outcome hook of business type ``standards.change`` (registered in
    ``StandardsConfig.ready()``). The engine calls it after the deciding transaction has committed,
    in a transaction of its own: ``outcome`` is "approved" (create the new version), "rejected" or
    "withdrawn". The decider recorded on the approval request becomes ``decided_by`` and the new
    version's ``approved_by``; the flow has authorised them, and the separation rule (nobody decides
    their own request) is checked once more. Idempotent: a retried hook finds the request in the
    target state and does nothing. If it raises (e.g. the start date is no longer after the key's
    latest version), nothing is written and the engine records the error on the approval request
    (``outcome_error``).
    """
    target = {"approved": RequestStatus.APPROVED, "rejected": RequestStatus.REJECTED,
              "withdrawn": RequestStatus.WITHDRAWN}.get(outcome)
    if target is None:
        raise ValueError(f"unknown outcome: {outcome}")
    change_request.refresh_from_db(fields=["status", "kind"])
    if change_request.status == target:
        return  # withdrawn on the change request's page, or a retried hook: already applied
    if outcome == "withdrawn":
        before = change_request.status
        _transition(change_request, from_states=[RequestStatus.DRAFT, RequestStatus.PENDING],
                    to_state=RequestStatus.WITHDRAWN)
        _state_record(change_request, before, _("申请人在审批流程中撤回"))
        return
    user, comment = _decision(change_request, ActionKind.APPROVE if outcome == "approved" else ActionKind.REJECT)
    if user is None:
        raise PermissionDenied(_("审批结果缺少审核人。"))
    if change_request.requested_by_id == user.pk:
        raise PermissionDenied(_("不能审核本人提出的申请。"))
    if outcome == "approved":
        if change_request.kind == RequestKind.IMPORT:
            _apply_import_approval(change_request, user, comment)
        else:
            _apply_approval(change_request, user, comment)
    else:
        _apply_rejection(change_request, user, comment)


# The shipped flow --------------------------------------------------------------------------------

DEFAULT_FLOW_NAME = "数据标准变更审批"
DEFAULT_STEP_NAME = "标准审核人审核"


@transaction.atomic
def default_flow_ensure(*, unit) -> Flow:
    """The flow a new installation starts with: at ``unit`` (the root unit, so it covers every
    requester), one step decided by the holders of 标准审核人 (standards_approver) granted at that
    unit (``fixed_unit``: standards are tenant-wide, whoever proposes the change). Creates it only
    when no flow for ``standards.change`` is configured at ``unit`` (active or not), so running it
    again never overrides an administrator's configuration. Audited like a flow made on the page."""
    from jiguan.org.models import Role

    existing = Flow.objects.filter(business_type=BUSINESS_TYPE, unit=unit).order_by("-is_active", "id").first()
    if existing is not None:
        return existing
    flow = generic_create(Flow(business_type=BUSINESS_TYPE, name=DEFAULT_FLOW_NAME, unit=unit,
                               description=_("数据标准（代码表、配置标准、折旧年限等）的变更申请由标准审核人审核。")))
    generic_create(FlowStep(flow=flow, order=1, name=DEFAULT_STEP_NAME,
                            approver_role=Role.objects.get(code=APPROVER_ROLE),
                            relation=ApproverRelation.FIXED_UNIT, fixed_unit=unit))
    return flow
