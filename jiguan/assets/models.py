"""Assets (资产管理): the asset card (资产卡片) and its lifecycle documents.

One card per asset (or per batch, e.g. 40 chairs), owned by its owning unit (产权单位): data scope
follows ``owner_unit``. Every change goes through ``services.py`` and leaves an ``AssetEvent`` on the
card's timeline (来源可循、使用状态可查、去向可追、责任可究) and an audit record.

Depreciation (折旧) is a closed-form schedule stored on the card (see ``depreciation.py``): from the
month ``dep_anchor`` on, ``dep_monthly`` per month for ``dep_months`` months, the last month taking
the remainder, on top of ``dep_base`` charged before the anchor. A value adjustment re-anchors the
schedule (the remaining value spread over the remaining months), so the accumulated depreciation at
any month is one SQL expression: reports for any date need no ledger scan.
"""

from __future__ import annotations

import os
import uuid
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jiguan.core.models import AttachmentKind, ScopedModel, TimeStampedModel  # noqa: F401 (AttachmentKind re-exported)
from jiguan.core.scoping import ScopedManager, ScopedQuerySet
from jiguan.core.storage import PrivateStorage, private_storage  # noqa: F401 (re-exported; migration 0003)
from jiguan.workflow.documents import DocStatus  # noqa: F401 - the kernel's, re-exported for the app
from jiguan.workflow.documents.base import Document

MONEY = {"max_digits": 16, "decimal_places": 2}
ZERO = Decimal("0.00")


def period_index(year: int, month: int) -> int:
    """Months since year 0: 2024-01 -> 24288. Depreciation schedules count in these."""
    return year * 12 + month - 1


def period_of(day) -> int:
    return period_index(day.year, day.month)


