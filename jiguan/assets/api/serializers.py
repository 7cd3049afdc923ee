"""Serializers of the assets API: input shapes and read representations. Business rules live in
``services`` and ``depreciation``; these only check types, choices and which fields a write may carry."""

from __future__ import annotations

import re

from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from jiguan.core.imports.api import (  # noqa: F401 - ImportError* are assets' API components too
    ImportedSerializer,
    ImportErrorBodySerializer,
    ImportErrorSerializer,
    ImportJobSerializer,
    ImportQueuedSerializer,
    ImportRowErrorSerializer,
    ImportUploadSerializer,
)
from jiguan.core.models import Attachment
from jiguan.core.serializers import IdField, ModelSerializer, Serializer
from jiguan.org.models import OrgUnit, User
from jiguan.workflow.models import ApprovalRequest
from jiguan.workflow.selectors import latest_request, latest_requests

from .. import depreciation, services
from ..models import (
    MONEY,
    Asset,
    AssetEvent,
    ConfigurationRequest,
    DepreciationEntry,
    DepreciationRun,
    Disposal,
    RepairRecord,
    Transfer,
    ValueChange,
    WorkloadReading,
    period_index,
    period_label,
    period_of,
)

PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def current_period() -> int:
    return period_of(timezone.localdate())


class PeriodField(serializers.RegexField):
    """A month as ``"YYYY-MM"`` in the API, the period index (months since year 0) inside."""

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", {"invalid": _("期间格式应为 YYYY-MM，如 2026-11。")})
        super().__init__(PERIOD.pattern, **kwargs)

    def run_validation(self, data=serializers.empty):
        value = super().run_validation(data)
        if value in (None, ""):
            return value
        year, month = PERIOD.match(value).groups()
        return period_index(int(year), int(month))

    def to_representation(self, value):
        return period_label(value)


# ---------------------------------------------------------------------------------------------
# Approval status of lifecycle documents
# ---------------------------------------------------------------------------------------------

class ApprovalSummarySerializer(ModelSerializer):
    """The document's latest approval request; decide it at ``/api/v1/workflow/requests/{id}/``."""

    status_display = serializers.CharField(source="get_status_display", read_only=True)
    current_step_name = serializers.CharField(source="current_step.name", read_only=True, default=None,
                                              allow_null=True)

    class Meta:
        model = ApprovalRequest
        fields = ["id", "status", "status_display", "current_step", "current_step_name", "submitted_at",
                  "decided_at"]
        read_only_fields = fields


class WithApprovalListSerializer(serializers.ListSerializer):
    """Looks up the approval requests of a whole page at once (one query, and one for their steps)."""

    def to_representation(self, data):
        items = list(data.all() if hasattr(data, "all") else data)
        approvals = latest_requests(self.child.Meta.model, [i.pk for i in items])
        prefetch_related_objects(list(approvals.values()), "current_step")
        self.child.context["approvals"] = approvals
        return super().to_representation(items)


class WithApprovalMixin(Serializer):
    approval = serializers.SerializerMethodField(help_text=_("最近一次审批申请（提交后才有）"))

    @extend_schema_field(ApprovalSummarySerializer(allow_null=True))
    def get_approval(self, obj):
        approvals = self.context.get("approvals")
        request = approvals.get(obj.pk) if approvals is not None else latest_request(obj)
        return ApprovalSummarySerializer(request).data if request else None


# ---------------------------------------------------------------------------------------------
# Asset cards
# ---------------------------------------------------------------------------------------------

class DepreciationFiguresSerializer(Serializer):
    period = serializers.CharField(help_text=_("计算至该月末（当月，YYYY-MM）"))
    accumulated = serializers.DecimalField(**MONEY, help_text=_("累计折旧（元）"))
    net_value = serializers.DecimalField(**MONEY, help_text=_("净值（元）"))
    monthly = serializers.DecimalField(**MONEY, help_text=_("本月折旧额（元）"))
    months_charged = serializers.IntegerField(help_text=_("已计提月数"))


NOT_CHANGEABLE = {
    "original_value": _("原值不能直接修改，请办理价值调整（value-adjust）。"),
    "owner_unit": _("产权单位不能直接修改，请办理资产调拨。"),
    "class_code": _("资产分类不能在变更中修改。"),
    "count": _("变更时不能指定登记张数。"),
}


