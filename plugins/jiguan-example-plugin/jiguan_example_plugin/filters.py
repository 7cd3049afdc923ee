import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jiguan.core.filters import SubtreeFilter

from .models import Seal, SealKind, SealStatus


class SealFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search")
    unit = SubtreeFilter(label=_("单位（含下级）"), field_name="unit__path")
    kind = django_filters.ChoiceFilter(label=_("印章类型"), choices=SealKind.choices)
    status = django_filters.ChoiceFilter(label=_("状态"), choices=SealStatus.choices)

    class Meta:
        model = Seal
        fields = ["q", "unit", "kind", "status"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(keeper__icontains=value))
