"""Approval flows (审批流): configured flows of steps, requests that walk them, and their history."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jiguan.core.models import TimeStampedModel
from jiguan.core.scoping import ScopedManager
from jiguan.org.models import OrgKind

from .querysets import ApprovalRequestQuerySet


class ApproverRelation(models.TextChoices):
    """Where the step's approver sits, relative to the applicant's unit."""

    SAME_UNIT = "same_unit", _("申请单位")
    PARENT_UNIT = "parent_unit", _("申请单位的上级单位")
    NEAREST_KIND = "nearest_kind", _("最近的指定类型单位")
    NEAREST_NAMED = "nearest_named", _("最近的名称含关键字的单位")
    FIXED_UNIT = "fixed_unit", _("指定单位")
    # Business with two units (a transfer, 调拨): the other side signs off, e.g. the receiving unit.
    COUNTERPARTY_UNIT = "counterparty_unit", _("对方单位（如调入单位）")


class Operator(models.TextChoices):
    GTE = "gte", "≥"
    GT = "gt", ">"
    LT = "lt", "<"
    LTE = "lte", "≤"
    EQ = "eq", "="


class Flow(TimeStampedModel):
    """A flow for one business type, configured by a tenant level (province, city or county) for the
    requests of its subtree. The deepest active flow above the applicant's unit applies."""

    scope_path = "unit__path"

    business_type = models.CharField(_("业务类型"), max_length=60, db_index=True)
    name = models.CharField(_("流程名称"), max_length=100)
    unit = models.ForeignKey("org.OrgUnit", verbose_name=_("适用范围（本级及下级）"), on_delete=models.PROTECT,
                             related_name="flows")
    is_active = models.BooleanField(_("启用"), default=True)
    description = models.CharField(_("说明"), max_length=300, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("审批流程")
        verbose_name_plural = _("审批流程")
        ordering = ["business_type", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["business_type", "unit"], condition=models.Q(is_active=True),
                                    name="workflow_one_active_flow_per_unit",
                                    violation_error_message=_("该单位已有启用的同类审批流程，请先停用原流程或编辑原流程。")),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("workflow:flow_detail", args=[self.pk])

    @property
    def business_type_label(self) -> str:
        from . import registry

        try:
            return str(registry.get(self.business_type).label)
        except LookupError:
            return self.business_type


class FlowStep(models.Model):
    scope_path = "flow__unit__path"

    flow = models.ForeignKey(Flow, verbose_name=_("流程"), on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("顺序"))
    name = models.CharField(_("步骤名称"), max_length=60)
    approver_role = models.ForeignKey("org.Role", verbose_name=_("审批角色"), on_delete=models.PROTECT,
                                      related_name="+")
    relation = models.CharField(_("审批人所在单位"), max_length=20, choices=ApproverRelation.choices,
                                default=ApproverRelation.SAME_UNIT)
    unit_kind = models.CharField(_("单位类型"), max_length=16, choices=OrgKind.choices, blank=True,
                                 help_text=_("“最近的指定类型单位”时填写，例如市级。"))
    unit_keyword = models.CharField(_("单位名称关键字"), max_length=40, blank=True,
                                    help_text=_("“最近的名称含关键字的单位”时填写，例如“机关事务”“财政”。"))
    fixed_unit = models.ForeignKey("org.OrgUnit", verbose_name=_("指定单位"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    condition_field = models.CharField(_("条件字段"), max_length=40, blank=True)
    condition_operator = models.CharField(_("条件"), max_length=4, choices=Operator.choices, blank=True)
    condition_value = models.DecimalField(_("条件值"), max_digits=16, decimal_places=2, null=True, blank=True)
    skip_if_same_parent = models.BooleanField(
        _("双方同一上级时跳过"), default=False,
        help_text=_("调拨等涉及两个单位的业务：两个单位有同一上级时不需要本步骤。"))

    objects = ScopedManager()

    class Meta:
        verbose_name = _("审批步骤")
        verbose_name_plural = _("审批步骤")
        ordering = ["flow", "order"]
        constraints = [models.UniqueConstraint(fields=["flow", "order"], name="workflow_step_order_unique",
                                               violation_error_message=_("本流程已有相同顺序号的步骤。"))]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"

    def condition_text(self) -> str:
        """e.g. "金额（元） ≥ 500000" with the business type's label for the field."""
        if not self.condition_field:
            return ""
        from . import registry

        try:
            label = registry.get(self.flow.business_type).fields.get(self.condition_field, self.condition_field)
        except LookupError:
            label = self.condition_field
        value = self.condition_value.normalize() if self.condition_value is not None else ""
        return f"{label} {self.get_condition_operator_display()} {value:f}" if value != "" else str(label)

    def applies(self, values: dict) -> bool:
        """Does this step apply to a request with these values? (Skipped steps are recorded.)"""
        if self.skip_if_same_parent:
            a, b = values.get("unit_parent_id"), values.get("counterparty_parent_id")
            if a is not None and a == b:
                return False
        if not self.condition_field or not self.condition_operator:
            return True
        raw = values.get(self.condition_field)
        try:
            value = Decimal(str(raw))
        except (InvalidOperation, TypeError, ValueError):
            return False
        limit = self.condition_value or Decimal(0)
        return {
            Operator.GTE: value >= limit, Operator.GT: value > limit, Operator.LT: value < limit,
            Operator.LTE: value <= limit, Operator.EQ: value == limit,
        }[self.condition_operator]


class RequestStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PENDING = "pending", _("审批中")
    RETURNED = "returned", _("退回修改")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("已驳回")
    WITHDRAWN = "withdrawn", _("已撤回")


OPEN_STATUSES = {RequestStatus.DRAFT, RequestStatus.PENDING, RequestStatus.RETURNED}


class ApprovalRequestManager(ScopedManager.from_queryset(ApprovalRequestQuerySet)):
    pass


class ApprovalRequest(TimeStampedModel):
    """One request for approval of one business object. ``version`` increases with every transition:
    a decision is a conditional UPDATE on (status, version), so two approvers acting on the same step
    at once cannot both succeed.

    The request belongs to its ``business_unit`` (the unit whose business it is: the 调出单位 of a
    transfer, the owner of a card), declared by its business type; its flow and every step are
    resolved from that unit, whoever files it. The applicant's own unit is recorded beside it."""

    scope_path = "business_unit__path"

    business_type = models.CharField(_("业务类型"), max_length=60, db_index=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(_("业务对象编号"), max_length=64)
    title = models.CharField(_("标题"), max_length=200)
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT,
                                  related_name="approval_requests")
    applicant_unit = models.ForeignKey("org.OrgUnit", verbose_name=_("申请人单位"), on_delete=models.PROTECT,
                                       related_name="approval_requests")
    business_unit = models.ForeignKey("org.OrgUnit", verbose_name=_("业务单位"), on_delete=models.PROTECT,
                                      related_name="+")
    counterparty_unit = models.ForeignKey("org.OrgUnit", verbose_name=_("对方单位"), null=True, blank=True,
                                          on_delete=models.PROTECT, related_name="+")
    values = models.JSONField(_("审批条件数据"), default=dict, blank=True)
    flow = models.ForeignKey(Flow, verbose_name=_("审批流程"), null=True, on_delete=models.PROTECT,
                             related_name="requests")
    status = models.CharField(_("状态"), max_length=12, choices=RequestStatus.choices,
                              default=RequestStatus.DRAFT, db_index=True)
    current_step = models.ForeignKey(FlowStep, verbose_name=_("当前步骤"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    approver_unit = models.ForeignKey("org.OrgUnit", verbose_name=_("当前审批单位"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("指定审批人（转办）"), null=True,
                                 blank=True, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(_("版本"), default=0)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    outcome_applied_at = models.DateTimeField(_("业务处理时间"), null=True, blank=True)
    outcome_error = models.TextField(_("业务处理错误"), blank=True)
    # Why a pending request cannot move on (a step nobody may approve), found when an approval fails
    # to route on and by the periodic sweep; cleared when the route can finish again.
    stuck_reason = models.CharField(_("无法继续的原因"), max_length=500, blank=True)
    stuck_at = models.DateTimeField(_("发现无法继续的时间"), null=True, blank=True)
    # The last reminder (催办) sent to the current approvers (jiguan.workflow.reminders): the next one
    # waits JIGUAN_REMINDER_AFTER_HOURS from it. Not business data: updated_at does not move with it.
    reminded_at = models.DateTimeField(_("最近催办时间"), null=True, blank=True, editable=False)

    objects = ApprovalRequestManager()

    class Meta:
        verbose_name = _("审批申请")
        verbose_name_plural = _("审批申请")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="workflow_request_object"),
            models.Index(fields=["status", "approver_unit", "current_step"], name="workflow_request_todo"),
            models.Index(fields=["applicant", "-id"], name="workflow_request_mine"),
            models.Index(fields=["assignee", "status"], name="workflow_request_assignee"),
            models.Index(fields=["business_unit", "-id"], name="workflow_request_unit"),
            models.Index(fields=["updated_at", "id"], name="workflow_request_updated"),  # ?updated_since=
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("workflow:request_detail", args=[self.pk])

    @property
    def business_type_label(self) -> str:
        from . import registry

        try:
            return str(registry.get(self.business_type).label)
        except LookupError:
            return self.business_type

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def business_object(self):
        return self.content_type.get_object_for_this_type(pk=self.object_id)


class ActionKind(models.TextChoices):
    SUBMIT = "submit", _("提交")
    APPROVE = "approve", _("同意")
    REJECT = "reject", _("驳回")
    RETURN = "return", _("退回修改")
    WITHDRAW = "withdraw", _("撤回")
    DELEGATE = "delegate", _("转办")
    SKIP = "skip", _("自动跳过")


class ApprovalAction(models.Model):
    """The timeline of a request: every action with its actor, comment and time."""

    scope_path = "request__business_unit__path"

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="actions")
    step = models.ForeignKey(FlowStep, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    step_name = models.CharField(_("步骤"), max_length=60, blank=True)
    kind = models.CharField(_("操作"), max_length=10, choices=ActionKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    delegate_to = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("转办给"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    comment = models.CharField(_("意见"), max_length=500, blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("审批记录")
        verbose_name_plural = _("审批记录")
        ordering = ["request", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.step_name}"


class OutcomeOutbox(models.Model):
    """The outcome of a decided request, written in the deciding transaction, so it is never lost:
    a task applies it after commit (with retries), the periodic sweep (``manage.py workflow_sweep``,
    Celery beat) applies what is still pending, and whoever may retry can retry it from the page or
    the API. One row per request; ``applied_at`` is set in the transaction of the business hook."""

    scope_path = "request__business_unit__path"

    request = models.OneToOneField(ApprovalRequest, on_delete=models.CASCADE, related_name="outbox")
    outcome = models.CharField(_("审批结果"), max_length=12)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("决定人"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    attempts = models.PositiveIntegerField(_("执行次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次执行时间"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    applied_at = models.DateTimeField(_("执行完成时间"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("审批结果待办")
        verbose_name_plural = _("审批结果待办")
        indexes = [models.Index(fields=["applied_at", "next_attempt_at"], name="workflow_outbox_pending")]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.outcome}"


class DocumentSequence(models.Model):
    """The last number given to documents of one prefix in one year (DB-2026-000123): advanced by
    ``jiguan.workflow.documents.next_number`` under a row lock inside the transaction that creates
    the document, so a document that rolls back leaves no gap and two never share a number."""

    scope_global = True  # internal counter, not shown to anyone

    prefix = models.CharField(_("单据前缀"), max_length=10)
    year = models.PositiveSmallIntegerField(_("年度"))
    last_value = models.PositiveBigIntegerField(_("已用流水号"), default=0)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("单据流水号")
        verbose_name_plural = _("单据流水号")
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="workflow_document_sequence_once")]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}:{self.last_value}"