def period_label(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def period_start(index: int) -> date:
    """The first day of month ``index`` (inverse of ``period_of`` up to the day)."""
    return date(index // 12, index % 12 + 1, 1)


class AssetStatus(models.TextChoices):
    IN_USE = "in_use", _("在用")
    IDLE = "idle", _("闲置")
    REPAIR = "repair", _("维修中")
    LENT = "lent", _("出借")
    WAREHOUSE = "warehouse", _("公物仓")
    PENDING_DISPOSAL = "pending_disposal", _("待处置")
    DISPOSED = "disposed", _("已处置")


# Statuses from which a card may be put into a transfer or a disposal.
MOVABLE_STATUSES = (AssetStatus.IN_USE, AssetStatus.IDLE, AssetStatus.REPAIR, AssetStatus.WAREHOUSE)
OPEN_STATUSES = tuple(s for s in AssetStatus.values if s != AssetStatus.DISPOSED)


class DepreciationMethod(models.TextChoices):
    STRAIGHT_LINE = "straight_line", _("年限平均法")
    UNITS = "units", _("工作量法")
    NONE = "none", _("不计提折旧")


class StartRule(models.TextChoices):
    SAME_MONTH = "same_month", _("当月增加当月计提")
    NEXT_MONTH = "next_month", _("当月增加次月计提")


class AssetSettings(TimeStampedModel):
    """Per-tenant settings of the assets module (a tenant is a province, city or county unit).

    A unit uses the settings of its nearest ancestor (or itself) that has a row; with none, the
    defaults below apply. Configured by the system administrator."""

    scope_path = "unit__path"

    unit = models.OneToOneField("org.OrgUnit", verbose_name=_("单位"), on_delete=models.PROTECT,
                                related_name="asset_settings")
    code_pattern = models.CharField(
        _("资产编码规则"), max_length=60, default="{region}{year}{seq:06d}",
        help_text=_("可用占位符：{region} 行政区划代码，{year} 登记年份，{class} 分类代码前 3 位，"
                    "{seq:06d} 流水号（6 位，不足补 0）。编码一经分配永不重复使用。"))
    start_rule = models.CharField(_("折旧起始月份"), max_length=16, choices=StartRule.choices,
                                  default=StartRule.SAME_MONTH)
    custom_fields = models.JSONField(
        _("自定义字段"), default=list, blank=True,
        help_text=_("资产卡片的本地扩展字段，如 [{\"key\": \"asset_tag\", \"label\": \"财务编号\"}]。"))

    objects = ScopedManager()

    class Meta:
        verbose_name = _("资产管理设置")
        verbose_name_plural = _("资产管理设置")

    def __str__(self) -> str:
        return str(self.unit)


class AssetCodeSequence(models.Model):
    """The next serial number per code prefix. Incremented under a row lock, never decremented,
    so an asset code is never issued twice, even after a card is disposed of."""

    scope_global = True  # internal counter, not shown to anyone

    prefix = models.CharField(_("编码前缀"), max_length=60, unique=True)
    last_value = models.BigIntegerField(_("已用流水号"), default=0)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("资产编码流水号")
        verbose_name_plural = _("资产编码流水号")

    def __str__(self) -> str:
        return f"{self.prefix}:{self.last_value}"


class Asset(ScopedModel):
    """An asset card (资产卡片)."""

    scope_path = "owner_unit__path"

    code = models.CharField(_("资产编码"), max_length=40, unique=True)
    name = models.CharField(_("资产名称"), max_length=120)
    name_initials = models.CharField(_("名称拼音首字母"), max_length=120, editable=False)
    class_code = models.CharField(_("资产分类代码"), max_length=16,
                                  help_text=_("GB/T 14885-2022 分类代码（取自数据标准）"))
    class_name = models.CharField(_("资产分类"), max_length=120)
    spec_model = models.CharField(_("规格型号"), max_length=120, blank=True)
    brand = models.CharField(_("品牌"), max_length=60, blank=True)
    quantity = models.PositiveIntegerField(_("数量"), default=1, validators=[MinValueValidator(1)])
    measure_unit = models.CharField(_("计量单位"), max_length=10, default="台")
    original_value = models.DecimalField(_("原值（元）"), **MONEY, validators=[MinValueValidator(ZERO)])
    acquisition_method = models.CharField(_("取得方式"), max_length=32)
    acquired_on = models.DateField(_("取得日期"))
    funding_source = models.CharField(_("资金来源"), max_length=32, blank=True)
    supplier = models.CharField(_("供应商"), max_length=120, blank=True)
    contract_no = models.CharField(_("合同编号"), max_length=60, blank=True)
    invoice_no = models.CharField(_("发票号"), max_length=60, blank=True)
    # No index of its own: assets_owner_status_class_id starts with the owning unit.
    owner_unit = models.ForeignKey("org.OrgUnit", verbose_name=_("产权单位"), on_delete=models.PROTECT,
                                   related_name="owned_assets", db_index=False)
    using_unit = models.ForeignKey("org.OrgUnit", verbose_name=_("使用单位"), on_delete=models.PROTECT,
                                   related_name="used_assets")
    department = models.ForeignKey("org.OrgUnit", verbose_name=_("使用部门"), on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="department_assets")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("使用人"), on_delete=models.PROTECT,
                             null=True, blank=True, related_name="used_assets")
    keeper = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("管理人"), on_delete=models.PROTECT,
                               null=True, blank=True, related_name="kept_assets")
    location = models.CharField(_("存放地点"), max_length=120, blank=True)
    status = models.CharField(_("使用状态"), max_length=20, choices=AssetStatus.choices,
                              default=AssetStatus.IN_USE)
    warranty_end = models.DateField(_("保修截止日期"), null=True, blank=True)
    custom = models.JSONField(_("自定义字段"), default=dict, blank=True)
    note = models.TextField(_("备注"), blank=True)

    # Depreciation schedule (see the module docstring and depreciation.py).
    dep_method = models.CharField(_("折旧方法"), max_length=16, choices=DepreciationMethod.choices,
                                  default=DepreciationMethod.STRAIGHT_LINE)
    dep_category = models.CharField(_("折旧类别"), max_length=40, blank=True,
                                    help_text=_("《政府固定资产折旧年限表》中的类别（数据标准“固定资产最低折旧年限”的键）"))
    life_months = models.PositiveIntegerField(_("折旧年限（月）"), default=0)
    dep_anchor = models.IntegerField(_("折旧计划起始期"), default=0)
    dep_months = models.PositiveIntegerField(_("折旧计划月数"), default=0)
    dep_monthly = models.DecimalField(_("月折旧额（元）"), **MONEY, default=ZERO)
    dep_base = models.DecimalField(_("计划起始前累计折旧（元）"), **MONEY, default=ZERO)
    dep_stop = models.IntegerField(_("折旧截止期"), null=True, blank=True,
                                   help_text=_("最后计提的期间（处置当月不再计提）"))
    total_workload = models.DecimalField(_("预计总工作量"), max_digits=16, decimal_places=2, null=True,
                                         blank=True)
    workload_unit = models.CharField(_("工作量单位"), max_length=10, blank=True)
    # Set once a value adjustment has kept an earlier schedule (ScheduleSegment): only such cards pay
    # for reading their segments, for months before dep_anchor.
    dep_segmented = models.BooleanField(_("有调整前折旧计划"), default=False, editable=False)

    registered_on = models.DateField(_("入账日期"))
    disposed_on = models.DateField(_("处置日期"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    class Meta:
        verbose_name = _("资产")
        verbose_name_plural = _("资产")
        ordering = ["-id"]
        indexes = [
            # Lists filter by owner (subtree), status and class and page by -id (docs/performance.md).
            models.Index(fields=["owner_unit", "status", "class_code", "id"], name="assets_owner_status_class_id"),
            # Prefix searches of the pinyin initials whatever the database collation; the opclass
            # applies on PostgreSQL, other databases build a plain index. The code's prefix index is
            # the one PostgreSQL's backend adds to every unique CharField (code_…_like).
            models.Index(fields=["name_initials"], name="assets_initials_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["class_code"], name="assets_class"),
            models.Index(fields=["status"], name="assets_status"),
            models.Index(fields=["name"], name="assets_name"),
            models.Index(fields=["acquired_on"], name="assets_acquired"),
            # The few cards with schedule segments, for the monthly run's months before their anchor.
            models.Index(fields=["id"], condition=Q(dep_segmented=True), name="assets_segmented"),
            # Other systems poll ?updated_since= (core.polling): ordered by (updated_at, id).
            models.Index(fields=["updated_at", "id"], name="assets_updated"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(original_value__gte=0), name="assets_value_not_negative"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="assets_quantity_positive"),
        ]
        permissions = [
            ("import_asset", _("可以导入资产")),
            ("issue_asset", _("可以办理资产领用、交回")),
            ("transfer_asset", _("可以申请资产调拨")),
            ("dispose_asset", _("可以申请资产处置")),
            ("depreciate_asset", _("可以计提折旧")),
            ("report_asset", _("可以查看资产报表")),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("assets:asset_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status != AssetStatus.DISPOSED

    def accumulated_at(self, period: int) -> Decimal:
        from .depreciation import accumulated_at

        return accumulated_at(self, period)

    def net_value_at(self, period: int) -> Decimal:
        from .depreciation import original_value_at

        return original_value_at(self, period) - self.accumulated_at(period)


class ScheduleSegment(models.Model):
    """An earlier depreciation schedule (折旧计划段) of a card, kept by a value adjustment: the card's
    ``dep_*`` fields, original value and total workload as they were, governing the months up to
    ``valid_to`` (after the previous segment's). The card's own schedule governs from ``dep_anchor``
    = the last segment's ``valid_to + 1``; ``Asset.dep_segmented`` says a card has segments
    (``depreciation.py``)."""

    scope_path = "asset__owner_unit__path"

    asset = models.ForeignKey(Asset, verbose_name=_("资产"), on_delete=models.CASCADE,
                              related_name="schedule_segments")
    valid_to = models.IntegerField(_("适用至期间"))
    original_value = models.DecimalField(_("原值（元）"), **MONEY)
    dep_method = models.CharField(_("折旧方法"), max_length=16, choices=DepreciationMethod.choices)
    dep_anchor = models.IntegerField(_("折旧计划起始期"))
    dep_months = models.PositiveIntegerField(_("折旧计划月数"), default=0)
    dep_monthly = models.DecimalField(_("月折旧额（元）"), **MONEY, default=ZERO)
    dep_base = models.DecimalField(_("计划起始前累计折旧（元）"), **MONEY, default=ZERO)
    total_workload = models.DecimalField(_("预计总工作量"), max_digits=16, decimal_places=2, null=True,
                                         blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("折旧计划段")
        verbose_name_plural = _("折旧计划段")
        ordering = ["asset", "valid_to"]
        constraints = [
            # One segment per card and month; its index serves "the first segment ending at or after p".
            models.UniqueConstraint(fields=["asset", "valid_to"], name="assets_segment_once"),
        ]

    def __str__(self) -> str:
        return f"{self.asset_id} …{period_label(self.valid_to)}"


class EventKind(models.TextChoices):
    REGISTER = "register", _("验收登记")
    ISSUE = "issue", _("领用")
    RETURN = "return", _("交回")
    HANDOVER = "handover", _("交接")
    CHANGE = "change", _("变更")
    VALUE_REQUESTED = "value_requested", _("申请价值调整")
    VALUE = "value", _("价值调整")
    VALUE_CANCELLED = "value_cancelled", _("价值调整未通过")
    REPAIR = "repair", _("维修")
    TRANSFER_REQUESTED = "transfer_requested", _("申请调拨")
    TRANSFER = "transfer", _("调拨")
    TRANSFER_CANCELLED = "transfer_cancelled", _("调拨未通过")
    DISPOSAL_REQUESTED = "disposal_requested", _("申请处置")
    DISPOSAL = "disposal", _("处置")
    DISPOSAL_CANCELLED = "disposal_cancelled", _("处置未通过")
    IMPORT = "import", _("导入")
    ATTACHMENT = "attachment", _("附件")
    WORKLOAD = "workload", _("工作量")


class AssetEvent(models.Model):
    """One entry of a card's timeline (资产履历). Written by the services only, never edited."""

    scope_path = "asset__owner_unit__path"

    asset = models.ForeignKey(Asset, verbose_name=_("资产"), on_delete=models.PROTECT, related_name="events",
                              db_index=False)  # assets_event_asset (asset, id) serves it
    kind = models.CharField(_("事项"), max_length=24, choices=EventKind.choices)
    occurred_on = models.DateField(_("业务日期"))
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("经办人"), on_delete=models.PROTECT,
                              null=True, blank=True, related_name="+")
    summary = models.CharField(_("摘要"), max_length=300)
    data = models.JSONField(_("详情"), default=dict, blank=True)
    document = models.CharField(_("单据"), max_length=80, blank=True,
                                help_text=_("相关单据，如 调拨单 DB-12、批复文号"))

    objects = ScopedManager()

    class Meta:
        verbose_name = _("资产履历")
        verbose_name_plural = _("资产履历")
        ordering = ["asset", "id"]
        indexes = [models.Index(fields=["asset", "id"], name="assets_event_asset")]

    def __str__(self) -> str:
        return f"{self.asset_id} {self.get_kind_display()} {self.summary}"


class RepairRecord(models.Model):
    """A repair of a card (until the repairs module exists)."""

    scope_path = "asset__owner_unit__path"

    asset = models.ForeignKey(Asset, verbose_name=_("资产"), on_delete=models.PROTECT, related_name="repairs")
    repaired_on = models.DateField(_("维修日期"))
    cost = models.DecimalField(_("维修费用（元）"), **MONEY, validators=[MinValueValidator(ZERO)])
    vendor = models.CharField(_("维修单位"), max_length=120, blank=True)
    result = models.CharField(_("维修结果"), max_length=200)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("维修记录")
        verbose_name_plural = _("维修记录")
        ordering = ["-repaired_on", "-id"]

    def __str__(self) -> str:
        return f"{self.asset_id} {self.repaired_on}"


# Photos and attachments (照片与附件) of a card are kernel attachments (core.Attachment, declared in
# apps.ready()); their files stay in the private storage under assets/<card id>/ (older uploads) or
# assets/asset/<card id>/. Migration 0003 names private_storage (imported above from jiguan.core.storage)
# and attachment_path, so both stay importable from here.


def attachment_path(instance, filename: str) -> str:
    """Stored name of the former ``AssetAttachment`` (migration 0003): the card's folder, a random name."""
    ext = os.path.splitext(filename)[1].lower()
    return f"assets/{instance.asset_id}/{uuid.uuid4().hex}{ext}"


class TransferQuerySet(ScopedQuerySet):
    def in_scope(self, scope):
        """A transfer is visible to both sides: the giving and the receiving unit."""
        if scope.is_global:
            return self
        if scope.is_empty:
            return self.none()
        return self.filter(scope.q("from_unit__path") | scope.q("to_unit__path"))


class Transfer(Document):
    """A transfer (调拨) of one or more cards from one owning unit to another. The cards' owner
    changes only when the approval flow approves (business type ``assets.transfer``). An approvable
    document (``jiguan.workflow.documents``, declared in ``assets/documents.py``)."""

    scope_path = "from_unit__path"
    verbose_names = {"number": _("调拨单号")}

    from_unit = models.ForeignKey("org.OrgUnit", verbose_name=_("调出单位"), on_delete=models.PROTECT,
                                  related_name="transfers_out")
    to_unit = models.ForeignKey("org.OrgUnit", verbose_name=_("调入单位"), on_delete=models.PROTECT,
                                related_name="transfers_in")
    reason = models.TextField(_("调拨理由"))
    total_value = models.DecimalField(_("原值合计（元）"), **MONEY, default=ZERO)
    asset_count = models.PositiveIntegerField(_("资产数"), default=0)

    objects = ScopedManager.from_queryset(TransferQuerySet)()

    class Meta:
        verbose_name = _("资产调拨")
        verbose_name_plural = _("资产调拨")
        ordering = ["-id"]
        indexes = [models.Index(fields=["updated_at", "id"], name="assets_transfer_updated")]  # polling

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("assets:transfer_detail", args=[self.pk])


class TransferItem(models.Model):
    scope_path = "transfer__from_unit__path"

    transfer = models.ForeignKey(Transfer, verbose_name=_("调拨单"), on_delete=models.CASCADE,
                                 related_name="items")
    asset = models.ForeignKey(Asset, verbose_name=_("资产"), on_delete=models.PROTECT,
                              related_name="transfer_items")
    original_value = models.DecimalField(_("原值（元）"), **MONEY)
    open = models.BooleanField(_("进行中"), default=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("调拨明细")
        verbose_name_plural = _("调拨明细")
        constraints = [
            # A card is in at most one open transfer: a database guarantee, not only a check.
            models.UniqueConstraint(fields=["asset"], condition=Q(open=True), name="assets_one_open_transfer"),
        ]

    def __str__(self) -> str:
        return f"{self.transfer_id}:{self.asset_id}"


class Disposal(Document):
    """A disposal (处置) of one or more cards of one owning unit (business type ``assets.disposal``).
    On approval the cards close (status 已处置) and depreciation stops from that month."""

    scope_path = "unit__path"
    verbose_names = {"number": _("处置单号")}

    unit = models.ForeignKey("org.OrgUnit", verbose_name=_("处置单位"), on_delete=models.PROTECT,
                             related_name="disposals")
    method = models.CharField(_("处置方式"), max_length=32)
    reason_code = models.CharField(_("处置原因"), max_length=32, blank=True)
    reason = models.TextField(_("处置说明"))
    total_value = models.DecimalField(_("原值合计（元）"), **MONEY, default=ZERO)
    asset_count = models.PositiveIntegerField(_("资产数"), default=0)
    valuation = models.DecimalField(_("评估价值（元）"), **MONEY, null=True, blank=True,
                                    help_text=_("出售、出让、转让、置换等须评估的，填写评估价值（条例第三十六条）"))
    income = models.DecimalField(_("处置收入（元）"), **MONEY, null=True, blank=True)
    reply_no = models.CharField(_("批复文号"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("资产处置")
        verbose_name_plural = _("资产处置")
        ordering = ["-id"]
        indexes = [models.Index(fields=["updated_at", "id"], name="assets_disposal_updated")]  # polling

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("assets:disposal_detail", args=[self.pk])


class DisposalItem(models.Model):
    scope_path = "disposal__unit__path"

    disposal = models.ForeignKey(Disposal, verbose_name=_("处置单"), on_delete=models.CASCADE,
                                 related_name="items")
    asset = models.ForeignKey(Asset, verbose_name=_("资产"), on_delete=models.PROTECT,
                              related_name="disposal_items")
    original_value = models.DecimalField(_("原值（元）"), **MONEY)
    prev_status = models.CharField(_("处置前状态"), max_length=20, choices=AssetStatus.choices)
    open = models.BooleanField(_("进行中"), default=True)
    done = models.BooleanField(_("已处置"), default=False)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("处置明细")
        verbose_name_plural = _("处置明细")
        constraints = [
            # Never disposed of twice: at most one open or completed disposal line per card.
            models.UniqueConstraint(fields=["asset"], condition=Q(open=True) | Q(done=True),
                                    name="assets_dispose_once"),
        ]

    def __str__(self) -> str:
        return f"{self.disposal_id}:{self.asset_id}"


class ValueChange(Document):
    """A value change (价值调整单) of one card, e.g. an upgrade that adds to its original value. It
    applies (services.asset_value_adjust: the net value re-spread over the remaining months) only
    when the approval flow of business type ``assets.value_change`` approves; a flow whose steps all
    have amount conditions lets small changes through at once."""

    scope_path = "unit__path"
    verbose_names = {"number": _("调整单号")}

    asset = models.ForeignKey(Asset, verbose_name=_("资产"), on_delete=models.PROTECT, related_name="value_changes")
    unit = models.ForeignKey("org.OrgUnit", verbose_name=_("产权单位"), on_delete=models.PROTECT,
                             related_name="value_changes")
    delta = models.DecimalField(_("调整金额（元）"), **MONEY, help_text=_("增加为正数，减少为负数"))
    effective_on = models.DateField(_("生效日期"),
                                    help_text=_("从该日所在月份起按调整后的原值计提折旧；该月已计提的，顺延至下一个未计提的月份"))
    reason = models.TextField(_("调整原因"))
    value_before = models.DecimalField(_("调整前原值（元）"), **MONEY)
    value_after = models.DecimalField(_("调整后原值（元）"), **MONEY)
    applied_on = models.DateField(_("实际生效日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=500, blank=True,
                            help_text=_("审批通过但未能生效时的原因"))

    class Meta:
        verbose_name = _("价值调整")
        verbose_name_plural = _("价值调整")
        ordering = ["-id"]
        indexes = [models.Index(fields=["updated_at", "id"], name="assets_valuechange_updated")]  # polling
        constraints = [
            # One value change in progress per card: a second would be computed on a stale value.
            models.UniqueConstraint(fields=["asset"], condition=Q(status__in=["draft", "pending"]),
                                    name="assets_one_open_value_change"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("assets:value_change_detail", args=[self.pk])


class ConfigurationRequest(Document):
    """A configuration request (配置申请): checked against the configuration standard (price cap,
    minimum life) and, before a purchase, against idle assets of the same class in scope
    (调剂优先, Order 738 Art 11). Business type ``assets.purchase``. It records no completion
    date (nothing is done to cards when it is approved: the purchase follows outside)."""

    scope_path = "unit__path"
    verbose_names = {"number": _("申请单号")}
    completed_on = None

    unit = models.ForeignKey("org.OrgUnit", verbose_name=_("申请单位"), on_delete=models.PROTECT,
                             related_name="configuration_requests")
    item_name = models.CharField(_("资产名称"), max_length=120)
    class_code = models.CharField(_("资产分类代码"), max_length=16)
    standard_key = models.CharField(_("配置标准项目"), max_length=40, blank=True)
    quantity = models.PositiveIntegerField(_("数量"), validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(_("单价（元）"), **MONEY, validators=[MinValueValidator(ZERO)])
    total_amount = models.DecimalField(_("金额（元）"), **MONEY, default=ZERO)
    reason = models.TextField(_("申请理由"))
    over_standard = models.BooleanField(_("超标准"), default=False)
    check_notes = models.JSONField(_("标准核对结果"), default=list, blank=True)
    idle_offered = models.PositiveIntegerField(_("可调剂闲置资产数"), default=0)
    # The idle cards found in the applicant's scope when the request was filed: ids, never their codes
    # as text, so each viewer sees only those of their own scope (the others are counted).
    idle_assets = models.ManyToManyField(Asset, verbose_name=_("可调剂闲置资产"), blank=True, related_name="+")

    class Meta:
        verbose_name = _("资产配置申请")
        verbose_name_plural = _("资产配置申请")
        ordering = ["-id"]
        indexes = [models.Index(fields=["updated_at", "id"], name="assets_config_updated")]  # polling

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("assets:configuration_detail", args=[self.pk])


class RunStatus(models.TextChoices):
    RUNNING = "running", _("计提中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class DepreciationRun(ScopedModel):
    """A monthly depreciation run (月度计提) over every card owned within ``unit``'s subtree.
    Idempotent per (unit, period): running the month again rewrites the same ledger."""

    scope_path = "unit__path"

    unit = models.ForeignKey("org.OrgUnit", verbose_name=_("计提范围"), on_delete=models.PROTECT,
                             related_name="depreciation_runs")
    period = models.IntegerField(_("期间"))
    status = models.CharField(_("状态"), max_length=16, choices=RunStatus.choices, default=RunStatus.RUNNING)
    total = models.PositiveIntegerField(_("资产数"), default=0)
    done = models.PositiveIntegerField(_("已处理"), default=0)
    entry_count = models.PositiveIntegerField(_("计提笔数"), default=0)
    amount = models.DecimalField(_("本月折旧额合计（元）"), **MONEY, default=ZERO)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("执行人"),
                                   on_delete=models.PROTECT, null=True, related_name="+")
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    error = models.TextField(_("错误"), blank=True)
    # Written when the run starts and after each chunk: a running run without one for longer than
    # JIGUAN_DEPRECIATION_HEARTBEAT_MINUTES lost its worker (depreciation.runs_sweep fails it).
    heartbeat_at = models.DateTimeField(_("最近进展时间"), null=True, blank=True)
    # Each (re)start is a new attempt with its own job; a job of an earlier attempt (queued behind
    # others, its run failed by the sweep and run again meanwhile) finds another number and stops.
    attempt = models.PositiveIntegerField(_("计提次数"), default=1)

    class Meta:
        verbose_name = _("折旧计提")
        verbose_name_plural = _("折旧计提")
        ordering = ["-period", "-id"]
        constraints = [models.UniqueConstraint(fields=["unit", "period"], name="assets_run_once_per_month")]

    def __str__(self) -> str:
        return f"{self.unit} {self.period_label}"

    @property
    def period_label(self) -> str:
        return period_label(self.period)

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, round(self.done * 100 / self.total))

    @property
    def restartable(self) -> bool:
        """Failed (the job could not be queued, its worker died, a chunk failed): run it again."""
        return self.status == RunStatus.FAILED

    def get_absolute_url(self) -> str:
        return reverse("assets:run_detail", args=[self.pk])


class DepreciationEntry(models.Model):
    """The depreciation ledger (折旧明细账): one row per card and month charged. ``owner_unit`` and
    ``class_code`` are copied at charge time so reports sum without joining the cards."""

    scope_path = "owner_unit__path"

    asset = models.ForeignKey(Asset, verbose_name=_("资产"), on_delete=models.PROTECT,
                              related_name="depreciation_entries", db_constraint=True)
    period = models.IntegerField(_("期间"))
    amount = models.DecimalField(_("本月折旧额（元）"), **MONEY)
    accumulated = models.DecimalField(_("累计折旧（元）"), **MONEY)
    owner_unit = models.ForeignKey("org.OrgUnit", verbose_name=_("产权单位"), on_delete=models.PROTECT,
                                   related_name="+")
    class_code = models.CharField(_("资产分类代码"), max_length=16)
    run = models.ForeignKey(DepreciationRun, verbose_name=_("计提批次"), on_delete=models.CASCADE,
                            related_name="entries")

    objects = ScopedManager()

    class Meta:
        verbose_name = _("折旧明细")
        verbose_name_plural = _("折旧明细")
        ordering = ["period", "asset"]
        constraints = [models.UniqueConstraint(fields=["asset", "period"], name="assets_entry_once")]
        indexes = [models.Index(fields=["run"], name="assets_entry_run"),
                   models.Index(fields=["period", "owner_unit"], name="assets_entry_period_unit")]

    def __str__(self) -> str:
        return f"{self.asset_id} {period_label(self.period)} {self.amount}"


WORKLOAD = {"max_digits": 16, "decimal_places": 2}  # as Asset.total_workload


class WorkloadReading(models.Model):
    """A month's workload (工作量记录) of a card depreciated by units of production (工作量法): km
    driven, machine hours, pages printed. ``cumulative`` is the workload up to and including the
    month (maintained by ``services.workload_record``), so the depreciation at any month reads one
    row: the latest reading at or before it (``depreciation.py``). Months without a reading did no
    work and take no depreciation."""

    scope_path = "asset__owner_unit__path"

    asset = models.ForeignKey(Asset, verbose_name=_("资产"), on_delete=models.PROTECT,
                              related_name="workload_readings")
    period = models.IntegerField(_("期间"))
    workload = models.DecimalField(_("本月工作量"), **WORKLOAD, validators=[MinValueValidator(ZERO)])
    cumulative = models.DecimalField(_("累计工作量"), **WORKLOAD, validators=[MinValueValidator(ZERO)])
    note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("录入人"), on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(_("录入时间"), auto_now=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("工作量记录")
        verbose_name_plural = _("工作量记录")
        ordering = ["asset", "period"]
        constraints = [
            # One reading per card and month; its index serves "the latest reading at or before p".
            models.UniqueConstraint(fields=["asset", "period"], name="assets_workload_once"),
            models.CheckConstraint(condition=Q(workload__gte=0), name="assets_workload_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.asset_id} {period_label(self.period)} {self.workload}"

    @property
    def period_label(self) -> str:
        return period_label(self.period)


# ---------------------------------------------------------------------------------------------
# The maintained summary (资产汇总表, PostgreSQL): per owning unit, kept fresh by triggers
# ---------------------------------------------------------------------------------------------

class SummaryVersion(models.Model):
    """How often the cards of one owning unit have changed: PostgreSQL triggers (migration 0011) add
    one for every statement that writes a card of the unit, before or after (INSERT, UPDATE, DELETE,
    COPY, bulk ``update()``), or a schedule segment or workload reading of such a card. A unit with no
    row has never owned a card. Not a domain object: written by the database only."""

    scope_global = True  # internal bookkeeping, never shown: reports read it through asset_summary

    unit = models.OneToOneField("org.OrgUnit", on_delete=models.CASCADE, primary_key=True, related_name="+",
                                db_constraint=False)
    version = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("资产汇总版本")
        verbose_name_plural = _("资产汇总版本")
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.unit_id}@{self.version}"


class SummaryCache(models.Model):
    """The 资产汇总表 figures of one owning unit's own cards at the end of day ``on``, by class code
    prefix of ``level`` characters, computed when the unit's ``SummaryVersion`` was ``version``; a row
    with ``class_code = ""`` marks the unit as computed (also when it holds no cards then). Rows whose
    marker's version is not the unit's current one are stale and recomputed (selectors.asset_summary)."""

    scope_global = True  # internal bookkeeping, never shown: reports read it through asset_summary

    unit = models.ForeignKey("org.OrgUnit", on_delete=models.CASCADE, related_name="+", db_constraint=False)
    on = models.DateField()
    level = models.PositiveSmallIntegerField()
    class_code = models.CharField(max_length=20, blank=True)
    version = models.BigIntegerField()
    count = models.BigIntegerField(default=0)
    quantity = models.BigIntegerField(default=0)
    original_value = models.DecimalField(max_digits=20, decimal_places=2, default=0)
    accumulated = models.DecimalField(max_digits=20, decimal_places=2, default=0)
    built_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("资产汇总缓存")
        verbose_name_plural = _("资产汇总缓存")
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["on", "level", "unit", "class_code"],
                                               name="assets_summary_cache_key")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.on} {self.class_code or '-'}@{self.version}"