class AssetSerializer(ModelSerializer):
    """An asset card. Creating registers ``count`` identical cards (验收登记); a change (PATCH) may
    carry only the descriptive fields, location, people and status (资产变更)."""

    owner_unit_name = serializers.CharField(source="owner_unit.name", read_only=True)
    using_unit_name = serializers.CharField(source="using_unit.name", read_only=True)
    # allow_null without a default: DRF skips a default in a partial update, so a PATCH would answer
    # without these keys (the fuzzing step found it: the response did not match its schema).
    department_name = serializers.CharField(source="department.name", read_only=True, allow_null=True)
    user_name = serializers.CharField(source="user.display_name", read_only=True, allow_null=True)
    keeper_name = serializers.CharField(source="keeper.display_name", read_only=True, allow_null=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    dep_method_display = serializers.CharField(source="get_dep_method_display", read_only=True)
    depreciation = serializers.SerializerMethodField(help_text=_("当月末的折旧数据"))
    count = serializers.IntegerField(write_only=True, required=False, default=1, min_value=1, max_value=1000,
                                     label=_("登记张数"), help_text=_("批量登记时相同卡片的张数（每张卡片一个资产编码）"))

    class Meta:
        model = Asset
        fields = ["id", "code", "name", "class_code", "class_name", "spec_model", "brand", "quantity", "measure_unit",
                  "original_value", "acquisition_method", "acquired_on", "funding_source", "supplier", "contract_no",
                  "invoice_no", "owner_unit", "owner_unit_name", "using_unit", "using_unit_name", "department",
                  "department_name", "user", "user_name", "keeper", "keeper_name", "location", "status",
                  "status_display", "warranty_end", "custom", "note", "dep_method", "dep_method_display",
                  "dep_category", "life_months", "dep_monthly", "total_workload", "workload_unit", "registered_on",
                  "disposed_on", "version", "depreciation", "created_at", "updated_at", "count"]
        read_only_fields = ["code", "class_name", "dep_monthly", "registered_on", "disposed_on", "version",
                            "created_at", "updated_at"]
        extra_kwargs = {"using_unit": {"required": False}, "custom": {"required": False}}
        validators = []  # the services validate (full_clean and the standards tables)

    def get_fields(self):
        fields = super().get_fields()
        for name in ("owner_unit", "using_unit", "department"):
            fields[name].queryset = OrgUnit.objects.filter(is_active=True)
        for name in ("user", "keeper"):
            fields[name].queryset = User.objects.filter(is_active=True)
        return fields

    def validate(self, attrs):
        if self.instance is not None:
            refused = {name: [NOT_CHANGEABLE.get(name, _("该字段不能在变更中修改。"))]
                       for name in getattr(self, "initial_data", {})
                       if name in self.fields and not self.fields[name].read_only
                       and name not in services.CHANGE_FIELDS}
            if refused:
                raise serializers.ValidationError(refused)
            attrs.pop("count", None)
        return attrs

    @extend_schema_field(DepreciationFiguresSerializer)
    def get_depreciation(self, asset) -> dict:
        period = self.context.get("period") or current_period()
        accumulated = getattr(asset, "dep_accumulated", None)
        previous = getattr(asset, "dep_previous", None)
        if accumulated is None or previous is None:  # not annotated (a card fresh from a service)
            accumulated, previous = asset.accumulated_at(period), asset.accumulated_at(period - 1)
        accumulated, previous = depreciation.money(accumulated), depreciation.money(previous)
        return DepreciationFiguresSerializer({
            "period": period_label(period), "accumulated": accumulated,
            "net_value": asset.original_value - accumulated, "monthly": accumulated - previous,
            "months_charged": depreciation.charged_months(asset, period)}).data


class AssetBriefSerializer(ModelSerializer):
    owner_unit_name = serializers.CharField(source="owner_unit.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Asset
        fields = ["id", "code", "name", "class_code", "spec_model", "original_value", "acquired_on", "owner_unit",
                  "owner_unit_name", "location", "status", "status_display"]
        read_only_fields = fields


class AssetRegistrationSerializer(Serializer):
    """The answer to a registration: every new card (one per ``count``)."""

    count = serializers.IntegerField(help_text=_("新登记的卡片张数"))
    results = AssetSerializer(many=True)


class IssueSerializer(Serializer):
    user = serializers.PrimaryKeyRelatedField(label=_("领用人"), queryset=User.objects.filter(is_active=True),
                                              required=False, allow_null=True)
    department = serializers.PrimaryKeyRelatedField(label=_("领用部门"), queryset=OrgUnit.objects.filter(is_active=True),
                                                    required=False, allow_null=True)
    keeper = serializers.PrimaryKeyRelatedField(label=_("管理人"), queryset=User.objects.filter(is_active=True),
                                                required=False, allow_null=True)
    location = serializers.CharField(label=_("存放地点"), max_length=120, required=False, allow_blank=True)
    on = serializers.DateField(label=_("业务日期"), required=False, help_text=_("默认今天"))


class ReturnSerializer(Serializer):
    location = serializers.CharField(label=_("存放地点"), max_length=120, required=False, allow_blank=True)
    on = serializers.DateField(label=_("业务日期"), required=False, help_text=_("默认今天"))


class ValueAdjustSerializer(Serializer):
    delta = serializers.DecimalField(label=_("调整金额（元）"), **MONEY,
                                     help_text=_("增加为正数（如升级改造），减少为负数"))
    on = serializers.DateField(label=_("生效日期"), help_text=_("从该月起按剩余月数重新分摊"))
    reason = serializers.CharField(label=_("调整原因"), max_length=200)


class ValueChangeSerializer(WithApprovalMixin, ModelSerializer):
    """A value change (价值调整单) of one card. The card's original value changes when the flow of
    business type ``assets.value_change`` approves; ``applied_on`` is the date it took effect (later than
    ``effective_on`` when that month's depreciation was charged while the request waited). Status
    ``void`` (未生效): approved, but the card could no longer take it (disposed of meanwhile); ``note``
    says why."""

    asset_code = serializers.CharField(source="asset.code", read_only=True)
    asset_name = serializers.CharField(source="asset.name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    requested_by_name = serializers.CharField(source="requested_by.display_name", read_only=True)

    class Meta:
        model = ValueChange
        fields = ["id", "number", "asset", "asset_code", "asset_name", "unit", "unit_name", "delta", "effective_on",
                  "reason", "value_before", "value_after", "applied_on", "status", "status_display", "requested_by",
                  "requested_by_name", "completed_on", "note", "created_at", "updated_at", "approval"]
        read_only_fields = fields
        list_serializer_class = WithApprovalListSerializer


class WorkloadReadingSerializer(ModelSerializer):
    """A month's workload of a units-of-production card (工作量法). POST records it; recording a month
    again corrects it while no depreciation run has charged that month. ``cumulative``,
    ``depreciation`` and ``charged`` are computed."""

    period = PeriodField(label=_("月份"), help_text=_("YYYY-MM；不能是未来月份、折旧起始之前或已计提折旧的月份"))
    recorded_by_name = serializers.CharField(source="recorded_by.display_name", read_only=True, default=None,
                                             allow_null=True)
    depreciation = serializers.SerializerMethodField(help_text=_("该月折旧额（元）；按现行折旧计划不计提的月份为 null"))
    charged = serializers.SerializerMethodField(help_text=_("该月折旧已由月度计提记入折旧明细账"))

    class Meta:
        model = WorkloadReading
        fields = ["id", "asset", "period", "workload", "cumulative", "note", "depreciation", "charged",
                  "recorded_by", "recorded_by_name", "recorded_at"]
        read_only_fields = ["asset", "cumulative", "recorded_by", "recorded_at"]
        validators = []  # a month recorded again is a correction: the service decides

    @extend_schema_field(serializers.DecimalField(**MONEY, allow_null=True))
    def get_depreciation(self, reading):
        amount = self.context.get("amounts", {}).get(reading.pk)
        return None if amount is None else f"{amount:.2f}"

    def get_charged(self, reading) -> bool:
        return reading.period in self.context.get("charged", ())


class RepairRecordSerializer(ModelSerializer):
    under_repair = serializers.BooleanField(label=_("仍在维修中"), write_only=True, required=False, default=False,
                                            help_text=_("为 true 时卡片状态改为“维修中”，否则恢复为“在用”"))

    class Meta:
        model = RepairRecord
        fields = ["id", "asset", "repaired_on", "cost", "vendor", "result", "created_at", "under_repair"]
        read_only_fields = ["asset", "created_at"]


class AssetEventSerializer(ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    actor_name = serializers.CharField(source="actor.display_name", read_only=True, default=None, allow_null=True)

    class Meta:
        model = AssetEvent
        fields = ["id", "asset", "kind", "kind_display", "occurred_on", "recorded_at", "actor", "actor_name",
                  "summary", "data", "document"]
        read_only_fields = fields


# ---------------------------------------------------------------------------------------------
# Lifecycle documents: transfer, disposal, configuration request
# ---------------------------------------------------------------------------------------------

def _submitted(value):
    if not value:
        raise serializers.ValidationError(_("不支持草稿：单据创建时即提交审批（草稿无法提交或撤销，会一直占用所选资产）。"))


def submitted_field():
    """``submit`` of a document's create: true only. A draft (false) could never be submitted or
    cancelled and held its cards for good; a client that still sends false gets a 400 rather than a
    request it did not mean to submit."""
    return serializers.BooleanField(write_only=True, required=False, default=True, validators=[_submitted],
                                    help_text=_("只能为 true（默认）：创建即提交审批；不支持草稿（false 返回 400）"))


class DocumentItemSerializer(Serializer):
    asset = serializers.IntegerField(source="asset_id")
    code = serializers.CharField(source="asset.code")
    name = serializers.CharField(source="asset.name")
    original_value = serializers.DecimalField(**MONEY)


class TransferSerializer(WithApprovalMixin, ModelSerializer):
    """A transfer (调拨). Creating one takes cards of one owning unit (the 调出单位) and starts its
    approval; the owner changes when the flow approves."""

    from_unit_name = serializers.CharField(source="from_unit.name", read_only=True)
    to_unit = serializers.PrimaryKeyRelatedField(label=_("调入单位"), queryset=OrgUnit.objects.filter(is_active=True))
    to_unit_name = serializers.CharField(source="to_unit.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    requested_by_name = serializers.CharField(source="requested_by.display_name", read_only=True)
    items = DocumentItemSerializer(many=True, read_only=True)
    assets = serializers.ListField(child=IdField(), write_only=True, min_length=1, max_length=1000,
                                   label=_("资产"), help_text=_("调拨的资产卡片编号（须属于同一产权单位）"))
    submit = submitted_field()

    class Meta:
        model = Transfer
        fields = ["id", "number", "from_unit", "from_unit_name", "to_unit", "to_unit_name", "reason", "status",
                  "status_display", "total_value", "asset_count", "requested_by", "requested_by_name",
                  "completed_on", "created_at", "updated_at", "items", "approval", "assets", "submit"]
        read_only_fields = ["number", "from_unit", "status", "total_value", "asset_count", "requested_by",
                            "completed_on", "created_at", "updated_at"]
        list_serializer_class = WithApprovalListSerializer


class DisposalItemSerializer(DocumentItemSerializer):
    prev_status = serializers.CharField()
    done = serializers.BooleanField()


class DisposalSerializer(WithApprovalMixin, ModelSerializer):
    """A disposal (处置) of cards of one owning unit. The cards become 待处置 at once; on approval
    they close (已处置), otherwise they return to their former status."""

    unit_name = serializers.CharField(source="unit.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    requested_by_name = serializers.CharField(source="requested_by.display_name", read_only=True)
    items = DisposalItemSerializer(many=True, read_only=True)
    assets = serializers.ListField(child=IdField(), write_only=True, min_length=1, max_length=1000,
                                   label=_("资产"), help_text=_("处置的资产卡片编号（须属于同一产权单位）"))
    submit = submitted_field()

    class Meta:
        model = Disposal
        fields = ["id", "number", "unit", "unit_name", "method", "reason_code", "reason", "status", "status_display",
                  "total_value", "asset_count", "valuation", "income", "reply_no", "requested_by",
                  "requested_by_name", "completed_on", "created_at", "updated_at", "items", "approval", "assets",
                  "submit"]
        read_only_fields = ["number", "unit", "status", "total_value", "asset_count", "income", "reply_no",
                            "requested_by", "completed_on", "created_at", "updated_at"]
        extra_kwargs = {"method": {"help_text": _("数据标准“资产处置方式”的代码，如 scrap（报废）")},
                        "reason_code": {"help_text": _("报废、报损时必填：数据标准“资产报废原因”的代码")}}
        list_serializer_class = WithApprovalListSerializer


class DisposalResultSerializer(Serializer):
    reply_no = serializers.CharField(label=_("批复文号"), max_length=60, required=False, allow_blank=True)
    income = serializers.DecimalField(label=_("处置收入（元）"), **MONEY, required=False, allow_null=True)


class ConfigurationNoteSerializer(Serializer):
    """One finding of the check against the configuration standard."""

    message = serializers.CharField()
    over = serializers.BooleanField(required=False, help_text=_("是否超过单价上限"))
    standard = serializers.CharField(required=False, help_text=_("数据标准表名称"))
    item = serializers.CharField(required=False, help_text=_("标准品目"))
    key = serializers.CharField(required=False)
    cap = serializers.CharField(required=False, allow_null=True, help_text=_("单价上限（元）"))
    min_life_years = serializers.CharField(required=False, allow_null=True, help_text=_("最低使用年限（年）"))
    source = serializers.CharField(required=False, help_text=_("标准的来源（文件）"))
    confidence = serializers.CharField(required=False)
    version = serializers.IntegerField(required=False)
    idle_count = serializers.IntegerField(required=False, help_text=_("申请时申请人数据范围内的同类闲置资产数"))


class ConfigurationRequestSerializer(WithApprovalMixin, ModelSerializer):
    """A configuration request (配置申请), checked against the configuration standard; idle cards of
    the same class in scope must be reallocated first, or ``idle_reason`` says why not."""

    unit_name = serializers.CharField(source="unit.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    requested_by_name = serializers.CharField(source="requested_by.display_name", read_only=True)
    check_notes = ConfigurationNoteSerializer(many=True, read_only=True)
    idle_assets = serializers.SerializerMethodField(
        help_text=_("申请时可调剂的同类闲置资产中，在您的数据范围内的"))
    idle_hidden = serializers.SerializerMethodField(
        help_text=_("申请时可调剂的同类闲置资产中，不在您的数据范围内的项数（只计数，不列出）"))
    idle_reason = serializers.CharField(write_only=True, required=False, allow_blank=True, default="",
                                        label=_("不调剂的理由"))
    submit = submitted_field()

    class Meta:
        model = ConfigurationRequest
        fields = ["id", "number", "unit", "unit_name", "item_name", "class_code", "standard_key", "quantity",
                  "unit_price", "total_amount", "reason", "over_standard", "check_notes", "idle_offered",
                  "idle_assets", "idle_hidden", "status",
                  "status_display", "requested_by", "requested_by_name", "created_at", "updated_at", "approval",
                  "idle_reason", "submit"]
        read_only_fields = ["number", "total_amount", "over_standard", "idle_offered", "idle_assets", "status", "requested_by",
                            "created_at", "updated_at"]
        extra_kwargs = {"standard_key": {"required": False}}
        list_serializer_class = WithApprovalListSerializer

    def get_fields(self):
        fields = super().get_fields()
        fields["unit"].queryset = OrgUnit.objects.filter(is_active=True)
        return fields

    def _idle(self, obj) -> tuple[list, int]:
        """The viewer's share of the idle cards (``services.idle_prefetch``, done by the viewset for a
        list), and the count of the others."""
        return services.idle_offered_to(obj, self.context["request"].user)

    @extend_schema_field(AssetBriefSerializer(many=True))
    def get_idle_assets(self, obj):
        return AssetBriefSerializer(self._idle(obj)[0], many=True).data

    @extend_schema_field(serializers.IntegerField())
    def get_idle_hidden(self, obj) -> int:
        return self._idle(obj)[1]


class ConfigurationCheckSerializer(Serializer):
    unit = serializers.PrimaryKeyRelatedField(
        label=_("申请单位"), queryset=OrgUnit.objects.filter(is_active=True), required=False,
        help_text=_("申请单位；不在您的数据范围内时返回 404"))
    class_code = serializers.CharField(label=_("资产分类代码"), max_length=16)
    standard_key = serializers.CharField(label=_("配置标准项目"), max_length=40, required=False, allow_blank=True,
                                         default="", help_text=_("“通用办公设备家具配置标准”的品目，如 desktop；"
                                                                 "不填时按分类代码匹配"))
    unit_price = serializers.DecimalField(label=_("单价（元）"), **MONEY, min_value=0)
    quantity = serializers.IntegerField(label=_("数量"), min_value=1, required=False, default=1)


class ConfigurationCheckResultSerializer(Serializer):
    over_standard = serializers.BooleanField()
    notes = ConfigurationNoteSerializer(many=True)
    idle = AssetBriefSerializer(many=True, help_text=_("数据范围内同类闲置资产：应优先调剂使用"))


# ---------------------------------------------------------------------------------------------
# Depreciation
# ---------------------------------------------------------------------------------------------

class DepreciationRunSerializer(ModelSerializer):
    """A monthly depreciation run over every card owned within ``unit``'s subtree (idempotent per
    unit and month: running a month again rewrites its ledger)."""

    unit = serializers.PrimaryKeyRelatedField(label=_("计提范围"), queryset=OrgUnit.objects.filter(is_active=True))
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    period = PeriodField(label=_("期间"), help_text=_("YYYY-MM"))
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    percent = serializers.IntegerField(read_only=True, help_text=_("进度（%）"))
    restartable = serializers.BooleanField(read_only=True, help_text=_(
        "失败（未能提交到后台、执行进程中断或出错，原因见 error）：以相同的单位和期间再次 POST 即重新计提"))
    started_by_name = serializers.CharField(source="started_by.display_name", read_only=True, default=None,
                                            allow_null=True)

    class Meta:
        model = DepreciationRun
        fields = ["id", "unit", "unit_name", "period", "status", "status_display", "total", "done", "percent",
                  "entry_count", "amount", "started_by", "started_by_name", "finished_at", "error", "restartable",
                  "heartbeat_at", "created_at"]
        read_only_fields = ["status", "total", "done", "entry_count", "amount", "started_by", "finished_at", "error",
                            "heartbeat_at", "created_at"]
        validators = []  # one run per unit and month: run_start reuses it


class DepreciationEntrySerializer(ModelSerializer):
    asset_code = serializers.CharField(source="asset.code", read_only=True)
    asset_name = serializers.CharField(source="asset.name", read_only=True)
    period = PeriodField(read_only=True)
    owner_unit_name = serializers.CharField(source="owner_unit.name", read_only=True)

    class Meta:
        model = DepreciationEntry
        fields = ["id", "asset", "asset_code", "asset_name", "period", "amount", "accumulated", "owner_unit",
                  "owner_unit_name", "class_code", "run"]
        read_only_fields = fields



# ---------------------------------------------------------------------------------------------
# Import (资产卡片导入)
# ---------------------------------------------------------------------------------------------

# The kernel's (jiguan.core.imports.api); the assets' own components keep their names and texts.


class AssetImportUploadSerializer(ImportUploadSerializer):
    pass


class AssetImportedSerializer(ImportedSerializer):
    imported = serializers.IntegerField(help_text=_("导入的卡片张数"))
    codes = serializers.ListField(child=serializers.CharField(), max_length=2,
                                  help_text=_("分配的第一个和最后一个资产编码（按编码排序）"))


class AssetImportQueuedSerializer(ImportQueuedSerializer):
    pass


class ImportJobResultSerializer(ImportedSerializer):
    imported = serializers.IntegerField(help_text=_("导入的卡片张数"))


class AssetImportJobSerializer(ImportJobSerializer):
    result = ImportJobResultSerializer(allow_null=True, help_text=_("导入成功时的结果"))


# ---------------------------------------------------------------------------------------------
# Photos and attachments (照片与附件)
# ---------------------------------------------------------------------------------------------

class AssetAttachmentSerializer(ModelSerializer):
    """A card's attachment (a kernel ``core.Attachment`` of the card) as the assets API has shown it."""

    asset = serializers.IntegerField(source="object_id", read_only=True, help_text=_("资产卡片 ID"))
    content_type = serializers.CharField(source="content_type_name", read_only=True, help_text=_("文件类型（MIME）"))
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    uploaded_by_name = serializers.CharField(source="uploaded_by.display_name", read_only=True, default=None,
                                             allow_null=True)
    url = serializers.SerializerMethodField(help_text=_("下载地址（须有查看该资产卡片的权限）"))

    class Meta:
        model = Attachment
        fields = ["id", "asset", "kind", "kind_display", "filename", "size", "content_type", "sha256",
                  "description", "uploaded_by", "uploaded_by_name", "uploaded_at", "url"]
        read_only_fields = fields

    def get_url(self, obj) -> str:
        from django.urls import reverse

        path = reverse("asset-attachment", args=[obj.object_id, obj.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class AssetAttachmentUploadSerializer(Serializer):
    file = serializers.ListField(
        child=serializers.FileField(), allow_empty=False,
        help_text=_("一个或多个文件（字段 file 可重复）：照片 JPG、PNG、WEBP，文档 PDF、DOCX、XLSX、OFD"))
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="",
                                        help_text=_("说明，适用于本次上传的全部文件"))
