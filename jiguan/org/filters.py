import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiguan.core.filters import SubtreeFilter, YesNoFilter

from .models import ApiToken, ApiTokenStatus, Duty, OrgKind, OrgUnit, Role, RoleAssignment, User


class OrgUnitFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search")
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=OrgKind.choices)
    within = SubtreeFilter(label=_("所属上级（含下级）"), field_name="path")
    is_active = YesNoFilter(label=_("启用"))

    class Meta:
        model = OrgUnit
        fields = ["q", "kind", "within", "is_active"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(short_name__icontains=value) |
                               Q(credit_code__iexact=value) | Q(region_code=value))


class UserFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search")
    unit = SubtreeFilter(label=_("单位（含下级）"), field_name="unit__path")
    is_active = YesNoFilter(label=_("启用"))

    class Meta:
        model = User
        fields = ["q", "unit", "is_active"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(username__icontains=value) | Q(full_name__icontains=value) | Q(phone=value))


class RoleFilter(django_filters.FilterSet):
    # Named here, not derived from the model: a derived label falls back to the field name ("Duty")
    # when the filter is built while the model's field cannot be resolved.
    duty = django_filters.ChoiceFilter(label=_("职责类别"), choices=Duty.choices)
    is_active = YesNoFilter(label=_("启用"))

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


class ApiTokenFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("状态"), choices=ApiTokenStatus.choices, method="by_status")

    class Meta:
        model = ApiToken
        fields = ["status", "is_named"]

    def by_status(self, queryset, name, value):
        now = timezone.now()
        if value == ApiTokenStatus.REVOKED:
            return queryset.filter(revoked_at__isnull=False)
        if value == ApiTokenStatus.EXPIRED:
            return queryset.filter(revoked_at__isnull=True, expires_at__lte=now)
        return queryset.filter(revoked_at__isnull=True, expires_at__gt=now)
