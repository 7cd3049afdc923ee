"""Data standards (数据标准): versioned code tables and standard values (MISSION principle 3).

A ``StandardTable`` is one table (GB/T 14885 classification, minimum depreciation lives, office area
per person …). A ``StandardEntry`` is one *version* of one key of a table: a key has a chain of
versions, each valid from ``effective_from`` (inclusive) to ``effective_to`` (exclusive, null = open).
Old versions are never edited or deleted, so a calculation dated before a change still reads the old
value (``selectors.standard_value``).

Values change only through a ``StandardChangeRequest``, routed through the approval-flow engine
(business type ``standards.change``): approval creates the next version (``services``). A change
request proposes one key (kind ``single``) or, when made by a spreadsheet import (kind ``import``),
many keys of one table: its rows are ``StandardChangeItem``s, all approved (or not) together.

Values: ``value`` is the main number (a life in years, a price cap, an area, a factor); ``value2`` a
second number where a standard has two (vehicle price cap *and* engine displacement, a range's
maximum, a configuration standard's minimum life). The table names both (``value_label``,
``value2_label``) and gives their default units; an entry may override the units (``unit``,
``unit2``). Rare extra typed values go into ``attrs`` (a flat JSON object of numbers/strings, e.g.
``{"pages": 300000}`` for a copier's page life), shown as "name: value" pairs.

All four models are shared configuration of the tenant: ``scope_global = True``.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jiguan.core.models import TimeStampedModel
from jiguan.core.scoping import ScopedManager, ScopedQuerySet


class TableKind(models.TextChoices):
    CODE = "code", _("代码表")
    STANDARD = "standard", _("标准值")


class Confidence(models.TextChoices):
    """How sure the platform is of a shipped value (FACTS.md): read in the primary text, stated by
    secondary sources only, or not confirmed."""

    CONFIRMED = "C", _("原文确认 [C]")
    SECONDARY = "S", _("二手来源 [S]")
    UNCONFIRMED = "?", _("未经确认 [?]")


def plain_decimal(value: Decimal | None) -> Decimal | None:
    """A Decimal without trailing zeros and without exponent (180000.000000 -> 180000)."""
    if value is None:
        return None
    normalized = value.normalize()
    return Decimal(format(normalized, "f"))


class StandardTable(TimeStampedModel):
    """One table of standards data, e.g. ``depreciation_life`` or ``gbt14885``."""

    scope_global = True  # one set of standards for the whole tenant (province, city or county)

    code = models.SlugField(_("编码"), max_length=50, unique=True,
                            help_text=_("程序读取标准时使用的编码，只能包含字母、数字、下划线和连字符。"))
    name = models.CharField(_("名称"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    kind = models.CharField(_("类别"), max_length=16, choices=TableKind.choices, default=TableKind.STANDARD)
    key_label = models.CharField(_("键名称"), max_length=40, blank=True,
                                 help_text=_("例如“分类代码”“职级”“能源品种”；留空显示“代码”。"))
    value_label = models.CharField(_("数值名称"), max_length=40, blank=True,
                                   help_text=_("例如“最低折旧年限”；代码表留空。"))
    value_unit = models.CharField(_("数值单位"), max_length=20, blank=True)
    value2_label = models.CharField(_("第二数值名称"), max_length=40, blank=True,
                                    help_text=_("标准有两个数值时填写，例如“排气量上限”“最高年限”。"))
    value2_unit = models.CharField(_("第二数值单位"), max_length=20, blank=True)
    default_source = models.CharField(_("默认依据文件"), max_length=300, blank=True)
    hierarchical = models.BooleanField(_("分级代码"), default=False,
                                       help_text=_("条目有上级代码（如 GB/T 14885 资产分类）。"))
    sort_order = models.IntegerField(_("排序"), default=0)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("标准表")
        verbose_name_plural = _("标准表")
        ordering = ["sort_order", "code"]
        default_permissions = ("view", "add", "change")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("standards:table_detail", args=[self.code])

    @property
    def key_title(self) -> str:
        return self.key_label or str(_("代码"))


class StandardEntryQuerySet(ScopedQuerySet):
    def in_force(self, on_date):
        """Versions valid on ``on_date``: effective_from <= date < effective_to (or open)."""
        return self.filter(Q(effective_to__isnull=True) | Q(effective_to__gt=on_date),
                           effective_from__lte=on_date)


class StandardEntryManager(ScopedManager.from_queryset(StandardEntryQuerySet)):
    pass


class StandardEntry(models.Model):
    """One version of one key of a standard table. Never edited after creation, except that the
    approval of the next version sets ``effective_to`` (closing it)."""

    scope_global = True

    table = models.ForeignKey(StandardTable, verbose_name=_("标准表"), on_delete=models.PROTECT,
                              related_name="entries")
    key = models.CharField(_("键"), max_length=64)
    parent_key = models.CharField(_("上级键"), max_length=64, blank=True)
    name = models.CharField(_("名称"), max_length=200)
    value = models.DecimalField(_("数值"), max_digits=20, decimal_places=6, null=True, blank=True)
    unit = models.CharField(_("单位"), max_length=20, blank=True)
    value2 = models.DecimalField(_("第二数值"), max_digits=20, decimal_places=6, null=True, blank=True)
    unit2 = models.CharField(_("第二数值单位"), max_length=20, blank=True)
    attrs = models.JSONField(_("其他属性"), default=dict, blank=True)
    source = models.CharField(_("依据文件"), max_length=300)
    confidence = models.CharField(_("可信度"), max_length=1, choices=Confidence.choices)
    effective_from = models.DateField(_("生效日期"))
    effective_to = models.DateField(_("失效日期"), null=True, blank=True,
                                    help_text=_("不含当日；为空表示现行有效。"))
    version = models.PositiveIntegerField(_("版本"), default=1)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审批人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    note = models.TextField(_("备注"), blank=True)
    sort_order = models.IntegerField(_("排序"), default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = StandardEntryManager()

    class Meta:
        verbose_name = _("标准条目")
        verbose_name_plural = _("标准条目")
        ordering = ["table", "sort_order", "key", "effective_from"]
        default_permissions = ("view",)  # entries change only through approved change requests
        constraints = [
            # One version per key and start date. Its index (table, key, effective_from) also serves
            # standard_value(): equality on table and key, range on effective_from.
            models.UniqueConstraint(fields=["table", "key", "effective_from"], name="standards_entry_version"),
            models.UniqueConstraint(fields=["table", "key", "version"], name="standards_entry_version_no"),
            models.UniqueConstraint(fields=["table", "key"], condition=Q(effective_to__isnull=True),
                                    name="standards_entry_one_open"),
            models.CheckConstraint(condition=Q(effective_to__isnull=True) | Q(effective_to__gt=models.F("effective_from")),
                                   name="standards_entry_period"),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("standards:key_history", args=[self.table.code, self.key])

    @property
    def plain_value(self) -> Decimal | None:
        return plain_decimal(self.value)

    @property
    def plain_value2(self) -> Decimal | None:
        return plain_decimal(self.value2)

    @property
    def shipped(self) -> bool:
        """Shipped with the platform (loaded by a migration), not approved in this installation."""
        return self.approved_by_id is None

    def in_force_on(self, on_date) -> bool:
        return self.effective_from <= on_date and (self.effective_to is None or on_date < self.effective_to)


class RequestStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")
    WITHDRAWN = "withdrawn", _("已撤回")


class RequestKind(models.TextChoices):
    SINGLE = "single", _("单个条目")
    IMPORT = "import", _("批量导入")


class StandardChangeRequest(TimeStampedModel):
    """A proposal to add a key or a new version of a key (kind ``single``), or a batch of such
    proposals for one table made by a spreadsheet import (kind ``import``): one file, one approval.
    A batch keeps its rows in ``items`` (``StandardChangeItem``); its own key, value and source
    fields stay blank, ``name`` summarises it, and ``new_count``/``changed_count`` count the items
    (``unchanged_count``: rows of the file identical to the version in force, not proposed).

    Submitting starts an approval request of the workflow engine (business type
    ``standards.change``, routed from the requester's unit); nobody decides here. When the request
    ends, the engine calls ``services.change_request_outcome``, which sets the final status (and, on
    approval, creates the version) with one conditional state change. ``decided_by`` is the user
    whose decision ended the approval request.
    """

    scope_global = True  # standards are tenant-wide, and so are the proposals to change them

    table = models.ForeignKey(StandardTable, verbose_name=_("标准表"), on_delete=models.PROTECT,
                              related_name="change_requests")
    kind = models.CharField(_("申请类型"), max_length=16, choices=RequestKind.choices, default=RequestKind.SINGLE)
    key = models.CharField(_("键"), max_length=64, blank=True)  # blank: a batch's keys are on its items
    base_entry = models.ForeignKey(StandardEntry, verbose_name=_("变更前版本"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+",
                                   help_text=_("提出申请时的现行版本；新增键时为空。"))
    parent_key = models.CharField(_("上级键"), max_length=64, blank=True)
    name = models.CharField(_("名称"), max_length=200)
    value = models.DecimalField(_("数值"), max_digits=20, decimal_places=6, null=True, blank=True)
    unit = models.CharField(_("单位"), max_length=20, blank=True)
    value2 = models.DecimalField(_("第二数值"), max_digits=20, decimal_places=6, null=True, blank=True)
    unit2 = models.CharField(_("第二数值单位"), max_length=20, blank=True)
    attrs = models.JSONField(_("其他属性"), default=dict, blank=True)
    source = models.CharField(_("依据文件"), max_length=300, blank=True)
    confidence = models.CharField(_("可信度"), max_length=1, choices=Confidence.choices, blank=True)
    note = models.TextField(_("备注"), blank=True)
    effective_from = models.DateField(_("生效日期"))
    reason = models.TextField(_("变更理由"))
    import_file = models.CharField(_("导入文件"), max_length=255, blank=True)
    import_sha256 = models.CharField(_("导入文件 SHA-256"), max_length=64, blank=True)
    new_count = models.PositiveIntegerField(_("新增条目数"), default=0)
    changed_count = models.PositiveIntegerField(_("修改条目数"), default=0)
    unchanged_count = models.PositiveIntegerField(_("未变化行数"), default=0,
                                                  help_text=_("导入文件中与现行版本完全相同、未列入申请的行数。"))
    status = models.CharField(_("状态"), max_length=16, choices=RequestStatus.choices, default=RequestStatus.DRAFT)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT,
                                     related_name="+")
    requester_unit = models.ForeignKey("org.OrgUnit", verbose_name=_("申请单位"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审核人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decision_comment = models.TextField(_("审核意见"), blank=True)
    resulting_entry = models.OneToOneField(StandardEntry, verbose_name=_("生成的版本"), null=True, blank=True,
                                           on_delete=models.PROTECT, related_name="change_request")

    objects = ScopedManager()

    class Meta:
        verbose_name = _("标准变更申请")
        verbose_name_plural = _("标准变更申请")
        ordering = ["-created_at", "-id"]
        default_permissions = ("view", "add")  # decisions: the approval flow; edits: none (withdraw, re-apply)
        indexes = [
            models.Index(fields=["status", "-created_at"], name="standards_cr_status"),
            models.Index(fields=["requested_by", "-created_at"], name="standards_cr_requester"),
            models.Index(fields=["table", "key"], name="standards_cr_key"),
        ]

    def __str__(self) -> str:
        if self.is_import:
            return _("%(table)s · 批量导入变更申请 #%(id)s") % {"table": self.table.name, "id": self.pk or "—"}
        return _("%(table)s · %(name)s 变更申请 #%(id)s") % {"table": self.table.name, "name": self.name or self.key,
                                                         "id": self.pk or "—"}

    def clean(self):
        super().clean()
        if self.kind == RequestKind.SINGLE:
            # A single proposal names its key, source and confidence; a batch has them on its items.
            blank = {name: self._meta.get_field(name).error_messages["blank"]
                     for name in ("key", "source", "confidence") if not getattr(self, name)}
            if blank:
                raise ValidationError(blank)

    def get_absolute_url(self) -> str:
        return reverse("standards:request_detail", args=[self.pk])

    @property
    def is_import(self) -> bool:
        return self.kind == RequestKind.IMPORT

    @property
    def item_count(self) -> int:
        return self.new_count + self.changed_count

    @property
    def is_open(self) -> bool:
        return self.status in (RequestStatus.DRAFT, RequestStatus.PENDING)

    @property
    def plain_value(self) -> Decimal | None:
        return plain_decimal(self.value)

    @property
    def plain_value2(self) -> Decimal | None:
        return plain_decimal(self.value2)


class StandardChangeItem(models.Model):
    """One proposed row of an imported change request (kind ``import``): the complete proposed
    content of a key, and the version it was compared with (``base_entry``; null for a new key).
    Written once, when the file is imported; on approval each item becomes a new version
    (``resulting_entry``), all in one set-based write (``services``)."""

    scope_global = True  # read through its change request, which is tenant-wide

    change_request = models.ForeignKey(StandardChangeRequest, verbose_name=_("变更申请"), on_delete=models.CASCADE,
                                       related_name="items")
    row_number = models.PositiveIntegerField(_("行号"), help_text=_("导入文件中的行号。"))
    key = models.CharField(_("键"), max_length=64)
    base_entry = models.ForeignKey(StandardEntry, verbose_name=_("变更前版本"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+",
                                   help_text=_("导入时该键的现行版本；新增键时为空。"))
    parent_key = models.CharField(_("上级键"), max_length=64, blank=True)
    name = models.CharField(_("名称"), max_length=200)
    value = models.DecimalField(_("数值"), max_digits=20, decimal_places=6, null=True, blank=True)
    unit = models.CharField(_("单位"), max_length=20, blank=True)
    value2 = models.DecimalField(_("第二数值"), max_digits=20, decimal_places=6, null=True, blank=True)
    unit2 = models.CharField(_("第二数值单位"), max_length=20, blank=True)
    attrs = models.JSONField(_("其他属性"), default=dict, blank=True)
    source = models.CharField(_("依据文件"), max_length=300)
    confidence = models.CharField(_("可信度"), max_length=1, choices=Confidence.choices)
    note = models.TextField(_("备注"), blank=True)
    sort_order = models.IntegerField(_("排序"), default=0)
    resulting_entry = models.OneToOneField(StandardEntry, verbose_name=_("生成的版本"), null=True, blank=True,
                                           on_delete=models.PROTECT, related_name="change_item")

    objects = ScopedManager()

    class Meta:
        verbose_name = _("标准变更条目")
        verbose_name_plural = _("标准变更条目")
        ordering = ["change_request", "row_number"]
        default_permissions = ()  # seen and decided through the change request
        constraints = [
            models.UniqueConstraint(fields=["change_request", "key"], name="standards_item_key"),
        ]
        indexes = [models.Index(fields=["key"], name="standards_item_by_key")]

    def __str__(self) -> str:
        return f"{self.key} {self.name}"

    @property
    def is_new(self) -> bool:
        return self.base_entry_id is None

    @property
    def plain_value(self) -> Decimal | None:
        return plain_decimal(self.value)

    @property
    def plain_value2(self) -> Decimal | None:
        return plain_decimal(self.value2)
