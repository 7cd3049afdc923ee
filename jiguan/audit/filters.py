import django_filters
from django.utils.translation import gettext_lazy as _

from .models import Action, AuditEvent


class AuditEventFilter(django_filters.FilterSet):
    actor = django_filters.CharFilter(label=_("操作人账号"), field_name="actor_username", lookup_expr="iexact")
    unit = django_filters.NumberFilter(label=_("单位（含下级）"), method="filter_unit")
    action = django_filters.MultipleChoiceFilter(label=_("操作"), choices=Action.choices)
    object_type = django_filters.CharFilter(label=_("对象类型"), lookup_expr="iexact")
    object_id = django_filters.CharFilter(label=_("对象编号"))
    success = django_filters.BooleanFilter(label=_("成功"))
    since = django_filters.IsoDateTimeFilter(label=_("起始时间"), field_name="occurred_at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(label=_("截止时间"), field_name="occurred_at", lookup_expr="lt")

    class Meta:
        model = AuditEvent
        fields = ["actor", "unit", "action", "object_type", "object_id", "success", "since", "until"]

    def filter_unit(self, queryset, name, value):
        from django.apps import apps

        anchor = apps.get_model("org", "OrgUnit").objects.filter(pk=value).only("path").first()
        return queryset.filter(org_path__startswith=anchor.path) if anchor else queryset.none()
