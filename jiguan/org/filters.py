import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import OrgKind, OrgUnit, Role, RoleAssignment, User


class OrgUnitFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search")
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=OrgKind.choices)
    within = django_filters.NumberFilter(label=_("所属上级（含下级）"), method="filter_within")
    is_active = django_filters.BooleanFilter(label=_("启用"))

    class Meta:
        model = OrgUnit
        fields = ["q", "kind", "within", "is_active"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(short_name__icontains=value) |
                               Q(credit_code__iexact=value) | Q(region_code=value))

    def filter_within(self, queryset, name, value):
        anchor = OrgUnit.objects.filter(pk=value).only("path").first()
        return queryset.filter(path__startswith=anchor.path) if anchor else queryset.none()


class UserFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search")
    unit = django_filters.NumberFilter(label=_("单位（含下级）"), method="filter_unit")
    is_active = django_filters.BooleanFilter(label=_("启用"))

    class Meta:
        model = User
        fields = ["q", "unit", "is_active"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(username__icontains=value) | Q(full_name__icontains=value) | Q(phone=value))

    def filter_unit(self, queryset, name, value):
        anchor = OrgUnit.objects.filter(pk=value).only("path").first()
        return queryset.filter(unit__path__startswith=anchor.path) if anchor else queryset.none()


class RoleFilter(django_filters.FilterSet):
    class Meta:
        model = Role
        fields = ["duty", "is_active"]


class RoleAssignmentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("用户"), method="search")

    class Meta:
        model = RoleAssignment
        fields = ["q", "role"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(user__username__icontains=value) | Q(user__full_name__icontains=value))
