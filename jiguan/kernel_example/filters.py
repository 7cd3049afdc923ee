import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jiguan.core.filters import SubtreeFilter
from jiguan.workflow.documents import DocStatus

from .models import Key, KeyHandover, KeyKind, KeyStatus


class KeyFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search")
    unit = SubtreeFilter(label=_("单位（含下级）"), field_name="unit__path")
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=KeyKind.choices)
    status = django_filters.ChoiceFilter(label=_("状态"), choices=KeyStatus.choices)

    class Meta:
        model = Key
        fields = ["q", "unit", "kind", "status"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(code__icontains=value) | Q(room__icontains=value) | Q(holder__icontains=value))


class KeyHandoverFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search")
    unit = SubtreeFilter(label=_("单位（含下级）"), field_name="unit__path")
    status = django_filters.ChoiceFilter(label=_("状态"), choices=DocStatus.choices)

    class Meta:
        model = KeyHandover
        fields = ["q", "unit", "status"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(number__icontains=value) | Q(to_holder__icontains=value))
