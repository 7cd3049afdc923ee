"""Filters of the assets app, shared by the list pages, their Excel exports and the API."""

import re

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jiguan.core.filters import DateFilter, SubtreeFilter

from .forms import ClassPicker, class_shown
from .models import (
    Asset,
    AssetEvent,
    AssetStatus,
    ConfigurationRequest,
    DepreciationEntry,
    DepreciationRun,
    Disposal,
    DocStatus,
    EventKind,
    Transfer,
    ValueChange,
    period_index,
)
from .services import class_prefix

ASCII_WORD = re.compile(r"^[A-Za-z]+$")


class AssetFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search",
                                  help_text=_("资产编码、名称、名称拼音首字母（如 bgz 查办公桌）、规格型号"))
    owner = SubtreeFilter(label=_("产权单位（含下级）"), field_name="owner_unit__path")
    class_code = django_filters.CharFilter(label=_("资产分类（含下级）"), method="filter_class",
                                           help_text=_("GB/T 14885-2022 分类代码，如 A02010000"),
                                           widget=ClassPicker(blank=_("全部"), resolve=class_shown))
    # distinct=False: a card has one status, and DISTINCT over every column defeats the indexes.
    status = django_filters.MultipleChoiceFilter(label=_("使用状态"), choices=AssetStatus.choices, distinct=False)
    user = django_filters.CharFilter(label=_("使用人"), method="filter_person")
    location = django_filters.CharFilter(label=_("存放地点"), field_name="location", lookup_expr="icontains")
    value_min = django_filters.NumberFilter(label=_("原值不低于（元）"), field_name="original_value", lookup_expr="gte")
    value_max = django_filters.NumberFilter(label=_("原值不高于（元）"), field_name="original_value", lookup_expr="lte")
    # Typed as 2024-01-15, 2024/1/15 or 2024年1月15日 (core.filters.DateFilter).
    acquired_from = DateFilter(label=_("取得日期自"), field_name="acquired_on", lookup_expr="gte")
    acquired_to = DateFilter(label=_("取得日期至"), field_name="acquired_on", lookup_expr="lte")

    class Meta:
        model = Asset
        fields = ["q", "owner", "class_code", "status", "user", "location", "value_min", "value_max",
                  "acquired_from", "acquired_to"]

    def search(self, queryset, name, value):
        """Code prefix, name or model substring, pinyin-initials prefix. On PostgreSQL every arm has an
        index on exactly the SQL it emits (``icontains`` is ``UPPER(col) LIKE UPPER('%…%')``: the
        trigram indexes of migration 0006; the prefixes: ``varchar_pattern_ops`` btrees), so the OR
        is a BitmapOr. A name query under three characters has no trigram and scans the name arms."""
        value = value.strip()
        if not value:
            return queryset
        condition = Q(code__startswith=value) | Q(name__icontains=value) | Q(spec_model__icontains=value)
        if ASCII_WORD.match(value):
            condition |= Q(name_initials__startswith=value.lower())
        return queryset.filter(condition)

    def filter_class(self, queryset, name, value):
        value = value.strip().upper()
        return queryset.filter(class_code__startswith=class_prefix(value)) if value else queryset

    def filter_person(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(user__full_name__icontains=value) | Q(user__username=value) |
                               Q(keeper__full_name__icontains=value))


class TransferFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("调拨单号"), field_name="number", lookup_expr="icontains")
    status = django_filters.ChoiceFilter(label=_("状态"), choices=DocStatus.choices)
    from_unit = SubtreeFilter(label=_("调出单位（含下级）"), field_name="from_unit__path")
    to_unit = SubtreeFilter(label=_("调入单位（含下级）"), field_name="to_unit__path")

    class Meta:
        model = Transfer
        fields = ["q", "status", "from_unit", "to_unit"]


class DisposalFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("处置单号"), field_name="number", lookup_expr="icontains")
    status = django_filters.ChoiceFilter(label=_("状态"), choices=DocStatus.choices)
    unit = SubtreeFilter(label=_("处置单位（含下级）"), field_name="unit__path")

    class Meta:
        model = Disposal
        fields = ["q", "status", "unit"]


class ValueChangeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("调整单号或资产编号"), method="filter_q")
    status = django_filters.ChoiceFilter(label=_("状态"), choices=DocStatus.choices)
    unit = SubtreeFilter(label=_("产权单位（含下级）"), field_name="unit__path")

    class Meta:
        model = ValueChange
        fields = ["q", "status", "unit"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(number__icontains=value) | Q(asset__code=value)) if value else queryset


class ConfigurationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search")
    status = django_filters.ChoiceFilter(label=_("状态"), choices=DocStatus.choices)
    unit = SubtreeFilter(label=_("申请单位（含下级）"), field_name="unit__path")

    class Meta:
        model = ConfigurationRequest
        fields = ["q", "status", "unit"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(number__icontains=value) | Q(item_name__icontains=value))


class RunFilter(django_filters.FilterSet):
    unit = SubtreeFilter(label=_("计提范围（含下级）"), field_name="unit__path")

    class Meta:
        model = DepreciationRun
        fields = ["unit"]


class EventFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("事项"), choices=EventKind.choices)

    class Meta:
        model = AssetEvent
        fields = ["kind"]


class PeriodFilter(django_filters.CharFilter):
    """A month given as ``YYYY-MM`` (e.g. 2026-11), matched against a period index."""

    field_class = forms.RegexField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("regex", r"^\d{4}-(0[1-9]|1[0-2])$")
        kwargs.setdefault("error_messages", {"invalid": _("期间格式应为 YYYY-MM，如 2026-11。")})
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        year, month = value.split("-")
        return qs.filter(**{self.field_name: period_index(int(year), int(month))})


class LedgerFilter(django_filters.FilterSet):
    period = PeriodFilter(label=_("期间"), field_name="period", help_text=_("YYYY-MM，如 2026-11"))
    owner = SubtreeFilter(label=_("产权单位（含下级）"), field_name="owner_unit__path")
    class_code = django_filters.CharFilter(label=_("资产分类（含下级）"), method="filter_class",
                                           widget=ClassPicker(blank=_("全部"), resolve=class_shown))

    class Meta:
        model = DepreciationEntry
        fields = ["period", "owner", "class_code"]

    def filter_class(self, queryset, name, value):
        value = value.strip().upper()
        return queryset.filter(class_code__startswith=class_prefix(value)) if value else queryset
