"""Filters of the meetings registers (one filterset for a list page and its API)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jiguan.core.filters import SubtreeFilter

from .models import Building, Compound, Equipment, Room, RoomUsage


class CompoundFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search")
    unit = SubtreeFilter(label=_("管理单位（含下级）"), field_name="unit__path")

    class Meta:
        model = Compound
        fields = ["q", "unit"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(address__icontains=value))


class BuildingFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search")
    unit = SubtreeFilter(label=_("管理单位（含下级）"), field_name="compound__unit__path")

    class Meta:
        model = Building
        fields = ["q", "unit"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(compound__name__icontains=value))


class RoomFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search")
    unit = SubtreeFilter(label=_("管理单位（含下级）"), field_name="unit__path")
    usage = django_filters.ChoiceFilter(label=_("用途"), choices=RoomUsage.choices)
    capacity_min = django_filters.NumberFilter(label=_("至少容纳（人）"), field_name="capacity", lookup_expr="gte",
                                               min_value=0, max_value=100000)
    equipment = django_filters.ChoiceFilter(label=_("设备"), choices=Equipment.choices, method="with_equipment")
    requires_approval = django_filters.BooleanFilter(label=_("须审批"))

    class Meta:
        model = Room
        fields = ["q", "unit", "usage", "capacity_min", "equipment", "requires_approval"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(number__icontains=value)
                               | Q(compound__name__icontains=value))

    def with_equipment(self, queryset, name, value):
        return queryset.filter(equipment__contains=f",{value},")
