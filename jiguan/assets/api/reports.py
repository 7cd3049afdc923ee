"""Reports (资产报表) in the API: the same figures as the report pages (``selectors.py``), for the
same units (``assets.report_asset`` scope; a unit outside it is a 404).

    GET /api/v1/assets/reports/summary/?unit=&on=&level=   资产汇总表: child unit × class at a date
    GET /api/v1/assets/reports/status/?unit=               状态统计
    GET /api/v1/assets/reports/disposals/?unit=            处置统计: completed disposals by year × method

Without ``unit`` the report is for the caller's widest unit (as the page's default).
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, permissions, serializers, viewsets
from rest_framework.response import Response

from jiguan.core.api import ScopedViewSetMixin
from jiguan.core.serializers import Serializer

from .. import selectors
from ..models import MONEY, Asset
from ..reports import ReportForm, SummaryForm

UNIT = OpenApiParameter("unit", OpenApiTypes.INT, description="统计单位 id（含下级），默认为数据范围内最高的单位")
ON = OpenApiParameter("on", OpenApiTypes.DATE, description="统计日期（默认今天）：该日已入账、尚未处置的资产，累计折旧计至该月末")
LEVEL = OpenApiParameter("level", OpenApiTypes.INT, enum=sorted(selectors.CLASS_LEVELS),
                         description="分类级次：3 门类（默认），5 大类")
KIND = serializers.ChoiceField(choices=selectors.ROW_KINDS, help_text=_("row 明细，subtotal 小计，total 合计"))


class ReportUnitSerializer(Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class SummaryRowSerializer(Serializer):
    kind = KIND
    unit = serializers.IntegerField(source="unit.pk", allow_null=True, default=None)
    unit_name = serializers.CharField()
    class_code = serializers.CharField(help_text=_("分类代码的前 3 或 5 位"))
    class_name = serializers.CharField()
    count = serializers.IntegerField(label=_("卡片数"))
    quantity = serializers.IntegerField(label=_("数量"))
    original_value = serializers.DecimalField(label=_("原值（元）"), **MONEY)
    accumulated = serializers.DecimalField(label=_("累计折旧（元）"), **MONEY)
    net_value = serializers.DecimalField(label=_("净值（元）"), **MONEY)


class SummarySerializer(Serializer):
    unit = ReportUnitSerializer()
    on = serializers.DateField()
    level = serializers.IntegerField()
    rows = SummaryRowSerializer(many=True, help_text=_("各下级单位（及本级）× 分类的明细、各单位小计，最后一行为合计"))


class StatusRowSerializer(Serializer):
    kind = KIND
    status = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    quantity = serializers.IntegerField()
    original_value = serializers.DecimalField(**MONEY)


class StatusSerializer(Serializer):
    unit = ReportUnitSerializer()
    rows = StatusRowSerializer(many=True)


class DisposalRowSerializer(Serializer):
    kind = KIND
    year = serializers.IntegerField(allow_null=True)
    method = serializers.CharField()
    method_name = serializers.CharField()
    disposals = serializers.IntegerField(label=_("处置单数"))
    count = serializers.IntegerField(label=_("资产数"))
    original_value = serializers.DecimalField(**MONEY)
    income = serializers.DecimalField(label=_("处置收入（元）"), **MONEY)


class DisposalStatsSerializer(Serializer):
    unit = ReportUnitSerializer()
    rows = DisposalRowSerializer(many=True)


class CanReport(permissions.BasePermission):
    message = _("您没有查看资产报表的权限。")

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.has_perm(
            selectors.REPORT_PERMISSION))


class AssetReportViewSet(ScopedViewSetMixin, viewsets.ViewSet):
    """资产报表. Each call is a fixed number of grouped queries whatever the number of cards, over the
    cards in the caller's scope for ``assets.report_asset`` (``selectors``: ``restrict(user, "report")``)."""

    queryset = Asset.objects.all()
    require_model_permission = False  # the report permission (CanReport) and the report scope decide
    permission_classes = [*ScopedViewSetMixin.permission_classes, CanReport]

    def scope_action(self) -> str:
        return "report"

    def _parameters(self, form_class) -> dict:
        form = form_class(self.request.query_params or None, user=self.request.user)
        if form.is_bound and not form.is_valid():
            if "unit" in form.errors:
                raise exceptions.NotFound(_("单位不存在，或不在您的数据范围内。"))
            raise exceptions.ValidationError({k: [str(m) for m in v] for k, v in form.errors.items()})
        data = dict(form.cleaned_data) if form.is_bound else {}
        data["unit"] = data.get("unit") or selectors.default_report_unit(self.request.user)
        if data["unit"] is None:
            raise exceptions.NotFound(_("您的数据范围内没有可统计的单位。"))
        return data

    @staticmethod
    def _unit(unit) -> dict:
        return {"id": unit.pk, "name": unit.name}

    @extend_schema(parameters=[UNIT, ON, LEVEL], responses=SummarySerializer, filters=False)
    def summary(self, request):
        """资产汇总表: cards, quantity, original value, accumulated depreciation and net value of the unit's
        subtree at the end of ``on``, by direct child unit (its whole subtree; the unit's own cards are the
        本级 row) × class; subtotals per unit and the total last. Equals the sum of the cards."""
        data = self._parameters(SummaryForm)
        on, level = data.get("on") or timezone.localdate(), data.get("level") or 3
        summary = selectors.asset_summary(request.user, data["unit"], on, level)
        return Response(SummarySerializer({"unit": self._unit(summary.unit), "on": on, "level": level,
                                           "rows": summary.rows}).data)

    @extend_schema(parameters=[UNIT], responses=StatusSerializer, filters=False)
    def status(self, request):
        """状态统计: cards, quantity and original value of the unit's subtree by status (every status,
        zeros included), then the total."""
        unit = self._parameters(ReportForm)["unit"]
        return Response(StatusSerializer({"unit": self._unit(unit),
                                          "rows": selectors.status_counts(request.user, unit)}).data)

    @extend_schema(parameters=[UNIT], responses=DisposalStatsSerializer, filters=False)
    def disposals(self, request):
        """处置统计: completed disposals of the unit's subtree by year of completion and method: disposals,
        cards disposed of, their original value and the income; the total last."""
        unit = self._parameters(ReportForm)["unit"]
        return Response(DisposalStatsSerializer({"unit": self._unit(unit),
                                                 "rows": selectors.disposal_stats(request.user, unit)}).data)
